"""Human approval in the builder: the preview's approval card (approve, edit, reject), the editor's
approval policy and "Tester l'outil", and the pure helpers behind them.

The preview's model is scripted (``ATELIER_PREVIEW_MODEL``); the agent asks for the built-in
calculator with ``approval: always_ask``, so a harmless tool pauses the run like one with effects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field
from streamlit.testing.v1 import AppTest
from web_driver import signed_in

from agents.runtime import (
    ApprovalRequested,
    Finished,
    RunResult,
    ToolCalled,
    ToolCallRecord,
    ToolFinished,
)
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.approval import (
    ApprovalRequest,
    TryOutcome,
    approve_edited,
    arg_lines,
    args_json,
    call_status,
    can_try,
    check_args,
    decision_line,
    edits_with_form,
    field_labels,
    parse_args_text,
    policy_warning,
    problem_lines,
    reject,
)
from builder_ui.web.models.transcript import ChatTurn
from builder_ui.web.panels.tool_tester import try_tool
from tools.calculator import CalculatorArgs
from tools.registry import NoConfig, ToolDefinition, ToolResult

APP = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
TIMEOUT_S = 60

CALL = '- tool_calls: [{name: calculator, args: {expression: "6*7"}}]\n'
APPROVED = CALL + '- text: "6 fois 7 font 42."\n'
REJECTED = CALL + '- text: "Entendu, je ne lance pas le calcul."\n'
EDITED = CALL + '- text: "Voici le résultat."\n'


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """``script(text)``: the preview's model replays ``text`` (a YAML list of replies)."""

    def use(text: str) -> None:
        replies = tmp_path / "replies.yaml"
        replies.write_text(text, "utf-8")
        monkeypatch.setenv("ATELIER_PREVIEW_MODEL", f"scripted:{replies}")

    return use


# --- helpers -----------------------------------------------------------------------------------


def ran(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def start() -> AppTest:
    return ran(signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run())


def calculator_agent(lang: str = "fr") -> AppTest:
    """A new agent whose calculator always asks, in the editor."""
    at = start()
    if lang != "fr":
        at.selectbox(key=state.LANGUAGE_PICKER).select(lang).run()
    at.button(key=state.HOME_NEW).click().run()
    at.text_input(key=state.W_NAME).input("Calculette")
    at.text_area(key=state.W_INSTRUCTIONS).input("Tu calcules avec la calculatrice.")
    at.checkbox(key=state.w_tool_on("calculator")).check().run()
    at.selectbox(key=state.w_tool_approval("calculator")).select("always_ask").run()
    return ran(at)


def paused() -> AppTest:
    """The agent asked "6 fois 7": its calculator call waits for a decision."""
    at = calculator_agent()
    at.chat_input(key=state.CHAT_INPUT).set_value("Combien font 6 fois 7 ?").run()
    return ran(at)


def pending_call(at: AppTest) -> str:
    turn = at.session_state[state.TRANSCRIPT][-1]
    assert turn.pending is not None, "the last turn waits for a decision"
    return str(turn.pending["call_id"])


def click(at: AppTest, name: str) -> AppTest:
    at.button(key=state.approval_key(pending_call(at), name)).click().run()
    return ran(at)


def texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def shows_card(at: AppTest) -> None:
    shown = texts(at)
    assert "**:material/front_hand: Validation demandée**" in shown
    assert any("**Calculatrice** (`calculator`)" in text for text in shown)
    assert "- **Calcul** : 6\\*7" in shown  # the argument, literally
    assert not at.code  # no raw JSON: the arguments in words only
    assert any("ne contacte rien" in c for c in captions(at))  # what the tool does, declared
    labels = {b.label for b in at.button}
    assert {"Approuver", "Modifier", "Refuser"} <= labels


def results(at: AppTest) -> list[Any]:
    return [json.loads(j.value) for j in at.json]


# --- the approval card -------------------------------------------------------------------------


def test_the_card_shows_the_tool_and_its_arguments_and_the_input_waits(script: Any) -> None:
    script(APPROVED)
    at = paused()
    shows_card(at)
    assert any("ne contacte rien" in text for text in captions(at))
    chat = at.chat_input(key=state.CHAT_INPUT)
    assert chat.disabled and "Validation en attente" in chat.placeholder
    assert any("attend votre décision sur l'action « Calculatrice »" in i.value for i in at.info)
    assert "6 fois 7 font 42." not in texts(at)


def test_approve_runs_the_tool_streams_the_answer_and_records_the_decision(script: Any) -> None:
    script(APPROVED)
    at = click(paused(), "approve")
    assert "6 fois 7 font 42." in texts(at)
    assert {"expression": "6*7", "result": 42} in results(at)
    assert ":material/check_circle: Approuvé par alice" in captions(at)
    assert [s.label for s in at.status] == ["Outil utilisé : Calculatrice — expression: 6\\*7"]
    assert not at.chat_input(key=state.CHAT_INPUT).disabled
    assert "Approuver" not in {b.label for b in at.button}
    assert not at.info  # the waiting notice is gone


def test_reject_with_a_reason_tells_the_model_and_marks_the_call(script: Any) -> None:
    script(REJECTED)
    at = click(paused(), "reject")
    reason = at.text_input(key=state.approval_key(pending_call(at), "reason"))
    assert reason.label == "Raison du refus (facultative)"
    reason.input("pas besoin de calculatrice")
    at = click(at, "reject_submit")
    assert "Entendu, je ne lance pas le calcul." in texts(at)
    (status,) = at.status
    assert status.label.startswith("Action refusée : Calculatrice")
    assert ":material/block: Refusé par alice : pas besoin de calculatrice" in captions(at)
    assert "6 fois 7 font 42." not in texts(at) and results(at) == [{"expression": "6*7"}]


def test_cancel_closes_the_reject_form(script: Any) -> None:
    script(REJECTED)
    at = click(click(paused(), "reject"), "cancel")
    shows_card(at)
    reason = state.approval_key(pending_call(at), "reason")
    assert reason not in [w.key for w in at.text_input]


def test_edit_runs_with_the_new_arguments(script: Any) -> None:
    script(EDITED)
    at = click(paused(), "edit")
    field = at.text_input(key=state.approval_key(pending_call(at), "form.expression"))
    assert (field.label, field.value) == ("Calcul", "6*7")
    field.input("6*8")
    at = click(at, "edit_submit")
    assert "Voici le résultat." in texts(at)
    assert {"expression": "6*8", "result": 48} in results(at)
    assert ":material/edit: Modifié puis approuvé par alice" in captions(at)
    assert at.status[0].label == "Outil utilisé : Calculatrice — expression: 6\\*8"


def test_invalid_edited_arguments_show_the_field_and_keep_the_input(script: Any) -> None:
    script(EDITED)
    at = click(paused(), "edit")
    key = state.approval_key(pending_call(at), "form.expression")
    at.text_input(key=key).input("")
    at = click(at, "edit_submit")
    message = "\n".join(e.value for e in at.error)
    assert "Ces arguments ne conviennent pas" in message and "`expression`" in message
    assert at.text_input(key=key).value == ""  # what was typed stays
    assert pending_call(at)  # still waiting: nothing was sent
    at.text_input(key=key).input("6*9")
    at = click(at, "edit_submit")
    assert {"expression": "6*9", "result": 54} in results(at)


def test_the_card_survives_a_save_and_is_answered_after_it(script: Any) -> None:
    script(APPROVED)
    at = paused()
    at.button(key=state.SAVE).click().run()
    assert "Version 1 enregistrée." in [s.value for s in ran(at).success]
    shows_card(at)
    saved = Services.open()
    agent = saved.list_agents()[0]
    assert saved.version(agent.id).spec.tools[0].approval == "always_ask"
    at = click(at, "approve")
    assert "6 fois 7 font 42." in texts(at)


def test_a_message_the_runtime_refuses_brings_the_card_back(script: Any) -> None:
    script(APPROVED)
    at = paused()
    turn = at.session_state[state.TRANSCRIPT][-1]
    turn.pending, turn.outcome = None, "ok"  # the page's record lost the pause
    at.run()
    at.chat_input(key=state.CHAT_INPUT).set_value("Et 2 + 2 ?").run()
    ran(at)
    assert any("Votre message n'a pas été envoyé" in w.value for w in at.warning)
    assert "Et 2 + 2 ?" not in texts(at)
    shows_card(at)
    assert "6 fois 7 font 42." in texts(click(at, "approve"))


def test_the_card_speaks_english(script: Any) -> None:
    script(APPROVED)
    at = calculator_agent("en")
    at.chat_input(key=state.CHAT_INPUT).set_value("6 times 7?").run()
    ran(at)
    assert {"Approve", "Edit", "Reject"} <= {b.label for b in at.button}
    at = click(at, "edit")
    shown = texts(at) + captions(at) + [b.label for b in at.button] + [i.value for i in at.info]
    shown += [w.label for w in at.text_input] + [at.chat_input(key=state.CHAT_INPUT).placeholder]
    assert "Approve with these arguments" in shown
    assert [text for text in shown if "ui." in text] == []


# --- the editor: approval policy and "Tester l'outil" ------------------------------------------


def test_the_approval_policies_have_plain_labels() -> None:
    at = calculator_agent()
    policy = at.selectbox(key=state.w_tool_approval("calculator"))
    assert policy.options == [
        "Selon l'outil (demander seulement pour les actions qui ont des effets)",
        "Toujours demander",
        "Ne jamais demander",
    ]
    assert policy.value == "always_ask"


def test_try_the_calculator_gives_42_then_a_plain_error() -> None:
    at = calculator_agent()
    expression = at.text_input(key=state.try_key("calculator", "form.expression"))
    assert expression.label == "Calcul"
    expression.input("6*7")
    at.button(key=state.try_key("calculator", "run")).click().run()
    assert {"expression": "6*7", "result": 42} in results(ran(at))
    at.text_input(key=state.try_key("calculator", "form.expression")).input("1/0")
    at.button(key=state.try_key("calculator", "run")).click().run()
    message = "\n".join(e.value for e in ran(at).error)
    assert "**L'outil n'a pas pu répondre** — division par zéro" in message  # escaped text
    assert {"expression": "6*7", "result": 42} not in results(at)


def test_only_ticked_tools_that_can_be_tried_have_a_tester() -> None:
    at = calculator_agent()
    testers = [e for e in at.expander if e.label == "Tester l'outil"]
    assert len(testers) == 1  # the calculator; unticked tools have none
    at.checkbox(key=state.w_tool_on("current_datetime")).check().run()
    assert len([e for e in ran(at).expander if e.label == "Tester l'outil"]) == 2
    assert any("ne demande aucun argument" in text for text in captions(at))


def test_try_tool_goes_through_services_like_the_cli() -> None:
    services = Services.open()
    assert try_tool(services, "calculator", {"expression": "6*7"}, {}).output == {
        "expression": "6*7",
        "result": 42,
    }
    failed = try_tool(services, "calculator", {}, {})
    assert not failed.ok and "expression" in failed.error
    bad_config = try_tool(services, "current_datetime", {}, {"timezone": "Mars/Olympus"})
    assert not bad_config.ok and "Mars/Olympus" in bad_config.error


# --- pure helpers ------------------------------------------------------------------------------


class MailArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(title="Destinataire")
    body: str = Field(min_length=1)
    copies: int = Field(default=0, ge=0)


class NestedArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filters: dict[str, str] = Field(default_factory=dict)


def tool(consequential: bool = False, **extra: Any) -> ToolDefinition:
    return ToolDefinition(
        "send_mail",
        "Courriel",
        "Envoie.",
        MailArgs,
        lambda a, c: None,
        NoConfig,
        consequential,
        **extra,
    )


REQUEST = {
    "call_id": "c1",
    "tool": "send_mail",
    "title": "Courriel",
    "args": {"to": "a@x.fr", "body": "Bonjour,\nÀ demain."},
    "consequential": True,
}


def test_a_request_reads_the_runtime_payload() -> None:
    request = ApprovalRequest.from_data(REQUEST)
    assert (request.call_id, request.tool, request.consequential) == ("c1", "send_mail", True)
    assert ApprovalRequest.from_data({"tool": "x"}).title == "x"


def test_arguments_are_listed_literally_with_their_labels() -> None:
    labels = field_labels(MailArgs)
    assert labels == {"to": "Destinataire", "body": "Body", "copies": "Copies"}
    lines = arg_lines({"to": "a@x.fr", "body": "Bonjour,\n*À* demain.", "copies": 2}, labels)
    assert lines == [
        "- **Destinataire** (`to`) : `a@x.fr`",  # an address as code: never a link
        "- **Body** : Bonjour,  \n  \\*À\\* demain\\.",
        "- **Copies** : 2",
    ]
    assert arg_lines({"query": ""}, {}) == ["- **Query** : —"]
    assert json.loads(args_json(REQUEST["args"])) == REQUEST["args"]


def test_decisions_keep_what_really_happened() -> None:
    request = ApprovalRequest.from_data(REQUEST)
    assert approve_edited(request, dict(REQUEST["args"])).decision == "approve"
    edited = approve_edited(request, {"to": "b@x.fr", "body": "Bonjour"})
    assert (edited.decision, edited.args) == ("edit", {"to": "b@x.fr", "body": "Bonjour"})
    refused = reject(request, "  destinataire\n externe ")
    assert (refused.decision, refused.comment, refused.call_id) == (
        "reject",
        "destinataire externe",
        "c1",
    )


def test_decision_lines_name_the_person_and_the_reason() -> None:
    def tr(key: str, **params: Any) -> str:
        return f"{key}{sorted(params.items())}"

    assert decision_line(None, tr) is None
    assert decision_line({"decision": "approve", "by": "alice"}, tr) == (
        "ui.approval.decision.approve[('by', 'alice')]"
    )
    line = decision_line({"decision": "reject", "by": "bob", "comment": " trop cher "}, tr)
    assert line == "ui.approval.decision.reject[('by', 'bob'), ('reason', 'trop cher')]"
    line = decision_line({"decision": "reject", "by": "bob"}, tr)
    assert line is not None and line.startswith("ui.approval.decision.reject_no_reason")
    line = decision_line({"decision": "edit"}, tr)
    assert line == "ui.approval.decision.edit[('by', 'ui.approval.decision.someone[]')]"


def test_a_call_status_says_waiting_rejected_or_failed() -> None:
    assert call_status(None, None, paused=True) == "waiting"
    assert call_status(None, None, paused=False) == "running"
    assert call_status(True, {"decision": "approve"}, paused=False) == "done"
    assert call_status(False, {"decision": "reject"}, paused=False) == "rejected"
    assert call_status(False, None, paused=False) == "failed"


def test_edited_arguments_are_checked_with_their_field_path() -> None:
    assert check_args(MailArgs, {"to": "a", "body": "b"}) == []
    problems = check_args(MailArgs, {"to": "a", "body": "", "copies": -1})
    assert [path for path, _ in problems] == ["body", "copies"]
    assert check_args(None, {"anything": 1}) == []
    lines = problem_lines([("", "illisible"), ("body", "« 6* » vide")], lambda key: "arguments")
    assert lines == "- `arguments` : illisible\n- `body` : « 6\\* » vide"


def test_the_card_of_a_tool_that_writes_says_so_and_an_interrupted_action_asks() -> None:
    from builder_ui.web.models.approval import ApprovalRequest

    writes = ApprovalRequest.from_data(
        {
            "call_id": "c1",
            "tool": "create_document",
            "args": {"filename": "note", "format": "docx"},
            "effects": ["writes_files"],
            "consequential": True,
        }
    )
    assert writes.effect_lines("fr") == ["Écrit un fichier dans vos fichiers."]
    assert all("{" not in value for _, value in writes.rows("fr"))
    unknown = ApprovalRequest.from_data({"kind": "outcome_unknown", "call_id": "c2", "tool": "x"})
    assert unknown.kind == "outcome_unknown"


def test_json_arguments_report_where_they_break() -> None:
    def tr(key: str, **params: Any) -> str:
        return f"{key} {params}"

    assert parse_args_text('{"to": "a"}', tr) == ({"to": "a"}, [])
    assert parse_args_text("", tr) == ({}, [])
    args, problems = parse_args_text('{"to": "a",\n}', tr)
    assert args is None and problems[0][1].startswith("ui.approval.edit.bad_json {'line': 2")
    assert parse_args_text("[1]", tr)[1] == [("", "ui.approval.edit.not_object {}")]


def test_the_form_is_generated_when_the_arguments_fit_it() -> None:
    assert edits_with_form(CalculatorArgs, {"expression": "6*7"})
    assert not edits_with_form(CalculatorArgs, {"expression": 42})  # the form cannot show it
    assert not edits_with_form(NestedArgs, {})  # a nested object: JSON
    assert not edits_with_form(None, {"a": 1})  # a toolset's operation: JSON


def test_never_ask_on_a_tool_with_effects_is_flagged() -> None:
    assert policy_warning(tool(consequential=True), "never_ask")
    assert not policy_warning(tool(consequential=True), "default")
    assert not policy_warning(tool(consequential=False), "never_ask")


def test_knowledge_tools_and_toolsets_are_not_tried_by_hand() -> None:
    registry = Services.open().tools
    assert can_try(registry.get("calculator"))
    assert not can_try(registry.get("knowledge_search"))
    assert not can_try(tool(tags=("knowledge",)))


def test_a_try_outcome_keeps_the_result_or_the_error() -> None:
    good = TryOutcome.from_result(ToolResult("calculator", {}, ok=True, output=42))
    assert (good.ok, good.output) == (True, 42)
    bad = TryOutcome.from_result(ToolResult("calculator", {}, ok=False, error="division par zéro"))
    assert (bad.ok, bad.error) == (False, "division par zéro")


def test_a_paused_turn_is_continued_in_place() -> None:
    call = ToolCallRecord("c1", "calculator", {"expression": "6*7"})
    request = {**REQUEST, "tool": "calculator", "args": call.args}
    paused_result = RunResult("t", "", "scripted", "awaiting_approval", pending_approval=request)
    turn = ChatTurn("assistant")
    for event in (ToolCalled(call), ApprovalRequested(request), Finished(paused_result)):
        turn.add(event)
    assert turn.awaiting and turn.outcome == "awaiting_approval"

    approval = {"decision": "edit", "args": {"expression": "6*8"}, "by": "alice"}
    done = ToolCallRecord("c1", "calculator", {"expression": "6*8"}, True, 48, approval=approval)
    result = RunResult("t", "48", "scripted", "ok")
    for event in (ToolFinished(done), Finished(result)):
        turn.add(event)
    assert not turn.awaiting and turn.outcome == "ok"
    (part,) = turn.parts
    assert (part.args, part.result, part.approval) == ({"expression": "6*8"}, 48, approval)


def test_answered_cards_are_forgotten() -> None:
    session: dict[str, Any] = {
        state.approval_key("c1", "reason"): "non",
        state.APPROVAL_MODES: {"c1": "reject"},
        state.W_NAME: "garde",
    }
    state.drop_approval_widgets(session)
    assert session == {state.W_NAME: "garde"}
