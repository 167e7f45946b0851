#!/usr/bin/env bash
# rwkvq calibrate end to end (issue 7, point 4): on executed corpus notebooks it reads GPUs,
# batches and wall time from the training output and prints the utilisation per run, overall
# and as rwkvq.yaml lines; bad input exits 2. Skipped (exit 77) when ../shared/corpus is absent.
# Usage: bash calibrate.sh /path/to/rwkvq /path/to/source-root
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
CORPUS="$SRC/../shared/corpus"
fail() { echo "FAIL: $*" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rwkvq-e2e-calibrate.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Bad usage needs no corpus.
"$BIN" calibrate "$WORK/none.ipynb" >/dev/null 2>"$WORK/err"; [[ $? == 2 ]] || fail "missing notebook: exit 2"
printf '{"cells": [' >"$WORK/cut.ipynb"
"$BIN" calibrate "$WORK/cut.ipynb" >/dev/null 2>"$WORK/err"; [[ $? == 2 ]] || fail "truncated notebook: exit 2"
grep -q "cut.ipynb:1:12" "$WORK/err" || fail "truncated notebook without its position: $(cat "$WORK/err")"
"$BIN" calibrate --gpu nope "$SRC/examples/requests/clean-single/training-notebook.ipynb" >/dev/null 2>&1
[[ $? == 2 ]] || fail "unknown --gpu: exit 2"
# A notebook that never ran: its stage is listed as skipped, with the reason.
"$BIN" calibrate "$SRC/examples/requests/clean-single/training-notebook.ipynb" >"$WORK/out" || fail "clean-single"
grep -q "skipped: no output" "$WORK/out" || fail "an unexecuted notebook: $(cat "$WORK/out")"

if [[ ! -d "$CORPUS" ]]; then echo "calibrate e2e: $CORPUS is absent: skipped"; exit 77; fi
NB="$CORPUS/22d6da80441b/Echo-B-1B4-mem-finetune.ipynb"
[[ -f "$NB" ]] || { echo "calibrate e2e: $NB is absent: skipped"; exit 77; }
"$BIN" calibrate "$NB" >"$WORK/out" || fail "calibrate exit $?"
# 8 × RTX 3090 (the run's name says 8x3090), 4371 batches of ctx 512 in 40 min, 1.4B (summary).
grep -Eq "Echo-B-1B4-mem-finetune.ipynb +9 +8 rtx3090 +1.40B +512 +1 +4371 +0.67 +7.8 +0.109" "$WORK/out" \
  || fail "cell 9's run: $(cat "$WORK/out")"
grep -q "^rtx3090: 3 run(s), utilisation median 0.109" "$WORK/out" || fail "per-GPU summary: $(cat "$WORK/out")"
grep -q "^  utilisation: 0.11   # median of 3 run(s) on rtx3090" "$WORK/out" || fail "rwkvq.yaml lines: $(cat "$WORK/out")"
"$BIN" calibrate --format json "$NB" >"$WORK/json" || fail "json"
python3 - "$WORK/json" <<'PY' || fail "calibrate --format json"
import json, sys
d = json.load(open(sys.argv[1]))
used = [r for r in d["runs"] if not r["skipped"]]
assert len(used) == 3, d["runs"]
r = used[0]
assert r["gpus"] == 8 and r["gpu"] == "rtx3090" and r["params_source"] == "model summary in the output", r
assert abs(r["utilisation"] - 6 * r["params"] * r["batches"] * 512 * 8 / (r["hours"] * 3600 * 8 * 71e12)) < 1e-9
assert abs(d["by_gpu"]["rtx3090"]["median"] - 0.109) < 0.001, d["by_gpu"]
PY
# All the corpus: the runs on the programme's own GPU reproduce the default's calibration.
"$BIN" calibrate "$CORPUS"/*/*.ipynb >"$WORK/all" || fail "whole corpus"
grep -E "^rtx3090: " "$WORK/all" | python3 -c '
import re, sys
m = re.match(r"rtx3090: (\d+) run\(s\), utilisation median ([0-9.]+)", sys.stdin.read())
assert m and int(m.group(1)) >= 10 and 0.15 < float(m.group(2)) < 0.35, m and m.groups()
' || fail "corpus calibration: $(tail -6 "$WORK/all")"
echo "ok: calibrate"
