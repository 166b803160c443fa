"""A consequential call is never made twice after a crash (issue 8, no. 13).

The call is journaled as started, on disk, before it is made. A process that stops during it
leaves the conversation paused; resumed (by a new process, from the same SQLite files), the
person is told the call's outcome is unknown and chooses: ``mark_done``, ``run_again`` or
``cancel``. The crash is a real ``kill -9`` of a process in the middle of a POST, and, for the
choices, a ``BaseException`` of our own raised by the tool once the request is sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from pydantic import BaseModel, ConfigDict
from ticket_server import Api, api_fixture  # noqa: F401 (the `api` fixture)

from agents.call_journal import journal_for
from agents.checkpoints import sqlite_checkpointer
from agents.errors import UserError
from agents.models.scripted import ScriptedChatModel, ScriptedReply
from agents.runtime import AgentRuntime, Finished, RunResult
from agents.spec import AgentSpec
from tools.registry import ToolDefinition, default_registry

ROOT = Path(__file__).resolve().parents[1]
SENT: list[str] = []
CRASH_FOR: set[str] = set()


class Crash(BaseException):
    """The process stops here (a BaseException: nothing on the way catches it)."""


class MailArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str


def send_mail(args: MailArgs, config: Any) -> dict[str, str]:
    SENT.append(args.to)  # the mail is out
    if args.to in CRASH_FOR:
        raise Crash
    return {"status": "envoyé"}


@pytest.fixture(autouse=True)
def _clear() -> None:
    SENT.clear()
    CRASH_FOR.clear()


def spec(approval: str = "default") -> AgentSpec:
    return AgentSpec.from_yaml(
        f"schema: atelier/agent@1\nname: Secrétaire\ntools:\n"
        f"  - id: send_mail\n    approval: {approval}\n"
    )


def runtime(db: Path, *replies: dict[str, Any], approval: str = "default") -> AgentRuntime:
    registry = default_registry()
    registry.register(
        ToolDefinition("send_mail", "Courriel", "Envoie.", MailArgs, send_mail, consequential=True)
    )
    model = ScriptedChatModel(replies=[ScriptedReply.model_validate(r) for r in replies])
    return AgentRuntime(spec(approval), model, registry, sqlite_checkpointer(db))


def mails(*to: str) -> dict[str, Any]:
    return {"tool_calls": [{"name": "send_mail", "args": {"to": t}} for t in to]}


def finish(events: Any) -> RunResult:
    *_, last = list(events)
    assert isinstance(last, Finished)
    return last.result


def crash_during(db: Path, *to: str) -> None:
    """A first process: the run, the approvals, and a crash while mailing ``to[-1]``."""
    CRASH_FOR.add(to[-1])
    first = runtime(db, mails(*to))
    assert finish(first.stream("t1", "Écris")).outcome == "awaiting_approval"
    with pytest.raises(Crash):
        for _ in to:
            finish(first.resume("t1", "approve"))


def last_tool_text(rt: AgentRuntime) -> str:
    return [m for m in rt.messages("t1") if isinstance(m, ToolMessage)][-1].text


def test_after_a_crash_the_person_is_told_and_cancel_sends_nothing_again(tmp_path: Path) -> None:
    db = tmp_path / "threads.sqlite3"
    crash_during(db, "a@x.fr")
    assert SENT == ["a@x.fr"]
    later = runtime(db, {"text": "Je ne sais pas si le courriel est parti."})
    pending = later.pending_approval("t1")
    assert pending is not None and pending["kind"] == "outcome_unknown"
    assert pending["tool"] == "send_mail" and pending["args"] == {"to": "a@x.fr"}
    assert pending["choices"] == ["mark_done", "run_again", "cancel"]
    with pytest.raises(UserError, match="arrêté pendant l'appel"):
        finish(later.resume("t1", "approve"))
    with pytest.raises(UserError, match="attend votre décision"):
        finish(later.stream("t1", "Alors ?"))
    result = finish(later.resume("t1", "cancel", by="bob"))
    assert SENT == ["a@x.fr"], "the call was not made again"
    assert result.outcome == "ok" and result.answer.startswith("Je ne sais pas")
    assert "on ne sait pas si l'action send_mail a été faite" in last_tool_text(later)
    assert result.tool_calls[0].ok is False
    assert result.tool_calls[0].approval["decision"] == "cancel"  # type: ignore[index]
    assert later.pending_approval("t1") is None
    assert not journal_for(later.checkpointer).has_entries("t1"), "nothing left behind"


def test_run_again_makes_the_call_once_more(tmp_path: Path) -> None:
    db = tmp_path / "threads.sqlite3"
    crash_during(db, "a@x.fr")
    CRASH_FOR.clear()
    later = runtime(db, {"text": "Envoyé."})
    result = finish(later.resume("t1", "run_again"))
    assert SENT == ["a@x.fr", "a@x.fr"]
    assert result.answer == "Envoyé." and result.tool_calls[0].ok


def test_mark_done_tells_the_model_it_was_done(tmp_path: Path) -> None:
    db = tmp_path / "threads.sqlite3"
    crash_during(db, "a@x.fr")
    later = runtime(db, {"text": "C'est fait."})
    result = finish(later.resume("t1", "mark_done"))
    assert SENT == ["a@x.fr"]
    assert result.tool_calls[0].ok and "confirme" in last_tool_text(later)


def test_a_call_finished_before_the_crash_is_not_made_again(tmp_path: Path) -> None:
    db = tmp_path / "threads.sqlite3"
    crash_during(db, "a@x.fr", "b@x.fr")
    assert SENT == ["a@x.fr", "b@x.fr"]
    later = runtime(db, {"text": "Un courriel parti, l'autre peut-être."})
    pending = later.pending_approval("t1")
    assert pending is not None and pending["args"] == {"to": "b@x.fr"}
    result = finish(later.resume("t1", "cancel"))
    assert SENT == ["a@x.fr", "b@x.fr"]
    assert [c.ok for c in result.tool_calls] == [True, False]


def test_a_call_that_needs_no_approval_is_not_rerun_either(tmp_path: Path) -> None:
    db = tmp_path / "threads.sqlite3"
    CRASH_FOR.add("a@x.fr")
    first = runtime(db, mails("a@x.fr"), approval="never_ask")
    with pytest.raises(Crash):
        finish(first.stream("t1", "Écris"))
    later = runtime(db, {"text": "Noté."}, approval="never_ask")
    assert later.pending_approval("t1")["kind"] == "outcome_unknown"  # type: ignore[index]
    assert finish(later.resume("t1", "mark_done")).answer == "Noté."
    assert SENT == ["a@x.fr"]


def test_outcome_choices_only_answer_an_interrupted_call(tmp_path: Path) -> None:
    rt = runtime(tmp_path / "threads.sqlite3", mails("a@x.fr"))
    finish(rt.stream("t1", "Écris"))
    with pytest.raises(UserError, match="validation ordinaire"):
        finish(rt.resume("t1", "run_again"))
    finish(rt.resume("t1", "approve"))
    assert SENT == ["a@x.fr"]
    assert not journal_for(rt.checkpointer).has_entries("t1")


# --- a real process killed during a POST ---------------------------------------------------------


def tickets_spec(url: str) -> str:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Tickets", "version": "1"},
        "servers": [{"url": url}],
        "paths": {
            "/tickets": {
                "post": {
                    "operationId": "createTicket",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["title"],
                                    "properties": {"title": {"type": "string"}},
                                }
                            }
                        },
                    },
                }
            }
        },
    }
    config = {"document": json.dumps(document), "name": "tickets", "operations": ["createTicket"]}
    return json.dumps(
        {
            "schema": "atelier/agent@1",
            "name": "Guichet",
            "tools": [{"id": "http_action", "config": config}],
        }
    )


CHILD = """
import sys
from agents.checkpoints import sqlite_checkpointer
from agents.models.scripted import ScriptedChatModel, ScriptedReply
from agents.runtime import AgentRuntime
from agents.spec import AgentSpec
from tools.egress import EgressGuard, EgressPolicy
from tools.registry import ToolContext, default_registry

spec = AgentSpec.model_validate_json(sys.argv[2])
call = {"name": "tickets__createTicket", "args": {"body": {"title": "Panne"}}}
model = ScriptedChatModel(replies=[ScriptedReply.model_validate({"tool_calls": [call]})])
context = ToolContext(egress=EgressGuard(EgressPolicy(allow_loopback=True)))
rt = AgentRuntime(spec, model, default_registry(), sqlite_checkpointer(sys.argv[1]),
                  tool_context=context)
assert rt.run("t1", "Ouvre un ticket").outcome == "awaiting_approval"
list(rt.resume("t1", "approve"))
"""


def tickets_runtime(db: Path, api: Api, *replies: dict[str, Any]) -> AgentRuntime:
    from tools.egress import EgressGuard, EgressPolicy
    from tools.registry import ToolContext

    model = ScriptedChatModel(replies=[ScriptedReply.model_validate(r) for r in replies])
    context = ToolContext(egress=EgressGuard(EgressPolicy(allow_loopback=True)))
    spec = AgentSpec.model_validate_json(tickets_spec(api.url))
    return AgentRuntime(
        spec, model, default_registry(), sqlite_checkpointer(db), tool_context=context
    )


def test_a_process_killed_during_a_post_does_not_post_twice(tmp_path: Path, api: Api) -> None:
    db = tmp_path / "threads.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), tickets_spec(api.url)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert api.received.wait(120), child.communicate(timeout=5)
    finally:
        child.kill()
        child.communicate(timeout=60)
    api.release.set()
    api.hold = False
    assert api.posts == 1
    later = tickets_runtime(db, api, {"text": "Je ne sais pas si le ticket est ouvert."})
    pending = later.pending_approval("t1")
    assert pending is not None and pending["kind"] == "outcome_unknown"
    assert pending["tool"] == "tickets__createTicket"
    assert pending["args"] == {"body": {"title": "Panne"}}
    result = finish(later.resume("t1", "cancel"))
    assert api.posts == 1, "the POST was not sent again"
    assert result.answer.startswith("Je ne sais pas")
