"""The "Personnes et équipes" page (``streamlit.testing``): an administrator adds a person and
gets a one-time invitation link that really opens the account, changes a role, disables then
enables an account, cannot demote the last administrator, and manages teams; names people typed
are shown as text; nobody else reaches the page, and the workspace refuses them anyway."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from people import enrol
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Selectbox
from web_driver import open_app

from agents.errors import Refused
from builder_ui.web.state import keys
from store.people import redeem_password_link
from store.sql_catalogue import open_catalogue
from store.workspace import Workspace

PAGE = "views/people.py"
PASSWORD = "une phrase de passe assez longue"
HOSTILE_NAME = "<img src=x onerror=alert(1)> [lien](http://evil.example)"


def people_page(login: str = "alice", role: str = "admin") -> AppTest:
    at = open_app(login, role=role)  # type: ignore[arg-type]
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "Personnes et équipes" in [t.value for t in at.title]
    return at


def markdown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [s.value for s in at.success] + [e.value for e in at.error]
    parts += [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


def errors(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.error)


def accounts_table(at: AppTest) -> dict[str, dict[str, str]]:
    frame = at.dataframe[0].value
    return {row["Adresse"]: row for row in frame.to_dict("records")}


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return at.run()


def add_account(at: AppTest, login: str, name: str = "", role: str = "user") -> AppTest:
    at.text_input(key=keys.PEOPLE_ADD_LOGIN).input(login)
    at.text_input(key=keys.PEOPLE_ADD_NAME).input(name)
    at.selectbox(key=keys.PEOPLE_ADD_ROLE).set_value(role)
    at = click(at, keys.PEOPLE_ADD_SUBMIT)
    assert not at.exception
    return at


def member_box(at: AppTest) -> Selectbox[Any]:
    return next(b for b in at.selectbox if str(b.key).startswith(keys.PEOPLE_MEMBER + "."))


def choose_account(at: AppTest, login: str) -> AppTest:
    at.selectbox(key=keys.PEOPLE_ACCOUNT).set_value(login)
    return at.run()


def test_adding_a_person_shows_an_invitation_link_once_that_opens_the_account() -> None:
    at = people_page()
    at = add_account(at, "Zoe@Example.fr", "Zoé Durand", "creator")
    assert "zoe@example.fr" in markdown(at) and "créateur" in markdown(at)
    assert len(at.code) == 1
    url = at.code[0].value
    assert "ne sert qu'une fois" in markdown(at) and "Transmettez ce lien" in markdown(at)
    row = accounts_table(at)["zoe@example.fr"]
    assert row["Nom"] == "Zoé Durand" and row["Rôle"] == "créateur"
    assert row["État"] == "actif" and row["Mot de passe choisi"] == "non"
    assert at.text_input(key=keys.PEOPLE_ADD_LOGIN).value == ""  # the form is ready again
    at.run()
    assert not at.code  # shown once: it opens an account
    token = parse_qs(urlsplit(url).query)["invitation"][0]
    catalogue = open_catalogue()
    redeemed = redeem_password_link(catalogue, token, "invitation", PASSWORD)
    assert redeemed.id == "zoe@example.fr"
    assert catalogue.sign_in.check("zoe@example.fr", PASSWORD) == "zoe@example.fr"
    at.run()
    assert accounts_table(at)["zoe@example.fr"]["Mot de passe choisi"] == "oui"


def test_a_refused_account_says_why_and_keeps_what_was_typed() -> None:
    at = people_page()
    at = add_account(at, "pas-une-adresse", "Quelqu'un", "reviewer")
    assert "n'est pas une adresse électronique" in errors(at)
    assert not at.code
    assert at.text_input(key=keys.PEOPLE_ADD_LOGIN).value == "pas-une-adresse"
    assert at.text_input(key=keys.PEOPLE_ADD_NAME).value == "Quelqu'un"
    assert at.selectbox(key=keys.PEOPLE_ADD_ROLE).value == "reviewer"
    at = add_account(at, "zoe@example.fr", "Zoé", "user")
    assert not errors(at)
    at = add_account(at, "ZOE@example.fr", "Zoé", "user")
    assert "existe déjà" in errors(at) and not at.code


def test_a_new_password_link_is_shown_once_and_opens_the_account() -> None:
    catalogue = open_catalogue()
    enrol(catalogue, "bob@example.fr", role="creator")
    catalogue.sign_in.set_password("bob@example.fr", "l'ancien mot de passe de Bob")
    at = choose_account(people_page(), "bob@example.fr")
    link_button = at.button(key=keys.PEOPLE_NEW_LINK)
    assert link_button.label == "Lien pour un nouveau mot de passe"
    at = click(at, keys.PEOPLE_NEW_LINK)
    token = parse_qs(urlsplit(at.code[0].value).query)["reset"][0]
    redeem_password_link(catalogue, token, "reset", PASSWORD)
    assert catalogue.sign_in.check("bob@example.fr", PASSWORD) == "bob@example.fr"


def test_changing_a_role_and_disabling_then_enabling_an_account() -> None:
    catalogue = open_catalogue()
    enrol(catalogue, "bob@example.fr", role="user")
    at = choose_account(people_page(), "bob@example.fr")
    at.selectbox(key=keys.people_role_key("bob@example.fr")).set_value("creator")
    at = click(at, keys.PEOPLE_SET_ROLE)
    assert "Rôle de" in markdown(at) and not errors(at)
    assert catalogue.get_account("bob@example.fr").role == "creator"
    assert accounts_table(at)["bob@example.fr"]["Rôle"] == "créateur"

    at = click(at, keys.PEOPLE_DISABLE)
    assert "ses sessions ouvertes se ferment" in markdown(at)
    assert catalogue.get_account("bob@example.fr").active  # not before the confirmation
    at = click(at, keys.PEOPLE_CONFIRM_NO)
    assert catalogue.get_account("bob@example.fr").active
    assert not [b for b in at.button if b.key == keys.PEOPLE_CONFIRM_YES]
    at = click(at, keys.PEOPLE_DISABLE)
    at = click(at, keys.PEOPLE_CONFIRM_YES)
    assert not at.exception
    assert not catalogue.get_account("bob@example.fr").active
    assert accounts_table(at)["bob@example.fr"]["État"] == "désactivé"
    assert "est désactivé" in markdown(at)

    at = click(at, keys.PEOPLE_ENABLE)
    assert catalogue.get_account("bob@example.fr").active
    assert accounts_table(at)["bob@example.fr"]["État"] == "actif"


def test_the_last_administrator_cannot_be_demoted_and_the_page_says_so() -> None:
    at = choose_account(people_page(), "alice")
    at.selectbox(key=keys.people_role_key("alice")).set_value("user")
    at = click(at, keys.PEOPLE_SET_ROLE)
    assert not at.exception
    assert "dernier administrateur actif" in errors(at)
    assert open_catalogue().get_account("alice").role == "admin"
    at = click(at, keys.PEOPLE_DISABLE)
    at = click(at, keys.PEOPLE_CONFIRM_YES)
    assert "dernier administrateur actif" in errors(at)
    assert open_catalogue().get_account("alice").active


def test_creating_a_team_and_adding_then_removing_a_member() -> None:
    catalogue = open_catalogue()
    enrol(catalogue, "bob@example.fr", "carla@example.fr", role="creator")
    at = people_page()
    at.text_input(key=keys.PEOPLE_TEAM_NAME).input("Communication")
    at = click(at, keys.PEOPLE_TEAM_ADD)
    assert "Équipe « Communication » créée" in markdown(at)
    team = catalogue.get_team("Communication")
    assert at.selectbox(key=keys.PEOPLE_TEAM).value == team.id
    assert "n'a pas encore de membre" in markdown(at)

    member_box(at).set_value("bob@example.fr")
    at = click(at, keys.PEOPLE_MEMBER_ADD)
    assert [m.id for m in catalogue.team_members(team.id)] == ["bob@example.fr"]
    teams = at.dataframe[1].value.to_dict("records")
    assert teams == [{"Équipe": "Communication", "Membres": 1}]
    assert "bob@example.fr" not in member_box(at).options
    assert member_box(at).value == "alice"  # the next one, not bob

    at = click(at, keys.people_remove_key(f"{team.id}.bob@example.fr"))
    assert not at.exception
    assert catalogue.team_members(team.id) == []
    assert "ne fait plus partie" in markdown(at)

    at.text_input(key=keys.PEOPLE_TEAM_NAME).input("communication")
    at = click(at, keys.PEOPLE_TEAM_ADD)
    assert "existe déjà" in errors(at)
    assert at.text_input(key=keys.PEOPLE_TEAM_NAME).value == "communication"


def test_names_people_typed_are_shown_as_text() -> None:
    at = people_page()
    at = add_account(at, "eve@example.fr", HOSTILE_NAME, "user")
    at = choose_account(at, "eve@example.fr")
    at.text_input(key=keys.PEOPLE_TEAM_NAME).input(HOSTILE_NAME)
    at = click(at, keys.PEOPLE_TEAM_ADD)
    member_box(at).set_value("eve@example.fr")
    at = click(at, keys.PEOPLE_MEMBER_ADD)
    shown = markdown(at)
    assert shown.count("\\<img src=x onerror=alert(1)>") >= 3  # account, team, member
    assert "\\[lien\\]" in shown
    unescaped = shown.replace("\\<img", "").replace("\\[lien\\]", "")
    assert "<img" not in unescaped and "[lien](" not in unescaped
    assert accounts_table(at)["eve@example.fr"]["Nom"] == HOSTILE_NAME  # a table: text


@pytest.mark.parametrize("role", ["user", "creator", "reviewer"])
def test_nobody_but_an_administrator_reaches_the_page(role: str) -> None:
    at = open_app("bob@example.fr", role=role)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE).run()
    assert "Personnes et équipes" not in [t.value for t in at.title]


def test_the_workspace_refuses_a_non_administrator_whatever_page_asks() -> None:
    catalogue = open_catalogue()
    enrol(catalogue, "bob@example.fr", role="creator")
    people = Workspace("bob@example.fr", catalogue).people
    with pytest.raises(Refused):
        people.add_account("mallory@example.fr", role="admin")
    with pytest.raises(Refused):
        people.set_role("bob@example.fr", "admin")
    with pytest.raises(Refused):
        people.list_accounts()
    assert catalogue.get_account("bob@example.fr").role == "creator"
