"""The administration's "Modèles" tab (add, test the connection, turn off, remove) and the
editor's model picker, driven with ``AppTest`` against a loopback OpenAI-compatible server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openai_server import (
    OpenAiServer,
    openai_server_fixture,  # noqa: F401 (the `openai_server` fixture)
)
from people import organisation
from streamlit.testing.v1 import AppTest
from web_driver import signed_in

from builder_ui.services import models_admin
from builder_ui.web import state
from store.admin_settings import installation_secret_resolver, load_admin_settings
from store.secrets import open_secret_store

APP = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
TIMEOUT_S = 60
KEY = "sk-page-cle-5566778899"


def start(page: str) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def everything(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "success", "error", "info", "warning"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for widget in at.text_input:
        parts.append(str(widget.label))
        if widget.key != state.ADMIN_MODEL_KEY:
            parts.append(str(widget.value))
    return "\n".join(parts).replace("\\", "")  # Markdown's escapes: the text as read


def fill(at: AppTest, url: str, key: str = KEY) -> None:
    at.text_input(key=state.ADMIN_MODEL_DISPLAY).input("Albert (État)")
    at.text_input(key=state.ADMIN_MODEL_ID).input("albert")
    at.selectbox(key=state.ADMIN_MODEL_PROVIDER).set_value("openai")
    at.text_input(key=state.ADMIN_MODEL_NAME).input("albert-large")
    at.text_input(key=state.ADMIN_MODEL_URL).input(url)
    at.text_input(key=state.ADMIN_MODEL_KEY).input(key)
    at.number_input(key=state.ADMIN_MODEL_PRICE_IN).set_value(0.5)
    at.number_input(key=state.ADMIN_MODEL_PRICE_OUT).set_value(1.5)
    at.multiselect(key=state.ADMIN_MODEL_ROLES).select("creator")
    at.text_input(key=state.ADMIN_MODEL_TEAMS).input("RH, Com")
    at.checkbox(key=state.ADMIN_MODEL_SELF_HOSTED).check()


def test_admin_adds_tests_disables_and_removes_a_model(openai_server: OpenAiServer) -> None:
    at = start("views/admin.py")
    assert "Modèles" in [t.label for t in at.tabs]
    assert any("n'a ajouté aucun modèle" in c.value for c in at.caption)

    fill(at, openai_server.url)
    at.button(key=state.ADMIN_MODEL_ADD).click().run()
    assert not at.exception, at.exception
    assert "Modèle « Albert (État) » ajouté." in [s.value for s in at.success]
    [model] = load_admin_settings().models
    assert (model.id, model.ref) == ("albert", "openai:albert-large")
    assert model.base_url == openai_server.url
    assert (model.price_in, model.price_out, model.self_hosted) == (0.5, 1.5, True)
    assert (model.roles, model.teams) == (["creator"], ["RH", "Com"])
    assert model.credential == "model-albert"
    assert installation_secret_resolver()("model-albert") == KEY
    stored = open_secret_store().setting("admin")
    assert stored is not None and KEY not in stored.value
    # the form is emptied, the key field is a password field, the key appears nowhere
    assert at.text_input(key=state.ADMIN_MODEL_KEY).value == ""
    assert at.text_input(key=state.ADMIN_MODEL_KEY).proto.type == 1  # PASSWORD
    text = everything(at)
    assert KEY not in text
    assert "**Albert (État)** — activé" in text
    assert "Créateur ; équipes : RH, Com" in text and "sur nos machines" in text

    at.button(key=state.admin_model_test_key("albert")).click().run()
    assert not at.exception, at.exception
    assert any("Connexion réussie : « Albert (État) »" in s.value for s in at.success)
    assert openai_server.authorizations == [f"Bearer {KEY}"]

    openai_server.reply = "401"
    at.button(key=state.admin_model_test_key("albert")).click().run()
    assert any("refuse la clé (HTTP 401)" in e.value for e in at.error)
    openai_server.reply = "404"
    at.button(key=state.admin_model_test_key("albert")).click().run()
    assert any("ne connaît pas le modèle « albert-large »" in e.value for e in at.error)
    assert "Traceback" not in everything(at)

    at.button(key=state.admin_model_toggle_key("albert")).click().run()
    assert load_admin_settings().models[0].enabled is False

    at.button(key=state.admin_model_delete_key("albert")).click().run()
    assert any("Retirer le modèle « Albert (État) »" in w.value for w in at.warning)
    assert len(load_admin_settings().models) == 1
    at.button(key=state.ADMIN_CONFIRM_YES).click().run()
    assert not at.exception, at.exception
    assert "Modèle « Albert (État) » retiré." in [s.value for s in at.success]
    assert load_admin_settings().models == []


def test_a_bad_model_names_its_field_and_keeps_the_form() -> None:
    at = start("views/admin.py")
    fill(at, "ftp://albert.example.org")
    at.button(key=state.ADMIN_MODEL_ADD).click().run()
    assert not at.exception, at.exception
    problems = "\n".join(e.value for e in at.error)
    assert "Adresse du serveur" in problems and "ftp://albert.example.org" in problems
    assert KEY not in problems
    assert at.text_input(key=state.ADMIN_MODEL_URL).value == "ftp://albert.example.org"
    assert load_admin_settings().models == []
    assert open_secret_store().list("_installation") == [], "no key stored for a refused model"


@pytest.fixture
def models() -> None:
    org = organisation()

    def add(*args: Any, **kwargs: Any) -> None:
        models_admin.add_model(org, *args, **kwargs)

    add("open", provider="openai", name="ouvert", display_name="Modèle ouvert à tous",
        base_url="http://127.0.0.1:9/v1")  # fmt: skip
    add("admins", provider="openai", name="admins", display_name="Réservé aux admins",
        base_url="http://127.0.0.1:9/v1", roles=["admin"])  # fmt: skip
    add("rh", provider="openai", name="rh", display_name="Réservé à l'équipe RH",
        base_url="http://127.0.0.1:9/v1", teams=["RH"])  # fmt: skip
    add("off", provider="openai", name="off", display_name="Éteint",
        base_url="http://127.0.0.1:9/v1", enabled=False)  # fmt: skip


def test_the_editor_offers_exactly_the_models_the_person_may_use(models: None) -> None:
    at = start("views/editor.py")
    options = at.selectbox(key=state.W_MODEL).options
    assert "Modèle ouvert à tous" in options and "Réservé aux admins" in options
    assert "Réservé à l'équipe RH" not in options, "not in the team"
    assert "Éteint" not in options
    assert not any("Demandez à un administrateur" in c.value for c in at.caption)


def test_the_editor_says_whom_to_ask_when_no_model_is_open() -> None:
    at = start("views/editor.py")
    assert any(
        "Aucun modèle de langage ne vous est ouvert" in c.value
        and "Demandez à un administrateur" in c.value
        for c in at.caption
    )
