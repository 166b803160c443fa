"""Retention in the builder (issue 11, item 6): the administrator sets it in "Conservation des
données"; a person is told when their conversations and files will be erased (in the list of
conversations, above the conversation shown, beside an attached file, in "Mes données")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from people import enrol
from streamlit.testing.v1 import AppTest
from web_driver import open_app

from agents.spec import AgentSpec, ModelSettings
from builder_ui.services.installation import Installation, Services
from builder_ui.web.panels.retention import long_date
from builder_ui.web.state import keys
from store.admin_settings import load_admin_settings
from store.knowledge.service import close_knowledge_stores
from store.secrets import close_secret_stores

ADMIN = "views/admin.py"
CHAT = "views/chat.py"
ACCOUNT = "views/account.py"


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(installation._catalogue, "ada", role="admin")
    yield installation
    close_knowledge_stores()
    close_secret_stores()


def page(login: str, role: str, view: str) -> AppTest:
    at = open_app(login, role)  # type: ignore[arg-type]
    assert not at.exception, at.exception
    at.switch_page(view).run()
    assert not at.exception, at.exception
    return at


def test_long_dates_in_both_languages() -> None:
    from datetime import date

    assert long_date(date(2027, 3, 3), "fr") == "3 mars 2027"
    assert long_date(date(2027, 3, 3), "en") == "3 March 2027"


def test_the_administrator_sets_it_on_the_page_and_erases_now(shared: Installation) -> None:
    at = page("ada", "admin", ADMIN)
    assert "Conservation des données" in [t.label for t in at.tabs]
    at.number_input(key=keys.RETENTION_CONVERSATIONS).set_value(90)
    at.number_input(key=keys.RETENTION_UPLOADS).set_value(30)
    at.button(key=keys.RETENTION_SAVE).click().run()
    assert not at.exception, at.exception
    assert any("Durées de conservation enregistrées" in str(s.value) for s in at.success)
    rules = load_admin_settings().retention
    assert rules.model_dump() == {"conversations_days": 90, "drafts_days": None, "uploads_days": 30}
    assert at.number_input(key=keys.RETENTION_CONVERSATIONS).value == 90

    at.button(key=keys.RETENTION_APPLY).click().run()
    assert not at.exception, at.exception
    assert any("Rien n'avait dépassé" in str(i.value) for i in at.info)
    ada = Services.open("ada", shared=shared)
    assert ada.workspace.audit.entries(action="retention.applied")[0].actor == "ada"

    at.number_input(key=keys.RETENTION_UPLOADS).set_value(None)  # empty: kept until deleted
    at.button(key=keys.RETENTION_SAVE).click().run()
    assert load_admin_settings().retention.uploads_days is None


def test_a_person_sees_when_their_conversation_and_file_go(shared: Installation) -> None:
    Services.open("ada", shared=shared).set_retention(90, None, 30)
    enrol(shared._catalogue, "carla", role="creator")
    carla = Services.open("carla", shared=shared)
    spec = AgentSpec(
        name="Assistant", instructions="Réponds.", model=ModelSettings(provider="offline", name="")
    )
    agent = carla.create_agent(spec).agent_id
    carla.run(agent, "Bonjour", model="offline")
    (summary,) = carla.conversations()
    day = long_date((summary.last_activity + timedelta(days=90)).astimezone().date(), "fr")

    at = page("carla", "creator", CHAT)
    listed = at.sidebar.button(key=keys.chat_open_key(summary.thread.id))
    assert f"effacée le {day}" in (listed.help or "")
    listed.click().run()
    assert not at.exception, at.exception
    notes = [str(c.value) for c in at.caption]
    assert any(f"Cette conversation sera effacée le {day}" in n for n in notes), notes

    carla.attach_to_conversation(
        summary.thread.id, [("note.md", b"# Note\n\nTexte.\n")], timeout=60
    )
    (document,) = carla.attachments(summary.thread.id)
    file_day = long_date((document.created_at + timedelta(days=30)).astimezone().date(), "fr")
    at.run()
    assert any(f"effacé le {file_day}" in str(c.value) for c in at.caption)


def test_my_data_says_the_rules(shared: Installation) -> None:
    at = page("ada", "admin", ACCOUNT)
    text = "\n".join(str(c.value) for c in at.caption)
    assert "gardés jusqu'à ce que vous les supprimiez" in text
    Services.open("ada", shared=shared).set_retention(90, 365, None)
    at.run()
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert "une conversation est effacée 90 jour(s) après sa dernière activité" in shown
    assert "un brouillon de réponse est effacé 365 jour(s)" in shown
    assert "Fichiers joints et fichiers créés : gardés jusqu'à leur suppression" in shown
