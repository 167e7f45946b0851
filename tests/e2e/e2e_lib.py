"""Helpers shared by the end-to-end tests (tests/e2e/*.sh): run the real binary, validate its JSON
against schemas/report.schema.json, and collect failures instead of stopping at the first."""
import json
import os
import subprocess
import sys
import time

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "UndefinedBehaviorSanitizer", "AddressSanitizer:DEADLYSIGNAL")


class E2E:
    def __init__(self, binary, source_root):
        self.binary = os.path.abspath(binary)
        self.root = os.path.abspath(source_root)
        self.failures = []
        self.checks = 0
        try:
            import jsonschema  # Debian: python3-jsonschema
        except ImportError:
            print("e2e: python3-jsonschema is missing (apt-get install -y python3-jsonschema)",
                  file=sys.stderr)
            sys.exit(1)
        with open(os.path.join(self.root, "schemas", "report.schema.json")) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        self.validator = jsonschema.Draft202012Validator(schema)
        # Sanitizer builds are several times slower: the time limits scale with them.
        with open(self.binary, "rb") as f:
            data = f.read()
        self.sanitized = b"libasan" in data or b"__asan_init" in data
        self.slowdown = 8.0 if self.sanitized else 1.0

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.failures.append(what)
            print("FAIL: " + what, file=sys.stderr)
        return ok

    def run(self, args, timeout=10, env=None, cwd=None, prefix=(), **popen):
        """Runs the binary (after `prefix`, e.g. setpriv ...); returns (exit code, stdout, stderr,
        seconds). A hang is a failure."""
        full_env = dict(os.environ)
        full_env.pop("NO_COLOR", None)
        if env:
            full_env.update(env)
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.PIPE)
        start = time.monotonic()
        try:
            p = subprocess.run(list(prefix) + [self.binary] + list(args), timeout=timeout, env=full_env, cwd=cwd,
                               **popen)
        except subprocess.TimeoutExpired as e:
            self.check(False, f"rwkvq {' '.join(args)}: still running after {timeout} s (hang)")
            return None, (e.stdout or b"").decode("utf-8", "replace"), \
                (e.stderr or b"").decode("utf-8", "replace"), timeout
        secs = time.monotonic() - start
        out = (p.stdout or b"").decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        self.check(not any(m in out + err for m in SANITIZER_MARKERS),
                   f"rwkvq {' '.join(args)}: sanitizer report:\n{err[-3000:]}")
        self.check(p.returncode in (0, 1, 2),
                   f"rwkvq {' '.join(args)}: exit {p.returncode} (crash?); stderr:\n{err[-2000:]}")
        self.check("internal error" not in err,
                   f"rwkvq {' '.join(args)}: internal error: {err[-1000:]}")
        return p.returncode, out, err, secs

    def json_report(self, args, what, **kw):  # kw: as for run()
        """Runs with --format json; returns (exit code, parsed document or None, stderr, seconds)."""
        rc, out, err, secs = self.run(list(args) + ["--format", "json"], **kw)
        try:
            doc = json.loads(out)
        except ValueError as e:
            self.check(False, f"{what}: stdout is not JSON ({e}): {out[:500]!r} stderr {err[-500:]!r}")
            return rc, None, err, secs
        errors = sorted(self.validator.iter_errors(doc), key=lambda e: list(e.path))
        self.check(not errors, f"{what}: JSON does not match schemas/report.schema.json: "
                   + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))
        self.check_counts(doc, what)
        return rc, doc, err, secs

    def check_counts(self, doc, what):
        tot = {"error": 0, "warning": 0, "info": 0}
        # `validate --pr`: the pull request's own findings count like a request's.
        for req in ([doc["pr"]] if "pr" in doc else []) + doc.get("requests", []):
            per = {"error": 0, "warning": 0, "info": 0}
            for f in req.get("findings", []):
                per[f["severity"]] += 1
            self.check((req.get("errors"), req.get("warnings"), req.get("infos")) ==
                       (per["error"], per["warning"], per["info"]),
                       f"{what}: {req.get('path')}: counts do not match its findings")
            for k in tot:
                tot[k] += per[k]
        self.check((doc.get("errors"), doc.get("warnings"), doc.get("infos")) ==
                   (tot["error"], tot["warning"], tot["info"]),
                   f"{what}: document totals do not match the findings")

    @staticmethod
    def rule_ids(req, severities=("error", "warning", "info")):
        return {f["rule"] for f in req["findings"] if f["severity"] in severities}

    def finish(self, name):
        if self.failures:
            print(f"{name}: {len(self.failures)} of {self.checks} checks failed", file=sys.stderr)
            sys.exit(1)
        print(f"{name}: all {self.checks} checks passed")
        sys.exit(0)
