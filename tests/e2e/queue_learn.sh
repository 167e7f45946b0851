#!/usr/bin/env bash
# Hours learned from real runs (issue 7, point 4), end to end with the real binary: `--at`
# records runs after the fact (a time in the future, before the start, or malformed is refused
# and the queue file stays byte-identical); done parts keep their real hours and FLOPs; after
# three runs that took twice their estimate, queue.learned.json says so and `estimate`,
# `validate`, `queue list|next|plan` double the hours on that target only; --no-learn and
# limits.learn: false turn it off. Written files match their schemas.
set -u
source "$(dirname "$0")/queue_lib.bash"
expect_rc() {  # expect_rc RC cmd...
  local want=$1; shift
  "$@" >"$WORK/out" 2>"$WORK/err"; local rc=$?
  [[ $rc == "$want" ]] || fail "'$*': exit $rc, expected $want; stderr: $(head -3 "$WORK/err")"
}
json() {  # json 'expression on d' FILE
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$2"
}
require_clean_example
make_requests 5 "$WORK/req"
LEARNED="$WORK/queue/queue.learned.json"

for i in 0 1 2 3 4; do expect_rc 0 "$BIN" queue add "$WORK/req/req$i" --by alice; done
expect_rc 0 "$BIN" estimate "$WORK/req/req4" --format json
H1=$(json 'd["parts"][0]["stages"][0]["targets"][0]["hours"]' "$WORK/out")
H8=$(json '[t for t in d["parts"][0]["stages"][0]["targets"] if t["name"]=="8x24vgb"][0]["hours"]' "$WORK/out")
[[ "$(json 'd["parts"][0]["stages"][0]["targets"][0]["utilisation_source"]' "$WORK/out")" == limits.utilisation ]] \
  || fail "before any run the hours should use limits.utilisation"
# The estimate stored for r1 on its target (what the runs are compared with).
expect_rc 0 "$BIN" queue show r1 --format json
EST=$(json 'd["parts"][0]["on"]["1x24vgb"]["hours"]' "$WORK/out")
AGO=$(python3 -c "print(round(2 * $EST * 60))")  # minutes: twice the estimate

# --- --at: refusals leave the file untouched
expect_rc 0 "$BIN" queue start r1 --at "${AGO}m ago" --node n1
sum=$(sha256sum "$RWKVQ_QUEUE")
expect_rc 1 "$BIN" queue done r1 --at "2099-01-01T00:00Z"
grep -q "in the future" "$WORK/err" || fail "future --at: $(cat "$WORK/err")"
expect_rc 1 "$BIN" queue done r1 --at "$((AGO + 60))m ago"
grep -q "before the part started" "$WORK/err" || fail "--at before start: $(cat "$WORK/err")"
expect_rc 2 "$BIN" queue done r1 --at "yesterday"
grep -q "not a time" "$WORK/err" || fail "malformed --at: $(cat "$WORK/err")"
[[ "$(sha256sum "$RWKVQ_QUEUE")" == "$sum" ]] || fail "a refused --at changed the queue"
[[ ! -e "$LEARNED" ]] || fail "a refused done wrote the learned summary"

# --- three runs, each twice its estimate
expect_rc 0 "$BIN" queue done r1
grep -q "done in " "$WORK/out" || fail "done should say the real hours: $(cat "$WORK/out")"
for r in r2 r3; do
  expect_rc 0 "$BIN" queue start $r --at "$((AGO + 10))m ago"
  expect_rc 0 "$BIN" queue done $r --at "10m ago"
done
check_schema "$RWKVQ_QUEUE"
expect_rc 0 "$BIN" queue show r2 --format json
python3 - "$WORK/out" "$EST" <<'PY' || fail "a done part keeps real hours, estimate and FLOPs"
import json, sys
d = json.load(open(sys.argv[1])); est = float(sys.argv[2])
p = d["parts"][0]
assert p["state"] == "done" and p["ran_on"] == "1x24vgb", p
assert abs(p["real_hours"] / est - 2) < 0.05, (p["real_hours"], est)
assert p["flops"] > 1e15 and p["on"]["1x24vgb"]["utilisation"] == 0.25, p
h = d["history"]
assert h[1]["action"] == "start" and "recorded" in h[1], h     # recorded after the fact
PY
expect_rc 0 "$BIN" queue show r2
grep -Eq "real .* on 1x24vgb, estimate .* FLOPs; achieved utilisation 0\.1[23]" "$WORK/out" \
  || fail "show should print real hours next to the estimate: $(cat "$WORK/out")"

[[ -f "$LEARNED" ]] || fail "no $LEARNED after done"
python3 - "$LEARNED" "$SRC/schemas/learned.schema.json" <<'PY' || fail "learned summary"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["targets"]["1x24vgb"]
assert t["runs"] == 3 and t["used"] and abs(t["utilisation"] - 0.125) < 0.007, t
assert "8x24vgb" not in d["targets"], d
try:
    import jsonschema
    jsonschema.validate(d, json.load(open(sys.argv[2])))
except ImportError:
    pass
PY

# --- estimate and validate use it (and say so); other targets and --no-learn do not change
expect_rc 0 "$BIN" estimate "$WORK/req/req4" --format json
python3 - "$WORK/out" "$H1" "$H8" <<'PY' || fail "estimate with learned utilisation"
import json, sys
d = json.load(open(sys.argv[1])); h1 = float(sys.argv[2]); h8 = float(sys.argv[3])
ts = {t["name"]: t for t in d["parts"][0]["stages"][0]["targets"]}
assert abs(ts["1x24vgb"]["hours"] / h1 - 2) < 0.1, (ts["1x24vgb"], h1)
import re
assert re.fullmatch(r"0\.1[23] learned from 3 runs on 1x24vgb", ts["1x24vgb"]["utilisation_source"]), ts["1x24vgb"]
assert ts["8x24vgb"]["hours"] == h8 and ts["8x24vgb"]["utilisation_source"] == "limits.utilisation"
PY
expect_rc 0 "$BIN" estimate "$WORK/req/req4"
grep -Eq "1x24vgb 0\.1[23] learned from 3 runs on 1x24vgb" "$WORK/out" || fail "estimate text: $(cat "$WORK/out")"
expect_rc 0 "$BIN" estimate "$WORK/req/req4" --no-learn --format json
[[ "$(json 'd["parts"][0]["stages"][0]["targets"][0]["hours"]' "$WORK/out")" == "$H1" ]] || fail "--no-learn"
printf 'limits:\n  learn: false\n' >"$WORK/nolearn.yaml"
expect_rc 0 "$BIN" --config "$WORK/nolearn.yaml" estimate "$WORK/req/req4" --format json
[[ "$(json 'd["parts"][0]["stages"][0]["targets"][0]["hours"]' "$WORK/out")" == "$H1" ]] || fail "limits.learn: false"
expect_rc 0 "$BIN" validate "$WORK/req/req4"
# limits/hours judges the learned hours: a 4 h limit passes without learning, fails with it
# when the doubled estimate is above it.
LIMIT=$(python3 -c "import math; print(max(1, math.ceil($H1 * 1.3)))")
printf 'limits:\n  max_hours: %s\n' "$LIMIT" >"$WORK/limit.yaml"
expect_rc 0 "$BIN" --config "$WORK/limit.yaml" validate "$WORK/req/req4" --target 1x24vgb --no-learn
expect_rc 1 "$BIN" --config "$WORK/limit.yaml" validate "$WORK/req/req4" --target 1x24vgb
grep -q "limits/hours" "$WORK/out" && grep -q "learned from 3 runs" "$WORK/out" \
  || fail "limits/hours should fire on the learned hours and say so: $(cat "$WORK/out")"

# --- the queue's own estimates follow: list, next, plan (r4 waits on 1x24vgb)
expect_rc 0 "$BIN" queue list --format json
L=$(json '[p["hours"] for r in d["requests"] if r["id"]=="r4" for p in r["parts"]][0]' "$WORK/out")
expect_rc 0 "$BIN" queue --no-learn list --format json
N=$(json '[p["hours"] for r in d["requests"] if r["id"]=="r4" for p in r["parts"]][0]' "$WORK/out")
python3 -c "assert abs($L / $N - 2) < 0.1, ($L, $N)" || fail "queue list should double r4's hours: $L vs $N"
expect_rc 0 "$BIN" queue next --target 1x24vgb --format json
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert abs(d['next']['hours'] - $L) < 1e-6, d" "$WORK/out" \
  || fail "next should use the learned hours"
expect_rc 0 "$BIN" queue plan --nodes 1x24vgb=1 --format json
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); i=d['items'][0]; assert abs(i['hours'] - $L) < 0.01, i" "$WORK/out" \
  || fail "plan should use the learned hours: $(cat "$WORK/out")"
# a fail --at before the start is refused too
expect_rc 0 "$BIN" queue start r4 --at "1h ago"
expect_rc 1 "$BIN" queue fail r4 --at "2h ago"
expect_rc 0 "$BIN" queue fail r4 --at "30m ago"
check_schema "$RWKVQ_QUEUE"
# A broken summary is a cache: warned about, ignored (limits.utilisation), rewritten by done.
printf '{"version": 1, "targets": {"1x24vgb": {"utilisation": 7' >"$LEARNED"
expect_rc 0 "$BIN" estimate "$WORK/req/req4" --format json
grep -q "queue.learned.json" "$WORK/err" || fail "a broken summary should be warned about: $(cat "$WORK/err")"
[[ "$(json 'd["parts"][0]["stages"][0]["targets"][0]["hours"]' "$WORK/out")" == "$H1" ]] || fail "broken summary used"
expect_rc 0 "$BIN" queue start r4
expect_rc 0 "$BIN" queue done r4 --at "now"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['targets']['1x24vgb']['runs'] == 3, d" "$LEARNED" \
  || fail "done should rewrite the summary"
echo "ok: queue learn"
