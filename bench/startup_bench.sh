#!/usr/bin/env bash
# Start-up cost of rwkvq (issue 9): `rwkvq --version` and `rwkvq validate` of one request, wall
# clock with process start, median of N runs, for this binary and for a "before" binary:
#  - BEFORE given: that binary (e.g. one built from the commit before libgit2/libcurl were
#    loaded on demand);
#  - otherwise: this very binary with libgit2 and libcurl loaded at start (LD_PRELOAD), which is
#    what linking them made every command pay.
# The two are timed alternately, so that the machine's load hits both alike.
# Usage: bench/startup_bench.sh [BINARY (default build/rwkvq)] [BEFORE] [N (default 200)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(realpath "${1:-$ROOT/build/rwkvq}")"
BEFORE="${2:-}"
N="${3:-200}"
[ -x "$BIN" ] || { echo "bench: $BIN is not built" >&2; exit 2; }
source "$ROOT/bench/copies.bash"
BIN="$(bench_copy "$BIN" this/rwkvq)"
[ -z "$BEFORE" ] || BEFORE="$(bench_copy "$BEFORE" before/rwkvq)"
python3 - "$BIN" "$BEFORE" "$N" "$ROOT" "${1:-$ROOT/build/rwkvq}" "${2:-}" <<'PYEOF'
import os, statistics, subprocess, sys, time
binary, before, n, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
libdir = "/usr/lib/x86_64-linux-gnu"
if before:
    # Labelled with the binaries as given; the copies are what runs.
    variants = [("before: " + sys.argv[6], [before], {}), ("now:    " + sys.argv[5], [binary], {})]
else:
    preload = " ".join(os.path.join(libdir, l) for l in ("libgit2.so.1.5", "libcurl.so.4"))
    variants = [("linked (LD_PRELOAD libgit2 + libcurl)", [binary], {"LD_PRELOAD": preload}),
                ("now (loaded only by validate --pr)", [binary], {})]

def run(cmd, env):
    e = dict(os.environ); e.update(env)
    start = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=e, cwd=root)
    t = (time.perf_counter() - start) * 1000
    if p.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(cmd)}: exit {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}")
    return t

for label, args in [("rwkvq --version", ["--version"]),
                    ("rwkvq validate examples/requests/clean-single", ["validate", "--format", "json",
                                                                        "examples/requests/clean-single"])]:
    times = {v[0]: [] for v in variants}
    for i in range(n + 1):
        for name, cmd, env in variants:
            t = run(cmd + args, env)
            if i > 0:
                times[name].append(t)
    print(label)
    for name, _, _ in variants:
        ts = times[name]
        print(f"  {name:<60} median {statistics.median(ts):6.2f} ms  min {min(ts):6.2f}  (n={n})")
PYEOF
