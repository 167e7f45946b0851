#!/usr/bin/env bash
# End-to-end: `validate -j N` (folders validated on N threads, util/ordered_pool.h) prints exactly
# what `-j 1` prints. Many folders in one invocation (the examples, broken folders made here: an
# empty one, a truncated notebook, a FIFO inside, a folder nobody may list, a missing path, a
# dangling link, a FIFO and /dev/null given as folders, a file standing for its folder; and all of
# ../shared/corpus when present), in every --format and with -v (the per-folder debug lines):
# stdout, stderr and the exit code of -j 2, -j 8 and the default are byte for byte those of -j 1,
# and the reports come in the order the folders were named.
# Run as an unprivileged user (setpriv) when started as root, so the unlistable folder is one.
# Usage: bash jobs.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import json, os, shutil, subprocess, sys, tempfile
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E

t = E2E(sys.argv[1], sys.argv[2])
tmp = tempfile.mkdtemp(prefix="rwkvq-e2e-jobs-")
os.chmod(tmp, 0o755)
try:
    prefix = []
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv and subprocess.run(
            [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", t.binary, "--version"],
            capture_output=True).returncode == 0:
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    unprivileged = bool(prefix) or os.geteuid() != 0

    def made(name):
        d = os.path.join(tmp, name)
        os.makedirs(d)
        os.chmod(d, 0o755)
        return d

    examples = os.path.join(t.root, "examples", "requests")
    folders = sorted(os.path.join(examples, d) for d in os.listdir(examples)
                     if os.path.isdir(os.path.join(examples, d)))
    empty = made("empty")
    truncated = made("truncated")
    with open(os.path.join(truncated, "training-notebook.ipynb"), "w") as f:
        f.write('{"cells": [{"cell_type": "code", "source": ["!python train.py\\n"')
    shutil.copy(os.path.join(examples, "clean-single", "training-config.yaml"), truncated)
    fifo_inside = made("fifo-inside")
    os.mkfifo(os.path.join(fifo_inside, "training-notebook.ipynb"))
    unlistable = made("unlistable")
    os.chmod(unlistable, 0)
    fifo = os.path.join(tmp, "a-fifo")
    os.mkfifo(fifo)
    dangling = os.path.join(tmp, "dangling")
    os.symlink(os.path.join(tmp, "nowhere"), dangling)
    broken = [empty, truncated, os.path.join(tmp, "missing"), fifo_inside, unlistable, fifo, dangling,
              "/dev/null", os.path.join(examples, "bad-json", "training-notebook.ipynb")]
    # The broken ones spread among the good ones, so errors fall between reports.
    mixed = []
    for i, d in enumerate(folders):
        mixed.append(d)
        if i < len(broken):
            mixed.append(broken[i])
    mixed += broken[len(folders):]
    corpus = os.path.normpath(os.path.join(t.root, "..", "shared", "corpus"))
    if os.path.isdir(corpus):
        mixed += sorted(os.path.join(corpus, d) for d in os.listdir(corpus)
                        if os.path.isdir(os.path.join(corpus, d)))
    else:
        print(f"jobs: {corpus} is absent: the corpus part is skipped")
    print(f"jobs: {len(mixed)} paths, run {'unprivileged' if unprivileged else 'as root'}")

    env = {"HOME": tmp, "XDG_DATA_HOME": tmp, "XDG_CACHE_HOME": tmp, "NO_COLOR": "1"}
    timeout = 120 * t.slowdown

    def run(extra):
        return t.run(["validate"] + extra + mixed, timeout=timeout, env=env, prefix=prefix)

    for fmt in ("text", "json", "github", "sarif"):
        for verbose in ([], ["-v"]) if fmt == "json" else ([],):
            base = run(verbose + ["--format", fmt, "-j", "1"])
            what = f"--format {fmt}{' -v' if verbose else ''}"
            t.check(base[0] == 2, f"{what} -j 1: exit {base[0]}, expected 2 (missing and unusable folders)")
            t.check("rwkvq: error: " + os.path.join(tmp, "missing") + ": no such folder" in base[2],
                    f"{what} -j 1: the missing folder is not named on stderr: {base[2][-500:]!r}")
            t.check("/dev/null: not a folder" in base[2], f"{what} -j 1: /dev/null is not named on stderr")
            if unprivileged:
                t.check(f"{unlistable}: cannot list the folder: Permission denied" in base[2],
                        f"{what} -j 1: the unlistable folder is not named on stderr: {base[2][-500:]!r}")
            if verbose:
                t.check(base[2].count(" findings\n") >= len(folders), f"{what} -j 1: no per-folder debug lines")
            if fmt == "json":
                try:
                    got = [r["path"] for r in json.loads(base[1])["requests"]]
                except ValueError:
                    got = None
                unusable = {os.path.join(tmp, "missing"), fifo, dangling, "/dev/null"}
                if unprivileged:
                    unusable.add(unlistable)
                usable = []  # a file stands for its folder; each folder once, where first named
                for d in mixed:
                    d = os.path.dirname(d) if os.path.isfile(d) else d
                    if d not in unusable and d not in usable:
                        usable.append(d)
                t.check(got == usable, f"{what} -j 1: reports not in the order of the folders: "
                        f"{len(got or [])} reports, first difference at "
                        f"{next((i for i, (a, b) in enumerate(zip(got or [], usable)) if a != b), None)}")
            for jobs in (["-j", "2"], ["-j", "8"], ["--jobs", "3"], []):
                got = run(verbose + ["--format", fmt] + jobs)
                label = f"{what} {' '.join(jobs) or '(default jobs)'}"
                t.check(got[0] == base[0], f"{label}: exit {got[0]}, -j 1 gave {base[0]}")
                if not t.check(got[1] == base[1], f"{label}: stdout differs from -j 1"):
                    a, b = base[1].splitlines(), got[1].splitlines()
                    diff = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
                    print(f"  first difference at line {diff + 1}:\n  -j 1: {a[diff:diff + 1]}\n  now:  {b[diff:diff + 1]}",
                          file=sys.stderr)
                t.check(got[2] == base[2], f"{label}: stderr differs from -j 1:\n{base[2][-800:]}\n---\n{got[2][-800:]}")

    # -j 0 and a word are usage errors.
    for bad in ("0", "many"):
        rc, out, err, _ = t.run(["validate", "-j", bad, folders[0]], env=env)
        t.check(rc == 2 and "--jobs" in err, f"-j {bad}: exit {rc}, stderr {err!r}")
finally:
    os.chmod(os.path.join(tmp, "unlistable"), 0o755) if os.path.isdir(os.path.join(tmp, "unlistable")) else None
    shutil.rmtree(tmp, ignore_errors=True)
t.finish("jobs")
PYEOF
