"""A credential stays with the origin it was given to (issue 8, defect 17).

Two real HTTP servers on 127.0.0.1, on two ports (two origins: the port is part of it). Server A
redirects; server B records what it receives. Calls go through an ``http_action`` tool and the
real egress guard, loopback allowed for these tests only.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tools.egress import EgressGuard, EgressPolicy
from tools.registry import ToolContext, default_registry

SECRET = "k3y-Z/9+secret"
LOGIN = f"agent:{SECRET}"
BASIC = base64.b64encode(LOGIN.encode()).decode()

DOCUMENT = json.dumps(
    {
        "openapi": "3.0.0",
        "info": {"title": "Redirections", "version": "1"},
        "paths": {
            f"/{name}": {
                "get": {
                    "operationId": name,
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
            for name in ("away", "here")
        },
    },
    indent=1,
)


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Server:
    """An HTTP server on 127.0.0.1 recording each request; ``redirect`` maps a path to the
    address it sends the client to (the request's own query string appended, as servers that
    move an API often do)."""

    redirect: dict[str, Callable[[], str]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    def start(self) -> Server:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                split = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.seen.append(Seen(split.path, parse_qs(split.query), headers))
                target = server.redirect.get(split.path)
                if target is not None:
                    self.send_response(302)
                    self.send_header("Location", f"{target()}?{split.query}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    a, b = Server().start(), Server().start()
    a.redirect["/away"] = lambda: f"{b.url}/landing"
    a.redirect["/here"] = lambda: f"{a.url}/landing"
    yield a, b
    a.close()
    b.close()


def context() -> ToolContext:
    secrets = {"key": SECRET, "login": LOGIN}
    guard = EgressGuard(EgressPolicy(allow_loopback=True))
    return ToolContext(egress=guard, secret=lambda name: secrets[name])


AUTHS = {
    "header": {"type": "api_key", "in": "header", "name": "X-API-Key", "credential": "key"},
    "custom_header": {"type": "api_key", "in": "header", "name": "Token", "credential": "key"},
    "query": {"type": "api_key", "in": "query", "name": "api_key", "credential": "key"},
    "bearer": {"type": "bearer", "credential": "key"},
    "basic": {"type": "basic", "credential": "login"},
}


def call(a: Server, operation: str, auth: dict[str, Any]) -> None:
    registry = default_registry()
    config = {
        "document": DOCUMENT,
        "name": "redir",
        "base_url": a.url,
        "operations": [operation],
        "auth": auth,
    }
    [tool] = registry.expand("http_action", config, context())
    args = {"q": "bonjour", "session": "abc123"}
    result = registry.run_definition(tool, args, config, context())
    assert result.ok, result.error


def carried(seen: Seen) -> list[str]:
    """Where a credential (the key, the Basic token, the session cookie) sits in a request."""
    places = [f"header {k}" for k, v in seen.headers.items() if SECRET in v or BASIC in v]
    places += [f"header {k}" for k, v in seen.headers.items() if "abc123" in v]
    places += [f"query {k}" for k, values in seen.query.items() if any(SECRET in v for v in values)]
    return places


@pytest.mark.parametrize("auth", list(AUTHS))
def test_no_credential_follows_a_redirect_to_another_origin(
    servers: tuple[Server, Server], auth: str
) -> None:
    a, b = servers
    call(a, "away", AUTHS[auth])
    assert carried(a.seen[0]), "the API itself received the credential"
    [landed] = b.seen
    assert landed.path == "/landing"
    assert carried(landed) == []
    assert landed.query["q"] == ["bonjour"]  # what is not a credential still follows


@pytest.mark.parametrize("auth", list(AUTHS))
def test_a_redirect_within_the_origin_keeps_the_credential(
    servers: tuple[Server, Server], auth: str
) -> None:
    a, b = servers
    call(a, "here", AUTHS[auth])
    first, landed = a.seen
    assert landed.path == "/landing"
    assert carried(landed) == carried(first) != []
    assert b.seen == []


def test_the_guard_drops_every_added_header_and_the_named_values_across_origins(
    servers: tuple[Server, Server],
) -> None:
    a, b = servers
    guard = EgressGuard(EgressPolicy(allow_loopback=True))
    headers = {"X-Custom-Auth": "t0ken", "Accept": "application/json", "Accept-Language": "fr"}
    guard.request(
        "GET",
        f"{a.url}/away",
        headers=headers,
        params={"key": "t0ken", "q": "x"},
        credentials=["t0ken"],
    )
    [landed] = b.seen
    assert "x-custom-auth" not in landed.headers and "key" not in landed.query
    assert landed.headers["accept"] == "application/json"
    assert landed.headers["accept-language"] == "fr"
    assert landed.query["q"] == ["x"]
    guard.request("GET", f"{a.url}/here", headers=headers, credentials=["t0ken"])
    assert a.seen[-1].headers["x-custom-auth"] == "t0ken"
