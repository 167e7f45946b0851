#!/usr/bin/env bash
# End-to-end: every folder of ../shared/corpus (real notebooks of the trainer's repository) in ONE
# `rwkvq validate` invocation. No crash or hang, exit 0 or 1, schema-valid JSON, every folder
# reported; notebooks truth.jsonl marks as not JSON are notebook/invalid and no other is; the
# untouched programme template gives exactly the findings a maintainer expects of it.
# Skipped (exit 77) when the corpus is absent.
# Usage: bash corpus.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
CORPUS="$SRC/../shared/corpus"
if [ ! -d "$CORPUS" ]; then
  echo "corpus e2e: $CORPUS is absent: skipped"
  exit 77
fi
exec python3 - "$BIN" "$SRC" "$(cd "$CORPUS" && pwd)" <<'PYEOF'
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E

t = E2E(sys.argv[1], sys.argv[2])
corpus = sys.argv[3]
folders = sorted(d for d in os.listdir(corpus) if os.path.isdir(os.path.join(corpus, d)))
truth = {}
with open(os.path.join(corpus, "truth.jsonl")) as f:
    for line in f:
        if line.strip():
            rec = json.loads(line)
            truth[rec["dir"]] = rec
t.check("community-example" in folders, "corpus: no community-example/")

paths = [os.path.join(corpus, d) for d in folders]
# Generous hang guard; the speed target is bench/validate_bench.sh's business.
rc, doc, err, secs = t.json_report(["validate"] + paths, "corpus", timeout=120 * t.slowdown)
print(f"corpus: {len(paths)} folders in one invocation: exit {rc}, {secs:.2f} s")
t.check(rc in (0, 1), f"corpus: exit {rc}, expected 0 or 1; stderr {err[-1000:]!r}")
if doc:
    got = [r["path"] for r in doc["requests"]]
    t.check(got == paths, f"corpus: {len(got)} of {len(paths)} folders reported")
    by_dir = {os.path.basename(r["path"]): r for r in doc["requests"]}

    # notebook/invalid exactly for the notebooks that are not JSON (truth.jsonl valid_json).
    for d, rec in truth.items():
        r = by_dir.get(d)
        if not t.check(r is not None, f"corpus: {d} not reported"):
            continue
        nb_name = os.path.basename(rec["path"])
        invalid = [f for f in r["findings"] if f["rule"] == "notebook/invalid"]
        if rec["valid_json"]:
            t.check(not invalid, f"corpus: {d}/{nb_name} is valid JSON but reported invalid: "
                    + "; ".join(f["message"] for f in invalid))
        else:
            t.check(any(f["file"].endswith("/" + nb_name) and f["line"] for f in invalid),
                    f"corpus: {d}/{nb_name} is not JSON but not reported as notebook/invalid with a line")
        t.check(any(n["file"] == nb_name for n in r["notebooks"]),
                f"corpus: {d}: notebook {nb_name} not in the report's notebooks {r['notebooks']}")
    not_json = sum(1 for rec in truth.values() if not rec["valid_json"])
    print(f"corpus: {not_json} notebook(s) marked not JSON in truth.jsonl")

    # The untouched template: its placeholders, and nothing else.
    ex = by_dir.get("community-example")
    if ex:
        want = {"notebook/discord-handle", "notebook/description", "notebook/template-leftover"}
        got = t.rule_ids(ex)
        t.check(got == want, f"community-example: rules {sorted(got)}, expected {sorted(want)}:\n"
                + "\n".join(f"  {f['rule']} {f['severity']}: {f['message']}" for f in ex["findings"]))
        sev = {f["rule"]: f["severity"] for f in ex["findings"]}
        t.check(sev.get("notebook/discord-handle") == "error", "community-example: discord-handle is an error")
        t.check(sev.get("notebook/description") == "error", "community-example: description is an error")
        t.check(sev.get("notebook/template-leftover") == "warning", "community-example: template-leftover is a warning")
        for f in ex["findings"]:
            t.check(f["file"].endswith("/training-notebook.ipynb") and f["line"] and f["cell"],
                    f"community-example: {f['rule']} should point into the notebook with line and cell: {f}")
        handle = [f for f in ex["findings"] if f["rule"] == "notebook/discord-handle"]
        t.check(any("@your-discord-handle" in f["message"] and f["cell"] == 1 for f in handle),
                f"community-example: the placeholder handle in cell 1 is not named: {handle}")
        left = [f for f in ex["findings"] if f["rule"] == "notebook/template-leftover"]
        t.check(any("PROJECT_PREFIX" in f["message"] + f["hint"] and f["cell"] == 3 for f in left),
                f"community-example: the template's PROJECT_PREFIX (cell 3) is not named: {left}")
        t.check(ex["errors"] == len([f for f in ex["findings"] if f["severity"] == "error"]) and rc == 1,
                "community-example: the untouched template must be refused")

t.finish("e2e corpus")
PYEOF
