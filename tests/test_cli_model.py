"""``atelier model add/list/test/rm``: the organisation's models from a terminal, with the exit
codes of ``builder_ui.cli.main`` (0 done, 2 bad input, 3 not found, 1 anything else)."""

from __future__ import annotations

import pytest
from cli_driver import as_json, atelier, ok
from openai_server import (
    OpenAiServer,
    closed_port_url,
    openai_server_fixture,  # noqa: F401 (the `openai_server` fixture)
)

from builder_ui.cli import agent as cli_agents
from store.admin_settings import installation_secret_resolver, list_installation_secrets
from store.secrets import open_secret_store

KEY = "sk-cli-cle-abcdef0123456789"


def add_albert(url: str, *extra: str, key: str | None = KEY) -> None:
    args = [
        "model",
        "add",
        "albert",
        "--provider",
        "openai",
        "--name",
        "albert-large",
        "--display",
        "Albert (État)",
        "--base-url",
        url,
        *extra,
    ]
    if key is not None:
        args.append("--key-from-stdin")
    ok(*args, input=f"{key}\n" if key is not None else None)


def test_add_then_list_shows_the_model_and_never_the_key(openai_server: OpenAiServer) -> None:
    result = atelier(
        "model",
        "add",
        "albert",
        "--provider",
        "openai",
        "--name",
        "albert-large",
        "--display",
        "Albert (État)",
        "--base-url",
        openai_server.url,
        "--key-from-stdin",
        "--price-in",
        "0.2",
        "--price-out",
        "0.6",
        "--self-hosted",
        "--role",
        "creator",
        "--role",
        "user",
        "--team",
        "RH",
        input=f"{KEY}\n",
    )
    assert result.exit_code == 0, result.stderr
    assert "Modèle « Albert (État) » (albert) ajouté." in result.stderr
    assert "atelier model test albert" in result.stderr
    assert KEY not in result.stdout + result.stderr
    assert installation_secret_resolver()("model-albert") == KEY

    [listed] = as_json("model", "list")
    assert listed["ref"] == "openai:albert-large"
    assert (listed["price_in"], listed["price_out"], listed["self_hosted"]) == (0.2, 0.6, True)
    assert (listed["roles"], listed["teams"]) == (["creator", "user"], ["RH"])
    assert listed["credential"] == "model-albert"

    table = ok("model", "list").stdout
    assert "Albert (État)" in table and "creator, user ; équipes : RH" in table
    for shown in (table, ok("model", "list", "--json").stdout, ok("admin", "show").stdout):
        assert KEY not in shown
    stored = open_secret_store().setting("admin")
    assert stored is not None and KEY not in stored.value


def test_list_says_when_there_is_none() -> None:
    result = ok("model", "list")
    assert result.stdout == "" and "aucun modèle" in result.stderr
    assert as_json("model", "list") == []


def test_bad_input_is_exit_2_and_stores_nothing() -> None:
    bad_url = atelier(
        "model", "add", "x", "--provider", "openai", "--name", "n", "--display", "X",
        "--base-url", "ftp://x.org", "--key-from-stdin", input=f"{KEY}\n",
    )  # fmt: skip
    assert bad_url.exit_code == 2 and "ftp://x.org" in bad_url.stderr
    assert list_installation_secrets() == []

    bad_provider = atelier(
        "model", "add", "x", "--provider", "azure", "--name", "n", "--display", "X"
    )  # fmt: skip
    assert bad_provider.exit_code == 2

    bad_role = atelier(
        "model", "add", "x", "--provider", "openai", "--name", "n", "--display", "X",
        "--role", "boss",
    )  # fmt: skip
    assert bad_role.exit_code == 2
    assert as_json("model", "list") == []


def test_the_same_model_twice_is_refused(openai_server: OpenAiServer) -> None:
    add_albert(openai_server.url)
    again = atelier(
        "model", "add", "albert-2", "--provider", "openai", "--name", "albert-large",
        "--display", "Encore", "--base-url", openai_server.url,
    )  # fmt: skip
    assert again.exit_code == 2 and "déjà enregistré" in again.stderr
    assert [m["id"] for m in as_json("model", "list")] == ["albert"]


def test_test_says_the_connection_works_or_why_not(openai_server: OpenAiServer) -> None:
    add_albert(openai_server.url)
    works = ok("model", "test", "albert")
    assert "Connexion réussie : « Albert (État) » a répondu en" in works.stderr
    assert openai_server.authorizations == [f"Bearer {KEY}"]

    openai_server.reply = "401"
    refused = atelier("model", "test", "albert")
    assert refused.exit_code == 2
    assert "refuse la clé (HTTP 401)" in refused.stderr
    assert "Traceback" not in refused.stderr and KEY not in refused.stderr

    openai_server.reply = "404"
    unknown = atelier("model", "test", "albert")
    assert unknown.exit_code == 2 and "ne connaît pas le modèle" in unknown.stderr

    missing = atelier("model", "test", "nope")
    assert missing.exit_code == 3 and "aucun modèle « nope »" in missing.stderr


def test_test_an_unreachable_address() -> None:
    address = closed_port_url()
    add_albert(address, key=None)
    result = atelier("model", "test", "albert")
    assert result.exit_code == 2
    assert f"impossible de joindre {address}" in result.stderr


def test_rm_asks_for_yes_when_nobody_can_confirm(openai_server: OpenAiServer) -> None:
    add_albert(openai_server.url)
    refused = atelier("model", "rm", "albert")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert len(as_json("model", "list")) == 1

    done = ok("model", "rm", "albert", "--yes")
    assert "Modèle « Albert (État) » (albert) retiré." in done.stderr
    assert as_json("model", "list") == []
    assert list_installation_secrets() == [], "its key went with it"
    assert atelier("model", "rm", "albert", "--yes").exit_code == 3


def test_rm_confirms_at_a_terminal(
    openai_server: OpenAiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_albert(openai_server.url)
    monkeypatch.setattr(cli_agents, "interactive", lambda: True)
    cancelled = atelier("model", "rm", "albert", input="n\n")
    assert cancelled.exit_code == 1 and len(as_json("model", "list")) == 1
    assert "Retirer le modèle « Albert (État) » (albert) ?" in cancelled.stderr
    ok("model", "rm", "albert", input="o\n")
    assert as_json("model", "list") == []


def test_key_and_credential_are_exclusive() -> None:
    result = atelier(
        "model", "add", "x", "--provider", "openai", "--name", "n", "--display", "X",
        "--key-from-stdin", "--credential", "autre", input=f"{KEY}\n",
    )  # fmt: skip
    assert result.exit_code == 2 and "pas les deux" in result.stderr


def test_a_named_credential_that_is_absent_is_pointed_out() -> None:
    result = ok(
        "model", "add", "mistral", "--provider", "mistral", "--name", "mistral-small-latest",
        "--display", "Mistral Small", "--credential", "mistral-org",
    )  # fmt: skip
    assert "aucune clé « mistral-org »" in result.stderr
