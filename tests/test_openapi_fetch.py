"""Importing an OpenAPI document by URL obeys the administrator's network policy (issue 8,
defect 10): ``tools.openapi.fetch_document(url, policy)`` is the one way in for the CLI and the
builder, and the loader fetches through the egress guard only, never through a plain client.

The document is served by a real HTTP server on 127.0.0.1 (loopback allowed by the policy of the
tests that reach it); refused addresses are never connected to.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tools.egress import EgressGuard, EgressPolicy
from tools.openapi import OpenApiError, fetch_document, load_document, load_url

DOCUMENT = json.dumps(
    {
        "openapi": "3.0.0",
        "info": {"title": "Interne", "version": "1"},
        "servers": [{"url": "/v1"}],
        "paths": {"/ping": {"get": {"operationId": "ping", "responses": {"200": {}}}}},
    }
).encode()


class DocumentServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.paths: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: DocumentServer

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/openapi.json")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(DOCUMENT)))
        self.end_headers()
        self.wfile.write(DOCUMENT)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_LANG", "fr")


@pytest.fixture
def server() -> Iterator[DocumentServer]:
    httpd = DocumentServer()
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_a_document_is_fetched_with_the_policy_given(server: DocumentServer) -> None:
    fetched = fetch_document(f"{server.url}/docs/openapi.json", EgressPolicy(allow_loopback=True))
    assert fetched.data == DOCUMENT
    assert fetched.url == f"{server.url}/docs/openapi.json"
    assert fetched.document.title == "Interne"
    assert fetched.document.base_url == f"{server.url}/v1"  # resolved against the address
    assert server.paths == ["/docs/openapi.json"]


REFUSALS = [
    ("{server}/openapi.json", {}, "adresse interne (127.0.0.1)"),
    ("{server}/openapi.json", {"allow_loopback": True, "deny_hosts": ["127.0.0.1"]}, "refusé"),
    (
        "{server}/openapi.json",
        {"allow_loopback": True, "allow_hosts": ["api.example"]},
        "autorisés",
    ),
    ("{server}/moved", {"allow_loopback": True}, "métadonnées"),
    ("http://10.0.0.1/openapi.json", {}, "adresse interne (10.0.0.1)"),
    ("http://[64:ff9b::a00:1]/openapi.json", {"allow_loopback": True}, "adresse interne"),
    ("http://169.254.169.254/openapi.json", {"allow_private": True}, "métadonnées"),
    ("http://0x7f.1/openapi.json", {}, "adresse interne (127.0.0.1)"),
]


@pytest.mark.parametrize(("template", "policy", "said"), REFUSALS)
def test_the_administrators_policy_refuses(
    server: DocumentServer, template: str, policy: dict[str, Any], said: str
) -> None:
    url = template.format(server=server.url)
    with pytest.raises(OpenApiError) as caught:
        fetch_document(url, EgressPolicy(**policy))
    assert caught.value.key == "openapi.load.blocked"
    assert said in caught.value.message()
    assert server.paths in ([], ["/moved"])  # the refused address itself is never reached


class PlainClient:
    """What must never fetch a document: anything that merely has a ``request`` method."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        self.asked.append(url)
        raise AssertionError("a plain client was used")


def test_nothing_but_the_guard_and_a_policy_may_fetch(server: DocumentServer) -> None:
    plain = PlainClient()
    url = f"{server.url}/openapi.json"
    for egress in (plain, None):
        with pytest.raises(OpenApiError) as caught:
            load_document(url, egress, cache=False)  # type: ignore[arg-type]
        assert caught.value.key == "openapi.load.no_network"
        with pytest.raises(OpenApiError):
            load_url(url, egress)  # type: ignore[arg-type]
    for policy in (None, plain, EgressGuard(EgressPolicy(allow_loopback=True)), {}):
        with pytest.raises(TypeError):
            fetch_document(url, policy)  # type: ignore[arg-type]
    assert plain.asked == [] and server.paths == []
    guard = EgressGuard(EgressPolicy(allow_loopback=True))
    assert load_document(url, guard, cache=False).title == "Interne"


def test_a_cached_document_is_not_served_to_a_stricter_policy(server: DocumentServer) -> None:
    url = f"{server.url}/cached/openapi.json"
    loose = EgressGuard(EgressPolicy(allow_loopback=True))
    assert load_document(url, loose).title == "Interne"
    strict = EgressGuard(EgressPolicy(allow_loopback=True, deny_hosts=["127.0.0.1"]))
    with pytest.raises(OpenApiError) as caught:
        load_document(url, strict)
    assert caught.value.key == "openapi.load.blocked"
    assert load_document(url, loose).title == "Interne"
    assert server.paths == ["/cached/openapi.json"]  # the loose policy's copy was kept
