"""A loopback ticket service for the crash tests: each POST is counted and held open until
released (or until the client process is killed), so a test can kill a run mid-call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Api(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Tickets)
        self.posts = 0
        self.received = threading.Event()
        self.release = threading.Event()
        self.hold = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Tickets(BaseHTTPRequestHandler):
    server: Api

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.posts += 1
        self.server.received.set()
        if self.server.hold:
            self.server.release.wait(120)  # until the client process is killed
        body = b'{"id": 7}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(name="api")
def api_fixture() -> Iterator[Api]:
    server = Api()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
