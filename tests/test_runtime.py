"""The runtime with the scripted model: tool loop, errors, retries, limits, resumption."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agents.checkpoints import memory_checkpointer, sqlite_checkpointer
from agents.models.offline import OfflineChatModel
from agents.models.scripted import ScriptedChatModel, ScriptedReply
from agents.retry import RetryPolicy
from agents.runtime import AgentRuntime, Finished, Token, ToolCalled, ToolFinished
from agents.spec import AgentSpec
from tools.registry import default_registry

NO_WAIT = RetryPolicy(attempts=3, base_delay_s=0, sleep=lambda _s: None)
CALC = AgentSpec.from_yaml(
    """
schema: atelier/agent@1
name: Calculette
instructions: Tu réponds aux questions de calcul en utilisant la calculatrice.
tools:
  - id: calculator
"""
)


def scripted(*replies: dict[str, Any]) -> ScriptedChatModel:
    return ScriptedChatModel(replies=[ScriptedReply.model_validate(r) for r in replies])


def calc_call(expression: str) -> dict[str, Any]:
    return {"tool_calls": [{"name": "calculator", "args": {"expression": expression}}]}


def runtime(model: Any, spec: AgentSpec = CALC, checkpointer: Any = None) -> AgentRuntime:
    return AgentRuntime(
        spec,
        model,
        default_registry(),
        checkpointer or memory_checkpointer(),
        model_ref="scripted",
        retry=NO_WAIT,
    )


def test_tool_call_result_and_answer_stream_in_order() -> None:
    rt = runtime(scripted(calc_call("6*7"), {"text": "6 fois 7 font 42."}))
    events = list(rt.stream("t1", "Combien font 6 fois 7 ?"))
    kinds = [type(e).__name__ for e in events]
    assert kinds[:2] == ["ToolCalled", "ToolFinished"]
    assert kinds[-1] == "Finished"
    finished = events[1]
    assert isinstance(finished, ToolFinished)
    assert finished.call.ok and finished.call.result["result"] == 42
    tokens = "".join(e.text for e in events if isinstance(e, Token))
    result = events[-1].result  # type: ignore[union-attr]
    assert tokens == result.answer == "6 fois 7 font 42."
    assert len([e for e in events if isinstance(e, Token)]) > 1, "text must stream in pieces"
    assert result.outcome == "ok"
    assert result.messages == 4
    assert result.input_tokens > 0 and result.output_tokens > 0
    assert result.latency_ms > 0
    assert [c.name for c in result.tool_calls] == ["calculator"]


def test_instructions_are_the_system_prompt_and_not_stored_in_the_thread() -> None:
    model = scripted({"text": "Bonjour."})
    rt = runtime(model)
    rt.run("t1", "Salut")
    first_prompt = model.prompts[0]
    assert isinstance(first_prompt[0], SystemMessage)
    assert "calculatrice" in first_prompt[0].text
    assert [type(m) for m in rt.messages("t1")] == [HumanMessage, AIMessage]


def test_a_tool_error_goes_back_to_the_model_as_a_message() -> None:
    model = scripted(calc_call("1/0"), {"text": "Division impossible."})
    result = runtime(model).run("t1", "1/0 ?")
    assert result.outcome == "ok"
    assert result.answer == "Division impossible."
    (call,) = result.tool_calls
    assert call.ok is False and "zéro" in call.error
    tool_message = model.prompts[1][-1]
    assert isinstance(tool_message, ToolMessage)
    assert tool_message.status == "error"
    assert "zéro" in tool_message.text


def test_a_tool_the_agent_does_not_have_is_refused_to_the_model() -> None:
    model = scripted(
        {"tool_calls": [{"name": "current_datetime", "args": {}}]}, {"text": "Je ne peux pas."}
    )
    result = runtime(model).run("t1", "Quelle heure est-il ?")
    (call,) = result.tool_calls
    assert call.ok is False and "current_datetime" in call.error
    assert result.answer == "Je ne peux pas."


def test_a_rate_limit_is_retried_then_the_answer_arrives() -> None:
    model = scripted({"error": "rate_limit"}, {"error": "timeout"}, {"text": "Voilà."})
    result = runtime(model).run("t1", "Bonjour")
    assert result.outcome == "ok" and result.answer == "Voilà."
    assert model.calls == 3


def test_a_malformed_tool_call_is_retried() -> None:
    model = scripted({"error": "malformed_tool_call"}, {"text": "Voilà."})
    assert runtime(model).run("t1", "Bonjour").answer == "Voilà."


def test_a_model_that_keeps_failing_is_reported_and_the_thread_stays_usable() -> None:
    model = scripted(*[{"error": "server_error"}] * 3, {"text": "De retour."})
    rt = runtime(model)
    result = rt.run("t1", "Bonjour")
    assert result.outcome == "model_error"
    assert "ne répond pas" in result.answer and "3 tentatives" in result.answer
    assert result.error == result.answer
    assert model.calls == 3, "retries are bounded"
    again = rt.run("t1", "Tu es là ?")
    assert again.outcome == "ok" and again.answer == "De retour."
    sent = model.prompts[-1]
    assert all("ne répond pas" not in m.text for m in sent), "notes are not sent to the model"
    kinds = [type(m) for m in rt.messages("t1")]
    assert kinds == [HumanMessage, AIMessage, HumanMessage, AIMessage]


def test_a_refused_request_is_reported_at_once() -> None:
    class AuthError(Exception):
        status_code = 401

    class Refusing(ScriptedChatModel):
        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            self._prompts.append([])
            raise AuthError("bad key")

        def _stream(self, *args: Any, **kwargs: Any) -> Any:
            return self._generate()

    model = Refusing(replies=[])
    result = runtime(model).run("t1", "Bonjour")
    assert result.outcome == "model_error"
    assert "clé d'accès refusée" in result.answer
    assert len(model.prompts) == 1, "a refused key is not retried"


def test_the_tool_loop_is_bounded() -> None:
    spec = CALC.model_copy(update={"limits": CALC.limits.model_copy(update={"max_tool_steps": 2})})
    model = scripted(*[calc_call("1+1")] * 10)
    result = runtime(model, spec).run("t1", "Boucle")
    assert result.outcome == "tool_limit"
    assert len(result.tool_calls) == 2
    assert "limite de 2 étapes" in result.answer


def test_the_offline_model_says_no_model_is_connected() -> None:
    result = runtime(OfflineChatModel()).run("t1", "Bonjour")
    assert "Aucun modèle de langage n'est connecté" in result.answer


def test_a_conversation_resumes_with_a_new_checkpointer_on_the_same_file(tmp_path: Path) -> None:
    db = tmp_path / "threads.sqlite3"
    runtime(scripted({"text": "Un."}), checkpointer=sqlite_checkpointer(db)).run("t1", "1")
    rt = runtime(scripted({"text": "Deux."}), checkpointer=sqlite_checkpointer(db))
    result = rt.run("t1", "2")
    assert result.messages == 4
    assert [m.text for m in rt.messages("t1")] == ["1", "Un.", "2", "Deux."]


def test_a_second_process_resumes_the_thread(tmp_path: Path) -> None:
    db = tmp_path / "threads.sqlite3"
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_runtime import runtime, scripted
        from agents.checkpoints import sqlite_checkpointer
        saver = sqlite_checkpointer({str(db)!r})
        rt = runtime(scripted({{"text": sys.argv[1]}}), checkpointer=saver)
        result = rt.run("shared", sys.argv[1])
        print(json.dumps({{"messages": result.messages}}))
        """
    )
    counts = []
    for word in ("premier", "second"):
        out = subprocess.run(
            [sys.executable, "-c", script, word], capture_output=True, text=True, check=True
        )
        counts.append(out.stdout.strip().splitlines()[-1])
    assert counts == ['{"messages": 2}', '{"messages": 4}']


def test_finished_is_always_the_last_event() -> None:
    events = list(runtime(scripted({"text": "ok"})).stream("t1", "x"))
    assert isinstance(events[-1], Finished)
    assert not any(isinstance(e, ToolCalled) for e in events)


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "timeout"])
def test_each_transient_kind_is_reported_in_plain_words(kind: str) -> None:
    result = runtime(scripted(*[{"error": kind}] * 3)).run("t1", "x")
    assert result.outcome == "model_error"
    assert "Réessayez" in result.answer


def test_an_agent_without_tools_never_leaves_a_dangling_tool_call() -> None:
    spec = CALC.model_copy(update={"tools": []})
    rt = runtime(scripted(calc_call("1+1"), {"text": "ok"}), spec)
    result = rt.run("t1", "x")
    assert result.outcome == "tool_not_enabled"
    assert not any(isinstance(m, AIMessage) and m.tool_calls for m in rt.messages("t1"))
    assert rt.run("t1", "y").answer == "ok"


def test_only_the_latest_checkpoint_is_kept(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "threads.sqlite3"
    rt = runtime(
        scripted(calc_call("1+1"), {"text": "2"}, {"text": "encore"}),
        checkpointer=sqlite_checkpointer(db),
    )
    rt.run("t1", "1+1 ?")
    rt.run("t1", "et après ?")
    rows = sqlite3.connect(db).execute("SELECT count(*) FROM checkpoints").fetchone()
    assert rows == (1,)
    assert [m.text for m in rt.messages("t1")][-2:] == ["et après ?", "encore"]


def test_run_without_token_streaming_gives_the_same_result() -> None:
    streamed = runtime(scripted(calc_call("6*7"), {"text": "42 !"}))
    events = list(streamed.stream("t1", "6*7 ?"))
    quiet = runtime(scripted(calc_call("6*7"), {"text": "42 !"})).run("t1", "6*7 ?")
    loud = events[-1].result  # type: ignore[union-attr]
    assert (quiet.answer, quiet.messages, len(quiet.tool_calls)) == (
        loud.answer,
        loud.messages,
        len(loud.tool_calls),
    )
