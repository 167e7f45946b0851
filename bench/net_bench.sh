#!/usr/bin/env bash
# Parallelism of the online look-ups (issue 10): a request downloading N files from a server that
# answers each after 1 second (tests/net/hub_server.py on 127.0.0.1, /slow/1). All look-ups of a
# run go out at once (libcurl multi), so `validate --online` takes about 1 s, not N s. Prints the
# wall time of `validate --online --refresh` (median of R runs).
# Usage: bench/net_bench.sh [BINARY (default build/rwkvq)] [N (default 10)] [R (default 5)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(realpath "${1:-$ROOT/build/rwkvq}")"
N="${2:-10}"
R="${3:-5}"
[ -x "$BIN" ] || { echo "bench: $BIN is not built" >&2; exit 2; }
exec python3 - "$BIN" "$N" "$R" "$ROOT" <<'PYEOF'
import os, shutil, statistics, subprocess, sys, tempfile, time
binary, n, runs, root = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
srv = subprocess.Popen([sys.executable, os.path.join(root, "tests", "net", "hub_server.py")], stdout=subprocess.PIPE)
port = int(srv.stdout.readline())
hub = f"http://127.0.0.1:{port}"
tmp = tempfile.mkdtemp(prefix="rwkvq-net-bench-")
try:
    req = os.path.join(tmp, "slow")
    shutil.copytree(os.path.join(root, "examples", "requests", "clean-single"), req)
    nb = os.path.join(req, "training-notebook.ipynb")
    with open(nb) as f:
        text = f.read()
    slow = " && ".join(f"wget -nc {hub}/slow/1?file={i}" for i in range(n))
    text = text.replace("wget -nc https://huggingface.co/BlinkDL", slow + " && wget -nc https://huggingface.co/BlinkDL", 1)
    with open(nb, "w") as f:
        f.write(text)
    env = dict(os.environ, HF_ENDPOINT=hub, RWKVQ_DATASETS_SERVER=hub, XDG_CACHE_HOME=os.path.join(tmp, "cache"),
               http_proxy="", HTTP_PROXY="")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run([binary, "-v", "validate", "--online", "--refresh", req], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - t0)
    looked = [l for l in p.stderr.splitlines() if "look-ups" in l]
    print(f"{n} look-ups answering after 1 s each (+ the model file and the dataset): "
          f"median {statistics.median(times):.2f} s over {runs} runs (min {min(times):.2f}, max {max(times):.2f})")
    print("  " + (looked[-1] if looked else p.stderr[-300:]))
finally:
    srv.terminate()
    srv.wait()
    shutil.rmtree(tmp, ignore_errors=True)
PYEOF
