"""The editor's "Versions" section: two versions side by side, field by field, in the person's
words; the instructions as a diff whose lines carry signs; "Restaurer cette version" saves the
version picked as a new version and keeps the preview's conversation. Driven with ``AppTest``;
the store read back through ``Services.open()``."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from web_driver import signed_in

from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.state.keys import VERSIONS_FIRST, VERSIONS_RESTORE, VERSIONS_SECOND

APP = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
TIMEOUT_S = 60

V1 = """\
schema: atelier/agent@1
name: Guichet
instructions: |
  Tu réponds aux usagers.
  Tu restes poli.
tools:
  - id: current_datetime
    config:
      timezone: Europe/Paris
"""
V2 = (
    V1.replace("Guichet", "Accueil")
    .replace("Tu restes poli.", "Tu vouvoies.")
    .replace("Europe/Paris", "Europe/London")
)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def make_agent() -> str:
    services = Services.open()
    agent = services.save_agent(None, AgentSpec.from_yaml(V1), "premier").record.agent_id
    services.save_agent(agent, AgentSpec.from_yaml(V2), "second")
    return agent


def open_editor(agent: str) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S))
    run(at)
    run(at.switch_page("views/home.py"))
    at.button(key=state.home_open_key(agent)).click()
    run(at)
    at.switch_page("views/editor.py")
    return run(at)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [c.value for c in at.code] + [i.value for i in at.info]
    parts += [s.value for s in at.success] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


def test_two_versions_side_by_side_in_words() -> None:
    at = open_editor(make_agent())
    first, second = at.selectbox(key=VERSIONS_FIRST), at.selectbox(key=VERSIONS_SECOND)
    assert (first.value, second.value) == (1, 2)  # the one before the latest, and the latest
    assert first.label == "Version" and second.label == "Comparée à"
    shown = texts(at)
    assert "**Nom**" in shown and "Guichet" in shown and "Accueil" in shown
    assert "Outils › Date et heure › Fuseau horaire" in shown
    assert "Europe/London" in shown
    assert "tools[" not in shown and "config.timezone" not in shown
    diff = [c.value for c in at.code if "Tu vouvoies." in c.value]
    assert diff == ["  Tu réponds aux usagers.\n- Tu restes poli.\n+ Tu vouvoies."]
    assert "« + » marque une ligne ajoutée" in shown  # the signs are said, not only coloured
    headers = [c.value for c in at.caption if c.value.startswith("Version ")]
    assert headers[:2] == ["Version 1", "Version 2"]  # each column says which version it shows


def test_the_same_version_twice_is_said_identical() -> None:
    at = open_editor(make_agent())
    at.selectbox(key=VERSIONS_FIRST).select(2)
    run(at)
    assert "Les versions 2 et 2 sont identiques." in texts(at)


def test_restore_saves_a_new_version_and_keeps_the_preview_conversation() -> None:
    agent = make_agent()
    at = open_editor(agent)
    at.chat_input(key=state.CHAT_INPUT).set_value("Bonjour").run()
    assert not at.exception, at.exception
    thread = at.session_state[state.PREVIEW_TOKEN]
    assert "Bonjour" in texts(at)

    restore = at.button(key=VERSIONS_RESTORE)
    assert restore.label == "Restaurer cette version (1)"
    restore.click()
    run(at)
    assert "Version 1 restaurée : elle est enregistrée comme version 3." in texts(at)
    services = Services.open()
    assert [v.number for v in services.versions(agent)] == [3, 2, 1]
    assert services.version(agent).message == "Restauration de la version 1"
    assert services.version(agent).spec.to_data() == AgentSpec.from_yaml(V1).to_data()
    assert at.text_input(key=state.W_NAME).value == "Guichet"  # the editor shows it
    assert "version 3" in texts(at).lower()
    assert at.session_state[state.PREVIEW_TOKEN] == thread  # the conversation under test
    assert "Bonjour" in texts(at)
    # the pickers now offer the new version: 2 against 3
    assert (at.selectbox(key=VERSIONS_FIRST).value, at.selectbox(key=VERSIONS_SECOND).value) == (
        2,
        3,
    )


def test_restoring_the_latest_version_writes_nothing_and_says_so() -> None:
    agent = make_agent()
    at = open_editor(agent)
    at.selectbox(key=VERSIONS_FIRST).select(2)
    run(at)
    at.button(key=VERSIONS_RESTORE).click()
    run(at)
    assert "La version 2 est identique à la dernière version (2)" in texts(at)
    assert [v.number for v in Services.open().versions(agent)] == [2, 1]


def test_restore_waits_while_edits_are_unsaved() -> None:
    agent = make_agent()
    at = open_editor(agent)
    at.text_area(key=state.W_INSTRUCTIONS).input("Une modification en cours.")
    run(at)
    assert at.button(key=VERSIONS_RESTORE).disabled
    assert "enregistrez-les ou abandonnez-les avant de restaurer" in texts(at)
    assert at.text_area(key=state.W_INSTRUCTIONS).value == "Une modification en cours."
    assert [v.number for v in Services.open().versions(agent)] == [2, 1]


def test_one_version_has_nothing_to_compare() -> None:
    services = Services.open()
    agent = services.save_agent(None, AgentSpec.from_yaml(V1)).record.agent_id
    at = open_editor(agent)
    assert "Une seule version pour l'instant" in texts(at)
    assert not [b for b in at.button if b.key == VERSIONS_RESTORE]
