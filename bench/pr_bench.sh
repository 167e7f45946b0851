#!/usr/bin/env bash
# Times `rwkvq validate --pr` on a branch of 300 commits over a base of 2 000 (DESIGN §8; target:
# well under 2 s), wall clock with process start, N runs, median printed. The repository is built
# here with `git fast-import` (fixture tooling; rwkvq reads it with libgit2) in a temporary folder
# removed on exit. Each branch commit edits the request folder; every tenth adds a small file
# (every blob is judged by git/committed-data), the base commits touch trainer files.
# Usage: bench/pr_bench.sh [BINARY (default build/rwkvq)] [N (default 11)] [BASE (2000)] [BRANCH (300)]
#        RWKVQ_BENCH_STRICT=1 makes a missed target exit 1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(realpath "${1:-$ROOT/build/rwkvq}")"
N="${2:-11}"
BASE="${3:-2000}"
BRANCH="${4:-300}"
[ -x "$BIN" ] || { echo "bench: $BIN is not built" >&2; exit 2; }
command -v git >/dev/null || { echo "bench: the git program is needed to build the repository" >&2; exit 2; }
exec python3 - "$BIN" "$N" "$ROOT" "$BASE" "$BRANCH" <<'PYEOF'
import os, shutil, statistics, subprocess, sys, tempfile, time
binary, n, root, nbase, nbranch = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
strict = os.environ.get("RWKVQ_BENCH_STRICT") == "1"
tmp = tempfile.mkdtemp(prefix="rwkvq-pr-bench-")
try:
    repo = os.path.join(tmp, "repo")
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=tmp)
    subprocess.run(["git", "init", "-q", "-b", "rwkv-community-training", repo], check=True, env=env)
    clean = os.path.join(root, "examples", "requests", "clean-single")
    req = {name: open(os.path.join(clean, name), "rb").read() for name in sorted(os.listdir(clean))}
    out = []
    mark = [0]
    def data(b):
        out.append(b"data %d\n" % len(b) + b + b"\n")
    def commit(branch, msg, files, parent):
        mark[0] += 1
        out.append(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark[0]))
        out.append(b"committer bench <b@example.org> %d +0000\n" % (1700000000 + mark[0]))
        data(msg.encode())
        if parent:
            out.append(b"from :%d\n" % parent)
        for path, content in files:
            out.append(b"M 100644 inline %s\n" % path.encode())
            data(content)
        return mark[0]
    last = 0
    for i in range(nbase):
        files = [("RWKV-v5/src/file%d.py" % (i % 50), b"# base %d\n" % i)]
        if i == 0:
            files += [("README.md", b"# trainer\n"), ("RWKV-v5/lightning_trainer.py", b"print(1)\n")]
        last = commit("rwkv-community-training", "base %d" % i, files, last)
    for i in range(nbranch):
        files = [("notebook/community/bench/notes.md", b"# note %d\n" % i)]
        if i == 0:
            files += [("notebook/community/bench/" + k, v) for k, v in req.items()]
        if i % 10 == 0:
            files.append(("notebook/community/bench/extra%d.md" % i, b"x" * 4096))
        last = commit("my-request", "branch %d" % i, files, last)
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=b"".join(out), check=True, env=env)
    subprocess.run(["git", "-C", repo, "checkout", "-q", "my-request"], check=True, env=env)
    subprocess.run(["git", "-C", repo, "gc", "-q"], check=True, env=env)  # packed, as a clone is

    def bench(label, args, target_ms):
        times = []
        for i in range(n + 1):
            start = time.perf_counter()
            p = subprocess.run([binary] + args, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            elapsed = (time.perf_counter() - start) * 1000
            if p.returncode not in (0, 1):
                print(f"bench: {label}: exit {p.returncode}: {p.stderr.decode(errors='replace')[-500:]}", file=sys.stderr)
                sys.exit(2)
            if i > 0:
                times.append(elapsed)
        med = statistics.median(times)
        print(f"{label:<58} median {med:8.1f} ms  min {min(times):8.1f}  max {max(times):8.1f}  "
              f"(n={n}, target < {target_ms} ms: {'ok' if med < target_ms else 'MISSED'})")
        return med < target_ms, p.stdout.decode(errors="replace")

    ok, out = bench(f"validate --pr: {nbranch} commits on a base of {nbase}", ["validate", "--pr", "--format", "json"], 2000)
    import json
    doc = json.loads(out)
    print(f"  (report: {doc['pr']['commits']} commits, {len(doc['pr']['changed_files'])} changed files, "
          f"folders {doc['pr']['folders']}, {doc['errors']} errors, {doc['warnings']} warnings)")
    ok2, _ = bench("validate of the same folder without --pr", ["validate", "--format", "json", "notebook/community/bench"], 2000)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if strict and not (ok and ok2) else 0)
PYEOF
