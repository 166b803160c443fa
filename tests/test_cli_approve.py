"""Approvals at the command line: ``atelier run --json`` reports the pending call,
``atelier approve`` answers it, ``atelier chat`` asks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ticket_server import Api, api_fixture  # noqa: F401 (the `api` fixture)
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
ROOT = Path(__file__).resolve().parents[1]


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


# --- what chat shows, and the question after a crash (issue 8, nos. 6 and 13) --------------------


def test_chat_shows_what_the_tool_does_and_its_arguments_in_words(tmp_path: Path) -> None:
    setup(tmp_path)
    model = script(tmp_path, "a.yaml", CALL + '- text: "42."\n')
    out = runner.invoke(app, ["chat", "Prudent", "--model", model], input="6*7 ?\na\n\n")
    assert out.exit_code == 0, out.output
    assert "Calcule ou lit l'heure ; ne contacte rien à l'extérieur." in out.output
    lines = out.output.splitlines()
    start = next(i for i, line in enumerate(lines) if "attend votre validation" in line)
    shown = lines[start : start + 3]
    assert shown[1:] == [
        "   • Calcule ou lit l'heure ; ne contacte rien à l'extérieur.",
        "   Calcul : 6*7",
    ]
    assert "{" not in "\n".join(shown), "no raw JSON"


def tickets_agent(tmp_path: Path, url: str) -> None:
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
    spec = {"schema": "atelier/agent@1", "name": "Guichet"}
    spec["tools"] = [{"id": "http_action", "config": config}]  # type: ignore[assignment]
    (tmp_path / "guichet.json").write_text(json.dumps(spec))
    imported = runner.invoke(app, ["agent", "import", str(tmp_path / "guichet.json")])
    assert imported.exit_code == 0, imported.output
    allowed = runner.invoke(app, ["admin", "set-egress", "--allow-loopback"])
    assert allowed.exit_code == 0, allowed.output


TICKET = '- tool_calls: [{name: tickets__createTicket, args: {body: {title: "Panne"}}}]\n'


def crash_during_the_post(tmp_path: Path, api: Api) -> str:
    """A conversation whose approved POST was under way when its process was killed."""
    tickets_agent(tmp_path, api.url)
    model = script(tmp_path, "ticket.yaml", TICKET)
    paused = runner.invoke(
        app,
        ["run", "Guichet", "-m", "Ouvre un ticket", "--json", "--model", model],
    )
    thread = json.loads(paused.stdout)["thread"]
    child = subprocess.Popen(
        [sys.executable, "-m", "builder_ui.cli.main", "approve", thread, "--decision", "approve"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert api.received.wait(120), child.communicate(timeout=5)
    finally:
        child.kill()
        child.communicate(timeout=60)
    api.hold = False
    api.release.set()
    assert api.posts == 1
    return thread


def test_chat_asks_what_became_of_an_action_under_way_at_a_crash(tmp_path: Path, api: Api) -> None:
    thread = crash_during_the_post(tmp_path, api)
    model = script(tmp_path, "after.yaml", '- text: "Je ne sais pas si le ticket est ouvert."\n')
    out = runner.invoke(
        app, ["chat", "Guichet", "--thread", thread, "--model", model], input="x\na\n\n"
    )
    assert out.exit_code == 0, out.output
    assert "était en cours quand Atelier s'est arrêté ; son résultat est inconnu" in out.output
    assert "[f]aite / [r]elancer / [a]nnuler" in out.output
    assert "Répondez f, r ou a." in out.output  # "x" is no answer
    assert "› title : Panne" in out.output  # the request body, labelled
    assert "Je ne sais pas si le ticket est ouvert." in out.output
    assert api.posts == 1, "cancelled: not sent again"
    # the conversation goes on as usual
    more = script(tmp_path, "more.yaml", '- text: "Voulez-vous que je vérifie ?"\n')
    after = runner.invoke(
        app,
        ["run", "Guichet", "-m", "Et alors ?", "--thread", thread, "--model", more],
    )
    assert after.exit_code == 0, after.output
    assert "Voulez-vous que je vérifie ?" in after.output


def test_chat_runs_an_action_again_only_once_confirmed(tmp_path: Path, api: Api) -> None:
    thread = crash_during_the_post(tmp_path, api)
    model = script(tmp_path, "after.yaml", '- text: "Ticket ouvert."\n')
    out = runner.invoke(
        app, ["chat", "Guichet", "--thread", thread, "--model", model], input="r\nn\nr\no\n\n"
    )
    assert out.exit_code == 0, out.output
    assert "deux fois" in out.output
    assert "Ticket ouvert." in out.output
    assert api.posts == 2, "sent again once, after the second yes"


@pytest.mark.parametrize(
    ("lang", "answers", "expected"),
    [
        ("fr", ["f"], "mark_done"),
        ("fr", ["annuler"], "cancel"),
        ("fr", ["r", "o"], "run_again"),
        ("fr", [], "cancel"),  # end of input: nothing is run again
        ("en", ["d"], "mark_done"),
        ("en", ["c"], "cancel"),
        ("en", ["run again", "y"], "run_again"),
        ("en", ["mark_done"], "mark_done"),
    ],
)
def test_the_outcome_question_in_both_languages(
    monkeypatch: pytest.MonkeyPatch, lang: str, answers: list[str], expected: str
) -> None:
    from agents import approvals
    from builder_ui.cli import approve
    from builder_ui.cli.approve import ask_decision

    assert approve.OUTCOME_CHOICES == approvals.OUTCOME_CHOICES
    monkeypatch.setenv("ATELIER_LANG", lang)
    given = iter(answers)
    decision, args, _ = ask_decision(lambda _prompt: next(given, None), OUTCOME_REQUEST)
    assert (decision, args) == (expected, None)


OUTCOME_REQUEST = {
    "kind": "outcome_unknown",
    "call_id": "c1",
    "tool": "tickets__createTicket",
    "args": {"body": {"title": "Panne"}},
    "choices": ["mark_done", "run_again", "cancel"],
}
