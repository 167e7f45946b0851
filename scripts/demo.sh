#!/usr/bin/env bash
# Installs what is missing, builds build/rwkvq, and shows rwkvq at work on the bundled example
# requests (examples/requests/): a clean request that passes and a bad one that is refused.
# Safe to run again.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rwkvq_install_deps
cd "$RWKVQ_ROOT"
echo "== Building build/rwkvq (first time: a few minutes)"
build_log="$(mktemp)"
trap 'rm -f "$build_log"' EXIT
if ! (rwkvq_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo) >"$build_log" 2>&1; then
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
