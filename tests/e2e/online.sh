#!/usr/bin/env bash
# End-to-end: `validate --online` / `estimate --online` (DESIGN §9) against the Hub look-alike
# tests/net/hub_server.py on 127.0.0.1 (HF_ENDPOINT and RWKVQ_DATASETS_SERVER point there; nothing
# else is contacted): no network without --online (and libcurl not even loaded), every net/* rule
# from a real run, the token only to the Hub's origin and never printed (also with -v), the dataset
# size giving an epoch-bounded run its tokens, the cache (a second run asks nothing; --refresh
# asks again), `online: true` in rwkvq.yaml and --offline winning over it.
# Usage: bash online.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import json, os, re, shutil, subprocess, sys, tempfile, urllib.request
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E

t = E2E(sys.argv[1], sys.argv[2])
CLEAN = os.path.join(t.root, "examples", "requests", "clean-single")
tmp = tempfile.mkdtemp(prefix="rwkvq-online-")
srv = subprocess.Popen([sys.executable, os.path.join(t.root, "tests", "net", "hub_server.py")], stdout=subprocess.PIPE)
port = int(srv.stdout.readline())
HUB = f"http://127.0.0.1:{port}"
TOKEN = "hf_e2e_secret_token_123"
ENV = {"HF_ENDPOINT": HUB, "RWKVQ_DATASETS_SERVER": HUB, "HF_TOKEN": TOKEN,
       "XDG_CACHE_HOME": os.path.join(tmp, "cache"), "RWKVQ_NET_TIMEOUT_MS": "1500",
       "http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "", "ALL_PROXY": "", "all_proxy": ""}

def hub_log():
    with urllib.request.urlopen(HUB + "/_log", timeout=5) as r:
        return [e for e in json.load(r) if e["method"] != "SENT"]

def reset():
    urllib.request.urlopen(HUB + "/_reset", timeout=5).read()

def request(name, nb_edit=None, cfg_edit=None):
    d = os.path.join(tmp, name)
    shutil.copytree(CLEAN, d)
    for fname, edit in (("training-notebook.ipynb", nb_edit), ("training-config.yaml", cfg_edit)):
        if edit:
            p = os.path.join(d, fname)
            with open(p) as f:
                text = f.read()
            new = edit(text)
            t.check(new != text, f"{name}: the edit of {fname} changed nothing")
            with open(p, "w") as f:
                f.write(new)
    return d

def rules_of(doc):
    return sorted(f["rule"] for r in doc["requests"] for f in r["findings"] if f["rule"].startswith("net/"))

def no_token(out, err, what):
    t.check(TOKEN not in out and TOKEN not in err, f"{what}: the token was printed")

try:
    # 1. Off by default: no request at all, and libcurl not loaded (a missing one is no error).
    reset()
    rc, out, err, _ = t.run(["validate", CLEAN], env=dict(ENV, RWKVQ_LIBCURL="/nonexistent/libcurl.so"))
    t.check(rc == 0, f"offline validate: exit {rc}: {out}{err}")
    t.check(hub_log() == [], f"offline validate asked the server: {hub_log()}")
    rc, out, err, _ = t.run(["validate", "--online", CLEAN], env=dict(ENV, RWKVQ_LIBCURL="/nonexistent/libcurl.so"))
    t.check(rc == 2 and "cannot load libcurl" in err, f"--online without libcurl: exit {rc}: {err}")

    # 2. A clean request online: ok, the model file and the dataset looked up, token only to the Hub.
    reset()
    rc, doc, err, _ = t.json_report(["-v", "validate", "--online", CLEAN], "clean online", env=ENV)
    t.check(rc == 0 and doc is not None and rules_of(doc) == [], f"clean online: exit {rc}, {doc and rules_of(doc)}: {err[-800:]}")
    no_token(json.dumps(doc), err, "clean online -v")
    log = hub_log()
    paths = sorted(e["path"] for e in log)
    t.check(any("/resolve/main/RWKV-5-World-0.4B" in p for p in paths), f"model file not asked: {paths}")
    t.check("/api/datasets/Trelis/tiny-shakespeare" in paths, f"dataset not asked: {paths}")
    t.check("/size?dataset=Trelis/tiny-shakespeare" in paths, f"dataset size not asked: {paths}")
    for e in log:
        hub_origin = e["host"] == f"127.0.0.1:{port}"
        t.check((e["authorization"] == "Bearer " + TOKEN) == hub_origin,
                f"token {'missing at' if hub_origin else 'sent to'} {e['host']}{e['path']}")
        t.check(e["user_agent"].startswith("rwkvq/"), f"User-Agent {e['user_agent']!r}")
    t.check(any(e["host"].startswith("localhost") for e in log), "the redirect to the CDN origin was not followed")

    # 3. Every rule from a real run.
    missing_model = request("missing-model", nb_edit=lambda s: s.replace("RWKV-5-World-0.4B-v2-20231113-ctx4096.pth",
                                                                         "RWKV-5-World-0.4B-v9-nope.pth"))
    with open(os.path.join(missing_model, "training-config.yaml")) as f:
        cfg = f.read()
    with open(os.path.join(missing_model, "training-config.yaml"), "w") as f:
        f.write(cfg.replace("RWKV-5-World-0.4B-v2-20231113-ctx4096.pth", "RWKV-5-World-0.4B-v9-nope.pth"))
    missing_data = request("missing-data", cfg_edit=lambda s: s.replace("Trelis/tiny-shakespeare", "owner/missing-data"))
    gated = request("gated", cfg_edit=lambda s: s.replace("Trelis/tiny-shakespeare", "owner/gated-data"))
    broken = request("broken", nb_edit=lambda s: s.replace(
        "wget -nc https://huggingface.co/BlinkDL", f"wget -nc {HUB}/files/teapot && wget -nc https://huggingface.co/BlinkDL"))
    cases = [(missing_model, 1, ["net/model-missing"]), (missing_data, 1, ["net/dataset-missing"]),
             (gated, 0, ["net/gated"]), (broken, 1, ["net/url-broken"])]
    for d, want_rc, want in cases:
        rc, doc, err, _ = t.json_report(["validate", "--online", d], os.path.basename(d), env=ENV)
        t.check(rc == want_rc and doc is not None and rules_of(doc) == want,
                f"{os.path.basename(d)}: exit {rc}, {doc and rules_of(doc)} (want {want_rc}, {want}): {err[-500:]}")
        t.check(doc is None or all(f["cell"] or f["line"] for r in doc["requests"] for f in r["findings"]
                                   if f["rule"].startswith("net/")), f"{d}: a net/ finding without a location")
    rc, out, err, _ = t.run(["validate", "--online", missing_model], env=ENV)
    t.check("error: the model download URL" in out and "[net/model-missing]" in out, f"text of model-missing: {out}")
    no_token(out, err, "missing model text")

    # 4. Unreachable: a warning, never an error; the run ends within the budget.
    dead = dict(ENV, HF_ENDPOINT="http://127.0.0.1:1", RWKVQ_DATASETS_SERVER="http://127.0.0.1:1",
                XDG_CACHE_HOME=os.path.join(tmp, "cache-dead"))
    rc, doc, err, secs = t.json_report(["validate", "--online", CLEAN], "unreachable", env=dead)
    t.check(rc == 0 and doc is not None and set(rules_of(doc)) == {"net/unreachable"},
            f"unreachable: exit {rc}, {doc and rules_of(doc)}")
    t.check(secs < 5, f"unreachable took {secs:.1f} s")

    # 5. Sizes: an epoch-bounded run (no max_steps) has unknown tokens offline, known online.
    epochs = request("epochs", cfg_edit=lambda s: re.sub(r"\n\s*max_steps:.*", "", s))
    rc, out, err, _ = t.run(["estimate", epochs, "--format", "json"], env=ENV)
    st = json.loads(out)["parts"][0]["stages"][0]
    t.check(st["tokens"]["value"] is None, f"offline tokens: {st['tokens']}")
    rc, out, err, _ = t.run(["estimate", "--online", epochs, "--format", "json"], env=ENV)
    st = json.loads(out)["parts"][0]["stages"][0]
    t.check(st["tokens"]["value"] == 300000 * 1 and "bytes_per_token" in st["tokens"]["source"],
            f"online tokens: {st['tokens']}")

    # 6. The cache: a second run asks nothing; --refresh asks again.
    reset()
    rc, out, err, _ = t.run(["validate", "--online", CLEAN], env=ENV)
    t.check(rc == 0 and hub_log() == [], f"cached run asked the server: {[e['path'] for e in hub_log()]}")
    rc, out, err, _ = t.run(["validate", "--online", "--refresh", CLEAN], env=ENV)
    t.check(rc == 0 and len(hub_log()) >= 3, f"--refresh did not ask again: {hub_log()}")
    cache_text = ""
    for base, _, files in os.walk(os.path.join(tmp, "cache")):
        for fn in files:
            with open(os.path.join(base, fn), errors="replace") as f:
                cache_text += f.read()
    t.check(cache_text and TOKEN not in cache_text, "the cache is empty or holds the token")

    # 7. online: true in rwkvq.yaml; --offline wins.
    conf = os.path.join(tmp, "rwkvq.yaml")
    with open(conf, "w") as f:
        f.write("online: true\n")
    reset()
    rc, doc, err, _ = t.json_report(["--config", conf, "validate", "--refresh", missing_data], "online: true", env=ENV)
    t.check(rc == 1 and doc is not None and rules_of(doc) == ["net/dataset-missing"], f"online: true: {rc} {err}")
    reset()
    rc, out, err, _ = t.run(["--config", conf, "validate", "--offline", missing_data], env=ENV)
    t.check(rc == 0 and hub_log() == [], f"--offline asked the server or failed: {rc} {err}")
    rc, out, err, _ = t.run(["validate", "--refresh", CLEAN], env=ENV)
    t.check(rc == 2 and "--refresh needs --online" in err, f"--refresh alone: {rc} {err}")
finally:
    srv.terminate()
    srv.wait()
    shutil.rmtree(tmp, ignore_errors=True)
t.finish("online")
PYEOF
