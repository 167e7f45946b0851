#!/usr/bin/env bash
# Fuzzes every parser of a request with libFuzzer: builds fuzz/*_fuzz.cpp with clang++ and
# ASan + UBSan into build-fuzz/, seeds each harness from examples/ and ../shared/corpus, runs each
# for SECONDS (default 60), and prints the executions and findings per harness.
# Usage: scripts/fuzz.sh [SECONDS] [HARNESS...]   (HARNESS: notebook python shell config queue)
# Exit status: 0 when no harness found a crash, 1 when one did (the reproducer is kept in
# build-fuzz/findings/<harness>/: turn it into a regression test), 2 when the build failed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(notebook python shell config queue)
corpus="${RWKVQ_CORPUS_DIR:-$root/../shared/corpus}"
out="$root/build-fuzz"
jobs="${RWKVQ_FUZZ_JOBS:-1}"

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ is needed (apt-get install clang)" >&2
  exit 2
fi
mkdir -p "$out"
cmake -S "$root" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DRWKVQ_FUZZ=ON -DRWKVQ_BUILD_TESTS=OFF >"$out/configure.log" 2>&1 || {
  cat "$out/configure.log" >&2
  exit 2
}
targets=()
for h in "${harnesses[@]}"; do targets+=("${h}_fuzz"); done
cmake --build "$out" --target "${targets[@]}" -j "$jobs" >"$out/build.log" 2>&1 || {
  tail -40 "$out/build.log" >&2
  exit 2
}

# Seed corpora (small files only: libFuzzer mutates inputs up to -max_len).
seed() {  # seed HARNESS
  local dir="$out/seeds/$1"
  mkdir -p "$dir"
  case "$1" in
    notebook)
      find "$root/examples" "$corpus" -name '*.ipynb' -size -512k -exec cp -t "$dir" {} + 2>/dev/null ;;
    config)
      find "$root/examples" "$corpus" \( -name '*.yaml' -o -name '*.yml' \) -size -256k \
        -exec cp --backup=numbered -t "$dir" {} + 2>/dev/null ;;
    queue)
      find "$root/examples" "$root/tests" -name '*.json' -size -256k \
        -exec cp --backup=numbered -t "$dir" {} + 2>/dev/null
      printf '{"version":1,"entries":[]}' >"$dir/empty.json" ;;
    python | shell)
      # one file per code cell of the example and corpus notebooks
      python3 - "$1" "$dir" "$root/examples" "$corpus" <<'PY'
import json, os, sys, glob
kind, dst, roots = sys.argv[1], sys.argv[2], sys.argv[3:]
n = 0
for r in roots:
    for f in glob.glob(os.path.join(r, "**", "*.ipynb"), recursive=True):
        try:
            nb = json.load(open(f, encoding="utf-8"))
        except Exception:
            continue
        for c in nb.get("cells", []):
            if c.get("cell_type") != "code":
                continue
            src = c.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            if kind == "shell":
                lines = [l.lstrip()[1:] for l in src.split("\n") if l.lstrip().startswith("!")]
                if not lines:
                    continue
                src = "\n".join(lines)
            n += 1
            open(os.path.join(dst, "%05d" % n), "w", encoding="utf-8").write(src[:65536])
PY
      ;;
  esac
}

status=0
printf '%-10s %12s %10s %s\n' harness executions crashes reproducers
for h in "${harnesses[@]}"; do
  seed "$h"
  work="$out/work/$h"
  findings="$out/findings/$h"
  mkdir -p "$work" "$findings"
  log="$out/$h.log"
  "$out/fuzz/${h}_fuzz" "$work" "$out/seeds/$h" -max_total_time="$seconds" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" \
    >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(find "$findings" -type f | wc -l)
  printf '%-10s %12s %10s %s\n' "$h" "${execs:-?}" "$crashes" \
    "$( [ "$crashes" -gt 0 ] && echo "$findings" || echo - )"
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    status=1
    grep -m5 -E 'ERROR|SUMMARY|Test unit written' "$log" >&2
  fi
done
exit $status
