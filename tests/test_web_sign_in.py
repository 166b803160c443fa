"""Signing in to the builder (``streamlit.testing``): nobody reaches a page before signing in,
the first administrator comes from the one-time set-up link, an invitation sets a password,
wrong passwords are refused in words, a disabled account loses its open session at its next
click, and signing out ends the session for real."""

from __future__ import annotations

from datetime import timedelta

import pytest
from people import enrol
from streamlit.testing.v1 import AppTest
from web_driver import APP, TIMEOUT_S, open_app

from store.sql_catalogue import open_catalogue

PASSWORD = "une phrase de passe assez longue"


def app(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def texts(at: AppTest) -> str:
    parts = (
        [m.value for m in at.markdown] + [e.value for e in at.error] + [i.value for i in at.info]
    )
    parts += [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [h.value for h in at.subheader]
    return "\n".join(str(p) for p in parts)


def field(at: AppTest, label: str):
    return next(w for w in at.text_input if w.label == label)


def submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def sign_in(at: AppTest, login: str, password: str) -> AppTest:
    field(at, "Adresse électronique").input(login)
    field(at, "Mot de passe").input(password)
    return submit(at, "Se connecter")


def with_password(login: str, role: str = "creator") -> None:
    catalogue = open_catalogue()
    enrol(catalogue, login, role=role)  # type: ignore[arg-type]
    catalogue.sign_in.set_password(login, PASSWORD)
    catalogue.close()


def test_nobody_reaches_a_page_before_signing_in_and_learns_where_the_setup_link_is() -> None:
    at = app()
    assert not at.exception
    assert "Connexion à Atelier" in texts(at)
    assert "make run" in texts(at)  # no administrator can sign in yet: where to look
    assert not [b for b in at.button if b.label == "Créer un agent"]
    assert not at.sidebar.button  # no sign-out: nobody is in


def test_the_setup_link_creates_the_first_administrator_once() -> None:
    catalogue = open_catalogue()
    link = catalogue.sign_in.create_link("", "setup", timedelta(hours=1))
    at = app(setup=link.token)
    assert "premier compte administrateur" in texts(at)
    field(at, "Adresse électronique").input("claire@example.fr")
    field(at, "Nom affiché").input("Claire Martin")
    field(at, "Nouveau mot de passe").input(PASSWORD)
    field(at, "Confirmez le mot de passe").input(PASSWORD + " oups")
    at = submit(at, "Créer le compte et se connecter")
    assert "ne sont pas identiques" in texts(at)
    field(at, "Confirmez le mot de passe").input(PASSWORD)
    at = submit(at, "Créer le compte et se connecter")
    assert not at.exception
    assert "Claire Martin" in texts(at) and "administrateur" in texts(at)
    assert catalogue.get_account("claire@example.fr").role == "admin"
    again = app(setup=link.token)
    assert "n'est plus valable" in texts(again)


def test_a_wrong_password_is_refused_in_words_and_the_right_one_signs_in() -> None:
    with_password("bob@example.fr")
    at = sign_in(app(), "bob@example.fr", "pas le bon mot de passe")
    assert "adresse ou mot de passe incorrect" in texts(at)
    at = sign_in(at, "Bob@Example.fr", PASSWORD)
    assert not at.exception
    assert "bob@example.fr" in texts(at) and "créateur" in texts(at)
    assert [b for b in at.sidebar.button if b.label == "Se déconnecter"]


def test_an_invitation_link_lets_the_person_choose_a_password() -> None:
    catalogue = open_catalogue()
    enrol(catalogue, "zoe@example.fr", role="user")
    link = catalogue.sign_in.create_link("zoe@example.fr", "invitation", timedelta(days=1))
    at = app(invitation=link.token)
    assert "zoe@example.fr" in texts(at)
    field(at, "Nouveau mot de passe").input(PASSWORD)
    field(at, "Confirmez le mot de passe").input(PASSWORD)
    at = submit(at, "Enregistrer et se connecter")
    assert not at.exception
    assert "Discuter" in texts(at) and "utilisateur" in texts(at)  # a user's first page
    assert catalogue.sign_in.check("zoe@example.fr", PASSWORD) == "zoe@example.fr"


def test_a_disabled_account_loses_its_open_session_at_the_next_click() -> None:
    at = open_app("bob@example.fr", role="creator")
    assert "bob@example.fr" in texts(at)
    catalogue = open_catalogue()
    catalogue.update_account("bob@example.fr", active=False)
    at.run()
    assert not at.exception
    assert "Connexion à Atelier" in texts(at) and "a pris fin" in texts(at)
    catalogue.update_account("bob@example.fr", active=True)
    at.run()
    assert "Connexion à Atelier" in texts(at)  # the session was ended, not paused


def test_signing_out_ends_the_session_for_real() -> None:
    at = open_app("bob@example.fr", role="creator")
    token = at.session_state["atelier.session_token"]
    at = next(b for b in at.sidebar.button if b.label == "Se déconnecter").click().run()
    assert "Vous êtes déconnecté" in texts(at)
    assert open_catalogue().sign_in.session_account(token, timedelta(hours=1)) is None


@pytest.mark.parametrize(
    ("role", "reached"),
    [
        ("user", {"views/chat.py", "views/account.py"}),
        (
            "creator",
            {"views/home.py", "views/chat.py", "views/knowledge.py", "views/account.py"},
        ),
        (
            "admin",
            {"views/home.py", "views/chat.py", "views/knowledge.py", "views/admin.py"}
            | {"views/account.py"},
        ),
    ],
)
def test_the_pages_offered_follow_the_role(role: str, reached: set[str]) -> None:
    titles = {
        "views/home.py": "Vos assistants",
        "views/admin.py": "Administration",
        "views/account.py": "Mon compte",
        "views/chat.py": "Discuter",
        "views/knowledge.py": "Bases de connaissances",
    }
    at = open_app("bob@example.fr", role=role)  # type: ignore[arg-type]
    for page, title in titles.items():
        try:
            at.switch_page(page).run()
        except Exception:
            assert page not in reached
            continue
        assert not at.exception
        shown = title in [t.value for t in at.title]
        assert shown == (page in reached)
