#!/usr/bin/env bash
# Times `rwkvq validate` (wall clock, process start included) on one example request and on the
# whole ../shared/corpus in one invocation, against the Python baseline of ../shared/bench
# (nbformat + PyYAML, Debian's /usr/bin/python3) and, when given, a "before" binary. The
# commands are run alternately, N rounds after one warm-up round, so that the load of a shared
# machine hits them alike; the script prints each one's median and the ratio of medians
# baseline / rwkvq (issue 12.6 targets: ≥ 50× for one request, ≥ 15× for the corpus; one
# request under 10 ms, the corpus well under a second). CPU time (user + system of the child, from
# wait4) is printed beside the wall clock: on a loaded machine it is the steadier of the two.
# Usage: bench/validate_bench.sh [BINARY (default build/rwkvq)] [N (default 21)] [BEFORE]
#        RWKVQ_BENCH_BASELINE=0 skips the Python baseline (when nbformat/PyYAML are missing);
#        RWKVQ_BENCH_STRICT=1 makes a missed target exit 1;
#        RWKVQ_BENCH_ARGS="-j 1" adds options to this binary's validate (not to BEFORE's): e.g. the
#        corpus one folder at a time, where the default validates on as many threads as cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(realpath "${1:-$ROOT/build/rwkvq}")"
N="${2:-21}"
BEFORE="${3:-}"
[ -x "$BIN" ] || { echo "bench: $BIN is not built (run scripts/demo.sh or scripts/test.sh first)" >&2; exit 2; }
[ -z "$BEFORE" ] || BEFORE="$(realpath "$BEFORE")"
source "$ROOT/bench/copies.bash"
BIN="$(bench_copy "$BIN" this/rwkvq)"
[ -z "$BEFORE" ] || BEFORE="$(bench_copy "$BEFORE" before/rwkvq)"
python3 - "$BIN" "$N" "$ROOT" "$BEFORE" <<'PYEOF'
import os, statistics, subprocess, sys, time
binary, n, root, before = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
strict = os.environ.get("RWKVQ_BENCH_STRICT") == "1"
baseline = os.path.normpath(os.path.join(root, "..", "shared", "bench", "py_baseline.py"))
use_baseline = os.environ.get("RWKVQ_BENCH_BASELINE", "1") != "0" and os.path.isfile(baseline)
if use_baseline:
    probe = subprocess.run(["/usr/bin/python3", "-c", "import nbformat, yaml"], capture_output=True)
    if probe.returncode != 0:
        print("baseline: /usr/bin/python3 lacks nbformat or yaml (apt-get install python3-nbformat "
              "python3-yaml): skipped")
        use_baseline = False

def run(cmd):
    """Wall clock and CPU time (user + system, from wait4) of one run, in ms."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"bench: {' '.join(cmd[:3])}: exit {code}", file=sys.stderr)
        sys.exit(2)
    return elapsed, (usage.ru_utime + usage.ru_stime) * 1000

def bench(label, folders, targets):
    rwkvq_args = os.environ.get("RWKVQ_BENCH_ARGS", "").split()
    variants = [("rwkvq", [binary, "validate", "--format", "json"] + rwkvq_args + folders)]
    if before:
        variants.append(("before", [before, "validate", "--format", "json"] + folders))
    if use_baseline:
        variants.append(("baseline", ["/usr/bin/python3", baseline] + folders))
    times = {name: [] for name, _ in variants}
    cpu = {name: [] for name, _ in variants}
    for i in range(n + 1):
        for name, cmd in variants:
            t, c = run(cmd)
            if i > 0:  # the first round warms the page cache
                times[name].append(t)
                cpu[name].append(c)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    cmed = {name: statistics.median(cs) for name, cs in cpu.items()}
    print(label)
    target_ms, target_ratio = targets
    ok = med["rwkvq"] < target_ms
    for name, _ in variants:
        ts = times[name]
        line = (f"  {name:<9} wall median {med[name]:8.1f} ms  min {min(ts):8.1f}  max {max(ts):8.1f}   "
                f"cpu median {cmed[name]:8.1f} ms  (n={n})")
        if name == "rwkvq":
            line += f"  target < {target_ms} ms: {'ok' if ok else 'MISSED'}"
        print(line)
    if use_baseline:
        for name in ("rwkvq", "before"):
            if name in med:
                r = med["baseline"] / med[name]
                rc = cmed["baseline"] / cmed[name] if cmed[name] > 0 else float("inf")
                extra = ""
                if name == "rwkvq":
                    ok &= r >= target_ratio
                    extra = f"  (target ≥ {target_ratio}× in wall clock: {'ok' if r >= target_ratio else 'MISSED'})"
                print(f"  baseline / {name:<7} wall {r:6.1f}×   cpu {rc:6.1f}×{extra}")
    return ok

ok = bench("one request (examples/requests/clean-single)",
           [os.path.join(root, "examples/requests/clean-single")], (10, 50))
corpus = os.path.normpath(os.path.join(root, "..", "shared", "corpus"))
if os.path.isdir(corpus):
    folders = sorted(os.path.join(corpus, d) for d in os.listdir(corpus)
                     if os.path.isdir(os.path.join(corpus, d)))
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(corpus) for f in fs)
    ok &= bench(f"corpus ({len(folders)} folders, {size / 1e6:.0f} MB, one invocation)", folders, (1000, 15))
else:
    print(f"corpus: {corpus} is absent: skipped")
sys.exit(1 if strict and not ok else 0)
PYEOF
