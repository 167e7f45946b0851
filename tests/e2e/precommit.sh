#!/usr/bin/env bash
# End-to-end: the pre-commit hook of .pre-commit-hooks.yaml (issue 12.2), run the way pre-commit
# runs a `language: system` hook: entry and `files` read from the manifest, the staged files of a
# fixture checkout of the trainer repository filtered by the `files` regex (re.search), then
# `entry FILE...` from the repository root with rwkvq found on PATH.
# Usage: bash precommit.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import os, re, shlex, shutil, subprocess, sys, tempfile
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E
import yaml

t = E2E(sys.argv[1], sys.argv[2])
EX = os.path.join(t.root, "examples", "requests")

with open(os.path.join(t.root, ".pre-commit-hooks.yaml")) as f:
    hooks = yaml.safe_load(f)
hook = next((h for h in hooks if h.get("id") == "rwkvq-validate"), None)
if not t.check(hook is not None, "no rwkvq-validate hook in .pre-commit-hooks.yaml"):
    t.finish("e2e.precommit")
# What pre-commit requires of a manifest entry, and what this hook needs.
for key in ("id", "name", "entry", "language"):
    t.check(isinstance(hook.get(key), str) and hook[key], f"hook without {key}")
t.check(hook["language"] == "system", f"language {hook['language']}")
t.check(hook.get("pass_filenames", True) is True, "pass_filenames is not true")
t.check(shlex.split(hook["entry"])[:2] == ["rwkvq", "validate"], f"entry {hook['entry']!r}")
files_re = re.compile(hook.get("files", ""))
exclude_re = re.compile(hook.get("exclude", "^$"))

env = dict(os.environ)
env["PATH"] = os.path.dirname(t.binary) + os.pathsep + env.get("PATH", "")
env.pop("NO_COLOR", None)
if os.path.basename(t.binary) != "rwkvq":  # entry names `rwkvq`: put a link by that name on PATH
    bindir = tempfile.mkdtemp()
    os.symlink(t.binary, os.path.join(bindir, "rwkvq"))
    env["PATH"] = bindir + os.pathsep + env["PATH"]

def git(repo, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def run_hook(repo, staged):
    """pre-commit: the staged files matching `files` and not `exclude`, in git's order."""
    files = [p for p in staged if files_re.search(p) and not exclude_re.search(p)]
    cmd = shlex.split(hook["entry"]) + list(hook.get("args", [])) + files
    p = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr, files

def staged(repo):
    out = subprocess.run(["git", "diff", "--staged", "--name-only", "--no-ext-diff", "-z"], cwd=repo,
                         check=True, capture_output=True, text=True).stdout
    return [p for p in out.split("\0") if p]

tmp = tempfile.mkdtemp()
try:
    repo = os.path.join(tmp, "RWKV-infctx-trainer")
    os.makedirs(os.path.join(repo, "RWKV-v5"))
    os.makedirs(os.path.join(repo, "notebook", "community"))
    with open(os.path.join(repo, "RWKV-v5", "lightning_trainer.py"), "w") as f:
        f.write("# trainer\n")
    with open(os.path.join(repo, "README.md"), "w") as f:
        f.write("# trainer\n")
    git(repo, "init", "-q", "-b", "rwkv-community-training")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")

    # A clean request: every file staged; the README outside notebook/community/ is filtered out.
    shutil.copytree(os.path.join(EX, "clean-two-part"), os.path.join(repo, "notebook", "community", "alice-run"))
    with open(os.path.join(repo, "README.md"), "a") as f:
        f.write("more\n")
    git(repo, "add", "-A")
    rc, out, err, files = run_hook(repo, staged(repo))
    t.check(len(files) == 4 and all(p.startswith("notebook/community/alice-run/") for p in files),
            f"clean: files passed {files}")
    t.check(rc == 0, f"clean: exit {rc}; stdout {out!r} stderr {err!r}")
    t.check(out.strip() == "notebook/community/alice-run: ok" and err == "",
            f"clean: the folder not reported once as ok: stdout {out!r} stderr {err!r}")
    git(repo, "commit", "-q", "-m", "alice")

    # A bad request beside it, and one file of the clean one edited: both folders, once each, in
    # the order of git's file list.
    shutil.copytree(os.path.join(EX, "bad-unbounded"), os.path.join(repo, "notebook", "community", "bob-run"))
    with open(os.path.join(repo, "notebook", "community", "alice-run", "training-config-part1.yaml"), "a") as f:
        f.write("# tuned\n")
    git(repo, "add", "-A")
    rc, out, err, files = run_hook(repo, staged(repo))
    t.check(len(files) == 3 and sum(p.startswith("notebook/community/bob-run/") for p in files) == 2, f"bad: files passed {files}")
    t.check(rc == 1, f"bad: exit {rc}, expected 1; stdout {out!r} stderr {err!r}")
    summaries = [l for l in out.splitlines() if re.match(r"^notebook/community/[^/ ]+: ", l)]
    t.check(summaries == ["notebook/community/alice-run: ok", "notebook/community/bob-run: 1 error"],
            f"bad: summaries {summaries}")
    t.check(re.search(r"^notebook/community/bob-run/training-config\.yaml:\d+:\d+: error: .*\[limits/unbounded\]$",
                      out, re.M) is not None, f"bad: no limits/unbounded error line: {out!r}")
    t.check("2 requests" in out.splitlines()[-1], f"bad: total line {out.splitlines()[-1]!r}")

    # Only a file of notebook/community/ itself (no request folder): nothing to validate, said so.
    git(repo, "commit", "-q", "-m", "bob")
    with open(os.path.join(repo, "notebook", "community", "README.md"), "w") as f:
        f.write("# community requests\n")
    git(repo, "add", "-A")
    rc, out, err, files = run_hook(repo, staged(repo))
    t.check(files == ["notebook/community/README.md"], f"community README: files {files}")
    t.check(rc == 0 and "notebook/community/README.md" in err and "skipped" in err,
            f"community README: exit {rc}, stderr {err!r}")

    # A commit touching nothing under notebook/community/: pre-commit does not run the hook.
    git(repo, "commit", "-q", "-m", "readme")
    with open(os.path.join(repo, "RWKV-v5", "lightning_trainer.py"), "a") as f:
        f.write("# x\n")
    git(repo, "add", "-A")
    t.check([p for p in staged(repo) if files_re.search(p)] == [], "the trainer's file matches `files`")
finally:
    shutil.rmtree(tmp)

t.finish("e2e.precommit")
PYEOF
