#!/usr/bin/env bash
# End-to-end: `rwkvq validate --format sarif` (issue 12.1). Every example request's SARIF matches
# schemas/sarif-2.1.0-subset.schema.json (checked with the same validator as the JSON reports, plus
# the uri / uri-reference formats of RFC 3986), says the same as its --format json report (rule,
# level, message, file, line, column, cell), and carries every registered rule; documents broken
# on purpose fail the schema (so the schema can fail).
# Usage: bash sarif.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import copy, json, os, re, shutil, sys, tempfile, urllib.parse
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E
import jsonschema

t = E2E(sys.argv[1], sys.argv[2])
os.chdir(t.root)
EX = "examples/requests"

# RFC 3986: a URI (scheme ":" ...) and a URI reference; only unreserved, reserved and %XX.
URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
checker = jsonschema.FormatChecker()
@checker.checks("uri-reference")
def _uri_reference(v):
    return not isinstance(v, str) or bool(URI_CHARS.match(v))
@checker.checks("uri")
def _uri(v):
    return not isinstance(v, str) or (bool(URI_CHARS.match(v)) and bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", v)))

with open(os.path.join(t.root, "schemas", "sarif-2.1.0-subset.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
sarif_validator = jsonschema.Draft202012Validator(schema, format_checker=checker)

def schema_errors(doc):
    return sorted(sarif_validator.iter_errors(doc), key=lambda e: list(e.path))

def sarif(args, what, cwd=None):
    rc, out, err, _ = t.run(list(args) + ["--format", "sarif"], cwd=cwd)
    try:
        doc = json.loads(out)
    except ValueError as e:
        t.check(False, f"{what}: stdout is not JSON ({e}): {out[:300]!r} stderr {err[-300:]!r}")
        return rc, None, err
    errs = schema_errors(doc)
    t.check(not errs, f"{what}: SARIF does not match the schema: "
            + "; ".join(f"{list(e.path)}: {e.message}" for e in errs[:5]))
    return rc, doc, err

# The registered rules and the version, from the binary's other commands.
rc, out, _, _ = t.run(["--config", "examples/rwkvq.yaml", "rules", "--format", "json"])
rules = json.loads(out)
rc, out, _, _ = t.run(["--version"])
version = out.split()[1]
LEVEL = {"error": "error", "warning": "warning", "info": "note"}

examples = sorted(d for d in os.listdir(EX) if os.path.isdir(os.path.join(EX, d)))
t.check(len(examples) >= 10, f"only {len(examples)} examples")
bad_with_results = 0
for name in examples:
    path = f"{EX}/{name}"
    rc_s, doc, err = sarif(["validate", path], name)
    rc_j, rep, _, _ = t.json_report(["validate", path], name)
    t.check(rc_s == rc_j, f"{name}: exit {rc_s} with sarif, {rc_j} with json")
    if not doc or not rep:
        continue
    t.check(doc["version"] == "2.1.0" and len(doc["runs"]) == 1, f"{name}: not one run of SARIF 2.1.0")
    run = doc["runs"][0]
    drv = run["tool"]["driver"]
    t.check(drv["name"] == "rwkvq" and drv["version"] == version, f"{name}: driver {drv['name']} {drv.get('version')}")
    t.check([r["id"] for r in drv["rules"]] == [r["rule"] for r in rules],
            f"{name}: driver rules are not every registered rule in order")
    for d, r in zip(drv["rules"], rules):
        t.check(d["shortDescription"]["text"] == r["summary"] and d["help"]["text"].startswith(r["summary"])
                and d["defaultConfiguration"]["level"] == LEVEL[r["severity"]], f"{name}: rule {d['id']} described wrongly: {d}")
    findings = rep["requests"][0]["findings"]
    results = run["results"]
    t.check(len(results) == len(findings), f"{name}: {len(results)} results for {len(findings)} findings")
    if findings:
        bad_with_results += 1
    for res, f in zip(results, findings):
        what = f"{name}: {f['rule']}"
        t.check(res["ruleId"] == f["rule"], f"{what}: ruleId {res['ruleId']}")
        t.check(drv["rules"][res["ruleIndex"]]["id"] == f["rule"], f"{what}: ruleIndex {res['ruleIndex']} names another rule")
        t.check(res["level"] == LEVEL[f["severity"]], f"{what}: level {res['level']} for {f['severity']}")
        t.check(res["message"]["text"].startswith(f["message"]) and ("hint: " + f["hint"]) in res["message"]["text"],
                f"{what}: message {res['message']['text']!r}")
        loc = res["locations"][0]["physicalLocation"]
        al = loc["artifactLocation"]
        # cwd is the repository root: the URI is the report's path, relative to it. A finding about
        # the whole folder is anchored at the folder's first notebook (code scanning needs a file).
        props = res.get("properties", {})
        nbs = rep["requests"][0]["notebooks"]
        folder_wide = f["file"] == path
        want_uri = f["file"] + ("/" + nbs[0]["file"] if nbs else "/") if folder_wide else f["file"]
        t.check(al.get("uriBaseId") == "%SRCROOT%" and urllib.parse.unquote(al["uri"]) == want_uri,
                f"{what}: uri {al} for {f['file']}")
        t.check((props.get("scope") == "folder") == (folder_wide and bool(nbs)), f"{what}: scope {props}")
        region = loc.get("region")
        if f["line"]:
            t.check(region and region["startLine"] == f["line"] and region.get("startColumn") == f["column"],
                    f"{what}: region {region} for line {f['line']} column {f['column']}")
        else:
            t.check(region is None, f"{what}: a region {region} without a line")
        t.check(props.get("cell") == f["cell"] and props.get("cellLine") == f["cell_line"],
                f"{what}: properties {props} for cell {f['cell']} line {f['cell_line']}")
t.check(bad_with_results >= 8, f"only {bad_with_results} examples with results")

# A notebook finding: the region is the .ipynb's own line and column, the cell in the property bag.
rc, doc, _ = sarif(["validate", f"{EX}/bad-missing-handle"], "bad-missing-handle")
if doc:
    res = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "notebook/discord-handle"]
    if t.check(len(res) == 1, "bad-missing-handle: one notebook/discord-handle result"):
        nb = open(f"{EX}/bad-missing-handle/training-notebook.ipynb", encoding="utf-8").read().split("\n")
        reg = res[0]["locations"][0]["physicalLocation"].get("region", {})
        line = reg.get("startLine", 0)
        t.check(0 < line <= len(nb) and '"cells"' not in nb[line - 1] and "cell" in res[0].get("properties", {}),
                f"bad-missing-handle: region {reg}, properties {res[0].get('properties')}")

# Run from a subfolder of the repository: URIs still relative to the repository root.
rc, doc, _ = sarif(["validate", "requests/bad-unbounded"], "from examples/", cwd=os.path.join(t.root, "examples"))
if doc and t.check(len(doc["runs"][0]["results"]) >= 1, "from examples/: no result"):
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    t.check(uri == f"{EX}/bad-unbounded/training-config.yaml", f"from examples/: uri {uri}")

# Outside any repository, a folder whose name needs escaping: relative to the current folder, %XX.
tmp = tempfile.mkdtemp()
try:
    odd = os.path.join(tmp, "my run #1")
    shutil.copytree(f"{EX}/bad-unbounded", odd)
    rc, doc, _ = sarif(["validate", "my run #1"], "odd name", cwd=tmp)
    if doc and t.check(len(doc["runs"][0]["results"]) >= 1, "odd name: no result"):
        al = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        t.check(al["uri"] == "my%20run%20%231/training-config.yaml" and al["uriBaseId"] == "%SRCROOT%", f"odd name: {al}")
    # Given by an absolute path from elsewhere, outside the current folder: an absolute file URI.
    rc, doc, _ = sarif(["validate", odd], "absolute", cwd=t.root)
    if doc and t.check(len(doc["runs"][0]["results"]) >= 1, "absolute: no result"):
        al = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        t.check(al["uri"].startswith("file:///") and "uriBaseId" not in al
                and urllib.parse.unquote(al["uri"]) == "file://" + os.path.abspath(odd) + "/training-config.yaml",
                f"absolute: {al}")
finally:
    shutil.rmtree(tmp)

# Every result has a file location (GitHub code scanning rejects the whole upload otherwise), even
# one about a whole folder: an empty folder has no notebook (layout/notebook-missing).
tmp = tempfile.mkdtemp()
try:
    os.makedirs(os.path.join(tmp, "empty-request"))
    shutil.copy(f"{EX}/clean-single/training-config.yaml", os.path.join(tmp, "empty-request"))
    for d in (os.path.join(tmp, "empty-request"), f"{EX}/bad-wrong-name", f"{EX}/bad-json"):
        rc, doc, _ = sarif(["validate", d], f"located {d}")
        for r in (doc or {"runs": [{"results": []}]})["runs"][0]["results"]:
            t.check(r.get("locations") and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                    f"{d}: a result without a file location: {r}")
finally:
    shutil.rmtree(tmp)

# Several folders: one run, the results of each in order.
rc, doc, _ = sarif(["validate", f"{EX}/bad-unbounded", f"{EX}/bad-json"], "two folders")
if doc:
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]]
    t.check(len(doc["runs"]) == 1 and any("bad-unbounded" in u for u in uris) and any("bad-json" in u for u in uris),
            f"two folders: {uris}")

# Negative: the schema rejects documents that break the specification.
rc, good, _ = sarif(["validate", f"{EX}/bad-missing-handle"], "negative base")
if good:
    def broken(what, mutate):
        doc = copy.deepcopy(good)
        mutate(doc)
        t.check(schema_errors(doc), f"schema accepts a document with {what}")
    def drop(path, key):
        def f(doc):
            o = doc
            for p in path:
                o = o[p]
            del o[key]
        return f
    def put(path, key, value):
        def f(doc):
            o = doc
            for p in path:
                o = o[p]
            o[key] = value
        return f
    R0 = ["runs", 0, "results", 0]
    broken("version 2.0.0", put([], "version", "2.0.0"))
    broken("no version", drop([], "version"))
    broken("no runs", drop([], "runs"))
    broken("a run without tool", drop(["runs", 0], "tool"))
    broken("a tool without driver", drop(["runs", 0, "tool"], "driver"))
    broken("a driver without name", drop(["runs", 0, "tool", "driver"], "name"))
    broken("a rule without id", drop(["runs", 0, "tool", "driver", "rules", 0], "id"))
    broken("a default level 'info'", put(["runs", 0, "tool", "driver", "rules", 0, "defaultConfiguration"], "level", "info"))
    broken("a result without message", drop(R0, "message"))
    broken("a message without text", put(R0, "message", {}))
    broken("a result level 'fatal'", put(R0, "level", "fatal"))
    broken("ruleIndex -2", put(R0, "ruleIndex", -2))
    broken("startLine 0", put(R0 + ["locations", 0, "physicalLocation", "region"], "startLine", 0))
    broken("startLine '3'", put(R0 + ["locations", 0, "physicalLocation", "region"], "startLine", "3"))
    broken("startColumn 1.5", put(R0 + ["locations", 0, "physicalLocation", "region"], "startColumn", 1.5))
    broken("a physicalLocation without artifactLocation", drop(R0 + ["locations", 0, "physicalLocation"], "artifactLocation"))
    broken("a uri with a space", put(R0 + ["locations", 0, "physicalLocation", "artifactLocation"], "uri", "a b.ipynb"))
    broken("a misspelt property", put(R0 + ["locations", 0, "physicalLocation", "region"], "startline", 3))
    broken("columnKind bytes", put(["runs", 0], "columnKind", "bytes"))

# Usage: the format list names sarif.
rc, out, err, _ = t.run(["validate", "--format", "xml", f"{EX}/clean-single"])
t.check(rc == 2 and "sarif" in err, f"--format xml: exit {rc}, stderr {err!r}")

t.finish("e2e.sarif")
PYEOF
