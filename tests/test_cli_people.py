"""``atelier user …``, ``atelier team …`` and ``--as``: an administrator manages people and
teams from a terminal; everyone else is refused inside the workspace; an unknown or disabled
account acting on the CLI is exit 2 with a message saying what to do."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cli_driver import as_json, atelier, ok

from store.sql_catalogue import open_catalogue

PASSWORD = "un mot de passe assez long"


def test_the_data_directorys_owner_is_the_first_administrator() -> None:
    assert as_json("user", "list") == [
        {
            "email": "alice",
            "name": "",
            "role": "admin",
            "active": True,
            "origin": "system",
            "created_at": as_json("user", "list")[0]["created_at"],
        }
    ]


def test_an_invitation_link_is_printed_and_no_password_is_ever_an_argument() -> None:
    added = ok("user", "add", "Claire.Dupont@Exemple.fr", "--name", "Claire Dupont")
    link = added.stdout.strip()
    assert link.startswith("http://127.0.0.1:8501/?invitation=")
    assert "claire.dupont@exemple.fr" in added.stderr and "une seule fois" in added.stderr
    token = link.split("=", 1)[1]
    sign_in = open_catalogue().sign_in
    assert sign_in.peek_link(token, "invitation") == "claire.dupont@exemple.fr"
    rows = {row["email"]: row for row in as_json("user", "list")}
    assert rows["claire.dupont@exemple.fr"]["role"] == "user"  # the least, by default


def test_a_password_read_from_standard_input_signs_in(tmp_path: Path) -> None:
    ok(
        "user",
        "add",
        "bob@example.fr",
        "--role",
        "creator",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert open_catalogue().sign_in.check("bob@example.fr", PASSWORD) == "bob@example.fr"
    short = atelier("user", "add", "carl@example.fr", "--password-stdin", input="court\n")
    assert short.exit_code == 2 and "12 caractères" in short.stderr
    assert "carl@example.fr" not in {r["email"] for r in as_json("user", "list")}  # nothing made
    ok(
        "user",
        "reset-password",
        "bob@example.fr",
        "--password-stdin",
        input="un autre mot de passe\n",
    )
    assert open_catalogue().sign_in.check("bob@example.fr", "un autre mot de passe")
    link = ok("user", "reset-password", "bob@example.fr").stdout.strip()
    assert "/?reset=" in link
    log = Path(os.environ["ATELIER_HOME"]) / "atelier.log"
    assert not log.exists() or PASSWORD not in log.read_text()


def test_roles_change_and_the_last_administrator_is_kept() -> None:
    ok("user", "add", "bob@example.fr", "--role", "creator")
    ok("user", "set-role", "bob@example.fr", "reviewer")
    assert {r["email"]: r["role"] for r in as_json("user", "list")}["bob@example.fr"] == "reviewer"
    bad = atelier("user", "set-role", "bob@example.fr", "superuser")
    assert bad.exit_code == 2 and "admin, reviewer, creator, user" in bad.stderr
    last = atelier("user", "set-role", "alice", "user")
    assert last.exit_code == 2 and "dernier administrateur" in last.stderr
    missing = atelier("user", "disable", "nobody@example.fr")
    assert missing.exit_code == 3


def test_a_disabled_account_is_refused_at_once_and_enabled_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok("user", "add", "bob@example.fr", "--role", "creator")
    monkeypatch.setenv("ATELIER_USER", "bob@example.fr")
    ok("agent", "list")
    monkeypatch.setenv("ATELIER_USER", "alice")
    ok("user", "disable", "bob@example.fr")
    refused = atelier("--as", "bob@example.fr", "agent", "list")
    assert refused.exit_code == 2 and "désactivé" in refused.stderr
    ok("user", "enable", "bob@example.fr")
    ok("--as", "bob@example.fr", "agent", "list")


def test_an_unknown_account_is_exit_2_and_says_what_to_do() -> None:
    ok("agent", "list")  # alice, the data directory's owner, opened the installation first
    result = atelier("--as", "eve@example.fr", "agent", "list")
    assert result.exit_code == 2
    assert (
        "aucun compte « eve@example.fr »" in result.stderr and "atelier user add" in result.stderr
    )


def test_people_and_teams_are_administrators_business(monkeypatch: pytest.MonkeyPatch) -> None:
    ok("user", "add", "bob@example.fr", "--role", "creator")
    for args in (
        ("user", "list"),
        ("user", "add", "eve@example.fr"),
        ("user", "set-role", "bob@example.fr", "admin"),
        ("team", "add", "Pirates"),
        ("team", "list"),
    ):
        refused = atelier("--as", "bob@example.fr", *args)
        assert refused.exit_code == 2, args
        assert "réservée aux administrateurs" in refused.stderr
    refused = atelier("--as", "bob@example.fr", "admin", "show")
    assert refused.exit_code == 2


def test_teams_are_made_listed_and_given_members() -> None:
    ok("user", "add", "bob@example.fr", "--role", "creator")
    ok("user", "add", "zoe@example.fr")
    ok("team", "add", "Équipe RH")
    again = atelier("team", "add", "equipe rh")
    assert again.exit_code == 2 and "existe déjà" in again.stderr
    ok("team", "add-member", "equipe rh", "bob@example.fr")
    ok("team", "add-member", "Équipe RH", "Zoe@example.fr")
    assert [(t["name"], t["members"]) for t in as_json("team", "list")] == [("Équipe RH", 2)]
    ok("team", "remove-member", "Équipe RH", "zoe@example.fr")
    assert [m["email"] for m in as_json("team", "members", "Équipe RH")] == ["bob@example.fr"]
    gone = atelier("team", "remove-member", "Équipe RH", "zoe@example.fr")
    assert gone.exit_code == 3
    assert "Équipe RH" in ok("team", "list").stdout


def test_atelier_ui_prints_a_setup_link_while_no_administrator_can_sign_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Streamlit itself is not started: the link is printed before it would be."""
    import importlib

    cli_main = importlib.import_module("builder_ui.cli.main")
    started: list[list[str]] = []
    real_run = subprocess.run

    def fake_run(command: list[str], **kwargs: object) -> object:
        if "streamlit" not in command:
            return real_run(command, **kwargs)  # type: ignore[call-overload]
        started.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(cli_main.subprocess, "run", fake_run)
    first = ok("ui", "--port", "8799")
    assert started and "premier compte administrateur" in first.stderr
    link = next(w for w in first.stderr.split() if "/?setup=" in w)
    assert link.startswith("http://127.0.0.1:8799/?setup=")
    token = link.split("=", 1)[1]
    from store.people import redeem_setup_link

    redeem_setup_link(open_catalogue(), token, "claire@example.fr", "Claire", PASSWORD)
    again = ok("ui", "--port", "8799")
    assert "/?setup=" not in again.stderr  # an administrator can sign in now
