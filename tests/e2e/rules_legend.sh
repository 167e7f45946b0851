#!/usr/bin/env bash
# End-to-end: `rwkvq rules` marks the rows whose severity rwkvq.yaml sets with `*`, and prints the
# legend "(* = severity set in FILE)" only when some row has one.
# Usage: bash rules_legend.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if ! "$@"; then echo "FAIL: $what" >&2; fail=1; fi
}

# examples/rwkvq.yaml sets no rule severity: no `*`, no legend.
out="$("$BIN" --config "$SRC/examples/rwkvq.yaml" rules)"
check "rules listed" grep -q '^limits/hours ' <<<"$out"
check "no row marked with * (examples/rwkvq.yaml)" bash -c '! grep -Eq "^[a-z-]+/[a-z0-9-]+ +[a-z]+\*" <<<"$1"' _ "$out"
check "no legend without a marked row (examples/rwkvq.yaml)" bash -c '! grep -q "severity set in" <<<"$1"' _ "$out"

# A config that sets one severity: that row is marked, and the legend names the file.
printf 'rules:\n  limits/hours: warning\n' >"$tmp/rwkvq.yaml"
out="$("$BIN" --config "$tmp/rwkvq.yaml" rules)"
check "the row set is marked" grep -Eq '^limits/hours +warning\*' <<<"$out"
check "only that row is marked" test "$(grep -Ec '^[a-z-]+/[a-z0-9-]+ +[a-z]+\*' <<<"$out")" = 1
check "legend names the file" grep -qF "(* = severity set in $tmp/rwkvq.yaml)" <<<"$out"

# A config with no rules: section at all: no legend either.
printf 'limits:\n  max_hours: 10\n' >"$tmp/rwkvq.yaml"
out="$("$BIN" --config "$tmp/rwkvq.yaml" rules)"
check "no legend without a marked row (no rules: section)" bash -c '! grep -q "severity set in" <<<"$1"' _ "$out"

exit "$fail"
