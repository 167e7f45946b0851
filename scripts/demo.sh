#!/usr/bin/env bash
# Installs what is missing, builds build/rwkvq, and shows rwkvq at work on the bundled example
# requests (examples/requests/): a clean request that passes and a bad one that is refused, the
# estimates of the clean ones, and a maintainer's queue holding them (a temporary queue file,
# removed on exit: the demo never reads or writes your real queue). Safe to run again.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rwkvq_install_deps
cd "$RWKVQ_ROOT"
echo "== Building build/rwkvq (first time: a few minutes)"
build_log="$(mktemp)"
queue_dir="$(mktemp -d)"
trap 'rm -f "$build_log"; rm -rf "$queue_dir"' EXIT
if ! (rwkvq_build build "${RWKVQ_MAIN_BUILD_OPTS[@]}") >"$build_log" 2>&1; then
  tail -n 60 "$build_log" >&2
  exit 2
fi
RWKVQ="build/rwkvq"

# Runs one rwkvq command the way a user would type it, showing the command and its exit status.
demo() {
  local expect="$1"; shift
  if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    printf '\n\033[1m$ rwkvq %s\033[0m\n' "$*"
  else
    printf '\n$ rwkvq %s\n' "$*"
  fi
  local rc=0
  "$RWKVQ" "$@" || rc=$?
  echo "(exit status $rc)"
  if [ "$rc" != "$expect" ]; then
    echo "demo: expected exit status $expect" >&2
    exit 1
  fi
}

echo "== A contributor checks a clean request before opening the pull request"
demo 0 validate examples/requests/clean-single

echo
echo "== A request that would be refused: the dataset is committed instead of downloaded"
demo 1 validate examples/requests/bad-local-dataset

echo
echo "== The same, as GitHub Actions annotations on the pull request"
demo 1 validate --format github examples/requests/bad-local-dataset

echo
echo "== A maintainer's first questions: how big, will it fit, how many hours, on which runner"
demo 0 estimate examples/requests/clean-single
demo 0 estimate --target 8x24vgb examples/requests/clean-two-part

# Every queue command below uses this temporary queue, never $XDG_DATA_HOME/rwkvq/queue.json.
export RWKVQ_QUEUE="$queue_dir/queue.json"
echo
echo "== The queue (a temporary one: RWKVQ_QUEUE=$RWKVQ_QUEUE)"
echo "== Accepting both clean requests; the two-part run is language-specific, so it has priority"
demo 0 queue add examples/requests/clean-single
demo 0 queue add --kind community-priority examples/requests/clean-two-part
echo
echo "== A request with errors is refused and not queued"
demo 1 queue add examples/requests/bad-unbounded
echo
echo "== Why is one request ahead of the other? Each factor of the priority, like Slurm's sprio"
demo 0 queue list --explain
echo
echo "== A 24 GB node is free for four hours: what should it run?"
demo 0 queue next --target 1x24vgb --window 4h
echo
echo "== When will everything be done, with one node of each runner?"
demo 0 queue plan
