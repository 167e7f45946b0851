#!/usr/bin/env bash
# End-to-end: the command line itself (DESIGN §5): --help, --version, unknown commands and
# options give one clear line on stderr and exit 2; never a crash.
set -uo pipefail
BIN="$1"
fail=0
check() { # description, expected exit, expected stderr/stdout substring, command...
  local what="$1" want_rc="$2" want_text="$3"; shift 3
  local out rc
  out="$("$BIN" "$@" 2>&1)"; rc=$?
  if [ "$rc" != "$want_rc" ]; then echo "FAIL $what: exit $rc, expected $want_rc: $out"; fail=1; fi
  if ! grep -qF -- "$want_text" <<<"$out"; then echo "FAIL $what: output lacks '$want_text': $out"; fail=1; fi
}
check "--help" 0 "validate" --help
check "--version" 0 "rwkvq " --version
check "no command" 2 "subcommand is required"
check "unknown command" 2 "unknown command 'bogus' (commands: validate, estimate, queue, rules, calibrate, init, completion)" bogus
check "unknown option" 2 "--bogus" validate --bogus x
check "bad format" 2 "--format" validate --format xml x
check "missing --config file" 2 "no such config file" --config /nonexistent/rwkvq.yaml rules
check "validate help" 0 "--strict" validate --help
[ "$fail" = 0 ] && echo "cli: all checks passed"
exit "$fail"
