"""Admin settings (egress, web search, MCP servers): defaults, storage, validation with field
paths; and the ``atelier admin`` and ``atelier secret`` commands."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from cli_driver import atelier, ok

from builder_ui.cli import agent as cli_agents
from store.admin_settings import (
    SETTINGS_KEY,
    AdminSettings,
    EgressSettings,
    InvalidSettings,
    McpServerSettings,
    installation_secret_resolver,
    load_admin_settings,
    parse_admin_settings,
    save_admin_settings,
    update_admin_settings,
)
from store.secrets import ENV_KEY, SecretStore, close_secret_stores, open_secret_store
from store.workspace import open_workspace

FINGERPRINT = "ab" * 32


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.delenv("ATELIER_DEBUG", raising=False)
    monkeypatch.setattr(cli_agents, "interactive", lambda: False)
    yield
    close_secret_stores()


@pytest.fixture
def store() -> SecretStore:
    return open_secret_store()


def problems(data: Any) -> dict[str, str]:
    with pytest.raises(InvalidSettings) as caught:
        parse_admin_settings(data)
    return dict(caught.value.problems)


# --- the model -------------------------------------------------------------------------------


def test_defaults_when_nothing_was_saved(store: SecretStore) -> None:
    settings = load_admin_settings(store)
    assert settings == AdminSettings()
    assert settings.egress.allow_hosts == [] and settings.egress.deny_hosts == []
    assert not settings.egress.allow_loopback and not settings.egress.allow_private
    assert settings.egress.max_bytes == 5_000_000 and settings.egress.timeout_s == 10
    assert settings.web_search.backend == "none" and settings.mcp_servers == []
    assert store.setting(SETTINGS_KEY) is None, "loading writes nothing"


def test_save_and_load(store: SecretStore) -> None:
    settings = parse_admin_settings(
        {
            "egress": {"allow_hosts": ["api.example.org"], "allow_private": True},
            "web_search": {"backend": "searxng", "base_url": "http://searx.internal:8080"},
            "mcp_servers": [
                {
                    "name": "wiki",
                    "url": "https://mcp.example.org/mcp",
                    "credential": "wiki-token",
                    "pinned_tools": {"search": FINGERPRINT},
                },
                {"name": "files", "transport": "stdio", "command": ["mcp-files", "--ro"]},
            ],
        }
    )
    saved = save_admin_settings(settings, by="alice", store=store)
    assert saved == settings
    assert load_admin_settings(store) == settings
    stored = store.setting(SETTINGS_KEY)
    assert stored is not None and stored.updated_by == "alice"
    server = load_admin_settings(store).mcp_server("wiki")
    assert server is not None and server.credential == "wiki-token"
    assert load_admin_settings(store).mcp_server("nowhere") is None


def test_hosts_are_normalised() -> None:
    egress = EgressSettings(
        allow_hosts=[" API.Example.org. ", "*.Example.org", "api.example.org", "10.1.2.3/8"],
        deny_hosts=["[::1]", "192.168.0.1", "météo.fr", "intranet"],
    )
    assert egress.allow_hosts == ["api.example.org", "*.example.org", "10.0.0.0/8"]
    assert egress.deny_hosts == ["::1", "192.168.0.1", "xn--mto-bmab.fr", "intranet"]


def test_validation_errors_name_their_field() -> None:
    found = problems(
        {
            "egress": {
                "allow_hosts": ["ok.example.org", "https://api.example.org/v1"],
                "deny_hosts": ["api.example.org:443", "a b", ""],
                "max_bytes": 0,
                "colour": "red",
            },
            "web_search": {"backend": "bing"},
            "mcp_servers": [
                {"name": "wiki"},
                {"name": "Files!", "transport": "stdio"},
                {
                    "name": "x",
                    "url": "https://user:pw@mcp.example.org",
                    "command": ["evil"],
                    "credential": "Bad Name",
                    "pinned_tools": {"search": "not-a-hash"},
                },
            ],
        }
    )
    assert "adresse web" in found["egress.allow_hosts[1]"]
    assert "sans port" in found["egress.deny_hosts[0]"]
    assert "n'est pas un nom d'hôte" in found["egress.deny_hosts[1]"]
    assert "vide" in found["egress.deny_hosts[2]"]
    assert "egress.max_bytes" in found and "egress.colour" in found
    assert "searxng" in found["web_search.backend"]
    assert "url" in found["mcp_servers[0]"] and "wiki" in found["mcp_servers[0]"]
    assert "mcp_servers[1].name" in found
    assert "secret" in found["mcp_servers[2].url"], "a password in a URL is refused"
    assert "mcp_servers[2].credential" in found
    assert "SHA-256" in found["mcp_servers[2].pinned_tools.search"]
    assert list(problems({"web_search": {"backend": "searxng"}})) == ["web_search"]


def test_cross_field_rules() -> None:
    http_with_command = {"name": "x", "url": "https://m.example.org", "command": ["run"]}
    assert "stdio" in problems({"mcp_servers": [http_with_command]})["mcp_servers[0]"]
    twice = [{"name": "x", "url": "https://a.example.org"}] * 2
    assert "x" in problems({"mcp_servers": twice})["mcp_servers"]
    assert McpServerSettings(name="s", transport="stdio", command=["srv"]).enabled


def test_saving_validates_again(store: SecretStore) -> None:
    sneaky = AdminSettings().model_copy(
        update={"egress": EgressSettings.model_construct(allow_hosts=["https://x.org"])}
    )
    with pytest.raises(InvalidSettings) as caught:
        save_admin_settings(sneaky, by="alice", store=store)
    assert "egress.allow_hosts[0]" in str(caught.value)
    assert store.setting(SETTINGS_KEY) is None


def test_broken_stored_settings_are_reported_not_replaced_by_defaults(store: SecretStore) -> None:
    store.update_setting(SETTINGS_KEY, lambda _: json.dumps({"egress": {"allow": 1}}), "x")
    with pytest.raises(InvalidSettings) as caught:
        load_admin_settings(store)
    assert caught.value.key == "admin.stored_invalid" and "egress.allow" in str(caught.value)


def test_concurrent_changes_are_all_kept(store: SecretStore) -> None:
    def add(host: str) -> None:
        def change(current: AdminSettings) -> AdminSettings:
            egress = current.egress.model_copy(
                update={"deny_hosts": [*current.egress.deny_hosts, host]}
            )
            return current.model_copy(update={"egress": egress})

        update_admin_settings(change, by=host, store=store)

    workers = [threading.Thread(target=add, args=(f"h{i}.example.org",)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(load_admin_settings(store).egress.deny_hosts) == [
        f"h{i}.example.org" for i in range(8)
    ]


# --- atelier admin ---------------------------------------------------------------------------


def shown() -> dict[str, Any]:
    data = yaml.safe_load(ok("admin", "show").stdout)
    assert isinstance(data, dict)
    return data


def test_admin_show_prints_the_defaults_as_yaml() -> None:
    assert shown() == AdminSettings().model_dump(mode="json")
    assert json.loads(ok("admin", "show", "--json").stdout) == shown()


def test_admin_set_egress() -> None:
    result = ok(
        "admin",
        "set-egress",
        "--allow",
        "api.example.org",
        "--allow",
        "*.Example.net",
        "--deny",
        "bad.example.org",
        "--allow-loopback",
        "--max-bytes",
        "1000",
    )
    assert "enregistrés" in result.stderr
    egress = shown()["egress"]
    assert egress["allow_hosts"] == ["api.example.org", "*.example.net"]
    assert egress["deny_hosts"] == ["bad.example.org"]
    assert egress["allow_loopback"] is True and egress["allow_private"] is False
    assert egress["max_bytes"] == 1000

    ok("admin", "set-egress", "--allow-private", "--no-allow-loopback")
    egress = shown()["egress"]
    assert egress["allow_hosts"] == ["api.example.org", "*.example.net"], "left unchanged"
    assert egress["allow_private"] is True and egress["allow_loopback"] is False

    ok("admin", "set-egress", "--clear-allow", "--clear-deny")
    egress = shown()["egress"]
    assert egress["allow_hosts"] == [] and egress["deny_hosts"] == []
    stored = open_secret_store().setting(SETTINGS_KEY)
    assert stored is not None and stored.updated_by == "alice"


def test_admin_set_egress_refuses_a_url_and_saves_nothing() -> None:
    result = atelier("admin", "set-egress", "--allow", "https://api.example.org/v1")
    assert result.exit_code == 2
    assert "egress.allow_hosts[0]" in result.stderr and "api.example.org" in result.stderr
    assert shown() == AdminSettings().model_dump(mode="json")


def test_admin_set_web_search() -> None:
    assert atelier("admin", "set-web-search", "--backend", "searxng").exit_code == 2
    ok("admin", "set-web-search", "--backend", "searxng", "--url", "http://localhost:8888")
    assert shown()["web_search"] == {"backend": "searxng", "base_url": "http://localhost:8888"}
    ok("admin", "set-web-search", "--backend", "searxng")  # keeps the address
    assert shown()["web_search"]["base_url"] == "http://localhost:8888"
    result = atelier("admin", "set-web-search", "--backend", "none", "--url", "http://x.org")
    assert result.exit_code == 2 and "--url" in result.stderr
    ok("admin", "set-web-search", "--backend", "none")  # keeps it too, as the builder does
    assert shown()["web_search"] == {"backend": "none", "base_url": "http://localhost:8888"}
    bad = atelier("admin", "set-web-search", "--backend", "searxng", "--url", "ftp://x.org")
    assert bad.exit_code == 2 and "web_search.base_url" in bad.stderr


# --- atelier secret --------------------------------------------------------------------------


def resolve(name: str, principal: str = "alice") -> str:
    value = open_workspace(principal).secret_resolver()(name)
    close_secret_stores()
    return value


def test_secret_set_reads_standard_input_and_never_echoes() -> None:
    value = "tok-" + "x9" * 12
    result = ok("secret", "set", "weather-api", input=value + "\n")
    assert value not in result.stdout + result.stderr
    assert "weather-api" in result.stderr
    assert resolve("weather-api") == value, "one trailing newline is dropped"
    ok("secret", "set", "crlf", input="abc\r\n")
    assert resolve("crlf") == "abc"
    ok("secret", "set", "keeps-inner", input="abc\n\n")
    assert resolve("keeps-inner") == "abc\n"
    replaced = ok("secret", "set", "weather-api", input="new")
    assert "remplacé" in replaced.stderr and resolve("weather-api") == "new"


def test_secret_set_refuses_an_empty_value_or_a_bad_name() -> None:
    for text in ("", "\n"):
        result = atelier("secret", "set", "k", input=text)
        assert result.exit_code == 2 and "vide" in result.stderr
    result = atelier("secret", "set", "Bad Name", input="v")
    assert result.exit_code == 2 and "nom de secret invalide" in result.stderr
    assert json.loads(ok("secret", "list", "--json").stdout) == []


def test_secret_set_prompts_without_echo_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_agents, "interactive", lambda: True)
    result = ok("secret", "set", "typed", input="s3cret-typed\n")
    assert "s3cret-typed" not in result.stdout + result.stderr
    assert resolve("typed") == "s3cret-typed"


def test_secret_list_shows_names_and_dates_only() -> None:
    assert ok("secret", "list").stdout == ""
    ok("secret", "set", "b-key", input="value-of-b")
    ok("secret", "set", "a-key", input="value-of-a")
    listed = ok("secret", "list")
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["NOM", "CRÉÉ", "MODIFIÉ"]
    assert [line.split()[0] for line in lines[1:]] == ["a-key", "b-key"]
    as_json = json.loads(ok("secret", "list", "--json").stdout)
    assert [set(item) for item in as_json] == [{"name", "created_at", "updated_at"}] * 2
    for output in (listed.stdout, json.dumps(as_json)):
        assert "value-of" not in output


def test_secret_rm(monkeypatch: pytest.MonkeyPatch) -> None:
    ok("secret", "set", "old-key", input="v")
    refused = atelier("secret", "rm", "old-key")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    monkeypatch.setattr(cli_agents, "interactive", lambda: True)
    cancelled = atelier("secret", "rm", "old-key", input="n\n")
    assert cancelled.exit_code == 1
    assert resolve("old-key") == "v"
    ok("secret", "rm", "old-key", "--yes")
    assert json.loads(ok("secret", "list", "--json").stdout) == []
    missing = atelier("secret", "rm", "old-key", "--yes")
    assert missing.exit_code == 3 and "atelier secret set old-key" in missing.stderr


def test_secrets_are_per_person_and_installation_secrets_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok("secret", "set", "shared-name", input="alice-value")
    ok("secret", "set", "shared-name", "--installation", input="installation-value")
    ok("user", "add", "bob@example.fr", "--role", "creator")
    monkeypatch.setenv("ATELIER_USER", "bob@example.fr")
    assert json.loads(ok("secret", "list", "--json").stdout) == []
    assert atelier("secret", "rm", "shared-name", "--yes").exit_code == 3
    refused = atelier("secret", "list", "--installation", "--json")
    assert refused.exit_code == 2 and "administrateur" in refused.stderr
    monkeypatch.setenv("ATELIER_USER", "alice")
    installation = json.loads(ok("secret", "list", "--installation", "--json").stdout)
    assert [item["name"] for item in installation] == ["shared-name"]
    assert installation_secret_resolver()("shared-name") == "installation-value"
    assert resolve("shared-name", "alice") == "alice-value"
    ok("secret", "rm", "shared-name", "--installation", "--yes")
    assert resolve("shared-name", "alice") == "alice-value"
