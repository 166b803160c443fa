"""The CLI and the builder call one service for each administrative operation, so they agree:
removing an MCP server, choosing the web search service, and reading an OpenAPI document by
URL (through the administrator's network policy). Each operation is driven through both
interfaces and the outcomes compared."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cli_driver import atelier, ok
from people import organisation
from streamlit.testing.v1 import AppTest
from web_driver import signed_in

from agents.errors import NotFound
from builder_ui.cli import agent as cli_agents
from builder_ui.services import mcp_admin, openapi_import
from builder_ui.services import settings as settings_service
from builder_ui.web import state
from store.admin_settings import InvalidSettings, load_admin_settings
from store.secrets import close_secret_stores
from tools.openapi import OpenApiError

APP = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
ADMIN = "views/admin.py"
PING = {
    "openapi": "3.0.0",
    "info": {"title": "Ping", "version": "1"},
    "servers": [{"url": "/v1"}],
    "paths": {
        "/ping": {"get": {"operationId": "ping", "responses": {"200": {"description": "ok"}}}}
    },
}


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(cli_agents, "interactive", lambda: False)
    yield
    close_secret_stores()


def admin_page() -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60)).run()
    at.switch_page(ADMIN).run()
    assert not at.exception, at.exception
    return at


def stored_search() -> tuple[str, str]:
    search = load_admin_settings().web_search
    close_secret_stores()
    return search.backend, str(search.base_url)


# --- MCP servers -------------------------------------------------------------------------------


def test_removing_an_unknown_mcp_server_is_the_same_error_everywhere() -> None:
    result = atelier("admin", "mcp", "rm", "fantome", "--yes")
    assert result.exit_code == 3
    assert "aucun serveur MCP « fantome »" in result.stderr
    # the builder's delete button calls the service: the same error, nothing written
    with pytest.raises(NotFound) as caught:
        mcp_admin.remove_server(organisation(), "fantome")
    assert caught.value.message() in result.stderr
    with pytest.raises(NotFound):
        mcp_admin.set_server_enabled(organisation(), "fantome", False)
    assert load_admin_settings().mcp_servers == []


def test_an_mcp_server_name_taken_is_the_same_error_in_the_cli_and_the_page() -> None:
    ok("admin", "mcp", "add", "docs", "--url", "https://mcp.example.org/mcp")
    refused = atelier("admin", "mcp", "add", "docs", "--url", "https://autre.example.org")
    assert refused.exit_code == 2
    assert "deux serveurs MCP s'appellent « docs »" in refused.stderr

    at = admin_page()
    at.text_input(key=state.ADMIN_MCP_NAME).input("docs")
    at.text_input(key=state.ADMIN_MCP_URL).input("https://autre.example.org")
    at.button(key=state.ADMIN_MCP_ADD).click().run()
    assert "deux serveurs MCP s'appellent « docs »" in "\n".join(e.value for e in at.error)
    servers = load_admin_settings().mcp_servers
    assert [(s.name, str(s.url)) for s in servers] == [("docs", "https://mcp.example.org/mcp")]


def test_the_service_adds_removes_and_turns_servers_on_and_off() -> None:
    added = mcp_admin.add_server(organisation(), "docs", url=" https://mcp.example.org/mcp ")
    assert (added.name, str(added.url)) == ("docs", "https://mcp.example.org/mcp")
    assert added.enabled is True
    mcp_admin.set_server_enabled(organisation(), "docs", False)
    assert load_admin_settings().mcp_servers[0].enabled is False
    with pytest.raises(InvalidSettings) as caught:
        mcp_admin.add_server(organisation(), "sans-adresse")
    assert caught.value.problems[0][0].startswith("mcp_servers[1]")
    listed = json.loads(ok("admin", "show", "--json").stdout)["mcp_servers"]
    assert [s["name"] for s in listed] == ["docs"]
    mcp_admin.remove_server(organisation(), "docs")
    assert load_admin_settings().mcp_servers == []


# --- web search --------------------------------------------------------------------------------


def test_turning_web_search_off_keeps_the_address_in_the_cli_and_the_page() -> None:
    address = "https://searx.example.org"
    ok("admin", "set-web-search", "--backend", "searxng", "--url", address)
    ok("admin", "set-web-search", "--backend", "none")
    from_cli = stored_search()

    ok("admin", "set-web-search", "--backend", "searxng", "--url", address)
    at = admin_page()
    at.radio(key=state.ADMIN_SEARCH_BACKEND).set_value("none")
    at.button(key=state.ADMIN_SEARCH_SAVE).click().run()
    assert not at.exception, at.exception
    assert "Service de recherche enregistré." in [s.value for s in at.success]
    from_page = stored_search()

    assert from_cli == from_page == ("none", address)
    # turned back on without an address: the kept one is used
    ok("admin", "set-web-search", "--backend", "searxng")
    assert stored_search() == ("searxng", address)


# --- asking before an address nobody gave ------------------------------------------------------


def stored_egress() -> dict[str, Any]:
    egress = load_admin_settings().egress.model_dump(mode="json")
    close_secret_stores()
    return egress


def test_saving_the_network_rules_on_the_page_keeps_asking_off() -> None:
    """The page's network form used to leave ``ask_for_unknown_urls`` out, so saving any other
    rule turned the question back on without a word."""
    ok("admin", "set-egress", "--no-ask-unknown-urls")
    assert stored_egress()["ask_for_unknown_urls"] is False
    at = admin_page()
    at.text_area(key=state.ADMIN_DENY_HOSTS).input("bad.example.org")
    at.button(key=state.ADMIN_EGRESS_SAVE).click().run()
    assert not at.exception, at.exception
    egress = stored_egress()
    assert egress["deny_hosts"] == ["bad.example.org"]
    assert egress["ask_for_unknown_urls"] is False


def test_asking_before_unknown_addresses_is_set_the_same_way_in_the_cli_and_the_page() -> None:
    shown = ok("admin", "show").stdout
    assert "ask_for_unknown_urls: true" in shown, "on by default, and shown"
    ok("admin", "set-egress", "--no-ask-unknown-urls")
    from_cli = stored_egress()
    assert "ask_for_unknown_urls: false" in ok("admin", "show").stdout

    settings_service.replace_section(organisation(), "egress", {})  # the defaults again
    at = admin_page()
    box = at.checkbox(key=state.ADMIN_ASK_UNKNOWN_URLS)
    assert box.value is True
    assert "adresse" in box.label and box.help
    box.uncheck()
    at.button(key=state.ADMIN_EGRESS_SAVE).click().run()
    assert not at.exception, at.exception
    assert "Règles d'accès au réseau enregistrées." in [s.value for s in at.success]
    from_page = stored_egress()
    assert from_cli == from_page
    assert from_page["ask_for_unknown_urls"] is False
    assert at.checkbox(key=state.ADMIN_ASK_UNKNOWN_URLS).value is False, "redrawn as saved"

    # and back on, from either
    at.checkbox(key=state.ADMIN_ASK_UNKNOWN_URLS).check()
    at.button(key=state.ADMIN_EGRESS_SAVE).click().run()
    from_page = stored_egress()
    settings_service.replace_section(organisation(), "egress", {"ask_for_unknown_urls": False})
    ok("admin", "set-egress", "--ask-unknown-urls")
    assert stored_egress() == from_page
    assert from_page["ask_for_unknown_urls"] is True


# --- OpenAPI documents by URL -------------------------------------------------------------------


class _Document(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        data = json.dumps(PING).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def served() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Document)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/openapi.json"
    server.shutdown()
    server.server_close()


def test_the_cli_refuses_a_document_on_a_host_the_administrator_denied() -> None:
    ok("admin", "set-egress", "--deny", "api.example.org")
    result = atelier("tool", "openapi", "https://api.example.org/openapi.json")
    assert result.exit_code == 2, result.stderr
    assert "impossible de lire le document OpenAPI" in result.stderr
    assert "hôte api.example.org refusé par l'administrateur" in result.stderr
    # the editor's import reads through the same service, and is refused the same way
    with pytest.raises(OpenApiError) as caught:
        openapi_import.fetch_document("https://api.example.org/openapi.json")
    assert caught.value.message() in result.stderr


def test_the_cli_refuses_a_private_address() -> None:
    result = atelier("tool", "openapi", "http://10.0.0.1/openapi.json")
    assert result.exit_code == 2, result.stderr
    assert "adresse interne (10.0.0.1) refusée" in result.stderr


def test_the_cli_refuses_a_host_outside_the_allow_list() -> None:
    ok("admin", "set-egress", "--allow", "docs.example.org")
    result = atelier("tool", "openapi", "https://api.example.org/openapi.json")
    assert result.exit_code == 2, result.stderr
    assert "pas dans la liste des sites autorisés" in result.stderr


def test_the_cli_and_the_editor_follow_the_administrators_policy(served: str) -> None:
    refused = atelier("tool", "openapi", served)  # loopback: refused by default
    assert refused.exit_code == 2 and "127.0.0.1" in refused.stderr
    ok("admin", "set-egress", "--allow-loopback")
    listed = json.loads(ok("tool", "openapi", served, "--json").stdout)
    assert listed["title"] == "Ping" and listed["operations"][0]["operation_id"] == "ping"
    imported = openapi_import.fetch_document(served)
    assert imported.document.title == "Ping"
    assert imported.base_url == served.removesuffix("/openapi.json") + "/v1"
