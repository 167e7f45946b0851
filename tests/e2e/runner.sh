#!/usr/bin/env bash
# End-to-end: `queue dispatch / sync / import` (DESIGN §10) against the GitHub look-alike
# tests/runner/github_server.py on 127.0.0.1 (GITHUB_API_URL points there; nothing else is
# contacted). Dispatch: --dry-run sends nothing and masks the token; 401/422 exit 1 with the
# API's message and leave the queue byte-identical; 5xx after the retries exits 2, also
# byte-identical; 204 marks the part running with the dispatch recorded; the exact request the
# server saw (method, path, headers, body); only a runnable part, only inside notebook/. Sync:
# a queued run is recorded and the part stays running; two parts dispatched together are told
# apart by job name; a success → done with the run's real hours (and the learned summary), a
# failure → failed; a run nobody dispatched is reported; a second sync changes nothing. Import:
# every page by Link, the folders per pull request, --add fetches refs/pull/N/head (libgit2) and
# queues what validates with PR number and author; a second --add queues nothing twice.
# The token never appears in any output. Usage: bash runner.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
command -v git >/dev/null || { echo "skip: git is needed to build the test repositories"; exit 77; }
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import calendar, hashlib, json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E

t = E2E(sys.argv[1], sys.argv[2])
EX = os.path.join(t.root, "examples", "requests")
tmp = tempfile.mkdtemp(prefix="rwkvq-runner-")
TOKEN = "ghp_e2e_secret_token_456"
srv = subprocess.Popen([sys.executable, os.path.join(t.root, "tests", "runner", "github_server.py"), TOKEN],
                       stdout=subprocess.PIPE)
port = int(srv.stdout.readline())
API = f"http://127.0.0.1:{port}"
Q = os.path.join(tmp, "queue.json")
ENV = {"GITHUB_API_URL": API, "GITHUB_TOKEN": TOKEN, "RWKVQ_QUEUE": Q, "NO_COLOR": "1",
       "XDG_CACHE_HOME": os.path.join(tmp, "cache"), "HOME": tmp,
       "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@x",
       "http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "", "ALL_PROXY": "", "all_proxy": ""}

def api(path, doc=None):
    req = urllib.request.Request(API + path, data=json.dumps(doc).encode() if doc is not None else None,
                                 method="POST" if doc is not None else "GET")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)

def log():
    return api("/_log")

def reset():
    api("/_reset")

def run(args, env=None, **kw):
    rc, out, err, _ = t.run(args, env=dict(ENV, **(env or {})), timeout=kw.pop("timeout", 30), **kw)
    t.check(TOKEN not in out and TOKEN not in err, f"rwkvq {' '.join(args)}: the token was printed")
    return rc, out, err

def digest():
    with open(Q, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

def queue():
    with open(Q) as f:
        return json.load(f)

def archived():
    # Finished requests move to the archive beside the queue, one per line (docs/queue.md).
    path = os.path.splitext(Q)[0] + ".archive.jsonl"
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]

def entry(rid):
    return next(e for e in queue()["requests"] + archived() if e["id"] == rid)

def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))

def check_schema():
    import jsonschema
    with open(os.path.join(t.root, "schemas", "queue.schema.json")) as f:
        jsonschema.validate(queue(), json.load(f))

try:
    # A checkout with two requests inside notebook/community/, and one outside any notebook/.
    co = os.path.join(tmp, "trainer")
    shutil.copytree(os.path.join(EX, "clean-single"), os.path.join(co, "notebook", "community", "alpha"))
    shutil.copytree(os.path.join(EX, "clean-single"), os.path.join(co, "notebook", "community", "beta"))
    shutil.copytree(os.path.join(EX, "clean-single"), os.path.join(tmp, "elsewhere"))
    ids = {}
    for name, d in (("alpha", os.path.join(co, "notebook", "community", "alpha")),
                    ("beta", os.path.join(co, "notebook", "community", "beta")),
                    ("elsewhere", os.path.join(tmp, "elsewhere"))):
        rc, out, err = run(["queue", "add", d])
        t.check(rc == 0, f"queue add {name}: exit {rc}: {err}")
        ids[name] = out.strip()
    A, B, E = ids["alpha"], ids["beta"], ids["elsewhere"]
    NB_A = "community/alpha/training-notebook.ipynb"

    # 1. --dry-run: the request, token masked, nothing sent, nothing changed.
    reset()
    before = digest()
    rc, out, err = run(["queue", "dispatch", A, "--dry-run"])
    t.check(rc == 0, f"dry run: exit {rc}: {err}")
    t.check(out.startswith(f"POST {API}/repos/RWKV/RWKV-infctx-trainer/actions/workflows/notebook-run.yml/dispatches\n"),
            f"dry run: method and URL: {out}")
    t.check("Authorization: Bearer ****" in out, f"dry run: the token is not shown masked: {out}")
    t.check("X-GitHub-Api-Version: 2022-11-28" in out and "Accept: application/vnd.github+json" in out,
            f"dry run: API headers: {out}")
    body = json.loads(out.strip().splitlines()[-1])
    t.check(body == {"ref": "rwkv-community-training", "inputs": {
        "notebookFile": NB_A, "gpuTarget": entry(A)["target"], "lanePrefence": "lane2", "cudaVersion": "11-8",
        "huggingFaceRepo": "rwkv-x-dev/rwkv-x-playground"}}, f"dry run body: {body}")
    t.check(log() == [], f"dry run sent something: {log()}")
    t.check(digest() == before, "dry run changed the queue")
    # --dry-run needs no token; rwkvq.yaml's runner: section and flags override the defaults
    cfg = os.path.join(tmp, "rwkvq.yaml")
    with open(cfg, "w") as f:
        f.write("runner:\n  repo: someone/fork\n  lane: lane1\n  cuda: 12-1\n")
    rc, out, err = run(["--config", cfg, "queue", "dispatch", A, "--dry-run", "--hf-repo", "me/models"],
                       env={"GITHUB_TOKEN": ""})
    t.check(rc == 0 and "/repos/someone/fork/actions/" in out and '"lanePrefence":"lane1"' in out
            and '"cudaVersion":"12-1"' in out and '"huggingFaceRepo":"me/models"' in out
            and "GITHUB_TOKEN is not set" in out, f"runner: settings / flags: {rc} {out} {err}")
    with open(cfg, "w") as f:
        f.write("runner:\n  lane: [1]\n")
    rc, out, err = run(["--config", cfg, "queue", "dispatch", A, "--dry-run"])
    t.check(rc == 2 and "runner.lane" in err, f"a bad runner: setting: {rc} {err}")

    # 2. No token: exit 2, nothing sent.
    rc, out, err = run(["queue", "dispatch", A], env={"GITHUB_TOKEN": ""})
    t.check(rc == 2 and "GITHUB_TOKEN is not set" in err, f"no token: {rc} {err}")
    t.check(log() == [] and digest() == before, "no token: something was sent or changed")

    # 3. Refusals (4xx): exit 1, the API's message, the queue byte-identical.
    rc, out, err = run(["queue", "dispatch", A], env={"GITHUB_TOKEN": "ghp_wrong"})
    t.check(rc == 1 and "401: Bad credentials" in err, f"401: {rc} {err}")
    rc, out, err = run(["queue", "dispatch", A, "--ref", "no-such-branch"])
    t.check(rc == 1 and "422: No ref found for: no-such-branch" in err, f"422: {rc} {err}")
    rc, out, err = run(["queue", "dispatch", A, "--workflow", "other.yml"])
    t.check(rc == 1 and "404: Not Found" in err, f"404: {rc} {err}")
    t.check(digest() == before, "a refused dispatch changed the queue")
    # 4. 5xx after the retries: exit 2, byte-identical.
    reset()
    api("/_mode", {"dispatch_status": 502})
    rc, out, err = run(["queue", "dispatch", A])
    api("/_mode", {"dispatch_status": 0})
    posts = [e for e in log() if e["method"] == "POST"]
    t.check(rc == 2 and "502" in err, f"502: {rc} {err}")
    t.check(len(posts) == 3, f"502: {len(posts)} tries, expected 3")
    t.check(digest() == before, "a failed dispatch changed the queue")
    # ... and no answer at all (nothing listens): exit 2
    rc, out, err = run(["queue", "dispatch", A], env={"GITHUB_API_URL": "http://127.0.0.1:9"})
    t.check(rc == 2 and digest() == before, f"no answer: {rc} {err}")

    # 5. Outside notebook/: refused before anything is sent.
    reset()
    rc, out, err = run(["queue", "dispatch", E])
    t.check(rc == 1 and "not inside a checkout's notebook/ folder" in err, f"outside notebook/: {rc} {err}")
    t.check(log() == [], "outside notebook/: something was sent")

    # 6. The real dispatch.
    reset()
    t0 = time.time()
    rc, out, err = run(["queue", "dispatch", A, "--by", "maintainer1"])
    t.check(rc == 0 and f"{A}/part1: dispatched to RWKV/RWKV-infctx-trainer notebook-run.yml@rwkv-community-training" in out,
            f"dispatch: {rc} {out} {err}")
    seen = log()
    t.check(len(seen) == 1, f"dispatch: {len(seen)} requests")
    req = seen[0]
    h = {k.lower(): v for k, v in req["headers"].items()}
    t.check(req["method"] == "POST" and req["path"] == "/repos/RWKV/RWKV-infctx-trainer/actions/workflows/notebook-run.yml/dispatches",
            f"dispatch: {req['method']} {req['path']}")
    t.check(h.get("authorization") == "Bearer " + TOKEN, "dispatch: the token was not sent as Bearer")
    t.check(h.get("accept") == "application/vnd.github+json", f"Accept: {h.get('accept')}")
    t.check(h.get("x-github-api-version") == "2022-11-28", f"API version: {h.get('x-github-api-version')}")
    t.check(re.match(r"rwkvq/\d+\.\d+\.\d+ ", h.get("user-agent", "")) is not None, f"User-Agent: {h.get('user-agent')}")
    t.check(json.loads(req["body"]) == body, f"dispatch body: {req['body']}")
    masked = dict(req, headers={k: ("Bearer ****" if k.lower() == "authorization" else v) for k, v in req["headers"].items()})
    print("recorded dispatch request: " + json.dumps(masked, indent=1))
    p = entry(A)["parts"][0]
    t.check(p["state"] == "running" and p["node"] == "github-actions", f"after dispatch: {p}")
    d = p.get("dispatch", {})
    t.check(d.get("by") == "maintainer1" and d.get("repo") == "RWKV/RWKV-infctx-trainer" and d.get("ref") == "rwkv-community-training"
            and d.get("workflow") == "notebook-run.yml" and d.get("inputs") == body["inputs"], f"dispatch record: {d}")
    t.check(entry(A)["history"][-1]["action"] == "dispatch" and entry(A)["history"][-1]["by"] == "maintainer1",
            f"history: {entry(A)['history'][-1]}")
    check_schema()
    # Not runnable any more: refused like start, nothing sent.
    reset()
    rc, out, err = run(["queue", "dispatch", A])
    t.check(rc == 1 and "cannot start" in err and log() == [], f"dispatch of a running part: {rc} {err}")
    rc, out, err = run(["queue", "dispatch", B])
    t.check(rc == 0, f"dispatch of B: {rc} {err}")

    # 7. Sync while the runs are queued: recorded, still running; matched by job name.
    reset()
    rc, out, err = run(["queue", "sync"])
    t.check(rc == 0, f"sync 1: {rc} {err}")
    pa, pb = entry(A)["parts"][0], entry(B)["parts"][0]
    t.check(pa["state"] == "running" and pa.get("run", {}).get("status") == "queued", f"sync 1 A: {pa}")
    t.check(pb["state"] == "running" and pb.get("run") and pb["run"]["id"] != pa["run"]["id"], f"sync 1 B: {pb}")
    jobs_asked = [e for e in log() if e["path"].endswith("/jobs")]
    t.check(len(jobs_asked) >= 1 and "job name holds " + NB_A in out, f"sync 1: job names not used: {out}")
    run_a, run_b = pa["run"]["id"], pb["run"]["id"]
    # The runs of the server, to check the matching: A's run's job names A's notebook.
    t.check(f"{A}/part1: run {run_a}" in out, f"sync 1 output: {out}")

    # 8. The runs end: A succeeded after 2 h (dispatched 3 h ago), B failed; one run nobody dispatched.
    q = queue()
    for e in q["requests"]:
        if e["id"] in (A, B):
            part = e["parts"][0]
            back = lambda s: iso(calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ")) - 3 * 3600)
            part["dispatch"]["at"] = back(part["dispatch"]["at"])
            part["started"] = back(part["started"])
    with open(Q, "w") as f:
        json.dump(q, f, indent=1)
    past = time.time() - 3 * 3600
    api("/_runs", [
        {"id": run_a, "created_at": iso(past + 20), "run_started_at": iso(past + 80), "status": "completed",
         "conclusion": "success", "updated_at": iso(past + 80 + 7200)},
        {"id": run_b, "created_at": iso(past + 25), "run_started_at": iso(past + 90), "status": "completed",
         "conclusion": "failure", "updated_at": iso(past + 90 + 600)},
        {"id": 4242, "name": "notebook-run", "event": "workflow_dispatch", "head_branch": "rwkv-community-training",
         "status": "in_progress", "conclusion": None, "created_at": iso(time.time() - 5),
         "html_url": "https://github.com/RWKV/RWKV-infctx-trainer/actions/runs/4242", "workflow": "notebook-run.yml",
         "repo": "RWKV/RWKV-infctx-trainer", "jobs": ["notebook-run (community/someone-else/nb.ipynb)"]}])
    rc, out, err = run(["queue", "sync"])
    t.check(rc == 0, f"sync 2: {rc} {err}")
    pa, pb = entry(A)["parts"][0], entry(B)["parts"][0]
    t.check(pa["state"] == "done" and pa["run"]["conclusion"] == "success", f"sync 2 A: {pa}")
    t.check(abs(pa.get("real_hours", 0) - 2.0) < 0.01, f"sync 2 A real hours: {pa.get('real_hours')}")
    t.check(pa["started"] == iso(past + 80) and pa["finished"] == iso(past + 80 + 7200), f"sync 2 A times: {pa}")
    t.check(pb["state"] == "failed" and pb["run"]["conclusion"] == "failure", f"sync 2 B: {pb}")
    t.check("unmatched: run 4242" in out, f"sync 2: the run nobody dispatched is not reported: {out}")
    learned = os.path.join(tmp, "queue.learned.json")
    t.check(os.path.exists(learned), "sync 2: no learned summary beside the queue")
    if os.path.exists(learned):
        with open(learned) as f:
            ld = json.load(f)
        recent = [r for tg in ld["targets"].values() for r in tg["recent"]]
        t.check([(r["id"], round(r["real_hours"], 2)) for r in recent] == [(A, 2.0)],
                f"sync 2: the learned summary does not hold A's real 2 h: {recent}")
    rc, out, err = run(["queue", "show", A])
    t.check("real 2h" in out, f"show after sync: {out}")
    check_schema()
    # Idempotent: a second sync changes nothing.
    before = digest()
    rc, out, err = run(["queue", "sync"])
    t.check(rc == 0 and digest() == before, f"sync 3 changed the queue: {rc} {out} {err}")

    # 9. Import: every page, the folders of each training request.
    reset()
    rc, out, err = run(["queue", "import", "--format", "json"])
    t.check(rc == 0, f"import: {rc} {err}")
    doc = json.loads(out)
    t.check([p["number"] for p in doc["pulls"]] == [7, 9, 11, 12], f"import: pulls {[p['number'] for p in doc['pulls']]}")
    t.check(doc["pulls"][0]["folders"] == ["notebook/community/tiny-shakespeare"] and doc["pulls"][0]["author"] == "alice",
            f"import: #7: {doc['pulls'][0]}")
    t.check(doc["pulls"][3]["folders"] == [], f"import: #12: {doc['pulls'][3]}")
    pages = [e["path"] for e in log() if "/pulls?" in e["path"]]
    t.check(len(pages) == 3 and "page=2" in pages[1] and "page=3" in pages[2], f"import: pages asked: {pages}")
    t.check(all("base=rwkv-community-training" in p for p in pages), f"import: base: {pages}")
    files = [e["path"] for e in log() if e["path"].endswith("/files?per_page=100")]
    t.check(len(files) == 4, f"import: files asked: {files}")
    t.check(digest() == before, "import without --add changed the queue")

    # 10. import --add: a bare "origin" holding refs/pull/N/head, and a clone of it.
    def git(*a, cwd=None):
        subprocess.run(["git", *a], cwd=cwd, check=True, env=dict(os.environ, **ENV), capture_output=True)
    work = os.path.join(tmp, "work")
    os.makedirs(work)
    git("init", "-q", "-b", "rwkv-community-training", cwd=work)
    with open(os.path.join(work, "README.md"), "w") as f:
        f.write("trainer\n")
    git("add", "-A", cwd=work); git("commit", "-qm", "base", cwd=work)
    origin = os.path.join(tmp, "origin.git")
    git("clone", "-q", "--bare", work, origin)
    for n, folder, src in ((7, "tiny-shakespeare", "clean-single"), (9, "broken", "bad-json"), (11, "two-part", "clean-two-part")):
        git("checkout", "-q", "-b", f"pr{n}", "rwkv-community-training", cwd=work)
        shutil.copytree(os.path.join(EX, src), os.path.join(work, "notebook", "community", folder))
        git("add", "-A", cwd=work); git("commit", "-qm", f"request {folder}", cwd=work)
        git("push", "-q", origin, f"pr{n}:refs/pull/{n}/head", cwd=work)
    git("checkout", "-q", "-b", "pr12", "rwkv-community-training", cwd=work)
    os.makedirs(os.path.join(work, "RWKV-v5", "src")); open(os.path.join(work, "RWKV-v5", "src", "trainer.py"), "w").close()
    git("add", "-A", cwd=work); git("commit", "-qm", "trainer", cwd=work)
    git("push", "-q", origin, "pr12:refs/pull/12/head", cwd=work)
    clone = os.path.join(tmp, "clone")
    git("clone", "-q", origin, clone)
    n_before = len(queue()["requests"])
    rc, out, err = run(["queue", "import", "--add", "--checkout", clone], timeout=60)
    t.check(rc == 0, f"import --add: {rc} {out} {err}")
    print(out)
    imported = {e["pr"]["number"]: e for e in queue()["requests"] if "pr" in e}
    t.check(sorted(imported) == [7, 11], f"import --add queued PRs {sorted(imported)}, expected 7 and 11: {out}")
    if 7 in imported:
        e7 = imported[7]
        t.check(e7["pr"]["author"] == "alice", f"#7 author: {e7['pr']}")
        t.check(os.path.isdir(e7["folder"]) and e7["folder"].endswith("/notebook/community/tiny-shakespeare"),
                f"#7 folder: {e7['folder']}")
        t.check(e7["folder"].startswith(os.path.join(tmp, "cache")), f"#7 not fetched into the cache: {e7['folder']}")
        # the fetched request dispatches with its path under notebook/
        rc2, o2, e2 = run(["queue", "dispatch", e7["id"], "--dry-run"])
        t.check('"notebookFile":"community/tiny-shakespeare/training-notebook.ipynb"' in o2, f"dispatch of #7: {o2} {e2}")
    t.check(re.search(r"#9 .*\n.*\n\s+-> notebook/community/broken: not queued \(\d+ error", out) is not None, f"#9: {out}")
    t.check("#12" in out and "-> skipped (it changes no request folder)" in out, f"#12: {out}")
    t.check(not os.path.exists(os.path.join(clone, "notebook")), "import --add wrote into the clone's work tree")
    check_schema()
    # A second --add queues nothing twice.
    n_after = len(queue()["requests"])
    t.check(n_after == n_before + 2, f"import --add: {n_after - n_before} requests added")
    rc, out, err = run(["queue", "import", "--add", "--checkout", clone], timeout=60)
    t.check(rc == 0 and len(queue()["requests"]) == n_after and out.count("already queued") == 2,
            f"second import --add: {rc} {out} {err}")

    # 10a. A pull request whose head moves after it was queued: what was checked is no longer
    # what would run. Each queued request records the head it was validated at; import --add
    # re-validates a moved head, takes it when it is clean and nothing started, and otherwise
    # leaves the queue as it is and exits 1.
    def rev(ref):
        return subprocess.run(["git", "rev-parse", ref], cwd=work, check=True, capture_output=True,
                              text=True).stdout.strip()
    def move(n, folder, change):
        git("checkout", "-q", f"pr{n}", cwd=work)
        change(os.path.join(work, "notebook", "community", folder))
        git("add", "-A", cwd=work); git("commit", "-qm", f"pr{n} moves", cwd=work)
        git("push", "-qf", origin, f"pr{n}:refs/pull/{n}/head", cwd=work)
        return rev(f"pr{n}")
    def add_comment(d):
        config = sorted(n for n in os.listdir(d) if n.endswith(".yaml"))[0]
        with open(os.path.join(d, config), "a") as f:
            f.write("# a later commit of the pull request\n")
    imported = {e["pr"]["number"]: e for e in queue()["requests"] if "pr" in e}
    t.check(imported.get(7, {}).get("pr", {}).get("head") == rev("pr7") and
            imported.get(11, {}).get("pr", {}).get("head") == rev("pr11"),
            f"import --add did not record the heads it validated: {[e.get('pr') for e in imported.values()]}")
    if 7 in imported and 11 in imported:
        id7, id11 = imported[7]["id"], imported[11]["id"]
        old7 = imported[7]["pr"]["head"]
        new7 = move(7, "tiny-shakespeare", add_comment)
        rc, out, err = run(["queue", "import", "--add", "--checkout", clone], timeout=60)
        print(out)
        e7 = entry(id7)
        t.check(rc == 0 and f"-> notebook/community/tiny-shakespeare: re-validated {id7} (the head moved from "
                f"{old7[:12]} to {new7[:12]}: 0 error(s)" in out, f"a clean moved head: {rc} {out} {err}")
        t.check(e7["pr"]["head"] == new7 and f"/{new7[:12]}/" in e7["folder"] and os.path.isdir(e7["folder"]),
                f"a clean moved head was not taken: {e7['pr']} {e7['folder']}")
        t.check(e7["history"][-1]["action"] == "head" and new7[:12] in e7["history"][-1]["reason"],
                f"a clean moved head left no history: {e7['history'][-1]}")
        t.check(len(queue()["requests"]) == n_after, "a moved head added a request")
        check_schema()
        rc, out, err = run(["queue", "show", id7])
        t.check(f"pull request: #7 by alice at {new7[:12]}" in out, f"show of a moved head: {out}")
        rc, out, err = run(["queue", "import", "--add", "--checkout", clone], timeout=60)
        t.check(rc == 0 and out.count("already queued") == 2, f"import after the move was taken: {rc} {out} {err}")

        # The head moves again, to a request with errors: nothing changes, exit 1, and why.
        def break_it(d):
            for name in os.listdir(d):
                os.remove(os.path.join(d, name))
            for name in os.listdir(os.path.join(EX, "bad-json")):
                shutil.copy(os.path.join(EX, "bad-json", name), d)
        bad7 = move(7, "tiny-shakespeare", break_it)
        before = digest()
        rc, out, err = run(["queue", "import", "--add", "--checkout", clone], timeout=60)
        print(out)
        t.check(rc == 1 and re.search(rf"-> notebook/community/tiny-shakespeare: head moved {id7} \(the head moved from "
                                      rf"{new7[:12]} to {bad7[:12]}, which has [1-9]\d* error\(s\)", out) is not None,
                f"a moved head with errors: {rc} {out} {err}")
        t.check(digest() == before, "a moved head with errors changed the queue")
        rc, out, err = run(["queue", "import", "--add", "--checkout", clone, "--format", "json"], timeout=60)
        doc = json.loads(out) if out.strip() else {}
        res7 = [r for p in doc.get("pulls", []) if p["number"] == 7 for r in p.get("import", [])]
        t.check(rc == 1 and [(r["result"], r["id"]) for r in res7] == [("head moved", id7)],
                f"a moved head with errors, JSON: {rc} {res7} {err}")

        # #11 moves after its first part started: the queued request stays as it was checked.
        rc, out, err = run(["queue", "start", id11])
        t.check(rc == 0, f"start {id11}: {rc} {err}")
        old11 = entry(id11)["pr"]["head"]
        new11 = move(11, "two-part", add_comment)
        before = digest()
        rc, out, err = run(["queue", "import", "--add", "--checkout", clone], timeout=60)
        print(out)
        t.check(rc == 1 and f"-> notebook/community/two-part: head moved {id11} (the head moved from {old11[:12]} to "
                f"{new11[:12]} after a part started" in out, f"a head moved after a start: {rc} {out} {err}")
        t.check(digest() == before, "a head moved after a start changed the queue")

    # 10b. Sync with two groups of runs, one of which cannot be listed: the other group is still
    # recorded, the failing group's part is left as it was, and the exit status says so (2 when
    # the host failed, 1 when GitHub refused).
    Q2 = os.path.join(tmp, "queue2.json")
    q2 = {"RWKVQ_QUEUE": Q2}
    cfg2 = os.path.join(tmp, "fork.yaml")
    with open(cfg2, "w") as f:
        f.write("runner:\n  repo: someone/fork\n")
    ids2 = {}
    for name in ("alpha", "beta"):
        rc, out, err = run(["queue", "add", os.path.join(co, "notebook", "community", name)], env=q2)
        ids2[name] = out.strip()
    A2, F2 = ids2["alpha"], ids2["beta"]
    rc, out, err = run(["queue", "dispatch", A2], env=q2)
    rc2, out2, err2 = run(["--config", cfg2, "queue", "dispatch", F2], env=q2)
    t.check(rc == 0 and rc2 == 0 and "someone/fork" in out2, f"two groups: dispatch: {rc} {err} {rc2} {out2} {err2}")
    def part2(rid):
        with open(Q2) as f:
            return next(e for e in json.load(f)["requests"] if e["id"] == rid)["parts"][0]
    f_before = part2(F2)
    for status, code in ((500, 2), (403, 1)):
        api("/_mode", {"runs_status": {"someone/fork": status}})
        rc, out, err = run(["queue", "sync", "--format", "json"], env=q2, timeout=60)
        t.check(rc == code, f"sync with {status} for one group: exit {rc}, expected {code}: {err}")
        doc = json.loads(out) if out.strip() else {}
        states = {p["id"]: p for p in doc.get("parts", [])}
        t.check(states.get(A2, {}).get("run") is not None and part2(A2).get("run") is not None,
                f"sync with {status}: the group that answered was not recorded: {out}")
        t.check(states.get(F2, {}).get("note") == "its runs could not be listed" and part2(F2) == f_before,
                f"sync with {status}: the failing group's part: {states.get(F2)} {part2(F2)}")
        t.check(len(doc.get("errors", [])) == 1 and "runs of someone/fork notebook-run.yml@rwkv-community-training" in doc["errors"][0]
                and "left as they were" in doc["errors"][0], f"sync with {status}: errors: {doc.get('errors')}")
        t.check(err.count("rwkvq: error: sync: runs of someone/fork") == 1 and (status != 403 or "GitHub refused" in err),
                f"sync with {status}: stderr: {err}")
    rc, out, err = run(["queue", "sync"], env=q2, timeout=60)
    t.check(rc == 1 and f"{F2}/part1: its runs could not be listed" in out and f"{A2}/part1: run " in out,
            f"sync text with one group refused: {rc} {out} {err}")
    api("/_mode", {"runs_status": {}})
    rc, out, err = run(["queue", "sync"], env=q2)
    t.check(rc == 0 and part2(F2).get("run") is not None, f"sync once the fork answers: {rc} {out} {err}")

    # 11. -v logs never carry the token either (run() checks every output for it).
    rc, out, err = run(["-v", "queue", "sync"])
    rc, out, err = run(["-v", "queue", "import"])
    t.check(rc == 0, f"import -v: {rc} {err}")
finally:
    srv.kill()
    srv.wait()
    shutil.rmtree(tmp, ignore_errors=True)

print(f"runner: {t.checks} checks, {len(t.failures)} failed")
sys.exit(1 if t.failures else 0)
PYEOF
