#!/usr/bin/env bash
# Times the notebook reader alone (parse_notebook on every .ipynb of ../shared/corpus, files already
# in memory) for the working tree and for a git revision, to show what a reader change costs.
# Builds two small programs from src/request/notebook.cpp + src/util/utf8.cpp (g++ -O2, a few
# seconds), runs them in turn N times each, prints wall-clock medians and, when valgrind is
# installed, the instructions one parse of the corpus takes (exact, unlike time on a busy machine).
# Usage: bench/reader_bench.sh [REV (default HEAD)] [RUNS (default 15)]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REV="${1:-HEAD}"
RUNS="${2:-15}"
CORPUS="$(cd "$ROOT/.." && pwd)/shared/corpus"
[ -d "$CORPUS" ] || { echo "bench: $CORPUS is absent" >&2; exit 2; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/rev/src/request" "$TMP/rev/include/rwkvq/request" "$TMP/rev/include/rwkvq/util"
git -C "$ROOT" show "$REV:src/request/notebook.cpp" > "$TMP/rev/src/request/notebook.cpp"
git -C "$ROOT" show "$REV:include/rwkvq/request/notebook.h" > "$TMP/rev/include/rwkvq/request/notebook.h"
git -C "$ROOT" show "$REV:include/rwkvq/util/utf8.h" > "$TMP/rev/include/rwkvq/util/utf8.h"
git -C "$ROOT" show "$REV:src/util/utf8.cpp" > "$TMP/rev/utf8.cpp"
CXX="${CXX:-g++}"
"$CXX" -std=c++20 -O2 -DNDEBUG -I"$TMP/rev/include" "$TMP/rev/src/request/notebook.cpp" "$TMP/rev/utf8.cpp" \
  "$ROOT/bench/reader_bench.cpp" -o "$TMP/reader-rev"
"$CXX" -std=c++20 -O2 -DNDEBUG -I"$ROOT/include" "$ROOT/src/request/notebook.cpp" "$ROOT/src/util/utf8.cpp" \
  "$ROOT/bench/reader_bench.cpp" -o "$TMP/reader-tree"
for i in 1 2 3; do
  echo "$REV: $("$TMP/reader-rev" "$CORPUS" "$RUNS")"
  echo "tree: $("$TMP/reader-tree" "$CORPUS" "$RUNS")"
done
if command -v valgrind > /dev/null; then
  # Instructions of one parse of the corpus: (3 parses - 1 parse) / 2, so loading the files cancels out.
  ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$CORPUS" "$2" 2>&1 | awk '/Collected/ {print $4}'; }
  for b in rev tree; do
    one=$(ir "$TMP/reader-$b" 1); three=$(ir "$TMP/reader-$b" 3)
    echo "$([ $b = rev ] && echo "$REV" || echo tree): $(( (three - one) / 2 )) instructions per parse of the corpus"
  done
fi
