#!/usr/bin/env bash
# End-to-end: `rwkvq queue status --html` (issue 12, point 4), the public status page.
# A queue of five requests inside a trainer checkout's notebook/community/ (one with markup in
# its title): one dispatched through the GitHub look-alike (tests/runner/github_server.py on
# 127.0.0.1) and synced (running, with its run link), one dispatched and synced to success
# (done, with its run link), one started by hand on a named node and failed, a two-part one
# running by hand, one queued. Then:
#  (a) a structural check with python3's html.parser: well-formed nesting, one <svg> per lane of
#      `queue plan`, a row per active request in the order of `queue list --format json` with the
#      plan's start and finish, no script and nothing loaded (only <a href> to http(s) links),
#      the markup of the title escaped, nothing private (token, local paths, node names,
#      maintainers' names); the same --now gives the same bytes. The checker is first shown
#      to catch a broken page.
#  (b) a real headless browser (Debian's chromium), phone (412×915) and desktop (1366×900):
#      no console message, a screenshot that is not blank, no horizontal overflow of the page
#      outside the scrolling boxes at phone width; the console and blank checks are first
#      shown to catch a page with a script error and a blank page. Each chromium run has a
#      60 s limit and leaves no process behind. The phone screenshot is kept beside the binary
#      (build/status-page-phone.png, build/status-page-phone-full.png the whole page at phone
# width, and build/status-page.html).
# Without chromium the structural part still runs and must pass; the browser part is then
# skipped (exit 77, a SKIP line). Usage: bash status_page.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import json, os, re, shutil, signal, struct, subprocess, sys, tempfile, time, urllib.request, zlib
from html.parser import HTMLParser
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E

t = E2E(sys.argv[1], sys.argv[2])
EX = os.path.join(t.root, "examples", "requests")
OUT_DIR = os.path.dirname(t.binary)  # build/: where the screenshot is kept
tmp = tempfile.mkdtemp(prefix="rwkvq-status-")
TOKEN = "ghp_e2e_status_token_789"
EVIL_TITLE = 'Tiny <script>alert("pwn")</script> Shakespeare & <b>co</b>'
srv = subprocess.Popen([sys.executable, os.path.join(t.root, "tests", "runner", "github_server.py"), TOKEN],
                       stdout=subprocess.PIPE)
port = int(srv.stdout.readline())
API = f"http://127.0.0.1:{port}"
Q = os.path.join(tmp, "queue.json")
ENV = {"GITHUB_API_URL": API, "GITHUB_TOKEN": TOKEN, "RWKVQ_QUEUE": Q, "NO_COLOR": "1", "USER": "maint-ana",
       "XDG_CACHE_HOME": os.path.join(tmp, "cache"), "HOME": tmp,
       "http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "", "ALL_PROXY": "", "all_proxy": ""}


def run(args, ok=True, **kw):
    rc, out, err, _ = t.run(args, env=ENV, timeout=kw.pop("timeout", 30), **kw)
    if ok:
        t.check(rc == 0, f"rwkvq {' '.join(args)}: exit {rc}: {err}")
    return rc, out, err


def api(path, doc=None):
    req = urllib.request.Request(API + path, data=json.dumps(doc).encode() if doc is not None else None,
                                 method="POST" if doc is not None else "GET")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)


def queue():
    with open(Q) as f:
        return json.load(f)


def requests():
    # the active queue, then the finished requests moved to the archive beside it (docs/queue.md)
    path = os.path.splitext(Q)[0] + ".archive.jsonl"
    archived = []
    if os.path.exists(path):
        with open(path) as f:
            archived = [json.loads(line) for line in f if line.strip()]
    return queue()["requests"] + archived


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


# ---------------------------------------------------------------- (a) the structural checker
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LOADING = {"src", "srcset", "poster", "data", "action", "formaction", "background", "xlink:href", "ping"}


class Structure(HTMLParser):
    """Nesting, elements, attributes and text of a page; problems collected in .errors."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.elements = [], [], []
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a, list(self.stack)))
        self.attrs(tag, a)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):  # <rect .../>: fine in SVG
        a = dict(attrs)
        self.elements.append((tag, a, list(self.stack)))
        self.attrs(tag, a)
        if tag not in VOID and "svg" not in self.stack:
            self.errors.append(f"<{tag}/> self-closed outside SVG")

    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"end tag of the void element {tag}")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}> "
                               f"(open: {'>'.join(self.stack)})")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append((data, list(self.stack)))

    def attrs(self, tag, a):
        for k, v in a.items():
            if k in LOADING:
                self.errors.append(f"<{tag} {k}=...>: loads something")
            if k.startswith("on"):
                self.errors.append(f"<{tag} {k}=...>: an event handler")
            if k == "href" and (tag != "a" or not re.match(r"https?://", v or "")):
                self.errors.append(f"<{tag} href={v!r}>: only <a href> to http(s) links may appear")
            if k == "style" and v and ("url(" in v or "@import" in v):
                self.errors.append(f"<{tag} style>: loads something")
        if tag in ("script", "link", "iframe", "object", "embed", "img", "base", "frame", "audio", "video"):
            self.errors.append(f"<{tag}>: not allowed in the self-contained page")


def structure(html):
    p = Structure()
    p.feed(html)
    p.close()
    if p.stack:
        p.errors.append("unclosed at the end: " + ">".join(p.stack))
    names = [e[0] for e in p.elements]
    for once in ("html", "head", "body", "header", "main", "footer"):
        if names.count(once) != 1:
            p.errors.append(f"{names.count(once)} <{once}> elements")
    for data, stack in p.text:
        if stack and stack[-1] == "style" and ("url(" in data or "@import" in data):
            p.errors.append("the style sheet loads something")
    if not re.match(r"<!DOCTYPE html>\n", html):
        p.errors.append("no <!DOCTYPE html> first")
    return p


def lanes(p):
    """data-node of each <figure class=lane>, and how many <svg> each holds; SVGs outside lanes."""
    out, stray = [], 0
    figs = []
    for tag, a, stack in p.elements:
        if tag == "figure" and "lane" in (a.get("class") or "").split():
            figs.append([a.get("data-node"), 0])
        elif tag == "svg":
            if "figure" in stack and figs:
                figs[-1][1] += 1
            else:
                stray += 1
    return figs, stray


def _rows(p, cls):
    """The attributes of each <tr data-id> of the <table class=cls>."""
    rows, current = [], None
    for tag, a, stack in p.elements:
        if tag == "table":
            current = (a.get("class") or "").split()
        if tag == "tr" and current and cls in current and "data-id" in a:
            rows.append(a)
    return rows


def row_times(html, rid):
    m = re.search(r'<tr data-id="' + re.escape(rid) + r'" data-position="\d+">(.*?)</tr>', html, re.S)
    return re.findall(r'<time datetime="([^"]+)">', m.group(1)) if m else None


# The checker catches what it must: broken nesting, something loaded, a script.
bad = structure("<!DOCTYPE html>\n<html><head><title>x</title><link rel=stylesheet href='https://cdn.example/a.css'>"
                "</head><body><header></header><main><section><p>x</section></main><footer>"
                "<img src='https://x.example/i.png'><script>1</script></footer></body></html>")
t.check(any("closes <p>" in e for e in bad.errors), f"checker: broken nesting not caught: {bad.errors}")
t.check(any("href=" in e for e in bad.errors) and any("src=" in e for e in bad.errors)
        and any("<script>" in e for e in bad.errors), f"checker: loads / script not caught: {bad.errors}")
t.check(structure("<!DOCTYPE html>\n<html><head></head><body><header></header><main><div></main>"
                  "<footer></footer></body></html>").errors != [], "checker: an unclosed <div> not caught")

page = os.path.join(tmp, "status.html")
try:
    # ------------------------------------------------------------ the queue
    co = os.path.join(tmp, "home", "maint", "trainer")
    dirs = {}
    for name, src in (("alpha", "clean-single"), ("beta", "clean-single"), ("gamma", "clean-two-part"),
                      ("delta", "clean-single"), ("epsilon", "clean-single")):
        d = os.path.join(co, "notebook", "community", name)
        shutil.copytree(os.path.join(EX, src), d)
        dirs[name] = d
    # alpha's title holds markup (a contributor can write anything in the markdown)
    nbp = os.path.join(dirs["alpha"], "training-notebook.ipynb")
    with open(nbp) as f:
        nb = json.load(f)
    src0 = "".join(nb["cells"][0]["source"])
    nb["cells"][0]["source"] = re.sub(r"^# .*$", "# " + EVIL_TITLE, src0, count=1, flags=re.M)
    with open(nbp, "w") as f:
        json.dump(nb, f, indent=1)
    ids = {}
    for name, extra in (("alpha", ["--kind", "rwkv-x"]), ("beta", []), ("gamma", ["--kind", "community-priority"]),
                        ("delta", []), ("epsilon", ["--boost", "3"])):
        rc, out, err = run(["queue", "add", dirs[name]] + extra)
        ids[name] = out.strip()
    A, B, G, D, E = (ids[n] for n in ("alpha", "beta", "gamma", "delta", "epsilon"))
    t.check(all(re.fullmatch(r"r\d+", i) for i in ids.values()), f"queue add ids: {ids}")
    t.check(any(e["title"] == EVIL_TITLE for e in queue()["requests"]),
            f"the markup title did not reach the queue: {[e['title'] for e in queue()['requests']]}")

    # beta: dispatched 5 h ago (the queue backdated as in runner.sh), its run took 3 h and
    # succeeded (done, with its run); alpha: dispatched now, its run in progress
    run(["queue", "dispatch", B, "--by", "maint-bob"])
    run(["queue", "sync"])
    q = queue()
    past = time.time() - 5 * 3600
    for e in q["requests"]:
        if e["id"] == B:
            e["parts"][0]["dispatch"]["at"] = e["parts"][0]["started"] = iso(past)
            rb = e["parts"][0]["run"]
    with open(Q, "w") as f:
        json.dump(q, f, indent=1)
    api("/_runs", [{"id": rb["id"], "created_at": iso(past + 20), "run_started_at": iso(past + 60),
                    "status": "completed", "conclusion": "success", "updated_at": iso(past + 60 + 3 * 3600)}])
    run(["queue", "sync"])
    run(["queue", "dispatch", A, "--by", "maint-bob"])
    run(["queue", "sync"])
    # delta: started by hand on a named node, failed; gamma: part 1 running by hand
    run(["queue", "start", D, "--node", "gpu-node-secret-7", "--at", "3h ago"])
    run(["queue", "fail", D, "--at", "2h ago", "--reason", "private note: node 7 OOM"])
    run(["queue", "start", G, "--node", "gpu-node-secret-9", "--at", "1h ago"])
    states = {e["id"]: [p["state"] for p in e["parts"]] for e in requests()}
    t.check(states == {A: ["running"], B: ["done"], G: ["running", "queued"], D: ["failed"], E: ["queued"]},
            f"queue states: {states}")
    run_a = next(e for e in requests() if e["id"] == A)["parts"][0].get("run", {}).get("url", "")
    run_b = next(e for e in requests() if e["id"] == B)["parts"][0].get("run", {}).get("url", "")
    t.check(run_a.startswith("https://github.com/") and run_b.startswith("https://github.com/"),
            f"run URLs: {run_a!r} {run_b!r}")

    # ------------------------------------------------------------ the page
    NOW = iso(int(time.time()) // 60 * 60)
    rc, out, err = run(["queue", "status", "--html", page, "--now", NOW])
    print("$ rwkvq queue status --html status.html --now " + NOW + "\n" + out.replace(tmp, "$TMP"), end="")
    with open(page, encoding="utf-8") as f:
        html = f.read()
    rc, out2, err = run(["queue", "status", "--html", page + ".2", "--now", NOW])
    with open(page + ".2", encoding="utf-8") as f:
        t.check(f.read() == html, "the same --now gave a different page")
    rc, text, err = run(["queue", "status", "--now", NOW])
    print("$ rwkvq queue status --now " + NOW + "\n" + text, end="")
    rc, lst, err = run(["queue", "list", "--format", "json"])
    ranked = [r["id"] for r in json.loads(lst)["requests"] if r["rank"] is not None]
    rc, pl, err = run(["queue", "plan", "--from", NOW, "--format", "json"])
    plan = json.loads(pl)
    rc, _, err = run(["queue", "status", "--now", "yesterday"], ok=False)
    t.check(rc == 2 and "--now 'yesterday': not a time" in err, f"--now yesterday: {rc} {err}")
    rc, _, err = run(["queue", "status", "--format", "json"], ok=False)
    t.check(rc == 2, f"status --format json: {rc} {err}")

    # (a) structure
    p = structure(html)
    t.check(p.errors == [], "structure: " + "; ".join(p.errors[:10]))
    figs, stray = lanes(p)
    t.check(stray == 0, f"{stray} <svg> outside a lane")
    t.check([f[0] for f in figs] == [n["name"] for n in plan["nodes"]],
            f"lanes {[f[0] for f in figs]} != plan nodes {[n['name'] for n in plan['nodes']]}")
    t.check(all(f[1] == 1 for f in figs), f"not exactly one <svg> per lane: {figs}")
    rows = _rows(p, "queue")
    t.check([r["data-id"] for r in rows] == ranked, f"queue rows {[r['data-id'] for r in rows]} != list {ranked}")
    t.check([r["data-position"] for r in rows] == [str(i + 1) for i in range(len(rows))], "positions not 1..n")
    t.check(sorted(ranked) == sorted([A, G, D, E]), f"active requests: {ranked}")
    for rid in ranked:
        items = [i for i in plan["items"] if i["id"] == rid]
        times = row_times(html, rid)
        unplanned = any(u["id"] == rid for u in plan["unplanned"])
        if items and not unplanned:
            t.check(times == [min(i["start"] for i in items), max(i["end"] for i in items)],
                    f"{rid}: page times {times} != plan {[(i['start'], i['end']) for i in items]}")
        else:
            t.check(times is not None and len(times) <= 1 and "not planned" in
                    re.search(r'<tr data-id="' + rid + r'".*?</tr>', html, re.S).group(0),
                    f"{rid}: unplanned but the page says {times}")
    t.check(next(u for u in plan["unplanned"] if u["id"] == D)["why"].startswith("failed"), "delta is not unplanned")
    # running: alpha with its run link, gamma by hand; recent: beta done (run link), delta failed
    t.check([r["data-id"] for r in _rows(p, "running")] == [i for i in ranked if i in (A, G)],
            f"running rows: {[r['data-id'] for r in _rows(p, 'running')]}")
    t.check([r["data-id"] for r in _rows(p, "recent")] == [B, D] or
            [r["data-id"] for r in _rows(p, "recent")] == [D, B], f"recent rows: {_rows(p, 'recent')}")
    links = [a.get("href") for tag, a, _ in p.elements if tag == "a"]
    t.check(run_a in links and run_b in links, f"run links missing: {links}")
    # escaping: the title is text, not markup
    texts = "".join(d for d, _ in p.text)
    t.check(EVIL_TITLE in texts, "the markup title is not shown as text")
    t.check("&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt;" in html, "the title is not escaped")
    t.check(not any(tag in ("script", "b") for tag, _, _ in p.elements), "markup from the title became elements")
    # nothing private
    for secret, what in ((TOKEN, "the token"), (tmp, "a local path"), ("/home/maint", "a local path"),
                         ("gpu-node-secret", "a node name"), ("maint-bob", "a maintainer's name"),
                         ("maint-ana", "a maintainer's name"), ("private note", "a maintainer's note"),
                         (API, "the API URL"), ("queue.json", "the queue file")):
        t.check(secret not in html, f"the page shows {what}: {secret}")
    t.check("community/alpha" in html and "community/gamma" in html, "the public folders are not shown")
    for name in ("status-page.html",):
        shutil.copyfile(page, os.path.join(OUT_DIR, name))

    # (b) the browser
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if t.failures:
        pass
    elif not chromium:
        print("SKIP: browser part: chromium is not installed (apt-get install -y chromium); the structural part passed")
    else:
        def stragglers(profile):
            left = []
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if profile.encode() in f.read():
                            left.append(int(pid))
                except OSError:
                    pass
            return left

        def chrome(url, size, extra):
            """One headless chromium run in its own session and profile, at most 60 s; every
            process it started is gone afterwards. Returns (exit code, stdout, stderr)."""
            profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
            cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-extensions", "--disable-background-networking", "--disable-sync",
                   "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                   f"--window-size={size[0]},{size[1]}"] + extra + [url]
            env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS="disabled:")
            pr = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)
            try:
                out, err = pr.communicate(timeout=60)
                rc = pr.returncode
            except subprocess.TimeoutExpired:
                rc, out, err = None, b"", b""
                t.check(False, f"chromium {url}: still running after 60 s")
            finally:
                try:
                    os.killpg(pr.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pr.wait()
            for pid in stragglers(profile):  # ours: they carry our unique profile folder
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
            t.check(stragglers(profile) == [], f"chromium left processes behind: {stragglers(profile)}")
            return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

        def console_lines(err):
            return [l for l in err.splitlines() if ":CONSOLE" in l or "Uncaught" in l]

        def png_stats(path):
            """(width, height, distinct colours, share of pixels that are not white) of an 8-bit
            RGB(A) PNG, decoded with zlib (no PIL)."""
            with open(path, "rb") as f:
                data = f.read()
            assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
            pos, idat, w = 8, b"", 0
            while pos < len(data):
                ln, kind = struct.unpack(">I4s", data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + ln]
                if kind == b"IHDR":
                    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
                    assert depth == 8 and ctype in (2, 6) and interlace == 0, f"PNG type {depth}/{ctype}/{interlace}"
                    bpp = 3 if ctype == 2 else 4
                elif kind == b"IDAT":
                    idat += body
                pos += 12 + ln
            raw = zlib.decompress(idat)
            stride = w * bpp
            prev = bytearray(stride)
            colours, ink = set(), 0
            for y in range(h):
                ft = raw[y * (stride + 1)]
                line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
                if ft == 1:
                    for i in range(bpp, stride):
                        line[i] = (line[i] + line[i - bpp]) & 255
                elif ft == 2:
                    line = bytearray((a + b) & 255 for a, b in zip(line, prev))
                elif ft == 3:
                    for i in range(stride):
                        line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
                elif ft == 4:
                    for i in range(stride):
                        a = line[i - bpp] if i >= bpp else 0
                        b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                for x in range(0, stride, bpp):
                    px = bytes(line[x:x + 3])
                    colours.add(px)
                    ink += px != b"\xff\xff\xff"
                prev = line
            return w, h, len(colours), ink / float(w * h)

        def not_blank(stats):
            return stats[2] >= 24 and stats[3] >= 0.02

        # The checks catch what they must: a script error, a blank page.
        neg = os.path.join(tmp, "negative.html")
        with open(neg, "w") as f:
            f.write("<!DOCTYPE html><html><head><meta charset='utf-8'><title>x</title></head>"
                    "<body><script>no_such_function_here();</script></body></html>")
        rc, out, err = chrome("file://" + neg, (412, 915), ["--screenshot=" + os.path.join(tmp, "neg.png")])
        t.check(any("no_such_function_here" in l for l in console_lines(err)),
                f"the console check does not catch a script error: {err[-1500:]}")
        stats = png_stats(os.path.join(tmp, "neg.png"))
        t.check(not not_blank(stats), f"the blank check does not catch a blank page: {stats}")

        shot = os.path.join(OUT_DIR, "status-page-phone.png")
        full = os.path.join(OUT_DIR, "status-page-phone-full.png")  # the whole page at phone width
        for label, size, dest in (("phone", (412, 915), shot), ("desktop", (1366, 900), os.path.join(tmp, "desk.png")),
                                  ("phone, whole page", (412, 2800), full)):
            if os.path.exists(dest):
                os.remove(dest)
            start = time.monotonic()
            rc, out, err = chrome("file://" + page, size, ["--screenshot=" + dest])
            secs = time.monotonic() - start
            t.check(rc == 0, f"chromium {label}: exit {rc}: {err[-1500:]}")
            t.check(console_lines(err) == [], f"{label}: console messages: {console_lines(err)}")
            if t.check(os.path.exists(dest), f"{label}: no screenshot"):
                st = png_stats(dest)
                t.check((st[0], st[1]) == size, f"{label}: screenshot is {st[0]}x{st[1]}, expected {size}")
                t.check(not_blank(st), f"{label}: the screenshot looks blank: {st}")
                print(f"chromium {label} {size[0]}x{size[1]}: no console messages, {st[2]} colours, "
                      f"{st[3] * 100:.0f}% of the pixels not white ({secs:.1f} s)")

        # Phone width: nothing but the scrolling boxes is wider than the viewport. A probe copy
        # of the page (the page itself has no script) measures itself at load and whenever the
        # window is resized, and logs it to the console: headless chromium lays the page out
        # 500 px wide first and resizes it to --window-size before the screenshot, so the last
        # report is the phone's.
        probe = os.path.join(tmp, "probe.html")

        def overflows(r):  # the page is wider than the viewport, or an element outside the boxes is
            return r["scroll"] > r["width"] or r["bad"] != []

        js = ("<script>function probe(){var w=document.documentElement.clientWidth,bad=[];"
              "document.querySelectorAll('body *').forEach(function(e){if(e.closest('.scroll'))return;"
              "var r=e.getBoundingClientRect();if(r.right>w+1||r.left<-1)bad.push(e.tagName+'.'+e.className)});"
              "console.log('PROBE '+JSON.stringify({width:w,scroll:document.documentElement.scrollWidth,"
              "bad:bad.slice(0,10),svgs:document.querySelectorAll('svg').length}))}"
              "addEventListener('load',probe);addEventListener('resize',probe)</script>")
        with open(probe, "w", encoding="utf-8") as f:
            f.write(html.replace("</body>", js + "</body>"))
        rc, out, err = chrome("file://" + probe, (412, 915), ["--screenshot=" + os.path.join(tmp, "probe.png")])
        reports = re.findall(r'"PROBE (\{.*\})", source:', err)
        others = [l for l in console_lines(err) if "PROBE" not in l]
        t.check(others == [], f"probe: console messages: {others}")
        if t.check(reports != [], f"the probe did not report: {err[-1500:]}"):
            r = json.loads(reports[-1])
            # 412 px less the vertical scroll bar
            t.check(392 <= r["width"] <= 412, f"the phone viewport is {r['width']} px wide, not 412")
            t.check(not overflows(r), f"horizontal overflow at phone width: {r}")
            t.check(r["svgs"] == len(plan["nodes"]), f"the browser sees {r['svgs']} SVGs")
            print(f"phone layout: viewport {r['width']} px, page {r['scroll']} px wide, nothing outside the "
                  f"scrolling boxes overflows, {r['svgs']} SVG lanes")
        # ... and the probe catches an overflow: a long unbreakable line outside any box.
        with open(probe, "w", encoding="utf-8") as f:
            f.write(html.replace("</body>", "<pre>" + "x" * 200 + "</pre>" + js + "</body>"))
        rc, out, err = chrome("file://" + probe, (412, 915), ["--screenshot=" + os.path.join(tmp, "probe.png")])
        reports = re.findall(r'"PROBE (\{.*\})", source:', err)
        t.check(reports != [] and overflows(json.loads(reports[-1])),
                f"the overflow probe does not catch a 200-character line: {reports[-1:]}")
        print(f"phone screenshots: {shot} (first screen), {full} (the whole page)")
finally:
    srv.kill()
    srv.wait()
    shutil.rmtree(tmp, ignore_errors=True)

if t.failures:
    t.finish("status_page")
if not (shutil.which("chromium") or shutil.which("chromium-browser")):
    print(f"status_page: structural part: all {t.checks} checks passed; browser part skipped")
    sys.exit(77)
t.finish("status_page")
PYEOF
