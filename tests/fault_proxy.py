"""A reverse proxy on 127.0.0.1 that misbehaves on purpose, in front of a real Label Studio server."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

EXPORT_PATH = "/export"


class FaultProxy:
    """Forwards every request upstream unless ``mode`` says otherwise.

    Modes: ``pass``; ``error500`` (every API call but the token exchange answers 500); ``cut-export`` (the export
    answers its headers and half its body, then the connection is closed; ``cuts`` times,
    then it passes); ``slow`` (every answer waits ``delay`` seconds); ``kill-during-export``
    (``on_export`` kills the upstream server when the export is asked for, after the pull has
    listed the project and its tasks).
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.mode = "pass"
        self.cuts = 10**6
        self.delay = 0.0
        self.on_export: Callable[[], None] | None = None
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                proxy.seen.append(f"{self.command} {self.path}")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if proxy.mode == "error500" and self.path.startswith("/api/") and not self.path.startswith("/api/token/"):
                    self._send(500, b'{"detail": "injected server error"}')
                    return
                if proxy.mode == "slow":
                    time.sleep(proxy.delay)
                is_export = EXPORT_PATH in self.path
                if is_export and proxy.mode == "kill-during-export" and proxy.on_export is not None:
                    proxy.on_export()
                upstream = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "accept-encoding")}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                if is_export and proxy.mode == "cut-export" and proxy.cuts > 0:
                    proxy.cuts -= 1
                    self.send_response(response.status)
                    self.send_header("Content-Type", response.getheader("Content-Type", "application/json"))
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._send(response.status, data, response.getheader("Content-Type", "application/json"))

            def _send(self, status: int, data: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
