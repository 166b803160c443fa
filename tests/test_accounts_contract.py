"""People and teams: the contract every catalogue backend meets (in memory and SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.errors import NotFound, UserError
from store.accounts import AccountRecord, TeamRecord, check_login, check_role, team_key
from store.database import utc_now
from store.memory import MemoryCatalogue
from store.records import Catalogue
from store.sql_catalogue import SqlCatalogue


@pytest.fixture(params=["memory", "sqlite"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "memory":
        yield MemoryCatalogue()
    else:
        sql = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        yield sql
        sql.close()


def account(login: str, role: str = "creator", active: bool = True) -> AccountRecord:
    now = utc_now()
    return AccountRecord(
        login, login.split("@")[0].title(), check_role(role), active, "local", now, now
    )


def test_accounts_are_added_once_read_back_listed_and_changed(catalogue: Catalogue) -> None:
    catalogue.add_account(account("zoe@example.fr"))
    catalogue.add_account(account("alice@example.fr", "admin"))
    with pytest.raises(UserError) as exc:
        catalogue.add_account(account("alice@example.fr"))
    assert exc.value.key == "account.exists"
    assert [a.id for a in catalogue.list_accounts()] == ["alice@example.fr", "zoe@example.fr"]
    assert catalogue.count_accounts() == 2
    assert catalogue.count_active_admins() == 1
    changed = catalogue.update_account("zoe@example.fr", role="reviewer", active=False)
    assert (changed.role, changed.active) == ("reviewer", False)
    assert catalogue.get_account("zoe@example.fr") == changed
    assert changed.updated_at >= changed.created_at
    with pytest.raises(NotFound):
        catalogue.get_account("nobody@example.fr")
    with pytest.raises(NotFound):
        catalogue.update_account("nobody@example.fr", active=False)


def test_teams_are_unique_by_name_without_accents_or_case(catalogue: Catalogue) -> None:
    catalogue.add_team(TeamRecord("tm-1", "Équipe RH", utc_now()))
    with pytest.raises(UserError) as exc:
        catalogue.add_team(TeamRecord("tm-2", "  equipe   rh ", utc_now()))
    assert exc.value.params["name"] == "Équipe RH"
    assert catalogue.get_team("equipe rh").id == "tm-1"
    assert catalogue.get_team("tm-1").name == "Équipe RH"
    with pytest.raises(NotFound):
        catalogue.get_team("Communication")


def test_members_join_once_leave_and_are_listed_both_ways(catalogue: Catalogue) -> None:
    for login in ("alice@example.fr", "bob@example.fr"):
        catalogue.add_account(account(login))
    catalogue.add_team(TeamRecord("tm-rh", "RH", utc_now()))
    catalogue.add_team(TeamRecord("tm-com", "Communication", utc_now()))
    catalogue.add_member("tm-rh", "alice@example.fr")
    catalogue.add_member("RH", "alice@example.fr")  # by name, again: a no-op
    catalogue.add_member("tm-rh", "bob@example.fr")
    catalogue.add_member("tm-com", "alice@example.fr")
    assert [a.id for a in catalogue.team_members("tm-rh")] == [
        "alice@example.fr",
        "bob@example.fr",
    ]
    assert [t.name for t in catalogue.account_teams("alice@example.fr")] == ["Communication", "RH"]
    assert {t.name: t.members for t in catalogue.list_teams()} == {"Communication": 1, "RH": 2}
    catalogue.remove_member("tm-rh", "bob@example.fr")
    assert catalogue.account_teams("bob@example.fr") == []
    with pytest.raises(NotFound) as exc:
        catalogue.remove_member("tm-rh", "bob@example.fr")
    assert exc.value.key == "team.not_member"
    with pytest.raises(NotFound):
        catalogue.add_member("tm-rh", "nobody@example.fr")
    with pytest.raises(NotFound):
        catalogue.add_member("tm-nothing", "alice@example.fr")


def test_logins_and_names_are_checked() -> None:
    assert check_login("  Claire.Dupont@Exemple.FR ") == "claire.dupont@exemple.fr"
    assert check_login("root", system=True) == "root"
    for bad in ("claire", "claire@", "a b@example.fr", ""):
        with pytest.raises(UserError):
            check_login(bad)
    with pytest.raises(UserError):
        check_role("superuser")
    assert team_key("  Équipe   Numérique ") == "equipe numerique"
