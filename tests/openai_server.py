"""A tiny OpenAI-compatible chat server on loopback, for the organisation models' tests: it
answers ``POST …/chat/completions`` as told (``reply``: a completion, 401, 404, or holding the
request until released) and keeps the ``Authorization`` header and the body of each request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

Reply = Literal["ok", "401", "404", "hold"]
ANSWER = "OK"


class OpenAiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reply: Reply = "ok"
        self.authorizations: list[str] = []
        self.bodies: list[dict[str, Any]] = []
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: OpenAiServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.authorizations.append(self.headers.get("Authorization") or "")
        self.server.bodies.append(json.loads(raw or b"{}"))
        if not self.path.endswith("/chat/completions"):
            self._send(404, {"error": {"message": "no such route"}})
            return
        reply = self.server.reply
        if reply == "hold":
            self.server.release.wait(30)
            reply = "ok"
        if reply == "401":
            self._send(401, _error("Incorrect API key provided.", "invalid_api_key"))
        elif reply == "404":
            self._send(404, _error("The model does not exist.", "model_not_found"))
        else:
            self._send(200, _completion(self.server.bodies[-1].get("model", "")))

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up waiting (the time-out test)
            pass

    def log_message(self, *args: Any) -> None:
        pass


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}


def _completion(model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": ANSWER},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    }


@pytest.fixture(name="openai_server")
def openai_server_fixture() -> Iterator[OpenAiServer]:
    server = OpenAiServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    """The address of a loopback port nobody listens on."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
