#!/usr/bin/env bash
# Times `rwkvq validate` (wall clock, process start included) on one example request and on the
# whole ../shared/corpus in one invocation, N runs each, and prints the medians against the
# targets (one request < 10 ms; the corpus well under 1 s).
# Usage: bench/validate_bench.sh [BINARY (default build/rwkvq)] [N (default 21)]
#        RWKVQ_BENCH_STRICT=1 makes a missed target exit 1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-$ROOT/build/rwkvq}"
N="${2:-21}"
[ -x "$BIN" ] || { echo "bench: $BIN is not built (run scripts/demo.sh or scripts/test.sh first)" >&2; exit 2; }
exec python3 - "$BIN" "$N" "$ROOT" <<'PYEOF'
import os, statistics, subprocess, sys, time
binary, n, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
strict = os.environ.get("RWKVQ_BENCH_STRICT") == "1"

def bench(label, args, target_ms):
    times = []
    for i in range(n + 1):
        start = time.perf_counter()
        p = subprocess.run([binary, "validate", "--format", "json"] + args,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = (time.perf_counter() - start) * 1000
        if p.returncode not in (0, 1):
            print(f"bench: {label}: exit {p.returncode}: {p.stderr.decode(errors='replace')[-500:]}", file=sys.stderr)
            sys.exit(2)
        if i > 0:  # the first run warms the page cache
            times.append(elapsed)
    med = statistics.median(times)
    ok = med < target_ms
    print(f"{label:<48} median {med:8.1f} ms  min {min(times):8.1f}  max {max(times):8.1f}  "
          f"(n={n}, target < {target_ms} ms: {'ok' if ok else 'MISSED'})")
    return ok

ok = bench("one request (examples/requests/clean-single)",
           [os.path.join(root, "examples/requests/clean-single")], 10)
corpus = os.path.normpath(os.path.join(root, "..", "shared", "corpus"))
if os.path.isdir(corpus):
    folders = sorted(os.path.join(corpus, d) for d in os.listdir(corpus)
                     if os.path.isdir(os.path.join(corpus, d)))
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(corpus) for f in fs)
    ok &= bench(f"corpus ({len(folders)} folders, {size / 1e6:.0f} MB, one invocation)", folders, 1000)
else:
    print(f"corpus: {corpus} is absent: skipped")
sys.exit(1 if strict and not ok else 0)
PYEOF
