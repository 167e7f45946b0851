#!/usr/bin/env bash
# A shared queue in git (--queue git:URL#BRANCH, DESIGN §10), against bare repositories made
# here. Each maintainer is a separate XDG_CACHE_HOME (another machine's clone).
#  1. two maintainers adding 10 requests each at once: 20 entries, 20 commits, each by its author
#  2. a start that no longer applies (the part was started meanwhile) is refused with the reason
#  3. queue log, --no-fetch, RWKVQ_QUEUE=git:…
#  4. adds killed with SIGKILL at random moments: every acknowledged add is on the branch, the
#     clone recovers (stale lock files, a broken clone)
# The `git` program is used only to make and inspect the fixtures; rwkvq never runs it.
set -u
source "$(dirname "$0")/queue_lib.bash"
require_clean_example
command -v git >/dev/null || { echo "skip: the git program is needed to inspect the fixtures"; exit 77; }
unset RWKVQ_QUEUE
export HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git init -q --bare "$WORK/shared.git" || fail "cannot make the bare repository"
Q="git:$WORK/shared.git#queue"
# Runs rwkvq as maintainer $1 (its own cache = its own machine).
as() { local who=$1; shift; USER="$who" XDG_CACHE_HOME="$WORK/cache-$who" "$BIN" "$@"; }
branch_queue() { git --git-dir="$WORK/shared.git" show "queue:queue.json"; }
commits() { git --git-dir="$WORK/shared.git" rev-list --count queue 2>/dev/null || echo 0; }

# A missing branch is an empty queue, and reading it creates nothing.
out=$(as alice queue --queue "$Q" list) || fail "list of a missing branch failed"
[[ "$out" == "queue is empty"*"$Q" ]] || fail "list of a missing branch: $out"
[[ $(commits) == 0 ]] || fail "a read created commits"

# ---------------------------------------------------------------- 1. two maintainers at once
make_requests 20 "$WORK/reqs"
start=$(date +%s%N)
for who in alice bob; do
  (
    off=0; [[ $who == bob ]] && off=10
    for ((i = off; i < off + 10; i++)); do
      as "$who" -v queue --queue "$Q" add "$WORK/reqs/req$i" >"$WORK/add.$i" 2>"$WORK/add-err.$i" || exit 1
    done
  ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || fail "an adding maintainer failed: $(cat "$WORK"/add-err.* | grep -v info | head -5)"; done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
entries=$(branch_queue | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))') \
  || fail "queue.json on the branch does not parse"
n_commits=$(commits)
retries=$(cat "$WORK"/add-err.* | grep -c "push rejected")
ids=$(cat "$WORK"/add.* | sort -u | wc -l)
echo "concurrent adds: 20 adds from 2 processes -> $entries entries, $n_commits commits, $ids distinct ids," \
     "$retries rejected pushes re-applied, ${ms} ms"
[[ $entries == 20 ]] || fail "expected 20 entries on the branch, found $entries"
[[ $n_commits == 20 ]] || fail "expected 20 commits, found $n_commits"
[[ $ids == 20 ]] || fail "expected 20 distinct ids printed, got $ids"
branch_queue >"$WORK/branch.json"
check_schema "$WORK/branch.json"
python3 - "$WORK/branch.json" "$WORK/reqs" <<'PY' || fail "queued folders differ from the added ones"
import json, os, sys
q = json.load(open(sys.argv[1]))
want = sorted(os.path.realpath(os.path.join(sys.argv[2], f"req{i}")) for i in range(20))
assert sorted(r["folder"] for r in q["requests"]) == want
assert q["next_id"] == 21, q["next_id"]
PY
authors=$(git --git-dir="$WORK/shared.git" log --format='%an <%ae>' queue | sort | uniq -c | awk '{print $1, $2, $3}' | tr '\n' ';')
[[ "$authors" == "10 alice <alice@localhost>;10 bob <bob@localhost>;" ]] || fail "commit authors: $authors"
git --git-dir="$WORK/shared.git" log --format=%s queue | grep -qE '^add r[0-9]+ req[0-9]+ \(1 part\)$' \
  || fail "commit messages do not say what changed: $(git --git-dir="$WORK/shared.git" log --format=%s -3 queue)"
# Each commit changes queue.json only, and the history is linear (no merges).
[[ $(git --git-dir="$WORK/shared.git" rev-list --merges --count queue) == 0 ]] || fail "merge commits on the branch"
[[ $(git --git-dir="$WORK/shared.git" log --format= --name-only queue | sort -u) == queue.json ]] \
  || fail "commits touch more than queue.json"

# ---------------------------------------------------------------- 2. a conflicting start
# Both maintainers start r1 at once: exactly one wins, the other is refused with the reason.
as alice queue --queue "$Q" start r1 --node node-a >"$WORK/start.alice" 2>"$WORK/start-err.alice" &
pa=$!
as bob queue --queue "$Q" start r1 --node node-b >"$WORK/start.bob" 2>"$WORK/start-err.bob" &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
[[ $((ra + rb)) == 1 && ($ra == 0 || $rb == 0) ]] || fail "concurrent starts: exit $ra and $rb, expected one 0 and one 1"
loser=bob; [[ $rb == 0 ]] && loser=alice
grep -q "cannot start r1/part1: it is running" "$WORK/start-err.$loser" || fail "the refused start gives no reason: $(cat "$WORK/start-err.$loser")"
echo "conflicting start: $loser refused: $(cat "$WORK/start-err.$loser")"
[[ $(commits) == 21 ]] || fail "a refused start pushed something ($(commits) commits)"
# And a later start on a stale view (--no-fetch only affects reads: changes always fetch first).
before=$(git --git-dir="$WORK/shared.git" rev-parse queue)
as "$loser" queue --queue "$Q" --no-fetch start r1 --node node-c 2>"$WORK/start2.err"; rc=$?
[[ $rc == 1 ]] || fail "second start of a running part: exit $rc"
[[ $(git --git-dir="$WORK/shared.git" rev-parse queue) == "$before" ]] || fail "a refused start moved the branch"

# ---------------------------------------------------------------- 3. log, --no-fetch, RWKVQ_QUEUE
as carol queue --queue "$Q" log --max 3 >"$WORK/log.txt" || fail "queue log failed"
head -1 "$WORK/log.txt" | grep -qE "^[0-9T:-]+Z  [0-9a-f]{7}  (alice|bob) +start r1/part1 on node-[ab]$" \
  || fail "queue log does not show the start first: $(cat "$WORK/log.txt")"
[[ $(wc -l <"$WORK/log.txt") == 3 ]] || fail "log --max 3 printed $(wc -l <"$WORK/log.txt") lines"
as carol queue --queue "$Q" --format json log | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["source"] == "commits" and len(j["log"]) == 21, (j["source"], len(j["log"]))
assert all(e["by"] in ("alice", "bob") and e["email"].endswith("@localhost") for e in j["log"])
' || fail "queue log --format json"
# --no-fetch reads the clone as it is: carol's clone does not see dave's add until she fetches.
as carol queue --queue "$Q" list >/dev/null
cp -r "$EXAMPLE" "$WORK/req-dave"
as dave queue --queue "$Q" add "$WORK/req-dave" >/dev/null 2>&1 || fail "dave's add failed"
as carol queue --queue "$Q" --no-fetch show r21 >/dev/null 2>&1 && fail "--no-fetch fetched (r21 visible)"
as carol queue --queue "$Q" show r21 >/dev/null || fail "a read did not fetch r21"
RWKVQ_QUEUE="$Q" as carol queue show r21 >/dev/null || fail "RWKVQ_QUEUE=git:… does not work"
# The e-mail comes from git's user.email; without $USER the author is git's user.name.
mkdir -p "$WORK/home2"
printf '[user]\n\tname = Zed Quinn\n\temail = zed@example.org\n' >"$WORK/home2/.gitconfig"
cp -r "$EXAMPLE" "$WORK/req-zed"
env -u USER HOME="$WORK/home2" XDG_CACHE_HOME="$WORK/cache-zed" "$BIN" queue --queue "$Q" add "$WORK/req-zed" \
  >/dev/null 2>&1 || fail "an add without USER failed"
zed=$(git --git-dir="$WORK/shared.git" log -1 --format='%an <%ae>|%s' queue)
[[ "$zed" == "Zed Quinn <zed@example.org>|add r22 req-zed (1 part)" ]] || fail "author from git config: $zed"
# A file queue has no commit log: it says so and shows its requests' histories.
RWKVQ_QUEUE="$WORK/file/queue.json" "$BIN" queue add "$WORK/reqs/req0" >/dev/null 2>&1 || fail "file queue add"
RWKVQ_QUEUE="$WORK/file/queue.json" "$BIN" queue log >"$WORK/flog.out" 2>"$WORK/flog.err" || fail "file queue log"
grep -q "keeps no log of its own" "$WORK/flog.err" || fail "file queue log does not say it has no history"
grep -q " add r1$" "$WORK/flog.out" || fail "file queue log does not show the requests' history"

# ---------------------------------------------------------------- 4. killed pushes lose nothing
ROUNDS=${RWKVQ_KILL_ROUNDS:-12}
make_requests "$ROUNDS" "$WORK/kill"
as erin queue --queue "$Q" list >/dev/null  # the clone made, so that req0's add is a typical one
t0=$(date +%s%N)
as erin queue --queue "$Q" add "$WORK/kill/req0" >"$WORK/kill.0" 2>/dev/null || fail "a plain add failed"
span_us=$(( ($(date +%s%N) - t0) / 1000 + 1000 ))
for ((i = 1; i < ROUNDS; i++)); do
  # Not through as(): $! must be rwkvq itself, not a subshell.
  USER=erin XDG_CACHE_HOME="$WORK/cache-erin" "$BIN" queue --queue "$Q" add "$WORK/kill/req$i" >"$WORK/kill.$i" 2>/dev/null &
  pid=$!
  sleep "$(awk -v s="$span_us" -v r="$RANDOM" 'BEGIN { printf "%.6f", (r % 1000) / 1000 * s / 1e6 }')"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
# Litter a killed libgit2 could leave in the clone: a ref's lock file.
clone=$(ls -d "$WORK/cache-erin/rwkvq/queues/"*/repo)
touch "$clone/refs/remotes/origin/queue.lock"
# And in the shared repository, the branch's lock of a push killed in the instant it held it
# (older than 5 s: stale); a kill above may have left a fresh one, which is waited for.
touch -d '1 minute ago' "$WORK/shared.git/refs/heads/queue.lock"
cp -r "$EXAMPLE" "$WORK/req-after"
as erin queue --queue "$Q" add "$WORK/req-after" >"$WORK/kill.after" 2>"$WORK/after-kill.err" \
  || fail "the clone does not recover after the kills: $(cat "$WORK/after-kill.err")"
grep -q "removing $WORK/shared.git/refs/heads/queue.lock, left by a process killed" "$WORK/after-kill.err" \
  || fail "the stale lock in the shared repository was not reported: $(cat "$WORK/after-kill.err")"
[[ ! -e "$WORK/shared.git/refs/heads/queue.lock" ]] || fail "the stale lock in the shared repository stays"
# A clone broken beyond that (its objects gone) is made again.
rm -rf "$clone/objects"
as erin queue --queue "$Q" list >/dev/null 2>"$WORK/reclone.err" || fail "a broken clone is not made again: $(cat "$WORK/reclone.err")"
branch_queue >"$WORK/after.json"
acked=$(cat "$WORK"/kill.* | grep -c '^r')
python3 - "$WORK/after.json" "$WORK" <<'PY' || fail "an acknowledged add was lost"
import glob, json, sys
q = json.load(open(sys.argv[1]))
ids = {r["id"] for r in q["requests"]}
acked = [open(f).read().strip() for f in glob.glob(sys.argv[2] + "/kill.*") if open(f).read().strip()]
lost = [a for a in acked if a not in ids]
assert not lost, f"lost: {lost}"
PY
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["requests"]))' "$WORK/after.json")
echo "killed adds: $((ROUNDS - 1)) killed at random moments, $acked acknowledged (incl. one before and one after), all on the branch ($n entries, $(commits) commits)"
[[ $((n + 1)) == $(commits) ]] || fail "entries ($n) + 1 start != commits ($(commits)): a commit without its change?"
# ---------------------------------------------------------------- 5. over the git protocol
# The same concurrent adds pushed with git_remote_push to a git daemon on 127.0.0.1 (the
# server, not rwkvq, refuses a non-fast-forward), when this machine has `git daemon`.
if git daemon --help >/dev/null 2>&1 || git help -a 2>/dev/null | grep -qw daemon; then
  git init -q --bare "$WORK/served/q.git"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  git daemon --reuseaddr --base-path="$WORK/served" --export-all --enable=receive-pack --listen=127.0.0.1 \
    --port="$port" "$WORK/served" >"$WORK/daemon.log" 2>&1 &
  daemon=$!
  trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$WORK"' EXIT
  for ((i = 0; i < 50; i++)); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$port" 2>/dev/null && break
    sleep 0.1
  done
  NQ="git:git://127.0.0.1:$port/q.git#queue"
  start=$(date +%s%N)
  pids=()
  for who in frank grace; do
    (
      off=0; [[ $who == grace ]] && off=10
      for ((i = off; i < off + 10; i++)); do
        as "$who" -v queue --queue "$NQ" add "$WORK/reqs/req$i" >"$WORK/nadd.$i" 2>"$WORK/nadd-err.$i" || exit 1
      done
    ) &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fail "an add over git:// failed: $(grep -hv debug "$WORK"/nadd-err.* | head -5)"; done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  entries=$(git --git-dir="$WORK/served/q.git" show queue:queue.json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))')
  n_commits=$(git --git-dir="$WORK/served/q.git" rev-list --count queue)
  retries=$(cat "$WORK"/nadd-err.* | grep -c "push rejected")
  echo "concurrent adds over git://: 20 adds from 2 processes -> $entries entries, $n_commits commits," \
       "$retries rejected pushes re-applied, ${ms} ms"
  [[ $entries == 20 && $n_commits == 20 ]] || fail "over git://: $entries entries, $n_commits commits, expected 20 and 20"
else
  echo "note: no git daemon here: the git:// push path is not exercised"
fi
echo "ok: shared git queue: concurrent adds kept, conflicting start refused, killed pushes lost nothing"
