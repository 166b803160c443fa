"""Approvals at the command line: ``atelier run --json`` reports the pending call,
``atelier approve`` answers it, ``atelier chat`` asks."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from builder_ui.cli.main import app

AGENT = """schema: atelier/agent@1
name: Prudent
tools:
  - id: calculator
    approval: always_ask
"""
CALL = '- tool_calls: [{name: calculator, args: {expression: "6*7"}}]\n'
runner = CliRunner()


def setup(tmp_path: Path) -> None:
    (tmp_path / "agent.yaml").write_text(AGENT)
    assert runner.invoke(app, ["agent", "import", str(tmp_path / "agent.yaml")]).exit_code == 0


def script(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text)
    return f"scripted:{tmp_path / name}"


def test_run_reports_the_pending_call_and_approve_answers_it(tmp_path: Path) -> None:
    setup(tmp_path)
    first = runner.invoke(
        app,
        ["run", "Prudent", "-m", "6*7 ?", "--json", "--model", script(tmp_path, "a.yaml", CALL)],
    )
    assert first.exit_code == 0, first.output
    paused = json.loads(first.stdout)
    assert paused["outcome"] == "awaiting_approval"
    assert paused["pending_approval"]["tool"] == "calculator"
    assert paused["pending_approval"]["args"] == {"expression": "6*7"}
    again = runner.invoke(app, ["run", "Prudent", "-m", "x", "--thread", paused["thread"]])
    assert again.exit_code == 2 and "attend une validation" in again.output
    model = script(tmp_path, "b.yaml", '- text: "42."\n')
    done = runner.invoke(
        app,
        ["approve", paused["thread"], "--decision", "approve", "--json", "--model", model],
    )
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["answer"] == "42." and result["outcome"] == "ok"
    (call,) = result["tool_calls"]
    assert call["result"]["result"] == 42 and call["approval"]["by"] == "alice"


def test_reject_and_edit(tmp_path: Path) -> None:
    setup(tmp_path)
    both = script(tmp_path, "a.yaml", CALL + CALL)
    paused = json.loads(
        runner.invoke(app, ["run", "Prudent", "-m", "?", "--json", "--model", both]).stdout
    )
    model = script(tmp_path, "b.yaml", CALL + '- text: "Compris."\n')
    rejected = runner.invoke(
        app,
        [
            *("approve", paused["thread"], "--decision", "reject", "--comment", "non"),
            *("--json", "--model", model),
        ],
    )
    result = json.loads(rejected.stdout)
    assert result["tool_calls"][0]["ok"] is False
    assert result["outcome"] == "awaiting_approval", "the model asked again"
    model = script(tmp_path, "c.yaml", '- text: "Fait."\n')
    edited = runner.invoke(
        app,
        [
            *("approve", paused["thread"], "--decision", "edit"),
            *("--args", '{"expression": "2+2"}', "--json", "--model", model),
        ],
    )
    assert json.loads(edited.stdout)["tool_calls"][0]["result"]["result"] == 4
    bad = runner.invoke(app, ["approve", paused["thread"], "--decision", "maybe"])
    assert bad.exit_code == 2


def test_chat_asks_at_the_terminal(tmp_path: Path) -> None:
    setup(tmp_path)
    model = script(tmp_path, "a.yaml", CALL + '- text: "42."\n')
    out = runner.invoke(app, ["chat", "Prudent", "--model", model], input="6*7 ?\na\n\n")
    assert out.exit_code == 0, out.output
    assert "attend votre validation" in out.output
    assert "42." in out.output


def test_approve_continues_with_the_model_the_run_used(tmp_path: Path) -> None:
    """Without ``--model``, the conversation goes on with the model it was started with, not
    with the agent's own (issue 8, no. 6)."""
    from agents.runtime import Finished
    from builder_ui.services.installation import Services

    setup(tmp_path)
    ref = script(tmp_path, "x.yaml", CALL + '- text: "42, dit le modèle X."\n')
    services = Services.open()
    paused = services.run("Prudent", "6*7 ?", model=ref)
    assert paused.outcome == "awaiting_approval" and paused.model == ref
    *_, last = list(services.approve(paused.thread, "approve", tokens=False))
    assert isinstance(last, Finished)
    assert last.result.model == ref
    assert last.result.answer == "42, dit le modèle X."
    # The same through the command line, in a session of its own.
    first = runner.invoke(app, ["run", "Prudent", "-m", "6*7 ?", "--json", "--model", ref])
    thread = json.loads(first.stdout)["thread"]
    done = runner.invoke(app, ["approve", thread, "--decision", "approve", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["model"] == ref


def test_outcome_choices_are_refused_for_an_ordinary_approval(tmp_path: Path) -> None:
    setup(tmp_path)
    model = script(tmp_path, "a.yaml", CALL)
    paused = json.loads(
        runner.invoke(app, ["run", "Prudent", "-m", "?", "--json", "--model", model]).stdout
    )
    out = runner.invoke(app, ["approve", paused["thread"], "--decision", "run_again"])
    assert out.exit_code == 2 and "validation ordinaire" in out.output
    assert "mark_done" in runner.invoke(app, ["approve", "--help"]).output
