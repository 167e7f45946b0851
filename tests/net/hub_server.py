#!/usr/bin/env python3
"""A Hugging Face Hub look-alike for rwkvq's online tests: serves on 127.0.0.1 (a free port,
printed on the first line of stdout) until killed. Never contacts anything else.

Routes (GET and HEAD):
  /api/models/{id}, /api/datasets/{id}   repository info; unknown ids: 401 + X-Error-Code RepoNotFound
                                         (404 when a token is sent), like the Hub
  /size?dataset={id}                     the datasets-server's size answer
  /{id}/resolve/main/{file}              302 to http://localhost:PORT/cdn/{file} (another origin)
  /datasets/{id}/resolve/main/{file}     with X-Linked-Size; unknown files: 404 EntryNotFound
  /cdn/{file}                            200 with Content-Length
  /files/ok.bin 200 · /files/missing 404 · /files/gone 410 · /files/forbidden 403
  /files/gated 401 GatedRepo · /files/teapot 418 · /always500 · /flaky/{key} 500 (Retry-After: 1) then 200
  /slow/{s}  answers after s seconds · /truncated  promises 1000 bytes, sends 10 · /huge  100 MB
  /redirect/{n}  n redirects, then 200 · /loop  redirects to itself
  /_log  what was asked (method, path, host, authorization, user-agent) · /_reset
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MODELS = {
    "BlinkDL/rwkv-5-world": {"gated": False, "private": False},
    "BlinkDL/rwkv-6-world": {"gated": False, "private": False},
    "gated-org/model": {"gated": "auto", "private": False},
    "someone/private-model": {"gated": False, "private": True},
}
DATASETS = {
    "owner/data": {"gated": False, "private": False},
    "owner/gated-data": {"gated": "manual", "private": False},
    "karpathy/tiny_shakespeare": {"gated": False, "private": False},
    "Trelis/tiny-shakespeare": {"gated": False, "private": False},
}
SIZES = {
    "Trelis/tiny-shakespeare": {"num_bytes_original_files": 1200000, "num_bytes_parquet_files": 700000, "num_rows": 520},
    "karpathy/tiny_shakespeare": {"num_bytes_original_files": 1115394, "num_rows": 3},
    "owner/data": {"num_bytes_original_files": 4000000000, "num_bytes_parquet_files": 2500000000, "num_rows": 1000000},
}
FILES = {  # file name -> length (resolve/main and /cdn)
    "RWKV-5-World-1B5-v2-20231025-ctx4096.pth": 3155590194,
    "mystery-model.pth": 3030000000,
    "RWKV-5-World-0.1B-v1-20230803-ctx4096.pth": 340000000,
    "RWKV-5-World-0.4B-v2-20231113-ctx4096.pth": 921000000,
    "train.jsonl": 123456789,
}

LOG = []
LOCK = threading.Lock()
FLAKY = {}


class Handler(BaseHTTPRequestHandler):
    server_version = "hub-look-alike/1"

    def log_message(self, *args):
        pass

    def record(self):
        with LOCK:
            LOG.append({
                "method": self.command,
                "path": self.path,
                "host": self.headers.get("Host", ""),
                "authorization": self.headers.get("Authorization"),
                "user_agent": self.headers.get("User-Agent", ""),
                "time": time.time(),
            })

    def reply(self, status, body=b"", headers=None, length=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict(headers or {}, **{"Content-Type": "application/json"})
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def port(self):
        return self.server.server_address[1]

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        u = urlparse(self.path)
        path = u.path
        if path == "/_log":
            with LOCK:
                return self.reply(200, list(LOG))
        if path == "/_reset":
            with LOCK:
                LOG.clear()
                FLAKY.clear()
            return self.reply(200, {"ok": True})
        self.record()
        token = self.headers.get("Authorization")
        missing = 404 if token else 401
        for prefix, table in (("/api/models/", MODELS), ("/api/datasets/", DATASETS)):
            if path.startswith(prefix):
                rid = path[len(prefix):]
                if rid == "huge/model":
                    return self.huge()
                if rid in table:
                    return self.reply(200, dict({"id": rid}, **table[rid]))
                return self.reply(missing, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        if path == "/size":
            ds = parse_qs(u.query).get("dataset", [""])[0]
            if ds in SIZES:
                return self.reply(200, {"size": {"dataset": dict({"dataset": ds}, **SIZES[ds])}})
            return self.reply(404, {"error": "not found"})
        if "/resolve/main/" in path:
            repo, name = path.split("/resolve/main/", 1)
            repo = repo[len("/datasets/"):] if repo.startswith("/datasets/") else repo[1:]
            if repo not in MODELS and repo not in DATASETS:
                return self.reply(missing, b"", {"X-Error-Code": "RepoNotFound"})
            if repo == "gated-org/model":
                return self.reply(401, b"", {"X-Error-Code": "GatedRepo"})
            if name not in FILES:
                return self.reply(404, b"", {"X-Error-Code": "EntryNotFound"})
            return self.reply(302, b"", {"Location": "http://localhost:%d/cdn/%s" % (self.port(), name),
                                         "X-Linked-Size": FILES[name]})
        if path.startswith("/cdn/"):
            name = path[len("/cdn/"):]
            if name in FILES:
                return self.reply(200, b"", length=FILES[name]) if self.command == "HEAD" else self.reply(200, b"x")
            return self.reply(404)
        simple = {"/files/ok.bin": (200, {}), "/files/missing": (404, {}), "/files/gone": (410, {}),
                  "/files/forbidden": (403, {}), "/files/gated": (401, {"X-Error-Code": "GatedRepo"}),
                  "/files/teapot": (418, {}), "/always500": (500, {})}
        if path in simple:
            status, headers = simple[path]
            return self.reply(status, b"0123456789" * 100 if status == 200 else b"", headers)
        if path.startswith("/flaky/"):
            with LOCK:
                n = FLAKY.get(path, 0)
                FLAKY[path] = n + 1
            if n == 0:
                return self.reply(500, b"", {"Retry-After": "1"})
            return self.reply(200, b"ok")
        if path.startswith("/slow/"):
            time.sleep(float(path[len("/slow/"):]))
            return self.reply(200, b"slow")
        if path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(b"0123456789")
                self.wfile.flush()
            self.close_connection = True
            return
        if path == "/huge":
            return self.huge()
        if path.startswith("/redirect/"):
            n = int(path[len("/redirect/"):])
            if n <= 0:
                return self.reply(200, b"", length=42)
            return self.reply(302, b"", {"Location": "/redirect/%d" % (n - 1)})
        if path == "/loop":
            return self.reply(302, b"", {"Location": "/loop"})
        return self.reply(404)

    def huge(self):
        total = 100 * 1024 * 1024
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        if self.command == "HEAD":
            return
        chunk = b" " * 65536
        sent = 0
        try:
            while sent < total:
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        with LOCK:
            LOG.append({"method": "SENT", "path": self.path, "bytes": sent})


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops the SYNs of a burst: a 1 s retransmit


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
