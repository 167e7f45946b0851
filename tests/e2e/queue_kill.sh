#!/usr/bin/env bash
# Adds killed with SIGKILL at random moments never leave an unparsable queue file and never
# lose an add that reported success.
set -u
source "$(dirname "$0")/queue_lib.bash"
require_clean_example
ROUNDS=${RWKVQ_KILL_ROUNDS:-60}
make_requests "$ROUNDS" "$WORK/reqs"

# A big queue makes each write take long enough for kills to land inside it.
mkdir -p "$(dirname "$RWKVQ_QUEUE")"
python3 - "$RWKVQ_QUEUE" <<'PY'
import json, sys
reqs = []
for i in range(1, 3001):
    reqs.append({"id": f"r{i}", "folder": f"/prefill/{i}", "title": f"prefill {i}", "handle": "@p",
                 "kind": "community", "target": "1x24vgb", "submitted": "2024-05-01T12:00:00Z",
                 "boost": 0, "parts": [{"n": 1, "notebook": "training-notebook.ipynb", "hours": 1.5,
                                        "state": "queued"}], "history": []})
json.dump({"version": 1, "next_id": 3001, "requests": reqs}, open(sys.argv[1], "w"), indent=1)
PY

# How long one add takes, to spread the kills over its whole run.
t0=$(date +%s%N)
"$BIN" queue add "$WORK/reqs/req0" >"$WORK/out.0" 2>/dev/null || fail "a plain add failed"
t1=$(date +%s%N)
span_us=$(( (t1 - t0) / 1000 + 1000 ))
echo "req0" >>"$WORK/succeeded"

for ((i = 1; i < ROUNDS; i++)); do
  ( "$BIN" queue add "$WORK/reqs/req$i" >"$WORK/out.$i" 2>/dev/null && echo "req$i" >>"$WORK/succeeded" ) &
  sub=$!
  sleep "$(awk -v s="$span_us" -v r="$RANDOM" 'BEGIN { printf "%.6f", (r % 1000) / 1000 * s / 1e6 }')"
  # Kill the rwkvq process (the child of the subshell), then the subshell.
  pkill -KILL -P "$sub" 2>/dev/null
  wait "$sub" 2>/dev/null
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$RWKVQ_QUEUE" \
    || fail "round $i: the queue file does not parse after SIGKILL"
done

# Every add that reported success is there, and the file is valid by the tool itself.
"$BIN" queue list --format json >"$WORK/list.json" || fail "queue list failed after the kills"
python3 - "$RWKVQ_QUEUE" "$WORK/succeeded" "$WORK/reqs" <<'PY' || fail "an add that reported success was lost"
import json, os, sys
q = json.load(open(sys.argv[1]))
folders = {r["folder"] for r in q["requests"]}
ok = [l.strip() for l in open(sys.argv[2]) if l.strip()]
lost = [n for n in ok if os.path.realpath(os.path.join(sys.argv[3], n)) not in folders]
assert not lost, lost
print(f"{len(ok)} adds reported success, {len(folders) - 3000} present, none lost")
PY
check_schema "$RWKVQ_QUEUE"
echo "ok: $ROUNDS adds with random SIGKILLs"
