#!/usr/bin/env bash
# End-to-end: `rwkvq init` (issue 12.3). In a fixture checkout of the trainer, every trainer x
# model form x part count writes a request that `rwkvq validate` finds nothing in (no error,
# warning or info) with the parts, names and settings the options ask for; the trainer folder is
# the checkout's; an existing non-empty DIR is refused (exit 2, nothing changed); bad arguments
# exit 2 and write nothing.
# Usage: bash init.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import json, os, re, shutil, subprocess, sys, tempfile
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E

t = E2E(sys.argv[1], sys.argv[2])
MODEL_URL = "https://huggingface.co/BlinkDL/rwkv-5-world/resolve/main/RWKV-5-World-0.4B-v2-20231113-ctx4096.pth"
SIZES = {"0.1B": "RWKV-5-World-0.1B-v1-20230803-ctx4096.pth", "0.4B": "RWKV-5-World-0.4B-v2-20231113-ctx4096.pth",
         "1.5B": "RWKV-5-World-1B5-v2-20231025-ctx4096.pth", MODEL_URL: "RWKV-5-World-0.4B-v2-20231113-ctx4096.pth"}

def checkout(root, trainer_dirs):
    os.makedirs(os.path.join(root, "notebook", "community"))
    for d in trainer_dirs:
        os.makedirs(os.path.join(root, d))
    subprocess.run(["git", "init", "-q", root], check=True)

def cells(nb_path):
    with open(nb_path, encoding="utf-8") as f:
        nb = json.load(f)
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]

tmp = tempfile.mkdtemp()
try:
    repo = os.path.join(tmp, "RWKV-infctx-trainer")
    checkout(repo, ["RWKV-v4neo", "RWKV-v5"])
    n = 0
    for trainer in ("infctx", "official"):
        for model in ("0.1B", "0.4B", "1.5B", MODEL_URL):
            for parts in (1, 2):
                n += 1
                rel = f"notebook/community/alice-run-{n}"
                what = f"init --trainer {trainer} --model {model} --parts {parts}"
                rc, out, err, _ = t.run(["init", rel, "--handle", "@alice_42", "--title", f"Run {n} of the test",
                                         "--model", model, "--trainer", trainer, "--parts", str(parts)], cwd=repo)
                t.check(rc == 0 and err == "", f"{what}: exit {rc}, stderr {err!r}, stdout {out[-800:]!r}")
                t.check(f"{rel}: ok" in out and "Next:" in out, f"{what}: no ok / no next steps:\n{out}")
                # The same check from the outside: rwkvq validate, nothing at all to report.
                rc, doc, err, _ = t.json_report(["validate", rel], what, cwd=repo)
                t.check(rc == 0 and doc and doc["requests"][0]["findings"] == [],
                        f"{what}: validate exit {rc}, findings "
                        f"{[(f['rule'], f['message']) for f in doc['requests'][0]['findings']] if doc else err}")
                folder = os.path.join(repo, rel)
                names = sorted(os.listdir(folder))
                if parts == 1:
                    want = ["training-notebook.ipynb"] + (["training-config.yaml"] if trainer == "infctx" else [])
                else:
                    want = [f"training-notebook-part{k}.ipynb" for k in (1, 2)]
                    if trainer == "infctx":
                        want += [f"training-config-part{k}.yaml" for k in (1, 2)]
                t.check(names == sorted(want), f"{what}: files {names}")
                nbs = sorted(x for x in names if x.endswith(".ipynb"))
                for k, nb in enumerate(nbs, 1):
                    cs = cells(os.path.join(folder, nb))
                    t.check(cs[0][0] == "markdown" and cs[0][1].startswith(f"# Run {n} of the test")
                            and "Your Discord handle: @alice_42" in cs[0][1]
                            and len([l for l in cs[0][1].splitlines() if l.strip()]) >= 3,
                            f"{what}: {nb}: first cell {cs[0][1]!r}")
                    code = "\n".join(s for ty, s in cs if ty == "code")
                    if k == 1:
                        t.check(re.search(r"wget -nc \S*" + re.escape(SIZES[model]), code) is not None,
                                f"{what}: {nb} does not download {SIZES[model]}")
                    else:
                        t.check(re.search(r"wget -nc \S*alice-42-alice-run-%d-part1\.pth" % n, code) is not None,
                                f"{what}: {nb} does not download part 1's model")
                    if trainer == "infctx":
                        t.check('MODEL_VERSION="v5"' in code and "export_checkpoint.py" in code
                                and '"../model/{FILENAME_PREFIX}' in code, f"{what}: {nb}: trainer folder / export")
                    else:
                        t.check("git clone --depth 1 https://github.com/BlinkDL/RWKV-LM" in code
                                and "RWKV-LM/RWKV-v5" in code and '/model/{FILENAME_PREFIX}' in code
                                and "--my_exit_tokens" in code, f"{what}: {nb}: official trainer run / copy")
                for cfg in (x for x in names if x.endswith(".yaml")):
                    text = open(os.path.join(folder, cfg), encoding="utf-8").read()
                    t.check("data_path: ../datapath/" in text and "dirpath: ../checkpoint/" in text
                            and "precision: bf16" in text, f"{what}: {cfg}")

    # Datasets: a Hub id, a URL of a .jsonl (downloaded into ../datapath/), a binidx .bin (official).
    for args, needle in ((["--dataset", "merve/poetry"], "source: merve/poetry"),
                         (["--dataset", "https://example.org/d/poems.jsonl"], "source: json"),
                         (["--trainer", "official", "--dataset", "https://example.org/d/poems_text_document.bin"],
                          "poems_text_document.idx")):
        n += 1
        rel = f"notebook/community/ds-{n}"
        rc, out, err, _ = t.run(["init", rel, "--handle", "bob", "--title", "Poems"] + args, cwd=repo)
        rc2, doc, _, _ = t.json_report(["validate", rel], f"dataset {args}", cwd=repo)
        body = "".join(open(os.path.join(repo, rel, x), encoding="utf-8").read() for x in os.listdir(os.path.join(repo, rel)))
        t.check(rc == 0 and rc2 == 0 and doc and doc["requests"][0]["findings"] == [] and needle in body,
                f"dataset {args}: init {rc}, validate {rc2}, findings {doc['requests'][0]['findings'] if doc else None}")
        t.check("@bob" in body, f"dataset {args}: handle without @ not written as @bob")

    # A checkout with RWKV-v6 only: a URL model trains in RWKV-v6; a size (RWKV-5 World) is refused.
    repo6 = os.path.join(tmp, "v6-checkout")
    checkout(repo6, ["RWKV-v6"])
    url6 = "https://huggingface.co/BlinkDL/rwkv-6-world/resolve/main/RWKV-x060-World-1B6-v2.1-20240328-ctx4096.pth"
    rc, out, err, _ = t.run(["init", "notebook/community/v6run", "--handle", "@me", "--title", "v6", "--model", url6], cwd=repo6)
    t.check(rc == 0 and "RWKV-v6" in out, f"v6 checkout: exit {rc}, stdout {out!r}, stderr {err!r}")
    if rc == 0:
        code = "".join(s for _, s in cells(os.path.join(repo6, "notebook/community/v6run/training-notebook.ipynb")))
        t.check('MODEL_VERSION="v6"' in code, "v6 checkout: MODEL_VERSION is not v6")
    rc, out, err, _ = t.run(["init", "notebook/community/v5model", "--handle", "@me", "--title", "x"], cwd=repo6)
    t.check(rc == 2 and "RWKV-v5" in err and not os.path.exists(os.path.join(repo6, "notebook/community/v5model")),
            f"v6 checkout, RWKV-5 model: exit {rc}, stderr {err!r}")

    # Refuses to overwrite: a non-empty folder (nothing changed), a file; an empty folder is fine.
    target = os.path.join(repo, "notebook/community/alice-run-1")
    before = {x: open(os.path.join(target, x), "rb").read() for x in os.listdir(target)}
    rc, out, err, _ = t.run(["init", "notebook/community/alice-run-1", "--handle", "@xy", "--title", "Other"], cwd=repo)
    t.check(rc == 2 and "not empty" in err and "never overwrites" in err, f"non-empty DIR: exit {rc}, stderr {err!r}")
    after = {x: open(os.path.join(target, x), "rb").read() for x in os.listdir(target)}
    t.check(before == after, "non-empty DIR: its files changed")
    open(os.path.join(repo, "notebook/community/afile"), "w").write("x")
    rc, out, err, _ = t.run(["init", "notebook/community/afile", "--handle", "@xy", "--title", "T"], cwd=repo)
    t.check(rc == 2 and "not a folder" in err, f"DIR is a file: exit {rc}, stderr {err!r}")
    os.makedirs(os.path.join(repo, "notebook/community/empty"))
    rc, out, err, _ = t.run(["init", "notebook/community/empty", "--handle", "@xy", "--title", "T"], cwd=repo)
    t.check(rc == 0, f"empty DIR: exit {rc}, stderr {err!r}")

    # Bad arguments: exit 2, a message, nothing written.
    bad = [
        [],
        ["--title", "T"],                                   # no --handle
        ["--handle", "@me"],                                # no --title
        ["--handle", "@me", "--title", "  "],
        ["--handle", "@", "--title", "T"],
        ["--handle", "@your-discord-handle", "--title", "T"],
        ["--handle", "@me", "--title", "T", "--model", "2B"],
        ["--handle", "@me", "--title", "T", "--model", "https://example.org/model.bin"],
        ["--handle", "@me", "--title", "T", "--model", "https://example.org/my model.pth"],
        ["--handle", "@me", "--title", "T", "--trainer", "official", "--model", "https://example.org/mystery.pth"],
        ["--handle", "@me", "--title", "T", "--parts", "0"],
        ["--handle", "@me", "--title", "T", "--parts", "x"],
        ["--handle", "@me", "--title", "T", "--trainer", "other"],
        ["--handle", "@me", "--title", "T", "--dataset", "not an id"],
        ["--handle", "@me", "--title", "T", "--dataset", "https://example.org/d.zip"],
        ["--handle", "@me", "--title", "T", "--trainer", "official", "--dataset", "merve/poetry"],
        ["--handle", "@me", "--title", "T", "--dataset", "https://example.org/{x}.jsonl"],
    ]
    for i, args in enumerate(bad):
        rel = f"notebook/community/bad-{i}"
        rc, out, err, _ = t.run(["init", rel] + args, cwd=repo)
        t.check(rc == 2 and err.strip() != "" and not os.path.exists(os.path.join(repo, rel)),
                f"bad arguments {args}: exit {rc}, stderr {err!r}, written: {os.path.exists(os.path.join(repo, rel))}")
finally:
    shutil.rmtree(tmp)

t.finish("e2e.init")
PYEOF
