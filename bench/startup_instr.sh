#!/usr/bin/env bash
# Start-up work of rwkvq in instructions (valgrind/callgrind), which a loaded, shared machine
# does not disturb the way it disturbs wall-clock times: `rwkvq --version` and `rwkvq validate`
# of one request, for this binary and, when given, a "before" binary. Prints the instruction
# counts and the shares spent in the dynamic loader, in yaml-cpp, compiling std::regex and
# building the CLI11 command tree.
# Usage: bench/startup_instr.sh [BINARY (default build/rwkvq)] [BEFORE]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(realpath "${1:-$ROOT/build/rwkvq}")"
BEFORE="${2:-}"
command -v valgrind >/dev/null || { echo "bench: valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
measure() {  # label binary args...
  local label="$1" bin="$2"; shift 2
  (cd "$ROOT" && valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bin" "$@" >/dev/null 2>"$tmp/err") || true
  local total loader yaml regex cli
  total=$(grep -o 'I *refs: *[0-9,]*' "$tmp/err" | grep -o '[0-9,]*$' | tr -d ,)
  callgrind_annotate --auto=no --inclusive=yes "$tmp/cg" >"$tmp/ann" 2>/dev/null
  callgrind_annotate --auto=no "$tmp/cg" >"$tmp/self" 2>/dev/null
  # loader: instructions in ld.so itself (relocations, symbol look-ups); yaml-cpp: in libyaml-cpp;
  # std::regex: inclusive cost of compiling regular expressions (basic_regex::_M_compile); CLI:
  # building the command tree (every CLI::App::add_option / add_flag call, inclusive).
  loader=$(awk '/ld-linux/ {gsub(",","",$1); s+=$1} END {print s+0}' "$tmp/self")
  yaml=$(awk '/libyaml-cpp/ {gsub(",","",$1); s+=$1} END {print s+0}' "$tmp/self")
  regex=$(awk '/basic_regex<.*>::_M_compile/ {gsub(",","",$1); if ($1+0 > m) m=$1+0} END {print m+0}' "$tmp/ann")
  cli=$(awk '/CLI::App::add_option\(std::/ {gsub(",","",$1); if ($1+0 > m) m=$1+0} END {print m+0}' "$tmp/ann")
  printf '  %-8s %12s instructions  (loader %4.1f %%, yaml-cpp %4.1f %%, std::regex compile %4.1f %%, CLI add_option %4.1f %%)\n' \
    "$label" "$(printf "%'d" "$total")" "$(echo "100*$loader/$total" | bc -l)" \
    "$(echo "100*$yaml/$total" | bc -l)" "$(echo "100*$regex/$total" | bc -l)" "$(echo "100*$cli/$total" | bc -l)"
}
for cmd in "--version" "validate examples/requests/clean-single"; do
  echo "rwkvq $cmd"
  [ -n "$BEFORE" ] && measure before "$(realpath "$BEFORE")" $cmd
  measure now "$BIN" $cmd
done
