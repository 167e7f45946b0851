#!/usr/bin/env bash
# 8 processes adding 25 requests each at once leave all 200; a second add of a queued folder
# is refused.
set -u
source "$(dirname "$0")/queue_lib.bash"
require_clean_example
make_requests 200 "$WORK/reqs"

pids=()
for ((p = 0; p < 8; p++)); do
  (
    for ((i = p * 25; i < p * 25 + 25; i++)); do
      "$BIN" queue add "$WORK/reqs/req$i" --by "proc$p" >"$WORK/out.$i" 2>"$WORK/err.$i" || exit 1
    done
  ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || fail "an adding process failed: $(cat "$WORK"/err.* | head -5)"; done

n=$(count_requests "$RWKVQ_QUEUE") || fail "queue file does not parse"
[[ "$n" == 200 ]] || fail "expected 200 requests, found $n"
ids=$(cat "$WORK"/out.* | sort -u | wc -l)
[[ "$ids" == 200 ]] || fail "expected 200 distinct ids printed, got $ids"
python3 - "$RWKVQ_QUEUE" "$WORK/reqs" <<'PY' || fail "queued folders differ from the added ones"
import json, os, sys
q = json.load(open(sys.argv[1]))
folders = sorted(r["folder"] for r in q["requests"])
want = sorted(os.path.realpath(os.path.join(sys.argv[2], f"req{i}")) for i in range(200))
assert folders == want, (folders[:3], want[:3])
assert q["next_id"] == 201
PY
check_schema "$RWKVQ_QUEUE"

# Same folder again (also through another spelling of its path): refused, exit 1, file unchanged.
before=$(sha256sum "$RWKVQ_QUEUE")
"$BIN" queue add "$WORK/reqs/req7" >/dev/null 2>"$WORK/dup.err"; rc=$?
[[ $rc == 1 ]] || fail "second add of the same folder: exit $rc, expected 1"
grep -q "already queued as r" "$WORK/dup.err" || fail "no 'already queued' message: $(cat "$WORK/dup.err")"
"$BIN" queue add "$WORK/reqs/../reqs/req7/" >/dev/null 2>&1; rc=$?
[[ $rc == 1 ]] || fail "same folder via another path: exit $rc, expected 1"
[[ "$(sha256sum "$RWKVQ_QUEUE")" == "$before" ]] || fail "a refused add changed the file"
echo "ok: 200 concurrent adds kept, duplicates refused"
