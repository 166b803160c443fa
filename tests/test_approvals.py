"""Human approval of tool calls: the run pauses, a person approves, edits or rejects, and the
tool runs exactly once, or never."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from agents.checkpoints import memory_checkpointer, sqlite_checkpointer
from agents.errors import UserError
from agents.models.scripted import ScriptedChatModel, ScriptedReply
from agents.runtime import AgentRuntime, ApprovalRequested, Finished, RunResult
from agents.spec import AgentSpec
from tools.registry import ToolDefinition, default_registry

SENT: list[dict[str, Any]] = []


class MailArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str
    body: str


def send_mail(args: MailArgs, config: Any) -> dict[str, str]:
    SENT.append(args.model_dump())
    return {"status": "envoyé"}


@pytest.fixture(autouse=True)
def _clear() -> None:
    SENT.clear()


def registry() -> Any:
    reg = default_registry()
    reg.register(
        ToolDefinition(
            "send_mail", "Courriel", "Envoie un courriel.", MailArgs, send_mail, consequential=True
        )
    )
    return reg


def spec(approval: str = "default", tool: str = "send_mail") -> AgentSpec:
    return AgentSpec.from_yaml(
        f"""
schema: atelier/agent@1
name: Secrétaire
tools:
  - id: {tool}
    approval: {approval}
"""
    )


def mail(to: str = "a@example.org", body: str = "Bonjour") -> dict[str, Any]:
    return {"name": "send_mail", "args": {"to": to, "body": body}}


def scripted(*replies: dict[str, Any]) -> ScriptedChatModel:
    return ScriptedChatModel(replies=[ScriptedReply.model_validate(r) for r in replies])


def runtime(model: Any, agent: AgentSpec | None = None, saver: Any = None) -> AgentRuntime:
    return AgentRuntime(agent or spec(), model, registry(), saver or memory_checkpointer())


def finish(events: Any) -> RunResult:
    *_, last = list(events)
    assert isinstance(last, Finished)
    return last.result


def test_a_consequential_tool_waits_for_a_person() -> None:
    rt = runtime(scripted({"tool_calls": [mail()]}, {"text": "Envoyé."}))
    events = list(rt.stream("t1", "Écris à A"))
    assert any(isinstance(e, ApprovalRequested) for e in events)
    result = events[-1].result  # type: ignore[union-attr]
    assert result.outcome == "awaiting_approval"
    assert result.pending_approval["tool"] == "send_mail"
    assert result.pending_approval["args"] == {"to": "a@example.org", "body": "Bonjour"}
    assert SENT == [], "nothing is sent before approval"
    assert rt.pending_approval("t1") == result.pending_approval


def test_approve_runs_the_tool_once_and_records_the_decision() -> None:
    rt = runtime(scripted({"tool_calls": [mail()]}, {"text": "Envoyé."}))
    finish(rt.stream("t1", "Écris à A"))
    result = finish(rt.resume("t1", "approve", by="bob"))
    assert result.outcome == "ok" and result.answer == "Envoyé."
    assert SENT == [{"to": "a@example.org", "body": "Bonjour"}]
    (call,) = result.tool_calls
    assert call.ok and call.approval is not None
    assert call.approval["decision"] == "approve" and call.approval["by"] == "bob"
    assert call.approval["at"].startswith("20")
    assert rt.pending_approval("t1") is None


def test_reject_tells_the_model_and_runs_nothing() -> None:
    model = scripted({"tool_calls": [mail()]}, {"text": "Je n'envoie pas."})
    rt = runtime(model)
    finish(rt.stream("t1", "Écris à A"))
    result = finish(rt.resume("t1", "reject", comment="destinataire externe"))
    assert SENT == []
    assert result.tool_calls[0].ok is False
    assert "destinataire externe" in model.prompts[-1][-1].text
    assert result.answer == "Je n'envoie pas."


def test_edit_runs_with_the_corrected_arguments() -> None:
    rt = runtime(scripted({"tool_calls": [mail()]}, {"text": "Envoyé."}))
    finish(rt.stream("t1", "Écris à A"))
    edited = {"to": "b@example.org", "body": "Bonjour Madame"}
    result = finish(rt.resume("t1", "edit", args=edited))
    assert [edited] == SENT
    assert result.tool_calls[0].args == edited


def test_two_calls_are_approved_one_by_one_and_each_runs_once() -> None:
    rt = runtime(scripted({"tool_calls": [mail("a@x.fr"), mail("b@x.fr")]}, {"text": "Fait."}))
    first = finish(rt.stream("t1", "Écris à A et B"))
    assert first.pending_approval["args"]["to"] == "a@x.fr"
    second = finish(rt.resume("t1", "approve"))
    assert second.outcome == "awaiting_approval"
    assert second.pending_approval["args"]["to"] == "b@x.fr"
    assert SENT == [], "no tool runs before every approval is given"
    done = finish(rt.resume("t1", "reject"))
    assert done.answer == "Fait."
    assert [m["to"] for m in SENT] == ["a@x.fr"]


def test_never_ask_runs_a_consequential_tool_directly() -> None:
    rt = runtime(scripted({"tool_calls": [mail()]}, {"text": "Envoyé."}), spec("never_ask"))
    assert finish(rt.stream("t1", "Écris")).outcome == "ok"
    assert len(SENT) == 1


def test_always_ask_holds_even_a_harmless_tool() -> None:
    call = {"tool_calls": [{"name": "calculator", "args": {"expression": "1+1"}}]}
    rt = runtime(scripted(call, {"text": "2"}), spec("always_ask", "calculator"))
    assert finish(rt.stream("t1", "1+1")).outcome == "awaiting_approval"
    assert finish(rt.resume("t1", "approve")).answer == "2"


def test_a_new_message_waits_for_the_pending_approval() -> None:
    rt = runtime(scripted({"tool_calls": [mail()]}))
    finish(rt.stream("t1", "Écris"))
    with pytest.raises(UserError, match="attend une validation"):
        finish(rt.stream("t1", "Autre chose"))
    with pytest.raises(UserError):
        finish(rt.resume("t1", "maybe"))
    with pytest.raises(UserError):
        finish(rt.resume("t2", "approve"))


def test_an_approval_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "threads.sqlite3"
    first = runtime(scripted({"tool_calls": [mail()]}), saver=sqlite_checkpointer(db))
    finish(first.stream("t1", "Écris"))
    later = runtime(scripted({"text": "Envoyé."}), saver=sqlite_checkpointer(db))
    assert later.pending_approval("t1") is not None
    assert finish(later.resume("t1", "approve")).answer == "Envoyé."
    assert len(SENT) == 1
