"""The Streamlit builder: pages driven with ``AppTest``, and its pure helpers.

``ATELIER_HOME`` and ``ATELIER_USER`` come from ``conftest.py``; the app opens its ``Services``
from them, and the tests read the store back through ``Services.open()``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field
from streamlit.testing.v1 import AppTest
from web_driver import signed_in

from agents.errors import InvalidSpec
from agents.runtime import Finished, RunResult, Token, ToolCalled, ToolCallRecord, ToolFinished
from agents.spec import AgentSpec
from agents.template_catalogue import list_templates, load_template
from builder_ui.services.agents import export_file_name
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.editor import (
    EditorValues,
    ToolChoice,
    blank_values,
    checked_spec,
    describe_problems,
    preview_model_override,
    preview_values,
    spec_from_values,
    values_from_spec,
)
from builder_ui.web.models.transcript import ChatTurn, EventPump, TextPart, ToolPart, call_summary
from builder_ui.web.panels.forms import (
    config_from_widgets,
    form_fields,
    humanise,
    widget_state,
    widget_value,
)
from tools.clock import ClockConfig

APP = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
TIMEOUT_S = 60

REPLIES_YAML = """\
- tool_calls: [{name: calculator, args: {expression: "6*7"}}]
- text: "6 fois 7 font 42."
"""


# --- helpers -----------------------------------------------------------------------------------


def start() -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run()
    assert not at.exception, at.exception
    return at


def new_agent(at: AppTest) -> AppTest:
    at.button(key=state.HOME_NEW).click().run()
    assert not at.exception, at.exception
    return at


def type_agent(at: AppTest, name: str, instructions: str) -> None:
    at.text_input(key=state.W_NAME).input(name)
    at.text_area(key=state.W_INSTRUCTIONS).input(instructions)


def save(at: AppTest, message: str = "") -> AppTest:
    if message:
        at.text_input(key=message_key(at)).input(message)
    at.button(key=state.SAVE).click().run()
    assert not at.exception, at.exception
    return at


def message_key(at: AppTest) -> str:
    nonce = at.session_state.get(state.MESSAGE_NONCE, 0)
    return f"{state.W_MESSAGE}.{nonce}"


def texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def successes(at: AppTest) -> list[str]:
    return [s.value for s in at.success]


def stored() -> Services:
    return Services.open()


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    replies = tmp_path / "replies.yaml"
    replies.write_text(REPLIES_YAML, "utf-8")
    monkeypatch.setenv("ATELIER_PREVIEW_MODEL", f"scripted:{replies}")
    return replies


# --- pages -------------------------------------------------------------------------------------


def test_home_renders_with_no_agents() -> None:
    at = start()
    assert [t.value for t in at.title] == ["Vos assistants"]
    assert any("pas encore d'agent" in i.value for i in at.info)
    template_buttons = [b for b in at.button if b.label == "Utiliser ce modèle"]
    assert len(template_buttons) == len(list_templates())
    assert at.button(key=state.HOME_NEW).label == "Nouvel agent"


def test_home_speaks_english_on_request() -> None:
    at = start()
    at.selectbox(key=state.LANGUAGE_PICKER).select("en").run()
    assert [t.value for t in at.title] == ["Your assistants"]
    assert at.button(key=state.HOME_NEW).label == "New agent"


def _shown_text(at: AppTest) -> list[str]:
    shown: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "success", "error", "info"):
        shown += [str(e.value) for e in getattr(at, kind)]
    for kind in ("text_input", "text_area", "selectbox", "checkbox", "button", "number_input"):
        shown += [str(getattr(w, "label", "")) for w in getattr(at, kind)]
    shown += [str(w.help or "") for w in at.text_area] + [s.label for s in at.status]
    shown += [e.label for e in at.expander]
    return shown


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_message_of_the_editor_is_translated(lang: str) -> None:
    at = start()
    at.selectbox(key=state.LANGUAGE_PICKER).select(lang).run()
    at.button(key=state.home_template_key("hr-assistant")).click().run()
    save(at)
    shown = _shown_text(at)
    assert ("Save" if lang == "en" else "Enregistrer") in shown  # the choice outlived the switch
    assert [text for text in shown if "ui." in text] == []


def test_switching_language_in_the_editor_keeps_the_draft() -> None:
    at = new_agent(start())
    type_agent(at, "Guichet", "Tu accueilles.")
    at.checkbox(key=state.w_tool_on("calculator")).check().run()
    at.selectbox(key=state.w_tool_approval("calculator")).select("always_ask").run()
    at.selectbox(key=state.LANGUAGE_PICKER).select("en").run()
    assert at.button(key=state.SAVE).label == "Save"
    assert at.selectbox(key=state.w_tool_approval("calculator")).value == "always_ask"
    assert at.text_input(key=state.W_NAME).value == "Guichet"
    save(at)
    agent = stored().list_agents()[0]
    assert stored().version(agent.id).spec.tools[0].approval == "always_ask"


def test_both_languages_have_the_same_interface_messages() -> None:
    root = Path(__file__).resolve().parents[1] / "agents" / "locales"
    fr = yaml.safe_load((root / "fr" / "ui.yaml").read_text("utf-8"))
    en = yaml.safe_load((root / "en" / "ui.yaml").read_text("utf-8"))
    assert set(fr) == set(en)


def test_name_and_instructions_save_version_1_then_2() -> None:
    at = new_agent(start())
    type_agent(at, "Assistant courrier", "Tu aides à rédiger des courriers.")
    at.checkbox(key=state.w_tool_on("calculator")).check()
    save(at)
    assert "Version 1 enregistrée." in successes(at)

    agents = stored().list_agents()
    assert [a.name for a in agents] == ["Assistant courrier"]
    record = stored().version(agents[0].id)
    assert record.number == 1
    assert record.author == "alice"
    assert record.spec.instructions == "Tu aides à rédiger des courriers."
    assert [t.id for t in record.spec.tools] == ["calculator"]

    at.text_area(key=state.W_INSTRUCTIONS).input("Tu rédiges des courriers formels.")
    save(at, "plus formel")
    assert "Version 2 enregistrée." in successes(at)
    versions = stored().versions(agents[0].id)
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].message == "plus formel"
    assert versions[0].spec.instructions == "Tu rédiges des courriers formels."
    assert len(stored().list_agents()) == 1  # a new version, not a new agent
    # the version note is emptied for the next save
    assert at.text_input(key=message_key(at)).value == ""


def test_invalid_name_shows_the_field_and_keeps_what_was_typed() -> None:
    at = new_agent(start())
    type_agent(at, "   ", "Des instructions longues à retaper.")
    at.text_area(key=state.W_STARTERS).input("Bonjour\nQue sais-tu faire ?")
    save(at)
    message = errors(at)
    assert "`name`" not in message and "**Nom**" in message and "au moins 1" in message
    assert at.text_area(key=state.W_INSTRUCTIONS).value == "Des instructions longues à retaper."
    assert at.text_area(key=state.W_STARTERS).value == "Bonjour\nQue sais-tu faire ?"
    assert stored().list_agents() == []

    # fixing the field clears the message and the save goes through
    at.text_input(key=state.W_NAME).input("Accueil").run()
    assert not at.error
    save(at)
    assert "Version 1 enregistrée." in successes(at)


def test_invalid_tool_config_names_the_tool_field() -> None:
    at = new_agent(start())
    type_agent(at, "Horloge", "Tu donnes l'heure.")
    at.checkbox(key=state.w_tool_on("current_datetime")).check().run()
    timezone = state.w_tool_config("current_datetime") + "timezone"
    assert at.text_input(key=timezone).label == "Fuseau horaire"
    at.text_input(key=timezone).input("Mars/Olympus")
    save(at)
    message = errors(at)
    assert "tools[0]" not in message  # the place in the form's words, not the spec's path
    assert "Date et heure › Fuseau horaire" in message and "Mars/Olympus" in message
    assert at.text_input(key=timezone).value == "Mars/Olympus"
    assert stored().list_agents() == []


def test_template_creates_an_editor_state_and_saves_all_of_it() -> None:
    at = start()
    at.button(key=state.home_template_key("hr-assistant")).click().run()
    assert not at.exception
    template = load_template("hr-assistant")
    assert at.text_input(key=state.W_NAME).value == template.name
    assert at.text_area(key=state.W_INSTRUCTIONS).value == template.instructions
    for use in template.tools:
        assert at.checkbox(key=state.w_tool_on(use.id)).value is True
    assert stored().list_agents() == []  # a draft until saved

    save(at)
    agent = stored().list_agents()[0]
    saved = stored().version(agent.id).spec
    assert saved == template  # oversight, guardrails, opening form and tests kept


def test_open_an_agent_and_load_an_older_version() -> None:
    at = new_agent(start())
    type_agent(at, "Premier nom", "Version une.")
    save(at)
    at.text_input(key=state.W_NAME).input("Second nom")
    save(at)

    at.switch_page("views/home.py").run()
    agent = stored().list_agents()[0]
    assert any("Second nom" in text for text in texts(at))
    at.button(key=state.home_open_key(agent.id)).click().run()
    assert at.text_input(key=state.W_NAME).value == "Second nom"
    # AppTest keeps the page it was told to show: follow the app's own switch to the editor.
    at.switch_page("views/editor.py")

    at.button(key=state.version_load_key(1)).click().run()
    assert at.text_input(key=state.W_NAME).value == "Premier nom"
    assert "Version 1 chargée dans l'éditeur." in successes(at)
    save(at)
    assert [v.number for v in stored().versions(agent.id)] == [3, 2, 1]
    assert stored().version(agent.id).spec.name == "Premier nom"


def test_typed_values_survive_a_trip_to_the_home_page() -> None:
    at = new_agent(start())
    type_agent(at, "Brouillon", "À ne pas perdre.")
    at.run()
    at.switch_page("views/home.py").run()
    at.switch_page("views/editor.py").run()
    assert at.text_input(key=state.W_NAME).value == "Brouillon"
    assert at.text_area(key=state.W_INSTRUCTIONS).value == "À ne pas perdre."


def test_preview_shows_the_tool_call_and_the_answer_and_survives_save(scripted: Path) -> None:
    at = new_agent(start())
    type_agent(at, "Calculette", "Tu calcules avec la calculatrice.")
    at.checkbox(key=state.w_tool_on("calculator")).check().run()
    at.chat_input(key=state.CHAT_INPUT).set_value("Combien font 6 fois 7 ?").run()
    assert not at.exception, at.exception

    def shows_conversation() -> None:
        assert "Combien font 6 fois 7 ?" in texts(at)
        assert "6 fois 7 font 42." in texts(at)
        labels = [s.label for s in at.status]
        assert any("Calculatrice" in label and "6\\*7" in label for label in labels), labels
        assert {"expression": "6*7", "result": 42} in [json.loads(j.value) for j in at.json]

    shows_conversation()
    thread = at.session_state[state.PREVIEW_TOKEN]
    save(at)
    assert "Version 1 enregistrée." in successes(at)
    shows_conversation()
    assert at.session_state[state.PREVIEW_TOKEN] == thread

    at.button(key=state.NEW_CONVERSATION).click().run()
    assert "6 fois 7 font 42." not in texts(at)
    assert at.session_state[state.PREVIEW_TOKEN] != thread


def test_conversation_starter_buttons_send_the_starter(scripted: Path) -> None:
    at = new_agent(start())
    type_agent(at, "Calculette", "Tu calcules.")
    at.text_area(key=state.W_STARTERS).input("Combien font 6 fois 7 ?")
    at.checkbox(key=state.w_tool_on("calculator")).check().run()
    at.button(key=state.starter_key(0)).click().run()
    assert not at.exception, at.exception
    assert "6 fois 7 font 42." in texts(at)


def test_preview_works_before_the_agent_has_a_name() -> None:
    at = new_agent(start())
    at.chat_input(key=state.CHAT_INPUT).set_value("Bonjour").run()
    assert not at.exception, at.exception
    assert any("Aucun modèle de langage" in text for text in texts(at))  # the offline model


def test_preview_reports_a_model_that_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_PREVIEW_MODEL", "scripted:/nowhere/replies.yaml")
    at = new_agent(start())
    type_agent(at, "Test", "Test.")
    at.chat_input(key=state.CHAT_INPUT).set_value("Bonjour").run()
    assert not at.exception, at.exception
    assert any("/nowhere/replies.yaml" in text for text in texts(at))
    assert any("Réponse impossible" in w.value for w in at.warning)


# --- forms -------------------------------------------------------------------------------------


class SampleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tone: Literal["formel", "amical"] = "formel"
    max_results: int = Field(default=5, ge=1, le=20)
    ratio: float = 0.5
    strict: bool = False
    keywords: list[str] = Field(default_factory=list)
    signature: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    endpoint: str = Field(title="Adresse du service", description="URL complète")


def test_form_fields_follow_the_config_model() -> None:
    fields = {f.name: f for f in form_fields(SampleConfig)}
    assert {n: f.kind for n, f in fields.items()} == {
        "tone": "choice",
        "max_results": "integer",
        "ratio": "number",
        "strict": "boolean",
        "keywords": "lines",
        "signature": "text",
        "headers": "json",
        "endpoint": "text",
    }
    assert fields["tone"].options == ("formel", "amical")
    assert (fields["max_results"].minimum, fields["max_results"].maximum) == (1, 20)
    assert fields["signature"].optional
    assert fields["endpoint"].required and fields["endpoint"].label == "Adresse du service"
    assert fields["endpoint"].help == "URL complète"
    assert fields["max_results"].label == "Max results" == humanise("max_results")


def test_form_values_round_trip_and_leave_defaults_out() -> None:
    fields = form_fields(SampleConfig)
    config = {"keywords": ["impôts", "taxe"], "max_results": 7, "endpoint": "https://x.fr"}
    widgets = widget_state(fields, "p.", config)
    assert widgets["p.keywords"] == "impôts\ntaxe"
    assert widgets["p.tone"] == "formel"
    assert widgets["p.signature"] == ""
    raw = {key.removeprefix("p."): value for key, value in widgets.items()}
    assert config_from_widgets(fields, raw) == config
    SampleConfig.model_validate(config_from_widgets(fields, raw))


def test_form_keeps_a_default_that_was_set_explicitly() -> None:
    fields = form_fields(ClockConfig)
    raw = {"timezone": "Europe/Paris"}
    assert config_from_widgets(fields, raw) == {}
    assert config_from_widgets(fields, raw, previous={"timezone": "Europe/Paris"}) == raw


def test_form_keeps_unparsable_text_for_the_check_to_report() -> None:
    fields = {f.name: f for f in form_fields(SampleConfig)}
    raw = {"headers": "{pas du json", "keywords": "  a \n\n b ", "endpoint": "u"}
    config = config_from_widgets(list(fields.values()), raw)
    assert config["headers"] == "{pas du json"
    assert config["keywords"] == ["a", "b"]
    assert widget_value(fields["headers"], config) == "{pas du json"


def test_clock_config_form_is_a_time_zone_text() -> None:
    (field,) = form_fields(ClockConfig)
    assert (field.name, field.kind, field.default) == ("timezone", "text", "Europe/Paris")


# --- editor model ------------------------------------------------------------------------------


@pytest.mark.parametrize(("template_id", "spec"), list_templates())
def test_every_template_round_trips_through_the_form(template_id: str, spec: AgentSpec) -> None:
    values = values_from_spec(spec, ["calculator", "current_datetime"])
    assert spec_from_values(values) == spec


def test_model_choice_and_settings_make_the_model_section() -> None:
    values = EditorValues(name="A", model="mistral:mistral-small-latest", temperature=0.7)
    spec = spec_from_values(values)
    assert spec.model is not None
    assert (spec.model.provider, spec.model.name, spec.model.temperature) == (
        "mistral",
        "mistral-small-latest",
        0.7,
    )
    assert spec.model.max_tokens is None
    assert spec_from_values(EditorValues(name="A", temperature=1.5)).model is None
    back = values_from_spec(spec)
    assert (back.model, back.temperature) == ("mistral:mistral-small-latest", 0.7)


def test_form_values_become_a_tidy_spec() -> None:
    values = blank_values(["calculator", "current_datetime"])
    values.name = "  Guichet  "
    values.icon = " "
    values.starters = "Bonjour\n\n  Horaires ?  \n"
    reunion = {"timezone": "Indian/Reunion"}
    values.tools["current_datetime"] = ToolChoice(True, "always_ask", reunion)
    spec = spec_from_values(values)
    assert spec.name == "Guichet"
    assert spec.icon == "🤖"
    assert spec.conversation_starters == ["Bonjour", "Horaires ?"]
    assert [(t.id, t.approval, t.config) for t in spec.tools] == [
        ("current_datetime", "always_ask", {"timezone": "Indian/Reunion"})
    ]


def test_problems_name_the_place_in_the_form_and_the_path() -> None:
    values = blank_values(["calculator", "current_datetime"])
    values.starters = "\n".join(f"question {i}" for i in range(9))
    with pytest.raises(InvalidSpec) as caught:
        spec_from_values(values)
    found = describe_problems(caught.value, values, lambda key: f"<{key}>", str.upper)
    paths = {p.path: p.label for p in found}
    assert paths["name"] == "<ui.field.name>"
    assert paths["conversation_starters"] == "<ui.field.starters>"

    values.name = "Horloge"
    values.starters = ""
    values.tools["current_datetime"] = ToolChoice(True, config={"timezone": "Mars/Olympus"})
    services = Services.open()
    spec, found = checked_spec(values, services.check, lambda key: f"<{key}>", str.upper)
    assert spec is None
    assert [(p.path, p.label) for p in found] == [
        (
            "tools[0].config.timezone",
            "<ui.field.tools> › CURRENT_DATETIME › <tool.current_datetime.config.timezone>",
        )
    ]
    assert "Mars/Olympus" in found[0].message


def test_problems_of_the_form_and_of_its_tools_come_together() -> None:
    values = blank_values(["current_datetime"])
    values.tools["current_datetime"] = ToolChoice(True, config={"timezone": "Mars/Olympus"})
    spec, found = checked_spec(values, Services.open().check, str, str)
    assert spec is None
    assert [p.path for p in found] == ["name", "tools[0].config.timezone"]


def test_preview_borrows_a_name_and_reads_its_model_override() -> None:
    assert preview_values(EditorValues(), "Nouvel agent").name == "Nouvel agent"
    assert preview_values(EditorValues(name="X"), "Nouvel agent").name == "X"
    env = {"ATELIER_PREVIEW_MODEL": " scripted:r.yaml "}
    assert preview_model_override(env) == "scripted:r.yaml"
    assert preview_model_override({}) is None


def test_export_file_name_is_a_plain_slug() -> None:
    assert export_file_name("Assistant RH – recrutement") == "assistant-rh-recrutement.yaml"
    assert export_file_name("", 3) == "agent-v3.yaml"


# --- transcript and state ----------------------------------------------------------------------


def _events() -> list[Any]:
    call = ToolCallRecord(id="c1", name="calculator", args={"expression": "6*7"})
    done = ToolCallRecord("c1", "calculator", {"expression": "6*7"}, ok=True, result=42)
    result = RunResult(thread="t", answer="6 fois 7 font 42.", model="scripted", outcome="ok")
    return [
        Token("Je calcule. "),
        ToolCalled(call),
        ToolFinished(done),
        Token("6 fois 7 "),
        Token("font 42."),
        Finished(result),
    ]


def test_event_pump_splits_text_around_tool_calls() -> None:
    turn = ChatTurn("assistant")
    pump = EventPump(iter(_events()), turn)
    pieces = []
    while not pump.done:
        pieces.append(("".join(pump.texts()), type(pump.last).__name__))
    assert pieces == [
        ("Je calcule. ", "ToolCalled"),
        ("", "ToolFinished"),
        ("6 fois 7 font 42.", "Finished"),
    ]
    assert [type(p) for p in turn.parts] == [TextPart, ToolPart, TextPart]
    tool = turn.tool("c1")
    assert tool is not None and (tool.ok, tool.result) == (True, 42)
    assert turn.text == "Je calcule. 6 fois 7 font 42."
    assert turn.outcome == "ok"


def test_call_summary_is_short() -> None:
    assert call_summary({"expression": "6*7"}) == "expression: 6*7"
    assert call_summary({}) == ""
    assert len(call_summary({"texte": "x" * 500})) == 60


def test_widget_state_seeding_and_dropping() -> None:
    services = Services.open()
    tools = services.tools.all()
    values = blank_values([t.id for t in tools])
    values.name = "Nom"
    values.tools["current_datetime"] = ToolChoice(True, "never_ask", {"timezone": "UTC"})
    wanted = state.editor_widget_state(values, tools)
    session: dict[str, Any] = {state.W_NAME: "déjà tapé", "autre": 1}
    state.seed_missing(session, wanted)
    assert session[state.W_NAME] == "déjà tapé"  # never overwrite what is on screen
    assert session[state.w_tool_on("current_datetime")] is True
    assert session[state.w_tool_approval("current_datetime")] == "never_ask"
    assert session[state.w_tool_config("current_datetime") + "timezone"] == "UTC"
    state.drop_editor_widgets(session)
    assert session == {"autre": 1}


def test_the_editor_says_which_settings_have_no_effect_yet() -> None:
    at = start()
    at.button(key=state.home_template_key("citizen-reply")).click().run()
    notice = [i.value for i in at.info if "sans effet pour l'instant" in i.value]
    assert notice, [i.value for i in at.info]
    assert "tests[" not in notice[0] and "opening_form" not in notice[0]  # words, not paths
    assert "Cas de test" in notice[0]

    at = new_agent(start())
    type_agent(at, "Simple", "Réponds poliment.")
    at.run()
    assert not any("sans effet pour l'instant" in i.value for i in at.info)
