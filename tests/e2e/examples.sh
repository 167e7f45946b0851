#!/usr/bin/env bash
# End-to-end: `rwkvq validate` on examples/requests/*. The expected exit codes and rule ids are
# those of examples/requests/README.md, written down here (never taken from the tool's output).
# Usage: bash examples.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import json, os, pty, re, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E

t = E2E(sys.argv[1], sys.argv[2])
os.chdir(t.root)
EX = "examples/requests"

# folder: (exit code, rule ids of every severity), from examples/requests/README.md
EXPECTED = {
    "clean-single": (0, set()),
    "clean-two-part": (0, set()),
    "bad-missing-handle": (1, {"notebook/discord-handle"}),
    "bad-local-dataset": (1, {"data/source", "data/committed"}),
    "bad-wrong-name": (1, {"layout/notebook-name"}),
    "bad-unbounded": (1, {"limits/unbounded"}),
    "bad-part-model": (1, {"model/not-provided"}),
    "bad-export-elsewhere": (1, {"output/model-folder"}),
    "bad-json": (1, {"notebook/invalid"}),
    "bad-precision": (0, {"config/precision"}),
    "clean-official": (0, set()),
    "bad-official-no-model": (1, {"output/model-folder"}),
    "bad-schema": (0, {"notebook/schema"}),
    "bad-steals-token": (1, {"security/secret-access", "security/exfiltration"}),
    "bad-remote-code": (1, {"security/remote-code", "security/obfuscated"}),
    "bad-harms-node": (1, {"security/escape"}),
}
on_disk = sorted(d for d in os.listdir(EX) if os.path.isdir(os.path.join(EX, d)))
t.check(on_disk == sorted(EXPECTED), f"examples on disk {on_disk} != examples in this test")

def where(doc_req, rule):
    return [f for f in doc_req["findings"] if f["rule"] == rule]

reqs = {}
for name, (want_rc, want_ids) in EXPECTED.items():
    path = f"{EX}/{name}"
    rc, doc, err, secs = t.json_report(["validate", path], name)
    t.check(rc == want_rc, f"{name}: exit {rc}, expected {want_rc}; stderr: {err[-500:]}")
    if not doc:
        continue
    if not t.check(len(doc["requests"]) == 1, f"{name}: {len(doc['requests'])} requests in the report"):
        continue
    req = doc["requests"][0]
    reqs[name] = req
    t.check(req["path"] == path, f"{name}: path {req['path']!r}")
    got = t.rule_ids(req)
    t.check(got == want_ids, f"{name}: rule ids {sorted(got)}, expected {sorted(want_ids)}:\n"
            + "\n".join(f"  {f['file']}:{f['line']}: {f['rule']}: {f['message']}" for f in req["findings"]))
    for f in req["findings"]:
        t.check(f["file"] == path or f["file"].startswith(path + "/"),
                f"{name}: finding file {f['file']!r} is not inside {path}")
        t.check(f["message"].strip() != "" and f["hint"].strip() != "",
                f"{name}: {f['rule']} without a message or a hint")
    t.check(err == "", f"{name}: unexpected stderr {err[-300:]!r}")

# Where the findings point (facts of the example files).
def one(name, rule):
    fs = where(reqs.get(name, {"findings": []}), rule)
    t.check(len(fs) >= 1, f"{name}: no {rule} finding")
    return fs[0] if fs else None

f = one("bad-missing-handle", "notebook/discord-handle")
if f: t.check(f["file"].endswith("/training-notebook.ipynb"), f"discord-handle points at {f['file']}")
f = one("bad-json", "notebook/invalid")
if f:
    t.check(f["file"].endswith("/training-notebook.ipynb"), f"notebook/invalid points at {f['file']}")
    t.check(f["line"] is not None and f["column"] is not None, "notebook/invalid without line/column")
f = one("bad-unbounded", "limits/unbounded")
if f: t.check(f["file"].endswith("/training-config.yaml") and f["line"], f"unbounded points at {f}")
f = one("bad-local-dataset", "data/committed")
if f: t.check(f["file"].endswith("/data.jsonl"), f"data/committed points at {f['file']}")
f = one("bad-local-dataset", "data/source")
if f: t.check(f["file"].endswith("/training-config.yaml") and f["line"], f"data/source points at {f}")
f = one("bad-export-elsewhere", "output/model-folder")
if f: t.check(f["file"].endswith("/training-notebook.ipynb") and f["cell"] == 9,
              f"output/model-folder should point at the export in cell 9: {f}")
f = one("bad-official-no-model", "output/model-folder")
if f:
    t.check(f["file"].endswith("/training-notebook.ipynb") and "rwkv-*.pth" in f["message"]
            and "checkpoint/alice-shakespeare-official/" in f["message"], f"official output/model-folder: {f}")
f = one("bad-part-model", "model/not-provided")
if f: t.check(f["file"].endswith("/training-notebook-part2.ipynb"), f"not-provided points at {f['file']}")
f = one("bad-precision", "config/precision")
if f: t.check(f["severity"] == "warning", f"config/precision is {f['severity']}")
# bad-schema: one warning per kind of breach (duplicate id, 6 code cells without metadata, a string
# execution_count), each with its JSON path and position in the file.
fs = where(reqs.get("bad-schema", {"findings": []}), "notebook/schema")
t.check(len(fs) == 3, f"bad-schema: {len(fs)} notebook/schema findings, expected 3")
for f in fs:
    t.check(f["severity"] == "warning" and f["line"] and f["column"] and f["cell"],
            f"bad-schema: finding without warning severity or position: {f}")
t.check(any("cells[2].metadata is missing" in f["message"] and "6 places" in f["message"] for f in fs),
        "bad-schema: the missing metadata is not one finding counting 6 places")
t.check(any("cells[1].id repeats the id of cells[0]" in f["message"] for f in fs), "bad-schema: no duplicate id")
t.check(any("cells[2].execution_count must be an integer" in f["message"] for f in fs),
        "bad-schema: no execution_count type")

# --strict: the warning fails the request.
rc, doc, err, _ = t.json_report(["validate", "--strict", f"{EX}/bad-precision"], "strict")
t.check(rc == 1, f"--strict on a warning: exit {rc}, expected 1")
if doc and doc["requests"]:
    t.check([f["severity"] for f in doc["requests"][0]["findings"]] == ["error"],
            "--strict: the warning is reported as an error")

# Every example in one invocation: same findings as one by one, exit 1.
paths = [f"{EX}/{n}" for n in EXPECTED]
rc, doc, err, _ = t.json_report(["validate"] + paths, "all examples")
t.check(rc == 1, f"all examples at once: exit {rc}, expected 1")
if doc:
    t.check([r["path"] for r in doc["requests"]] == paths, "all examples: requests not in argument order")
    for r in doc["requests"]:
        name = r["path"].rsplit("/", 1)[-1]
        t.check(t.rule_ids(r) == EXPECTED[name][1], f"all examples: {name}: {sorted(t.rule_ids(r))}")

# Text: compiler-like lines, hints, a summary line per request, no colour when not a terminal.
line_re = re.compile(r"^(?P<path>[^:]+)(:\d+(:\d+)?)?: (error|warning|info): .+ \[(?P<rule>[a-z0-9-]+/[a-z0-9-]+)\]$")
for name, (want_rc, want_ids) in EXPECTED.items():
    path = f"{EX}/{name}"
    rc, out, err, _ = t.run(["validate", path])
    t.check(rc == want_rc, f"text {name}: exit {rc}")
    lines = out.splitlines()
    t.check("\x1b" not in out, f"text {name}: colour codes when stdout is not a terminal")
    heads = [m for m in map(line_re.match, lines) if m]
    t.check({m["rule"] for m in heads} == want_ids, f"text {name}: rules {[m['rule'] for m in heads]}")
    t.check(all(m["path"].startswith(path) for m in heads), f"text {name}: paths {[m['path'] for m in heads]}")
    t.check(sum(1 for l in lines if l.startswith("  hint: ")) == len(heads), f"text {name}: one hint per finding:\n{out}")
    errors = sum(1 for m in heads if ": error: " in m.group(0))
    if want_ids:
        t.check(lines and lines[-1].startswith(path + ": ") and lines[-1] != path + ": ok",
                f"text {name}: last line {lines[-1:]!r}")
        if errors:
            t.check(lines[-1].startswith(f"{path}: {errors} error"), f"text {name}: summary {lines[-1]!r}")
    else:
        t.check(lines == [path + ": ok"], f"text {name}: expected only '{path}: ok', got {lines!r}")

# Colour on a terminal, never with NO_COLOR.
def on_tty(args, env):
    master, slave = pty.openpty()
    try:
        rc, out, err, _ = t.run(args, stdout=slave, env=env)
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:
            break
        if not b:
            break
        chunks.append(b)
    os.close(master)
    return rc, b"".join(chunks).decode("utf-8", "replace")

rc, out = on_tty(["validate", f"{EX}/bad-missing-handle"], {})
t.check(rc == 1 and "\x1b[" in out, f"terminal: expected colour, got {out[:200]!r}")
rc, out = on_tty(["validate", f"{EX}/bad-missing-handle"], {"NO_COLOR": "1"})
t.check(rc == 1 and "\x1b" not in out and "notebook/discord-handle" in out, f"NO_COLOR: got {out[:200]!r}")

# GitHub annotations.
rc, out, err, _ = t.run(["validate", "--format", "github", f"{EX}/bad-local-dataset", f"{EX}/bad-precision"])
t.check(rc == 1, f"github: exit {rc}")
ann = re.compile(r"^::(error|warning|notice) file=[^,:]+(,line=\d+(,col=\d+)?)?,title=([a-z0-9-]+/[a-z0-9-]+)::\S.*$")
lines = out.splitlines()
t.check(len(lines) == 3 and all(ann.match(l) for l in lines), f"github: annotations\n{out}")
t.check({ann.match(l).group(4) for l in lines if ann.match(l)} == {"data/source", "data/committed", "config/precision"},
        f"github: rules in\n{out}")
t.check(any(l.startswith("::warning ") and "title=config/precision" in l for l in lines), "github: precision is a ::warning")
t.check(all("\n" not in l for l in lines) and "%0Ahint: " in out, "github: hint on an escaped new line")

# Folders that cannot be used: exit 2, one clear line each, the readable ones still reported.
rc, doc, err, _ = t.json_report(["validate", f"{EX}/clean-single", f"{EX}/no-such-request"], "mixed")
t.check(rc == 2, f"good + missing folder: exit {rc}, expected 2")
t.check(err.strip() == f"rwkvq: error: {EX}/no-such-request: no such folder", f"missing folder stderr: {err!r}")
if doc:
    t.check([r["path"] for r in doc["requests"]] == [f"{EX}/clean-single"], "mixed: the good folder is still reported")
rc, out, err, _ = t.run(["validate", "no-such-folder"])
t.check(rc == 2 and err.strip() == "rwkvq: error: no-such-folder: no such folder" and out == "",
        f"missing folder: exit {rc}, stderr {err!r}, stdout {out!r}")
# A file stands for its request folder (issue 12: what a pre-commit hook passes), each folder once.
rc, doc, err, _ = t.json_report(["validate", f"{EX}/clean-single/training-notebook.ipynb",
                                 f"{EX}/bad-unbounded/training-config.yaml", f"{EX}/clean-single/training-config.yaml",
                                 f"{EX}/bad-unbounded"], "files")
t.check(rc == 1 and err == "", f"files instead of folders: exit {rc}, expected 1; stderr {err!r}")
if doc:
    t.check([r["path"] for r in doc["requests"]] == [f"{EX}/clean-single", f"{EX}/bad-unbounded"],
            f"files: folders {[r['path'] for r in doc['requests']]}, expected clean-single then bad-unbounded once each")

# Usage.
for args in (["validate"], ["validate", "--format", "xml", f"{EX}/clean-single"], ["validate", "--bogus", "x"],
             ["validate", "--target", "no-such-target", f"{EX}/clean-single"], []):
    rc, out, err, _ = t.run(args)
    t.check(rc == 2 and err.strip() != "", f"usage {args}: exit {rc}, stderr {err!r}")
rc, out, err, _ = t.run(["validate", "--help"])
t.check(rc == 0 and "--strict" in out and "--format" in out and "--target" in out, f"validate --help: {rc} {out[:200]!r}")
rc, out, err, _ = t.run(["--version"])
t.check(rc == 0 and re.match(r"^rwkvq \d+\.\d+\.\d+", out), f"--version: {rc} {out!r}")

# rwkvq rules: every id used above, with a severity and a summary.
rc, out, err, _ = t.run(["rules", "--format", "json"])
try:
    rules = json.loads(out)
except ValueError:
    rules = []
t.check(rc == 0 and isinstance(rules, list) and rules, f"rules --format json: {rc} {out[:200]!r}")
ids = {r.get("rule") for r in rules}
for want in set().union(*(ids_ for _, ids_ in EXPECTED.values())):
    t.check(want in ids, f"rwkvq rules does not list {want}")
t.check(all(r.get("severity") in ("error", "warning", "info", "off") and r.get("summary") for r in rules),
        "rwkvq rules: every rule has a severity and a summary")
rc, out, err, _ = t.run(["rules"])
t.check(rc == 0 and all(any(l.startswith(i + " ") for l in out.splitlines()) for i in ids), "rwkvq rules (text)")

t.finish("e2e examples")
PYEOF
