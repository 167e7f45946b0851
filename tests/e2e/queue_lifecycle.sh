#!/usr/bin/env bash
# The queue commands end to end: a corrupt file stays byte-identical (list, add) and is reported
# with path:line:col and exit 2; add → list → next → start → done → plan; illegal moves exit 1;
# a request with errors is refused; written files match schemas/queue.schema.json.
set -u
source "$(dirname "$0")/queue_lib.bash"
expect_rc() {  # expect_rc RC cmd...
  local want=$1; shift
  "$@" >"$WORK/out" 2>"$WORK/err"; local rc=$?
  [[ $rc == "$want" ]] || fail "'$*': exit $rc, expected $want; stderr: $(head -3 "$WORK/err")"
}

# --- a corrupt queue file (no validator needed)
mkdir -p "$WORK/corrupt"
Q="$WORK/corrupt/queue.json"
printf '{\n  "version": 1,\n  "next_id": 2,\n  "requests": [\n    {"id": "r1",, }\n  ]\n}\n' >"$Q"
sum=$(sha256sum "$Q")
expect_rc 2 "$BIN" queue --queue "$Q" list
grep -q "$Q:5:17: not valid JSON" "$WORK/err" || fail "no path:line:col for the parse error: $(cat "$WORK/err")"
expect_rc 2 "$BIN" queue list --queue "$Q" --format json
expect_rc 2 "$BIN" queue --queue "$Q" next --target 1x24vgb
expect_rc 2 "$BIN" queue --queue "$Q" start r1
expect_rc 2 "$BIN" queue --queue "$Q" add "$EXAMPLE"
[[ "$(sha256sum "$Q")" == "$sum" ]] || fail "the corrupt file was changed"
# schema violation: position of the offending value
printf '{"version": 1, "next_id": 2, "requests": [{"id": "r1", "folder": "/x", "title": "", "handle": "",\n "kind": "community", "target": "1x24vgb", "submitted": "2024-05-01T12:00:00Z",\n "parts": [{"n": 1, "notebook": "n.ipynb", "hours": 1, "state": "finished"}]}]}\n' >"$Q"
sum=$(sha256sum "$Q")
expect_rc 2 "$BIN" queue --queue "$Q" list
grep -q "$Q:3:65: unknown part state \"finished\"" "$WORK/err" || fail "schema error position: $(cat "$WORK/err")"
expect_rc 2 "$BIN" queue --queue "$Q" add "$EXAMPLE"
[[ "$(sha256sum "$Q")" == "$sum" ]] || fail "the invalid file was changed"
printf '{"version": 7, "next_id": 1, "requests": []}' >"$Q"
expect_rc 2 "$BIN" queue --queue "$Q" list
grep -q "unsupported queue version 7" "$WORK/err" || fail "unknown version not refused: $(cat "$WORK/err")"

# --- usage errors
expect_rc 2 "$BIN" queue next --target 1x24vgb --window 4
expect_rc 2 "$BIN" queue start not-an-id
expect_rc 2 "$BIN" queue plan --nodes "1x24vgb=0"
expect_rc 2 "$BIN" queue add "$WORK/no-such-folder"
# reading a missing queue is an empty queue and creates nothing
expect_rc 0 "$BIN" queue list
[[ ! -e "$(dirname "$RWKVQ_QUEUE")" ]] || fail "list created the queue folder"
expect_rc 1 "$BIN" queue start r1
[[ ! -e "$(dirname "$RWKVQ_QUEUE")" ]] || fail "a refused start created the queue folder"

# --- the rest needs the validator to accept the clean examples
require_clean_example
cp -r "$SRC/examples/requests/clean-single" "$WORK/a"
cp -r "$SRC/examples/requests/clean-two-part" "$WORK/b"
cp -r "$SRC/examples/requests/bad-unbounded" "$WORK/bad"

expect_rc 1 "$BIN" queue add "$WORK/bad"
grep -q "limits/unbounded" "$WORK/out" || fail "refused add does not print the findings: $(cat "$WORK/out")"
[[ ! -e "$RWKVQ_QUEUE" ]] || fail "a refused add created the queue"

expect_rc 0 "$BIN" queue add "$WORK/a" --by alice
[[ "$(cat "$WORK/out")" == r1 ]] || fail "add should print the new id, got: $(cat "$WORK/out")"
expect_rc 0 "$BIN" queue add "$WORK/b" --kind rwkv-x --by alice
[[ "$(cat "$WORK/out")" == r2 ]] || fail "second id: $(cat "$WORK/out")"
check_schema "$RWKVQ_QUEUE"

expect_rc 0 "$BIN" queue list --format json
python3 - "$WORK/out" <<'PY' || fail "list --format json"
import json, sys
d = json.load(open(sys.argv[1]))
ids = [r["id"] for r in d["requests"]]
assert ids == ["r2", "r1"], ids                     # rwkv-x ranks first
r2 = d["requests"][0]
assert len(r2["parts"]) == 2 and r2["kind"] == "rwkv-x"
p = r2["priority"]
assert abs(p["kind"]["value"] - 1000 * p["kind"]["factor"]) < 1e-6
assert abs(p["total"] - sum(p[k]["value"] for k in ("kind", "shortness", "age", "boost"))) < 1e-6
assert r2["history"][0]["by"] == "alice" and r2["history"][0]["action"] == "add"
PY
expect_rc 0 "$BIN" queue list --explain
grep -q "SHORTNESS" "$WORK/out" || fail "--explain has no factor columns"

# Part 2 cannot start before part 1 is done; done before start is refused.
expect_rc 1 "$BIN" queue start r2/part2
grep -q "part 1 is queued" "$WORK/err" || fail "message for part 2 before part 1: $(cat "$WORK/err")"
expect_rc 1 "$BIN" queue done r2
grep -q "not running" "$WORK/err" || fail "done before start: $(cat "$WORK/err")"

expect_rc 0 "$BIN" queue next --target 1x24vgb --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["next"]["id"]=="r2" and d["next"]["part"]==1, d' "$WORK/out" \
  || fail "next should propose r2/part1: $(cat "$WORK/out")"
expect_rc 0 "$BIN" queue start r2 --node node-a --by bob
expect_rc 1 "$BIN" queue start r1 --node node-a
grep -q "busy" "$WORK/err" || fail "a busy node is not refused"
expect_rc 0 "$BIN" queue next --target 1x24vgb --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["next"]["id"]=="r1", d; assert d["passed"][0]["reason"]=="waiting", d' "$WORK/out" \
  || fail "next while r2 runs: $(cat "$WORK/out")"
expect_rc 0 "$BIN" queue done r2 --reason "uploaded" --by bob
expect_rc 0 "$BIN" queue show r2 --format json
python3 - "$WORK/out" <<'PY' || fail "show after done"
import json, sys
d = json.load(open(sys.argv[1]))
assert [p["state"] for p in d["parts"]] == ["done", "queued"], d["parts"]
assert d["parts"][0]["node"] == "node-a"
h = d["history"]
assert [x["action"] for x in h] == ["add", "start", "done"], h
assert h[2]["by"] == "bob" and h[2]["reason"] == "uploaded" and h[2]["part"] == 1
PY
expect_rc 0 "$BIN" queue skip r1 --reason "node too busy"
expect_rc 0 "$BIN" queue bump r1 10
expect_rc 0 "$BIN" queue plan --nodes 1x24vgb=2 --format json
python3 - "$WORK/out" <<'PY' || fail "plan --format json"
import json, sys
d = json.load(open(sys.argv[1]))
parts = {(i["id"], i["part"]) for i in d["items"]} | {(u["id"], u["part"]) for u in d["unplanned"]}
assert parts == {("r1", 1), ("r2", 2)}, parts
PY
expect_rc 0 "$BIN" queue plan --nodes 1x24vgb=1
expect_rc 0 "$BIN" queue reject r1 --reason "duplicate of r2"
expect_rc 1 "$BIN" queue start r1
expect_rc 0 "$BIN" queue list --all --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s={r["id"]:r["state"] for r in d["requests"]}; assert s=={"r1":"rejected","r2":"queued"}, s' "$WORK/out" \
  || fail "list --all states"
check_schema "$RWKVQ_QUEUE"

# The rejected r1 left the queue file for the archive beside it (docs/queue.md), one line:
ARCHIVE="${RWKVQ_QUEUE%.json}.archive.jsonl"
[[ -f "$ARCHIVE" ]] || fail "no archive beside the queue after a reject"
[[ $(wc -l < "$ARCHIVE") == 1 ]] || fail "archive: $(cat "$ARCHIVE")"
grep -q '"id": "r1"' "$ARCHIVE" || fail "r1 is not archived: $(cat "$ARCHIVE")"
grep -q '"id": "r1"' "$RWKVQ_QUEUE" && fail "r1 is still in the queue file"
# … and is still shown: by list --all (above) and show, not by list; an action on it is refused
# saying why, as before.
expect_rc 0 "$BIN" queue list
grep -q "^r2 " "$WORK/out" || fail "list: r2 missing: $(cat "$WORK/out")"
grep -q "^r1 " "$WORK/out" && fail "list shows the rejected r1: $(cat "$WORK/out")"
expect_rc 0 "$BIN" queue list --all
grep -q "^r1 .*rejected" "$WORK/out" || fail "list --all: r1 missing: $(cat "$WORK/out")"
expect_rc 0 "$BIN" queue show r1
grep -q "state:     rejected" "$WORK/out" || fail "show r1: $(cat "$WORK/out")"
grep -q "reject: duplicate of r2" "$WORK/out" || fail "show r1 history: $(cat "$WORK/out")"
expect_rc 1 "$BIN" queue start r1
grep -q "cannot start r1/part1: it is rejected" "$WORK/err" || fail "start r1: $(cat "$WORK/err")"
expect_rc 1 "$BIN" queue bump r1 1
grep -q "cannot bump r1: it is rejected" "$WORK/err" || fail "bump r1: $(cat "$WORK/err")"
expect_rc 0 "$BIN" queue log
grep -q "reject r1: duplicate of r2" "$WORK/out" || fail "log: the archived r1's history: $(cat "$WORK/out")"
# A new request after the archive: its id continues past r2.
expect_rc 0 "$BIN" queue add "$WORK/a"
[[ $(cat "$WORK/out") == r3 ]] || fail "add after archiving: $(cat "$WORK/out")"
check_schema "$RWKVQ_QUEUE"
echo "ok: queue lifecycle"
