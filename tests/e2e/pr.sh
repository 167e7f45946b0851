#!/usr/bin/env bash
# End-to-end: `rwkvq validate --pr` (DESIGN §8) on repositories built here with the `git` program
# (fixture tooling only: rwkvq itself reads them with libgit2): a clean branch, data added then
# deleted, a disguised Parquet file, a Git LFS pointer, .github and trainer code touched, two
# request folders, uncommitted edits, the title, the base found as origin/…, and the errors (not
# a repository, missing base, no merge base, shallow clone, libgit2 missing). Also: the binary
# does not link libgit2 or libcurl (they are loaded when --pr needs them).
# Usage: bash pr.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
command -v git >/dev/null || { echo "pr: the git program is needed to build the fixtures: skipped"; exit 77; }
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import json, os, shutil, subprocess, sys, tempfile
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E

t = E2E(sys.argv[1], sys.argv[2])
CLEAN = os.path.join(t.root, "examples", "requests", "clean-single")
tmp = tempfile.mkdtemp(prefix="rwkvq-pr-")
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", GIT_CONFIG_NOSYSTEM="1", HOME=tmp)

def git(repo, *args):
    return subprocess.run(["git", "-C", repo] + list(args), env=GIT_ENV, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode()

def write(repo, rel, data):
    p = os.path.join(repo, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def commit(repo, msg):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", msg)
    return git(repo, "rev-parse", "HEAD").strip()

def add_request(repo, name):
    dst = os.path.join(repo, "notebook", "community", name)
    shutil.copytree(CLEAN, dst)

def make_repo(name):
    """The trainer's repository: rwkv-community-training with a trainer folder, then the
    contributor's branch my-request with one clean request folder committed."""
    repo = os.path.join(tmp, name)
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "rwkv-community-training")
    write(repo, "RWKV-v5/lightning_trainer.py", "print('trainer')\n")
    write(repo, "README.md", "# trainer\n")
    write(repo, "notebook/community/README.md", "community requests\n")
    write(repo, ".github/workflows/ci.yml", "on: push\n")
    commit(repo, "base")
    git(repo, "checkout", "-q", "-b", "my-request")
    add_request(repo, "alice")
    commit(repo, "add alice's request")
    return repo

def pr(repo, *args, what, cwd=None, want_rc=None):
    rc, doc, err, _ = t.json_report(["validate", "--pr"] + list(args), what, cwd=cwd or repo)
    if want_rc is not None:
        t.check(rc == want_rc, f"{what}: exit {rc}, expected {want_rc}; stderr {err[-500:]!r}")
    return rc, doc, err

def rules_of(findings):
    return sorted(f["rule"] for f in findings)

def error_line(args, cwd, what, want_text, env=None):
    rc, out, err, _ = t.run(["validate", "--pr"] + list(args), cwd=cwd, env=env)
    t.check(rc == 2, f"{what}: exit {rc}, expected 2; stderr {err!r}")
    lines = err.strip().splitlines()
    t.check(len(lines) == 1 and lines[0].startswith("rwkvq: error: "), f"{what}: not one error line: {err!r}")
    t.check(want_text in err, f"{what}: stderr lacks {want_text!r}: {err!r}")
    t.check(out == "", f"{what}: stdout not empty: {out[:300]!r}")

try:
    # The binary itself loads neither libgit2 nor libcurl at start-up.
    needed = subprocess.run(["readelf", "-d", t.binary], stdout=subprocess.PIPE).stdout.decode()
    t.check("libgit2" not in needed and "libcurl" not in needed,
            "rwkvq links libgit2 or libcurl (NEEDED entries):\n" + needed)

    # 1. A clean branch.
    repo = make_repo("clean")
    base = git(repo, "rev-parse", "rwkv-community-training").strip()
    head = git(repo, "rev-parse", "HEAD").strip()
    rc, doc, err = pr(repo, what="clean branch", want_rc=0)
    if doc:
        p = doc["pr"]
        t.check(p["base"] == "rwkv-community-training", f"clean: base {p['base']!r}")
        t.check(p["merge_base"] == base and p["head"] == head, f"clean: merge_base/head {p['merge_base']} {p['head']}")
        t.check(p["commits"] == 1, f"clean: commits {p['commits']}")
        t.check(p["changed_files"] == ["notebook/community/alice/training-config.yaml",
                                       "notebook/community/alice/training-notebook.ipynb"],
                f"clean: changed_files {p['changed_files']}")
        t.check(p["folders"] == ["notebook/community/alice"], f"clean: folders {p['folders']}")
        t.check(p["findings"] == [], f"clean: pr findings {p['findings']}")
        t.check([r["path"] for r in doc["requests"]] == ["notebook/community/alice"],
                f"clean: requests {[r['path'] for r in doc['requests']]}")
        t.check(all(r["findings"] == [] for r in doc["requests"]), f"clean: request findings {doc['requests']}")
    t.check(err == "", f"clean: stderr {err!r}")
    rc, out, err, _ = t.run(["validate", "--pr"], cwd=repo)
    t.check(rc == 0 and "pull request (my-request: 1 commit on rwkv-community-training since " + base[:7] in out
            and "notebook/community/alice: ok" in out, f"clean text: {rc} {out!r}")
    # From a subfolder: the folder is shown as typed from there; the same folder is validated.
    rc, doc, err = pr(repo, what="clean, from notebook/", cwd=os.path.join(repo, "notebook"), want_rc=0)
    if doc:
        t.check([r["path"] for r in doc["requests"]] == ["community/alice"], f"subfolder: {doc['requests']}")
        t.check(doc["pr"]["folders"] == ["notebook/community/alice"], f"subfolder: folders {doc['pr']['folders']}")
    # --repo from elsewhere, with the DIR given.
    rc, doc, err = pr(repo, "--repo", repo, os.path.join(repo, "notebook/community/alice"), what="--repo", cwd=tmp,
                      want_rc=0)
    # A good title passes; without --pr, --title is a usage error.
    pr(repo, "--title", "[training request] RWKV-5 0.4B on Shakespeare", what="good title", want_rc=0)
    rc, out, err, _ = t.run(["validate", "--title", "x", "notebook/community/alice"], cwd=repo)
    t.check(rc == 2 and "--title needs --pr" in err, f"--title without --pr: {rc} {err!r}")

    # 2. A bad title.
    for title, text in [("Add my request", "does not start with"), ("[training request]   ", "no description"),
                        ("[Training Request] x", "lower case")]:
        rc, doc, err = pr(repo, "--title", title, what=f"title {title!r}", want_rc=1)
        if doc:
            f = doc["pr"]["findings"]
            t.check(rules_of(f) == ["git/pr-title"] and text in f[0]["message"] and f[0]["file"] == ".",
                    f"title {title!r}: {f}")
    # SARIF (issue 12.1): the title finding is anchored at the request's notebook (GitHub code
    # scanning rejects a result without a file), URIs relative to the repository root, from a subfolder too.
    rc, out, err, _ = t.run(["validate", "--pr", "--title", "Add my request", "--format", "sarif"],
                            cwd=os.path.join(repo, "notebook"))
    try:
        res = json.loads(out)["runs"][0]["results"]
    except (ValueError, KeyError, IndexError) as e:
        res = []
        t.check(False, f"sarif --pr: not SARIF ({e}): {out[:300]!r} {err[-300:]!r}")
    t.check(rc == 1 and [r["ruleId"] for r in res] == ["git/pr-title"], f"sarif --pr: exit {rc}, results {res}")
    if res:
        al = res[0]["locations"][0]["physicalLocation"]["artifactLocation"]
        t.check(al == {"uri": "notebook/community/alice/training-notebook.ipynb", "uriBaseId": "%SRCROOT%"}
                and res[0]["properties"] == {"scope": "pull request"}, f"sarif --pr: {res[0]}")

    # 3. Data added, then deleted: still in the history.
    repo = make_repo("deleted")
    write(repo, "notebook/community/alice/train.jsonl", '{"text": "hi"}\n' * 100)
    sha = commit(repo, "add my dataset")
    os.remove(os.path.join(repo, "notebook/community/alice/train.jsonl"))
    commit(repo, "oops, remove the dataset")
    rc, doc, err = pr(repo, what="data added then deleted", want_rc=1)
    if doc:
        req = doc["requests"][0]
        f = [x for x in req["findings"] if x["rule"] == "git/committed-data"]
        t.check(len(f) == 1, f"deleted: committed-data findings {req['findings']}")
        if f:
            m = f[0]["message"]
            t.check(sha[:7] in m and '"add my dataset"' in m and "notebook/community/alice/train.jsonl" in m
                    and "deletes it" in m, f"deleted: message {m!r}")
            t.check(f[0]["file"] == "notebook/community/alice/train.jsonl", f"deleted: file {f[0]['file']!r}")
            t.check(f[0]["severity"] == "error" and f[0]["line"] is None, f"deleted: {f[0]}")
        t.check(doc["pr"]["commits"] == 3, f"deleted: commits {doc['pr']['commits']}")
        t.check("data/committed" not in t.rule_ids(req), "deleted: data/committed on a file no longer there")

    # 4. A Parquet file named .txt (kept), a Git LFS pointer, a large blob outside any folder.
    repo = make_repo("disguised")
    write(repo, "notebook/community/alice/notes.txt", b"PAR1" + bytes(range(256)) * 4)
    write(repo, "notebook/community/alice/model.md",
          "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 123456789\n")
    sha = commit(repo, "notes")
    rc, doc, err = pr(repo, what="disguised parquet", want_rc=1)
    if doc:
        req = doc["requests"][0]
        cd = {x["file"]: x["message"] for x in req["findings"] if x["rule"] == "git/committed-data"}
        t.check("Parquet" in cd.get("notebook/community/alice/notes.txt", ""), f"disguised: {cd}")
        t.check("Git LFS pointer" in cd.get("notebook/community/alice/model.md", ""), f"LFS: {cd}")
        t.check("stays in the repository's history" in cd.get("notebook/community/alice/notes.txt", ""),
                f"disguised: {cd}")
        # The same detector judges the folder: data/committed names the file too.
        local = {x["file"] for x in req["findings"] if x["rule"] == "data/committed"}
        t.check(local == {"notebook/community/alice/notes.txt", "notebook/community/alice/model.md"},
                f"disguised: data/committed {local}")

    # 5. .github and trainer code touched (and a data blob outside the folder, deleted again).
    repo = make_repo("outside")
    write(repo, ".github/workflows/ci.yml", "on: pull_request\n")
    write(repo, "RWKV-v5/lightning_trainer.py", "print('patched')\n")
    write(repo, "big.bin", b"\0" * 2048)
    commit(repo, "tweak ci and trainer")
    os.remove(os.path.join(repo, "big.bin"))
    commit(repo, "drop big.bin")
    rc, doc, err = pr(repo, what=".github touched", want_rc=1)
    if doc:
        f = {x["file"]: x for x in doc["pr"]["findings"]}
        t.check(set(f) == {".github/workflows/ci.yml", "RWKV-v5/lightning_trainer.py", "big.bin"},
                f"outside: pr findings {sorted(f)}")
        t.check(f.get(".github/workflows/ci.yml", {}).get("rule") == "git/changes-outside"
                and ".github/" in f[".github/workflows/ci.yml"]["message"], f"outside: {f.get('.github/workflows/ci.yml')}")
        t.check("trainer code" in f.get("RWKV-v5/lightning_trainer.py", {}).get("message", ""),
                f"outside: {f.get('RWKV-v5/lightning_trainer.py')}")
        t.check(f.get("big.bin", {}).get("rule") == "git/committed-data", f"outside: {f.get('big.bin')}")
        t.check(all(x["rule"] != "git/changes-outside" for r in doc["requests"] for x in r["findings"]),
                "outside: git/changes-outside inside a request")
    rc, out, err, _ = t.run(["validate", "--pr", "--format", "github"], cwd=repo)
    t.check(rc == 1 and "::error file=.github/workflows/ci.yml,title=git/changes-outside::" in out,
            f"outside github: {rc} {out!r}")

    # 6. Two request folders.
    repo = make_repo("two")
    add_request(repo, "bob")
    commit(repo, "and bob's")
    rc, doc, err = pr(repo, what="two folders", want_rc=0)
    if doc:
        t.check(doc["pr"]["folders"] == ["notebook/community/alice", "notebook/community/bob"],
                f"two: folders {doc['pr']['folders']}")
        t.check(rules_of(doc["pr"]["findings"]) == ["git/several-requests"], f"two: {doc['pr']['findings']}")
        t.check(len(doc["requests"]) == 2, f"two: {len(doc['requests'])} requests")
    pr(repo, "--strict", what="two folders, --strict", want_rc=1)

    # 7. Uncommitted edits (modified, untracked, ignored) in the request folder.
    repo = make_repo("dirty")
    write(repo, "notebook/community/alice/.gitignore", "*.log\n")
    commit(repo, "ignore logs")
    with open(os.path.join(repo, "notebook/community/alice/training-config.yaml"), "a") as fh:
        fh.write("# edited\n")
    write(repo, "notebook/community/alice/new.md", "not committed\n")
    write(repo, "notebook/community/alice/run.log", "ignored\n")
    write(repo, "elsewhere.md", "outside the folder: not this rule's business\n")
    rc, doc, err = pr(repo, what="uncommitted", want_rc=0)
    if doc:
        u = {x["file"]: x["message"] for x in doc["requests"][0]["findings"] if x["rule"] == "git/uncommitted"}
        t.check(set(u) == {"notebook/community/alice/training-config.yaml", "notebook/community/alice/new.md",
                           "notebook/community/alice/run.log"}, f"uncommitted: {u}")
        t.check("not committed" in u.get("notebook/community/alice/training-config.yaml", "")
                and "untracked" in u.get("notebook/community/alice/new.md", "")
                and "ignored" in u.get("notebook/community/alice/run.log", ""), f"uncommitted: {u}")
    pr(repo, "--strict", what="uncommitted, --strict", want_rc=1)

    # 8. The base found as origin/rwkv-community-training in a clone, with the merge base there.
    clone = os.path.join(tmp, "clone")
    subprocess.run(["git", "clone", "-q", "file://" + os.path.join(tmp, "clean"), clone], env=GIT_ENV, check=True)
    git(clone, "checkout", "-q", "my-request")
    rc, doc, err = pr(clone, what="origin/ base", want_rc=0)
    if doc:
        t.check(doc["pr"]["base"] == "origin/rwkv-community-training", f"origin base: {doc['pr']['base']}")

    # 9. Errors: one line each, exit 2.
    error_line([], tmp, "not a repository", "not inside a git repository")
    error_line(["--base", "release"], os.path.join(tmp, "clean"), "missing base", "tried 'release' or 'origin/release'")
    nobase = os.path.join(tmp, "nobase")
    os.makedirs(nobase)
    git(nobase, "init", "-q", "-b", "my-request")
    add_request(nobase, "alice")
    commit(nobase, "request")
    error_line([], nobase, "no base branch at all",
               "tried 'rwkv-community-training' or 'origin/rwkv-community-training'")
    git(nobase, "branch", "rwkv-community-training")
    git(nobase, "checkout", "-q", "--orphan", "lonely")
    commit(nobase, "unrelated history")
    error_line([], nobase, "no merge base", "no merge base")
    # A shallow clone whose history stops before the merge base.
    deep = make_repo("deep")
    for i in range(5):
        git(deep, "checkout", "-q", "rwkv-community-training")
        write(deep, "README.md", f"# trainer {i}\n")
        commit(deep, f"base {i}")
        git(deep, "checkout", "-q", "my-request")
        write(deep, f"notebook/community/alice/notes{i}.md", f"note {i}\n")
        commit(deep, f"note {i}")
    shallow = os.path.join(tmp, "shallow")
    subprocess.run(["git", "clone", "-q", "--depth", "2", "--no-single-branch", "file://" + deep, shallow],
                   env=GIT_ENV, check=True, stderr=subprocess.DEVNULL)
    git(shallow, "checkout", "-q", "my-request")
    error_line([], shallow, "shallow clone", "fetch more history")
    # Once the history is there, it works.
    git(shallow, "fetch", "-q", "--unshallow")
    pr(shallow, what="unshallowed clone", want_rc=0)
    error_line([], os.path.join(tmp, "clean"), "libgit2 missing", "cannot load libgit2",
               env={"RWKVQ_LIBGIT2": os.path.join(tmp, "no-such-libgit2.so")})
    error_line([os.path.join(t.root, "examples/requests/clean-single")], os.path.join(tmp, "clean"),
               "DIR outside the repository", "not inside the repository")
    # The example workflow (examples/workflows/): runs on pull requests, with the whole history,
    # and validates with --pr --format github.
    import yaml
    wf_path = os.path.join(t.root, "examples", "workflows", "rwkvq-pull-request.yml")
    wf = yaml.safe_load(open(wf_path))
    on = wf.get(True, wf.get("on", {}))  # YAML 1.1 reads the key `on` as true
    t.check("pull_request" in on, f"workflow: not run on pull requests: {on}")
    steps = wf["jobs"]["validate"]["steps"]
    checkout = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout")]
    t.check(len(checkout) == 1 and checkout[0]["with"].get("fetch-depth") == 0, f"workflow: checkout {checkout}")
    runs = " ".join(s.get("run", "") for s in steps)
    t.check("validate --pr" in runs and "--format github" in runs and '--title "$TITLE"' in runs,
            f"workflow: the validate step: {runs[-300:]}")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.finish("pr")
PYEOF
