#!/usr/bin/env bash
# End-to-end: hostile or broken request folders. Each must give a finding or an error naming the
# offending path, exit 1 or 2, finish well within a hang guard (5 s, scaled for sanitizer builds;
# a normal run takes milliseconds: speed is measured in bench/, not here), and never crash, hang
# or trip a sanitizer. Runs under the ASan+UBSan build too (scripts/test.sh).
# Usage: bash bad_input.sh /path/to/rwkvq /path/to/source-root
set -euo pipefail
BIN="$1"
SRC="$2"
exec python3 - "$BIN" "$SRC" <<'PYEOF'
import json, os, shutil, stat, subprocess, sys, tempfile
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "e2e"))
from e2e_lib import E2E

t = E2E(sys.argv[1], sys.argv[2])
CLEAN = os.path.join(t.root, "examples", "requests", "clean-single")
LIMIT = 5.0 * t.slowdown  # a hang guard, not a speed goal: CI machines are shared and noisy
tmp = tempfile.mkdtemp(prefix="rwkvq-e2e-bad-")
os.chmod(tmp, 0o755)  # the unprivileged run below must be able to enter it

def folder(name, files=None, clean=False):
    """A request folder: optionally the clean example's files, then `files` (name -> bytes)."""
    d = os.path.join(tmp, name)
    os.makedirs(d)
    os.chmod(d, 0o755)
    if clean:
        for f in os.listdir(CLEAN):
            shutil.copy(os.path.join(CLEAN, f), d)
    for f, data in (files or {}).items():
        with open(os.path.join(d, f), "wb") as fh:
            fh.write(data)
    return d

def read(name):
    with open(os.path.join(CLEAN, name), "rb") as f:
        return f.read()

NB = read("training-notebook.ipynb")
CFG = read("training-config.yaml")

def named(doc, err, d, name):
    """Is `name` (a file of folder d, or "" for the folder) named by a finding or on stderr?"""
    target = os.path.join(d, name) if name else d
    for r in (doc or {}).get("requests", []):
        for f in r["findings"]:
            if f["file"] == target or (name and name in f["message"]):
                return True
    return target in err

def bad(what, d, name, rule=None, rcs=(1, 2), **kw):
    rc, doc, err, secs = t.json_report(["validate", d], what, **kw)
    t.check(rc in rcs, f"{what}: exit {rc}, expected one of {rcs}; stderr {err[-300:]!r}")
    t.check(named(doc, err, d, name), f"{what}: nothing names {name or d}: {json.dumps(doc)[:800]} {err[-300:]!r}")
    t.check(secs < LIMIT, f"{what}: took {secs:.2f} s (limit {LIMIT:.1f} s)")
    if rule and doc and doc["requests"]:
        ids = t.rule_ids(doc["requests"][0])
        t.check(rule in ids, f"{what}: expected {rule}, got {sorted(ids)}")
    return rc, doc, err

def findings(doc):
    return [f for r in (doc or {}).get("requests", []) for f in r["findings"]]

def no_position_zero(what, doc):
    """A finding without a position must not print one ("line 0, column 0")."""
    for f in findings(doc):
        text = f["message"] + " " + f["hint"]
        t.check("line 0" not in text and "column 0" not in text, f"{what}: a position of 0 is printed: {text!r}")

def only(what, doc, rule, name, says):
    """Exactly one finding: `rule` on `name`, its message containing `says`."""
    fs = findings(doc)
    t.check([f["rule"] for f in fs] == [rule],
            f"{what}: expected exactly one {rule}, got {[(f['rule'], f['message']) for f in fs]}")
    t.check(any(f["file"].endswith("/" + name) and says in f["message"] for f in fs),
            f"{what}: no {rule} on {name} saying {says!r}: {[(f['file'], f['message']) for f in fs]}")
    t.check(not any("has no training-notebook" in f["message"] for f in fs),
            f"{what}: also says the notebook is missing")

try:
    # Truncated JSON.
    d = folder("truncated", {"training-notebook.ipynb": NB[: len(NB) // 2], "training-config.yaml": CFG})
    rc, doc, err = bad("truncated JSON", d, "training-notebook.ipynb", "notebook/invalid", rcs=(1,))
    no_position_zero("truncated JSON", doc)

    # Invalid UTF-8 inside a JSON string: not JSON (RFC 8259), so not a notebook.
    i = NB.index(b"Tiny Shakespeare")
    d = folder("bad-utf8", {"training-notebook.ipynb": NB[:i] + b"\xff\xfe\xc3(" + NB[i:], "training-config.yaml": CFG})
    bad("invalid UTF-8", d, "training-notebook.ipynb", "notebook/invalid", rcs=(1,))

    # BOM + CRLF: valid, so exactly as clean as the original.
    d = folder("bom-crlf", {"training-notebook.ipynb": b"\xef\xbb\xbf" + NB.replace(b"\n", b"\r\n"),
                            "training-config.yaml": b"\xef\xbb\xbf" + CFG.replace(b"\n", b"\r\n")})
    rc, doc, err, secs = t.json_report(["validate", d], "BOM + CRLF")
    t.check(rc == 0, f"BOM + CRLF: exit {rc}, expected 0 (it is a valid request)")
    if doc and doc["requests"]:
        r = doc["requests"][0]
        t.check(r["findings"] == [], f"BOM + CRLF: findings {[(f['rule'], f['message']) for f in r['findings']]}")
        t.check([n["valid"] for n in r["notebooks"]] == [True], f"BOM + CRLF: notebooks {r['notebooks']}")
    t.check(secs < LIMIT, f"BOM + CRLF: took {secs:.2f} s")

    # 100 000 nested brackets, in a notebook and in a config.
    deep = b"[" * 100000 + b"]" * 100000
    d = folder("deep-json", {"training-notebook.ipynb": deep, "training-config.yaml": CFG})
    bad("100 000 nested JSON brackets", d, "training-notebook.ipynb", "notebook/invalid", rcs=(1,))
    d = folder("deep-json-object", {"training-notebook.ipynb": b'{"cells": ' + b'{"a": ' * 100000 + b"1" + b"}" * 100001,
                                    "training-config.yaml": CFG})
    bad("100 000 nested JSON objects", d, "training-notebook.ipynb", "notebook/invalid", rcs=(1,))
    d = folder("deep-yaml", {"training-notebook.ipynb": NB, "training-config.yaml": b"trainer: " + deep + b"\n"})
    bad("100 000 nested YAML brackets", d, "training-config.yaml", "config/invalid", rcs=(1,))

    # A directory named training-notebook.ipynb.
    d = folder("dir-named-notebook", {"training-config.yaml": CFG})
    os.mkdir(os.path.join(d, "training-notebook.ipynb"))
    rc, doc, err = bad("folder named training-notebook.ipynb", d, "training-notebook.ipynb", "layout/unsafe-file", rcs=(1,))
    only("folder named training-notebook.ipynb", doc, "layout/unsafe-file", "training-notebook.ipynb",
         "training-notebook.ipynb is a folder, not a notebook file")

    # An unreadable notebook. Root reads it anyway (no crash is all that can be asked); an
    # unprivileged user cannot, and must get a finding or an error naming it.
    d = folder("unreadable", clean=True)
    nbpath = os.path.join(d, "training-notebook.ipynb")
    os.chmod(nbpath, 0)
    rc, doc, err, secs = t.json_report(["validate", d], "unreadable (as this user)")
    t.check(secs < LIMIT, f"unreadable: took {secs:.2f} s")
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        binary_ok = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "true"]).returncode == 0 \
            if setpriv else False
        if binary_ok:
            rc, doc, err = bad("unreadable (as nobody)", d, "training-notebook.ipynb", "layout/unsafe-file", rcs=(1,),
                               prefix=[setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"])
            only("unreadable (as nobody)", doc, "layout/unsafe-file", "training-notebook.ipynb",
                 "cannot be read (Permission denied)")
            no_position_zero("unreadable (as nobody)", doc)
        else:
            print("note: setpriv unavailable; the unreadable file was only checked for no crash")
    else:
        rc, doc, err = bad("unreadable", d, "training-notebook.ipynb", "layout/unsafe-file", rcs=(1,))
        only("unreadable", doc, "layout/unsafe-file", "training-notebook.ipynb", "cannot be read (Permission denied)")
        no_position_zero("unreadable", doc)

    # A FIFO where the notebook should be: must not block.
    d = folder("fifo", {"training-config.yaml": CFG})
    os.mkfifo(os.path.join(d, "training-notebook.ipynb"))
    rc, doc, err = bad("FIFO", d, "training-notebook.ipynb", "layout/unsafe-file", rcs=(1,), timeout=5)
    only("FIFO", doc, "layout/unsafe-file", "training-notebook.ipynb",
         "training-notebook.ipynb is a named pipe (FIFO), not a notebook file")

    # The config the notebook passes with -c is a folder, a FIFO, a symlink out: one
    # layout/config-missing finding saying what is there (not "not in the folder").
    for kind in ("folder", "FIFO", "symlink"):
        d = folder("config-" + kind.lower(), {"training-notebook.ipynb": NB})
        p = os.path.join(d, "training-config.yaml")
        {"folder": os.mkdir, "FIFO": os.mkfifo, "symlink": lambda q: os.symlink("/etc/passwd", q)}[kind](p)
        what = "config is a " + kind
        rc, doc, err = bad(what, d, "training-config.yaml", "layout/config-missing", rcs=(1,), timeout=5)
        says = {"folder": "which is a folder, not a config file",
                "FIFO": "which is a named pipe (FIFO), not a config file",
                "symlink": "which is a symbolic link to /etc/passwd, outside the request folder, not a config file"}[kind]
        only(what, doc, "layout/config-missing", "training-notebook.ipynb", says)
        no_position_zero(what, doc)

    # A symlink to /etc/passwd: a finding, and /etc/passwd is never read.
    d = folder("symlink", {"training-config.yaml": CFG})
    os.symlink("/etc/passwd", os.path.join(d, "training-notebook.ipynb"))
    os.symlink("/etc/passwd", os.path.join(d, "notes.txt"))
    rc, doc, err = bad("symlink to /etc/passwd", d, "training-notebook.ipynb", "layout/unsafe-file", rcs=(1,))
    fs = findings(doc)
    t.check(sorted(f["rule"] for f in fs) == ["layout/unsafe-file", "layout/unsafe-file"],
            f"symlink: expected two layout/unsafe-file findings, got {[(f['rule'], f['message']) for f in fs]}")
    t.check(any("training-notebook.ipynb is a symbolic link to /etc/passwd, outside the request folder, not a "
                "notebook file" in f["message"] for f in fs), f"symlink: message {[f['message'] for f in fs]}")
    with open("/etc/passwd") as f:
        secrets = [l.strip() for l in f if l.strip()][:3]
    dump = json.dumps(doc) + err
    t.check(not any(s in dump or json.dumps(s)[1:-1] in dump for s in secrets),
            "symlink: content of /etc/passwd appears in the output")
    t.check("root:x:0:0" not in dump, "symlink: /etc/passwd content in the output")
    if doc and doc["requests"]:
        t.check(named(doc, "", d, "notes.txt"), "symlink: the second escaping symlink (notes.txt) is not reported")

    # A YAML alias bomb (billion laughs) as the config.
    bomb = [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        prev, cur = chr(ord("a") + k - 1), chr(ord("a") + k)
        bomb.append(f"{cur}: &{cur} [" .encode() + b",".join([f"*{prev}".encode()] * 9) + b"]")
    d = folder("alias-bomb", {"training-notebook.ipynb": NB,
                              "training-config.yaml": b"\n".join(bomb) + b"\ntrainer:\n  max_steps: *j\n"})
    bad("YAML alias bomb", d, "training-config.yaml", rcs=(1,))

    # A 6 MB file in the folder.
    d = folder("big-file", {"notes.md": b"# notes\n" + b"x" * (6 << 20)}, clean=True)
    bad("6 MB file", d, "notes.md", "data/committed", rcs=(1,))

    # Hostile Python (issue 8): a string doubled 40 times must neither hang nor exhaust memory.
    def nb_with(code_cells):
        doc = json.loads(NB)
        for src in code_cells:
            doc["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None,
                                 "outputs": [], "source": src})
        return json.dumps(doc).encode()
    d = folder("string-doubling", {"training-notebook.ipynb": nb_with(
        ["a = 'xxxxxxxxxxxxxxxx'\n" + "a = a + a\n" * 40 + "b = f'{a}{a}'\n!echo {b}\n"]),
        "training-config.yaml": CFG})
    rc, doc, err, secs = t.json_report(["validate", d], "string doubling")
    t.check(rc in (0, 1) and secs < LIMIT, f"string doubling: exit {rc}, {secs:.2f} s")

    # More cells than limits.max_cells (5000): what is cut is an error of security/input-limits.
    d = folder("many-cells", {"training-notebook.ipynb": nb_with(["x = 1"] * 6000), "training-config.yaml": CFG})
    bad("6000 cells", d, "training-notebook.ipynb", "security/input-limits", rcs=(1,))

    # The read cap comes from rwkvq.yaml: a 1 KiB cap refuses the clean notebook, naming the cap.
    cfg = os.path.join(tmp, "rwkvq-small.yaml")
    with open(cfg, "w") as fh:
        fh.write("limits:\n  max_read_bytes: 1 KiB\n")
    d = folder("read-cap", clean=True)
    rc, doc, err, secs = t.json_report(["--config", cfg, "validate", d], "read cap")
    t.check(rc == 1 and any("read cap of" in f["message"] and f["rule"] == "notebook/invalid" for f in findings(doc)),
            f"read cap: exit {rc}, {json.dumps(doc)[:600]}")

    # An empty folder.
    d = folder("empty")
    bad("empty folder", d, "", "layout/notebook-missing", rcs=(1,))

    # A missing folder: exit 2, one line on stderr naming it.
    d = os.path.join(tmp, "no-such-folder")
    rc, out, err, secs = t.run(["validate", d])
    t.check(rc == 2 and err.strip() == f"rwkvq: error: {d}: no such folder",
            f"missing folder: exit {rc}, stderr {err!r}")
    t.check(secs < LIMIT, f"missing folder: took {secs:.2f} s")
finally:
    for root, dirs, files in os.walk(tmp):
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                try: os.chmod(p, 0o644)
                except OSError: pass
    shutil.rmtree(tmp, ignore_errors=True)

t.finish("e2e bad input")
PYEOF
