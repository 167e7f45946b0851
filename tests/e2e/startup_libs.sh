#!/usr/bin/env bash
# End-to-end: what the release binary loads at every start (issue 12.6). Built with its static C++
# runtime (RWKVQ_STATIC_RUNTIME, the default release build), rwkvq needs libc and nothing else:
# not libstdc++, libgcc_s or yaml-cpp (linked in), not libgit2 or libcurl (loaded with dlopen by
# the commands that use them), and not libm (util/fmath.h; src/libm_free.cpp). A libm function
# called directly somewhere brings libm back, and this test names it. Skipped for the sanitizer
# and fuzzing builds, which keep the shared C++ runtime.
#
# The release build's rwkvq is static-pie (RWKVQ_STATIC, cli/handover.h): no loader, no NEEDED at
# all, still position-independent; the dynamic checks below are then made on rwkvq-shared beside
# it, the program it hands libgit2/libcurl commands to, and the static one must give the same
# answers (its pow is libm.a's).
set -uo pipefail
BIN="$1"
command -v readelf >/dev/null || { echo "skip: no readelf"; exit 77; }
STATIC=""
if ! readelf -lW "$BIN" | grep -q 'INTERP'; then
  STATIC="$BIN"
  readelf -hW "$STATIC" | grep -q 'Type:.*DYN' || { echo "FAIL: the static $STATIC is not position-independent (static-pie)"; exit 1; }
  [ -z "$(readelf -dW "$STATIC" | grep NEEDED)" ] || { echo "FAIL: the static $STATIC has NEEDED entries"; exit 1; }
  BIN="$(dirname "$STATIC")/rwkvq-shared"
  [ -x "$BIN" ] || { echo "FAIL: $STATIC is static but $BIN is missing"; exit 1; }
  echo "ok: $STATIC is static-pie; checking $BIN"
fi
needed="$(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort)"
if grep -q '^libstdc++' <<<"$needed"; then
  echo "skip: $BIN uses the shared C++ runtime (a sanitizer or fuzzing build)"
  exit 77
fi
echo "NEEDED: $(tr '\n' ' ' <<<"$needed")"
fail=0
while read -r lib; do
  case "$lib" in
    libc.so.*|ld-linux*.so.*) ;;
    libm.so.*)
      if [ "$(uname -m)" = x86_64 ]; then
        echo "FAIL: $BIN needs $lib: a libm function is called outside util/fmath.h:"
        nm -D --undefined-only "$BIN" | awk '{print $NF}' | sed 's/@.*//' | sort -u \
          | comm -12 - <(nm -D --defined-only "$(ldconfig -p | awk '/libm.so.6 .*x86-64/{print $NF; exit}')" \
            | awk '{print $NF}' | sed 's/@.*//' | sort -u) | sed 's/^/  /'
        fail=1
      fi ;;
    *) echo "FAIL: $BIN needs $lib at every start"; fail=1 ;;
  esac
done <<<"$needed"
# Validating the clean example loads no libm; a notebook with a float ** loads it on first use
# (util/fmath.h's pow), and still validates clean.
SRC="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
loaded() { LD_DEBUG=files "$BIN" validate "$1" 2>&1 >/dev/null | grep -c 'file=libm\.so.*dynamically loaded'; }
[ "$(loaded "$SRC/examples/requests/clean-single")" = 0 ] || { echo "FAIL: validating the clean example loaded libm"; fail=1; }
cp -r "$SRC/examples/requests/clean-single" "$tmp/req"
python3 - "$tmp/req/training-notebook.ipynb" <<'PY'
import json, sys
p = sys.argv[1]
nb = json.load(open(p))
for c in nb["cells"]:
    src = "".join(c["source"])
    if c["cell_type"] == "code" and "lightning_trainer.py fit" in src:
        c["source"] = ("LR = 2.0 ** -13\n" + src.replace('--trainer.devices="{GPU_DEVICES}"',
                       '--trainer.devices="{GPU_DEVICES}" \\\n        --model.lr_init="{LR}"')).splitlines(True)
json.dump(nb, open(p, "w"), indent=1)
PY
grep -q 'lr_init' "$tmp/req/training-notebook.ipynb" || { echo "FAIL: the fixture did not get its ** cell"; fail=1; }
[ "$(loaded "$tmp/req")" = 1 ] || { echo "FAIL: a float ** did not load libm on first use"; fail=1; }
out="$("$BIN" validate "$tmp/req" 2>&1)" || { echo "FAIL: validate with a float **: $out"; fail=1; }
if [ -n "$STATIC" ]; then
  for d in "$tmp/req" "$SRC/examples/requests/clean-single"; do
    a="$("$STATIC" validate --format json "$d" 2>&1)"; b="$("$BIN" validate --format json "$d" 2>&1)"
    [ "$a" = "$b" ] || { echo "FAIL: the static rwkvq and rwkvq-shared differ on $d"; fail=1; }
  done
fi
[ $fail = 0 ] && echo "ok: rwkvq needs only libc at start-up"
exit $fail
