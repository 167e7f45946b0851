#!/usr/bin/env python3
"""A GitHub REST API look-alike for rwkvq's runner tests (`queue dispatch / sync / import`,
DESIGN §10): serves on 127.0.0.1 (a free port, printed on the first line of stdout) until killed.
Never contacts anything else. Every request is recorded (method, path, headers, body).

Routes (repository OWNER/NAME is any; the token expected is argv[1], default "ghp_test"):
  POST /repos/{o}/{n}/actions/workflows/{wf}/dispatches
        401 without or with a wrong token · 422 when ref is not a branch (BRANCHES) or the
        inputs are not the workflow's five · 404 for an unknown workflow · else 204, and a
        queued run appears (created now, job name "notebook-run ({notebookFile})")
  GET  /repos/{o}/{n}/actions/workflows/{wf}/runs?event=&branch=    the runs, newest first
  GET  /repos/{o}/{n}/actions/runs/{id}/jobs
  GET  /repos/{o}/{n}/pulls?state=open&base=B   PULLS, 2 per page, with a Link header
  GET  /repos/{o}/{n}/pulls/{n}/files
  /_log          what was asked · /_reset   forget the log
  POST /_runs    JSON list of runs to add or update (by id): any fields of a workflow run
  POST /_mode    {"dispatch_status": 500} forces that status on dispatches (0 = normal);
                 {"runs_status": {"o/n": 500}} on the listing of that repository's runs
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = sys.argv[1] if len(sys.argv) > 1 else "ghp_test"
WORKFLOWS = {"notebook-run.yml"}
BRANCHES = {"rwkv-community-training", "main"}
INPUTS = {"notebookFile", "gpuTarget", "lanePrefence", "cudaVersion", "huggingFaceRepo"}

PULLS = [
    {"number": 7, "title": "[training request] Tiny Shakespeare", "user": {"login": "alice"},
     "files": ["notebook/community/tiny-shakespeare/training-notebook.ipynb",
               "notebook/community/tiny-shakespeare/training-config.yaml"]},
    {"number": 8, "title": "Fix a typo in the README", "user": {"login": "bob"}, "files": ["README.md"]},
    {"number": 9, "title": "[Training Request] broken one", "user": {"login": "carol"},
     "files": ["notebook/community/broken/training-notebook.ipynb"]},
    {"number": 11, "title": "[training request] two parts", "user": {"login": "dave"},
     "files": ["notebook/community/two-part/training-notebook-part1.ipynb",
               "notebook/community/two-part/training-notebook-part2.ipynb",
               "notebook/community/two-part/training-config.yaml"]},
    {"number": 12, "title": "[training request] trainer change", "user": {"login": "eve"},
     "files": ["RWKV-v5/src/trainer.py"]},
]

LOG = []
RUNS = []
MODE = {"dispatch_status": 0, "runs_status": {}}
LOCK = threading.Lock()
NEXT_RUN = [9000]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Handler(BaseHTTPRequestHandler):
    server_version = "github-look-alike/1"

    def log_message(self, *args):
        pass

    def send_json(self, status, doc, headers=None):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def record(self, body):
        with LOCK:
            LOG.append({"method": self.command, "path": self.path,
                        "headers": {k: v for k, v in self.headers.items()},
                        "body": body.decode("utf-8", "replace")})

    def authorized(self):
        auth = self.headers.get("Authorization")
        if auth != "Bearer " + TOKEN:
            self.send_json(401, {"message": "Requires authentication" if not auth else "Bad credentials",
                                 "documentation_url": "https://docs.github.com/rest"})
            return False
        return True

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        if url.path == "/_runs":
            with LOCK:
                for upd in json.loads(body):
                    for r in RUNS:
                        if r["id"] == upd["id"]:
                            r.update(upd)
                            break
                    else:
                        RUNS.append(upd)
            return self.send_json(200, {"ok": True})
        if url.path == "/_mode":
            with LOCK:
                MODE.update(json.loads(body))
            return self.send_json(200, MODE)
        self.record(body)
        # repos/o/n/actions/workflows/wf/dispatches
        if len(parts) == 7 and parts[0] == "repos" and parts[3:5] == ["actions", "workflows"] and parts[6] == "dispatches":
            if not self.authorized():
                return
            if MODE["dispatch_status"]:
                return self.send_json(MODE["dispatch_status"], {"message": "Server Error"})
            if parts[5] not in WORKFLOWS:
                return self.send_json(404, {"message": "Not Found"})
            try:
                doc = json.loads(body)
            except ValueError:
                return self.send_json(400, {"message": "Problems parsing JSON"})
            ref = doc.get("ref")
            if ref not in BRANCHES:
                return self.send_json(422, {"message": f"No ref found for: {ref}"})
            inputs = doc.get("inputs") or {}
            extra = set(inputs) - INPUTS
            if extra:
                return self.send_json(422, {"message": "Unexpected inputs provided: " + json.dumps(sorted(extra))})
            if not inputs.get("notebookFile"):
                return self.send_json(422, {"message": "Required input 'notebookFile' not provided"})
            with LOCK:
                NEXT_RUN[0] += 1
                rid = NEXT_RUN[0]
                now = time.time()
                RUNS.append({"id": rid, "name": "notebook-run", "event": "workflow_dispatch", "head_branch": ref,
                             "status": "queued", "conclusion": None, "created_at": iso(now),
                             "run_started_at": iso(now), "updated_at": iso(now),
                             "html_url": f"https://github.com/{parts[1]}/{parts[2]}/actions/runs/{rid}",
                             "workflow": parts[5], "repo": parts[1] + "/" + parts[2],
                             "jobs": [f"notebook-run ({inputs['notebookFile']})"]})
            self.send_response(204)
            self.end_headers()
            return
        self.send_json(404, {"message": "Not Found"})

    def do_GET(self):
        url = urlparse(self.path)
        q = parse_qs(url.query)
        if url.path == "/_log":
            with LOCK:
                return self.send_json(200, LOG)
        if url.path == "/_reset":
            with LOCK:
                LOG.clear()
            return self.send_json(200, {"ok": True})
        self.record(b"")
        parts = url.path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "repos":
            return self.send_json(404, {"message": "Not Found"})
        if not self.authorized():
            return
        repo = parts[1] + "/" + parts[2]
        rest = parts[3:]
        if len(rest) == 4 and rest[:2] == ["actions", "workflows"] and rest[3] == "runs":
            with LOCK:
                forced = MODE["runs_status"].get(repo, 0)
            if forced:
                return self.send_json(forced, {"message": "Server Error" if forced >= 500 else "Resource not accessible"})
            with LOCK:
                runs = [dict(r) for r in RUNS if r.get("workflow", rest[2]) == rest[2] and r.get("repo", repo) == repo
                        and ("branch" not in q or r.get("head_branch") == q["branch"][0])
                        and ("event" not in q or r.get("event") == q["event"][0])]
            runs.sort(key=lambda r: r["created_at"], reverse=True)
            for r in runs:
                r.pop("jobs", None)
            return self.send_json(200, {"total_count": len(runs), "workflow_runs": runs})
        if len(rest) == 4 and rest[:2] == ["actions", "runs"] and rest[3] == "jobs":
            with LOCK:
                run = next((r for r in RUNS if str(r["id"]) == rest[2]), None)
            if not run:
                return self.send_json(404, {"message": "Not Found"})
            return self.send_json(200, {"total_count": len(run.get("jobs", [])),
                                        "jobs": [{"id": run["id"] * 10 + i, "name": n} for i, n in enumerate(run.get("jobs", []))]})
        if rest == ["pulls"]:
            base = q.get("base", [None])[0]
            page = int(q.get("page", ["1"])[0])
            per = 2
            items = [p for p in PULLS if base in (None, "rwkv-community-training")]
            chunk = items[(page - 1) * per: page * per]
            last = max(1, (len(items) + per - 1) // per)
            host = self.headers.get("Host")
            link = []
            def page_url(n):
                return f"http://{host}/repos/{repo}/pulls?state=open&base={base}&per_page=100&page={n}"
            if page < last:
                link.append(f'<{page_url(page + 1)}>; rel="next"')
                link.append(f'<{page_url(last)}>; rel="last"')
            if page > 1:
                link.append(f'<{page_url(1)}>; rel="first"')
            docs = [{"number": p["number"], "title": p["title"], "user": p["user"], "state": "open",
                     "html_url": f"https://github.com/{repo}/pull/{p['number']}",
                     "head": {"sha": "0" * 40, "ref": f"pr-{p['number']}"}, "base": {"ref": base}} for p in chunk]
            return self.send_json(200, docs, {"Link": ", ".join(link)} if link else None)
        if len(rest) == 3 and rest[0] == "pulls" and rest[2] == "files":
            pr = next((p for p in PULLS if str(p["number"]) == rest[1]), None)
            if not pr:
                return self.send_json(404, {"message": "Not Found"})
            return self.send_json(200, [{"filename": f, "status": "added"} for f in pr["files"]])
        self.send_json(404, {"message": "Not Found"})


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
