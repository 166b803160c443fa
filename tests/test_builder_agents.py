"""The builder keeps unsaved edits (marker, confirmation before discarding, a draft that survives
a reload), saves a version only when something changed, names the version it exports, and
imports, duplicates and deletes agents. Pages driven with ``AppTest``; the store read back
through ``Services.open()``."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from web_driver import signed_in

from agents.errors import InvalidSpec
from agents.spec import AgentSpec
from agents.template_catalogue import list_templates, load_template
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.agent_files import file_problems, place_in_words

APP = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
TIMEOUT_S = 60
UNSAVED = "Modifications non enregistrées"

AGENT_YAML = """\
schema: atelier/agent@1
name: Calculette
instructions: Tu calcules.
tools:
  - id: calculator
"""


def start() -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run()
    assert not at.exception, at.exception
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return run(at)


def stored() -> Services:
    return Services.open()


def make_agent(name: str = "Calculette", instructions: str = "Tu calcules.") -> str:
    spec = AgentSpec.from_yaml(AGENT_YAML.replace("Calculette", name))
    spec = spec.model_copy(update={"instructions": instructions})
    return stored().save_agent(None, spec).record.agent_id


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def open_agent(at: AppTest, agent_id: str) -> AppTest:
    run(at.switch_page("views/home.py"))
    click(at, state.home_open_key(agent_id))
    at.switch_page("views/editor.py")  # AppTest keeps the page it was told to show
    return run(at)


# --- unsaved changes ----------------------------------------------------------------------------


def test_unsaved_changes_are_marked_until_saved() -> None:
    at = click(start(), state.HOME_NEW)
    assert UNSAVED not in shown(at)
    at.text_input(key=state.W_NAME).input("Guichet")
    run(at)
    assert UNSAVED in shown(at)
    click(at, state.SAVE)
    assert "Version 1 enregistrée." in shown(at)
    assert UNSAVED not in shown(at)


def test_an_opened_template_or_agent_has_no_unsaved_changes() -> None:
    agent = make_agent()
    at = start()
    for template_id, _ in list_templates():  # what the widgets read back is what was opened
        run(at.switch_page("views/home.py"))
        click(at, state.home_template_key(template_id))
        at.switch_page("views/editor.py")
        assert UNSAVED not in shown(run(at)), template_id
    at = open_agent(at, agent)
    assert at.text_input(key=state.W_NAME).value == "Calculette"
    assert UNSAVED not in shown(at)


def test_opening_a_template_over_unsaved_changes_asks_first() -> None:
    at = click(start(), state.HOME_NEW)
    at.text_input(key=state.W_NAME).input("À garder")
    run(at)
    run(at.switch_page("views/home.py"))
    click(at, state.home_template_key("hr-assistant"))
    assert "« À garder » a des modifications non enregistrées" in shown(at)
    assert at.button(key=state.CONFIRM_KEEP).label == "Continuer mes modifications"

    click(at, state.CONFIRM_KEEP)
    at.switch_page("views/editor.py")
    run(at)
    assert at.text_input(key=state.W_NAME).value == "À garder"

    run(at.switch_page("views/home.py"))
    click(at, state.home_template_key("hr-assistant"))
    click(at, state.CONFIRM_DISCARD)
    at.switch_page("views/editor.py")
    run(at)
    assert at.text_input(key=state.W_NAME).value == load_template("hr-assistant").name


def test_opening_another_agent_over_unsaved_changes_asks_first() -> None:
    first, second = make_agent("Premier"), make_agent("Second")
    at = open_agent(start(), first)
    at.text_area(key=state.W_INSTRUCTIONS).input("Des heures de travail.")
    run(at)
    run(at.switch_page("views/home.py"))
    click(at, state.home_open_key(second))
    assert "Si vous ouvrez l'agent « Second »" in shown(at)
    click(at, state.CONFIRM_DISCARD)
    at.switch_page("views/editor.py")
    run(at)
    assert at.text_input(key=state.W_NAME).value == "Second"
    assert stored().draft(first) is None  # discarded, as the person chose


def test_loading_an_older_version_over_unsaved_changes_asks_first() -> None:
    agent = make_agent()
    services = stored()
    services.save_agent(agent, services.version(agent).spec.model_copy(update={"name": "V2"}))
    at = open_agent(start(), agent)
    at.text_area(key=state.W_INSTRUCTIONS).input("Modifié.")
    run(at)
    click(at, state.version_load_key(1))
    assert "Si vous ouvrez la version 1" in shown(at)
    click(at, state.CONFIRM_KEEP)
    assert at.text_area(key=state.W_INSTRUCTIONS).value == "Modifié."
    click(at, state.version_load_key(1))
    click(at, state.CONFIRM_DISCARD)
    assert at.text_input(key=state.W_NAME).value == "Calculette"


def test_a_reload_finds_the_unsaved_edits_of_an_agent() -> None:
    agent = make_agent()
    at = open_agent(start(), agent)
    at.text_area(key=state.W_INSTRUCTIONS).input("Tu calcules en chantant.")
    run(at)
    assert at.query_params.get("agent") in (agent, [agent])

    again = start()  # a reload: a new session, at the editor's address
    again.query_params["agent"] = agent
    run(again.switch_page("views/editor.py"))
    assert again.text_input(key=state.W_NAME).value == "Calculette"
    assert again.text_area(key=state.W_INSTRUCTIONS).value == "Tu calcules en chantant."
    assert "ont été retrouvées" in shown(again) and UNSAVED in shown(again)

    click(again, state.EDITOR_DISCARD)
    assert again.text_area(key=state.W_INSTRUCTIONS).value == "Tu calcules."
    assert UNSAVED not in shown(again)
    assert stored().draft(agent) is None


def test_a_reload_finds_a_new_agent_draft_and_saving_forgets_it() -> None:
    at = click(start(), state.HOME_NEW)
    at.text_input(key=state.W_NAME).input("Pas encore enregistré")
    run(at)

    again = start()  # a reload, on the home page
    assert "brouillon d'agent non enregistré" in shown(again)
    click(again, state.HOME_RESUME)
    again.switch_page("views/editor.py")
    run(again)
    assert again.text_input(key=state.W_NAME).value == "Pas encore enregistré"
    click(again, state.SAVE)
    assert stored().draft(None) is None
    assert [a.name for a in stored().list_agents()] == ["Pas encore enregistré"]


# --- versions and export ------------------------------------------------------------------------


def test_saving_with_nothing_changed_makes_no_new_version() -> None:
    agent = make_agent()
    at = open_agent(start(), agent)
    click(at, state.SAVE)
    assert "Aucun changement : c'est toujours la version 1" in shown(at)
    assert [v.number for v in stored().versions(agent)] == [1]

    at.text_area(key=state.W_INSTRUCTIONS).input("Autre chose.")
    click(at, state.SAVE)
    click(at, state.SAVE)
    assert [v.number for v in stored().versions(agent)] == [2, 1]


def test_export_names_the_version_and_its_file() -> None:
    at = click(start(), state.HOME_NEW)
    assert at.button(key=state.EXPORT).disabled  # nothing saved to export yet
    at.text_input(key=state.W_NAME).input("Calculette")
    click(at, state.SAVE)
    at.text_area(key=state.W_INSTRUCTIONS).input("Deux.")
    click(at, state.SAVE)
    export = at.download_button(key=state.EXPORT)
    assert export.label == "Exporter la version 2"
    assert "calculette-v2.yaml" in str(export.help)


# --- import, duplicate, delete ------------------------------------------------------------------


def test_import_a_spec_file_from_the_home_page() -> None:
    at = start()
    uploader = at.file_uploader(key=state.home_import_file_key(0))
    uploader.set_value(("calculette.yaml", AGENT_YAML.encode(), "application/yaml"))
    run(at)
    click(at, state.HOME_IMPORT)
    assert "Agent « Calculette » importé (version 1)." in shown(at)
    [agent] = stored().list_agents()
    assert stored().version(agent.id).spec == AgentSpec.from_yaml(AGENT_YAML)


def test_a_bad_spec_file_is_refused_in_words() -> None:
    bad = AGENT_YAML + "  - id: current_datetime\n    config: {timezone: Mars/Olympus}\n"
    at = start()
    at.file_uploader(key=state.home_import_file_key(0)).set_value(
        ("horloge.yaml", bad.encode(), "application/yaml")
    )
    run(at)
    click(at, state.HOME_IMPORT)
    message = "\n".join(e.value for e in at.error)
    assert "« horloge.yaml » n'a pas été importé" in message
    assert "Outil n°2, réglage « timezone »" in message and "Mars/Olympus" in message
    assert "tools[" not in message
    assert stored().list_agents() == []


def test_places_in_a_spec_are_said_in_words() -> None:
    def label(key: str, **params: object) -> str:
        return f"<{key}{sorted(params.items()) if params else ''}>"

    assert place_in_words("", label) == "<ui.agents.place.document>"
    assert place_in_words("name", label) == "<ui.field.name>"
    assert place_in_words("tools[3].config.document", label) == (
        "<ui.agents.place.tool[('number', 4)]>, <ui.agents.place.setting[('name', 'document')]>"
    )
    assert place_in_words("tools[0].approval", label).endswith("<ui.agents.place.tool_approval>")
    problems = file_problems(InvalidSpec([("guardrails.max[1]", "non")]), label)
    assert problems[0].where == (
        "<ui.agents.place.field[('name', 'guardrails')]>, "
        "<ui.agents.place.field[('name', 'max')]>, <ui.agents.place.item[('number', 2)]>"
    )


def test_duplicate_makes_a_copy_of_the_latest_version() -> None:
    agent = make_agent()
    at = start()
    click(at, state.home_duplicate_key(agent))
    assert "Agent « Copie de Calculette » créé" in shown(at)
    copy = next(a for a in stored().list_agents() if a.id != agent)
    assert copy.name == "Copie de Calculette"
    original, duplicated = stored().version(agent).spec, stored().version(copy.id).spec
    assert duplicated.model_copy(update={"name": "Calculette"}) == original


def test_delete_asks_naming_what_is_erased() -> None:
    agent = make_agent()
    stored().workspace.start_thread(agent, "une conversation")
    at = start()
    click(at, state.home_delete_key(agent))
    warning = shown(at)
    assert "Supprimer définitivement l'agent « Calculette »" in warning
    assert "1 version(s)" in warning and "1 conversation(s)" in warning
    click(at, state.HOME_DELETE_NO)
    assert len(stored().list_agents()) == 1

    stored().keep_draft(agent, 1, {"name": "brouillon"})
    click(at, state.home_delete_key(agent))
    click(at, state.HOME_DELETE_YES)
    assert "Agent « Calculette » supprimé" in shown(at)
    assert stored().list_agents() == []
    assert stored().draft(agent) is None  # its unsaved draft is erased with it
