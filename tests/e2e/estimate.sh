#!/usr/bin/env bash
# rwkvq estimate end to end: JSON output against schemas/estimate.schema.json on corpus
# notebooks, text output, overrides and usage errors. Usage: estimate.sh RWKVQ SOURCE_ROOT
set -u
rwkvq=$1
root=$2
corpus="$root/../shared/corpus"
[ -d "$corpus" ] || { echo "corpus not found: skipped"; exit 77; }
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
for d in 0c2a76aedf1d 01ee95df83df 15171978c615 6e5064564cf8 community-example; do
  [ -d "$corpus/$d" ] || continue
  if ! "$rwkvq" estimate "$corpus/$d" --format json >"$tmp/$d.json" 2>"$tmp/$d.err"; then
    echo "FAIL: estimate $d exited $?"; cat "$tmp/$d.err"; fail=1; continue
  fi
  n=$((n + 1))
done
python3 - "$root/schemas/estimate.schema.json" "$tmp"/*.json <<'PY' || fail=1
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for f in sys.argv[2:]:
    jsonschema.validate(json.load(open(f)), schema)
print(f"{len(sys.argv) - 2} estimate JSON documents valid")
PY

# 0c2a76aedf1d: init_model.py L24 D2048 neox, trained on 8x24vgb (1.5B does not fit one 3090)
python3 - "$tmp/0c2a76aedf1d.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
st = d["parts"][0]["stages"][0]
assert st["params"]["value"] == 13*24*2048**2 + 2*50277*2048, st["params"]
assert "init_model.py" in st["params"]["source"]
assert d["target"] == "8x24vgb", d["target"]
assert st["tokens"]["value"] is None and st["tokens"]["source"].startswith("unknown")
PY

# --tokens and --target override; hours appear
"$rwkvq" estimate "$corpus/0c2a76aedf1d" --tokens 1e9 --target 8x24vgb --format json >"$tmp/t.json" || fail=1
python3 - "$tmp/t.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
st = d["parts"][0]["stages"][0]
assert len(st["targets"]) == 1 and st["targets"][0]["name"] == "8x24vgb"
assert st["tokens"]["value"] == 10**9 and st["tokens"]["source"].startswith("--tokens")
assert st["targets"][0]["hours"] > 0
assert d["total_hours"] is not None
PY

# text output names the chosen target
"$rwkvq" estimate "$corpus/0c2a76aedf1d" >"$tmp/text.txt" || fail=1
grep -q "^target: 8x24vgb" "$tmp/text.txt" || { echo "FAIL: text output without the target"; fail=1; }
grep -q "init_model.py arguments" "$tmp/text.txt" || { echo "FAIL: text output without the source"; fail=1; }

# usage errors exit 2
"$rwkvq" estimate "$corpus/0c2a76aedf1d" --target nope >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: unknown target not exit 2"; fail=1; }
"$rwkvq" estimate "$corpus/0c2a76aedf1d" --params lots >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: bad --params not exit 2"; fail=1; }
"$rwkvq" estimate "$tmp/does-not-exist" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: missing folder not exit 2"; fail=1; }
printf 'limits:\n  max_hour: 3\n' >"$tmp/bad.yaml"
"$rwkvq" --config "$tmp/bad.yaml" estimate "$corpus/0c2a76aedf1d" >/dev/null 2>"$tmp/bad.err"; rc=$?
[ $rc -eq 2 ] && grep -q "bad.yaml:2:3: unknown key 'max_hour' (did you mean 'max_hours'?)" "$tmp/bad.err" ||
  { echo "FAIL: bad config (exit $rc)"; cat "$tmp/bad.err"; fail=1; }

[ $fail -eq 0 ] && echo "estimate e2e: ok ($n corpus folders)"
exit $fail
