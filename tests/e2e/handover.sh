#!/usr/bin/env bash
# End-to-end: the static rwkvq and rwkvq-shared (issue 12.6, cli/handover.h). The release build's
# rwkvq is static-pie and runs validate, estimate, rules, completion and --version itself; every
# command that may load libgit2 or libcurl (queue, init, calibrate, validate --pr, --online or
# `online: true`) is handed over with execv to rwkvq-shared, found beside it (build tree) or in
# ../libexec/rwkvq/ (installed), before anything is printed. Checked here with a copy of the static
# binary alone (the hand-over is then a clear error, exit 2, nothing on stdout), in the installed
# layout, and with a static impostor as rwkvq-shared (no loop). Skipped for the sanitizer and
# fuzzing builds, whose single rwkvq is dynamic.
# Usage: bash handover.sh /path/to/rwkvq /path/to/source-root
set -uo pipefail
BIN="$1"
SRC="$2"
command -v readelf >/dev/null || { echo "skip: no readelf"; exit 77; }
if readelf -lW "$BIN" | grep -q INTERP; then echo "skip: $BIN is dynamically linked (no hand-over)"; exit 77; fi
SHARED="$(dirname "$BIN")/rwkvq-shared"
[ -x "$SHARED" ] || { echo "FAIL: $SHARED missing beside the static $BIN"; exit 1; }
fail=0
no() { echo "FAIL: $*"; fail=1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
CLEAN="$SRC/examples/requests/clean-single"
BAD="$SRC/examples/requests/bad-json"

# run PROGRAM ARGS...: sets rc, out (stdout), err (stderr)
run() { out="$("$@" 2>"$tmp/err")"; rc=$?; err="$(cat "$tmp/err")"; }

# --- alone: what the static program runs itself ---------------------------------------------------
mkdir -p "$tmp/alone"
cp "$BIN" "$tmp/alone/rwkvq"
A="$tmp/alone/rwkvq"
run "$A" validate "$CLEAN"
[ "$rc" = 0 ] && [ "$out" = "$CLEAN: ok" ] || no "alone: validate clean: exit $rc: $out $err"
for args in "validate --format json $CLEAN $BAD" "validate --format sarif $BAD" "estimate $CLEAN" \
            "estimate --format json --offline $CLEAN" "rules" "rules --format json" "--version" "completion bash" \
            "validate --offline $CLEAN"; do
  # shellcheck disable=SC2086
  run "$A" $args; a_rc=$rc a_out="$out" a_err="$err"
  # shellcheck disable=SC2086
  run "$SHARED" $args
  [ "$a_rc" = "$rc" ] && [ "$a_out" = "$out" ] && [ "$a_err" = "$err" ] ||
    no "alone: '$args' differs from rwkvq-shared (exit $a_rc vs $rc)"
done

# --- alone: what it hands over, and says so ------------------------------------------------------
printf 'online: true\n' >"$tmp/online.yaml"
printf 'online: true\nrules:\n  no/such-rule: off\n' >"$tmp/online-unknown.yaml"
handed() {  # what ARGS...: the static program alone must refuse with a clear error, exit 2
  local what="$1"; shift
  run "$A" "$@"
  [ "$rc" = 2 ] || no "alone: $*: exit $rc, expected 2 ($err)"
  [ -z "$out" ] || no "alone: $*: printed on stdout before handing over: $out"
  grep -qF "$what needs rwkvq-shared" <<<"$err" || no "alone: $*: stderr does not say '$what needs rwkvq-shared': $err"
  grep -qF "$tmp/alone/rwkvq-shared" <<<"$err" && grep -qF "$tmp/libexec/rwkvq/rwkvq-shared" <<<"$err" ||
    no "alone: $*: stderr does not name both places looked at: $err"
  [ "$(wc -l <<<"$err")" = 1 ] || no "alone: $*: more than the one error line on stderr: $err"
}
handed '`rwkvq queue`' queue list
handed '`rwkvq queue`' -v queue --help
handed '`rwkvq init`' init "$tmp/new" --handle @me --title t
handed '`rwkvq calibrate`' calibrate
handed '`validate --pr`' validate --pr
handed 'going online (--online, or online: true in rwkvq.yaml)' validate --online "$CLEAN"
handed 'going online (--online, or online: true in rwkvq.yaml)' estimate --online "$CLEAN"
handed 'going online (--online, or online: true in rwkvq.yaml)' --config "$tmp/online.yaml" validate "$CLEAN"
# the unknown rule id's warning is the program's that runs the command: not printed before handing over
handed 'going online (--online, or online: true in rwkvq.yaml)' --config "$tmp/online-unknown.yaml" validate "$CLEAN"
[ -e "$tmp/new" ] && no "alone: init wrote $tmp/new before handing over"
run "$A" --config "$tmp/online.yaml" validate --offline "$CLEAN"
[ "$rc" = 0 ] || no "alone: --offline over online: true must stay in the static program: exit $rc: $err"

# --- with rwkvq-shared beside it (the build tree) ------------------------------------------------
run "$BIN" --config "$tmp/online-unknown.yaml" validate --pr --repo "$tmp"
[ "$rc" = 2 ] || no "validate --pr outside a repository: exit $rc, expected 2: $err"
[ "$(grep -c 'no/such-rule' <<<"$err")" = 1 ] || no "the unknown rule id is not warned about exactly once: $err"
grep -q "repository" <<<"$err" || no "validate --pr outside a repository: rwkvq-shared's error missing: $err"
run "$BIN" queue list --queue "$tmp/q.json"
[ "$rc" = 0 ] || no "queue list through rwkvq-shared: exit $rc: $err"

# --- installed layout: bin/rwkvq and libexec/rwkvq/rwkvq-shared ----------------------------------
mkdir -p "$tmp/inst/bin" "$tmp/inst/libexec/rwkvq"
cp "$BIN" "$tmp/inst/bin/rwkvq"
cp "$SHARED" "$tmp/inst/libexec/rwkvq/rwkvq-shared"
run "$tmp/inst/bin/rwkvq" queue list --queue "$tmp/q.json"
[ "$rc" = 0 ] || no "installed layout: queue list: exit $rc: $err"
run "$tmp/inst/bin/rwkvq" queue --help
grep -q "Usage: .*queue" <<<"$out" || no "installed layout: queue --help: $out $err"

# --- a static impostor as rwkvq-shared: refused, no exec loop ------------------------------------
mkdir -p "$tmp/loop"
cp "$BIN" "$tmp/loop/rwkvq"
cp "$BIN" "$tmp/loop/rwkvq-shared"
run timeout 20 "$tmp/loop/rwkvq" queue list --queue "$tmp/q.json"
[ "$rc" = 2 ] || no "a static rwkvq-shared: exit $rc, expected 2 (124 is a loop): $err"

# --- the static program starts nothing for validate; exactly one exec for queue -------------------
if command -v strace >/dev/null && strace -f -qq -e trace=none true 2>/dev/null; then
  n="$(strace -f -qq -e trace=execve "$BIN" validate "$CLEAN" 2>&1 >/dev/null | grep -c 'execve(')"
  [ "$n" = 1 ] || no "validate ran $n programs, expected 1 (itself)"
  n="$(strace -f -qq -e trace=execve "$BIN" queue list --queue "$tmp/q.json" 2>&1 >/dev/null | grep -c 'execve(.*rwkvq-shared')"
  [ "$n" = 1 ] || no "queue list started rwkvq-shared $n times, expected once"
else
  echo "handover: no usable strace: exec counts skipped"
fi

[ $fail = 0 ] && echo "handover: all checks passed"
exit $fail
