# Shared by tests/e2e/queue_*.sh (sourced). Not named *.sh so that ctest does not run it.
BIN=$(realpath "$1")
SRC=$(realpath "$2")
EXAMPLE="$SRC/examples/requests/clean-single"
fail() { echo "FAIL: $*" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rwkvq-e2e-queue.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export RWKVQ_QUEUE="$WORK/queue/queue.json"
export NO_COLOR=1
# Queue tests need a request the validator accepts.
require_clean_example() {
  [[ -d "$EXAMPLE" ]] || { echo "skip: $EXAMPLE missing"; exit 77; }
  "$BIN" validate "$EXAMPLE" >/dev/null 2>&1 || {
    echo "skip: rwkvq validate does not accept $EXAMPLE yet"; exit 77; }
}
# make_requests N DIR: N copies of the clean example (distinct real paths).
make_requests() {
  local n=$1 dir=$2 i
  mkdir -p "$dir"
  for ((i = 0; i < n; i++)); do cp -r "$EXAMPLE" "$dir/req$i"; done
}
# The number of requests in a queue file, checked to be valid JSON by python.
count_requests() {
  python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["requests"]))' "$1"
}
# Checks a queue file against schemas/queue.schema.json when python3-jsonschema is present.
check_schema() {
  python3 -c 'import jsonschema' 2>/dev/null || return 0
  python3 - "$SRC/schemas/queue.schema.json" "$1" <<'PY' || fail "$1 does not match the schema"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.load(open(sys.argv[2])), schema)
PY
}
