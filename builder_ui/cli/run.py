"""``atelier run`` (one turn) and ``atelier chat`` (a conversation at the terminal).

The answer streams to stdout as the model writes it; tool calls and their results go to stderr,
so that ``atelier run … > answer.txt`` keeps only the answer. Both go through
``Services.chat``, exactly like the builder's chat.

Where the answer may be read by another program (stdout is not a terminal, or ``--json``), it
is written whole once it is done, as plain text with no live link or image to a host the
administrator does not allow (``agents.safe_text``): a file or a pipe may end in a Markdown
viewer or an e-mail. A terminal draws no image and follows no link by itself: there the answer
streams as it comes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.i18n import t
from builder_ui.cli.common import compact_json, open_services, print_json, say

if TYPE_CHECKING:
    from agents.runtime import RunEvent, RunResult, ToolCallRecord
    from builder_ui.services.installation import Services

AgentRef = Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))]
ThreadOpt = Annotated[str | None, typer.Option("--thread", metavar="ID", help=t("cli.help.thread"))]
ModelOpt = Annotated[
    str | None, typer.Option("--model", metavar="PROVIDER:NAME", help=t("cli.help.model"))
]
AttachOpt = Annotated[
    list[Path] | None,
    typer.Option("--attach", metavar="FILE", help=t("cli.help.attach"), show_default=False),
]
QUIT_WORDS = ("/quit", "/exit", "/q")


class _Renderer:
    """Writes a turn as it happens: tokens to stdout, tool activity to stderr."""

    def __init__(self, live: bool | None = None) -> None:
        self.mid_line = False
        self.live = sys.stdout.isatty() if live is None else live
        """Tokens as they come (a terminal); else the answer whole and inert at the end."""

    def show(self, event: RunEvent) -> None:
        from agents.runtime import ApprovalRequested, Token, ToolCalled, ToolFinished

        if isinstance(event, ApprovalRequested):
            self.request(event.request)
            return
        if isinstance(event, Token):
            self.token(event.text)
        elif isinstance(event, ToolCalled):
            self.tool_called(event.call)
        elif isinstance(event, ToolFinished):
            self.tool_finished(event.call)

    def request(self, request: dict[str, Any]) -> None:
        """A question for the person: what the tool does and with what, in words."""
        from builder_ui.cli.approve import request_lines

        self.end_line()
        for line in request_lines(request):
            say(line)

    def token(self, text: str) -> None:
        if text and self.live:
            typer.echo(text, nl=False)
            self.mid_line = not text.endswith("\n")

    def answer(self, text: str) -> None:
        """The finished answer, when it did not stream."""
        if text and not self.live:
            self._write(safe_answer(text))

    def _write(self, text: str) -> None:
        typer.echo(text, nl=False)
        self.mid_line = not text.endswith("\n")

    def tool_called(self, call: ToolCallRecord) -> None:
        self.end_line()
        say(f"→ {call.name} {compact_json(call.args)}")

    def tool_finished(self, call: ToolCallRecord) -> None:
        if call.ok:
            say(f"← {compact_json(call.result)}")
        else:
            say("← " + t("cli.run.tool_error", error=call.error))

    def end_line(self) -> None:
        if self.mid_line:
            typer.echo("")
            self.mid_line = False


def _turn(
    services: Services,
    agent: str,
    message: str,
    thread: str | None,
    model: str | None,
    renderer: _Renderer | None,
) -> RunResult:
    """One turn; events are shown through ``renderer`` (None: silently)."""
    return show_events(services.chat(agent, message, thread=thread, model=model), renderer)


def show_events(events: Iterator[RunEvent], renderer: _Renderer | None) -> RunResult:
    """Shows a turn's events (``renderer`` None: silently) and returns how it ended."""
    from agents.runtime import Finished

    result: RunResult | None = None
    for event in events:
        if isinstance(event, Finished):
            result = event.result
        elif renderer is not None:
            renderer.show(event)
    if renderer is not None:
        if result is not None:
            renderer.answer(result.answer)
        renderer.end_line()
        if result is not None and result.citations:
            typer.echo(t("cli.run.sources"))
            for c in result.citations:
                typer.echo(f"  [{c.n}] {c.source()}")
    assert result is not None, "a run always finishes"
    return result


def safe_answer(text: str) -> str:
    """An answer as plain text with no live link or image outside the allowlist."""
    from agents.safe_text import safe_text
    from builder_ui.services.links import shown_hosts

    return safe_text(text, shown_hosts())


def result_json(result: RunResult) -> dict[str, Any]:
    return {
        "thread": result.thread,
        "answer": safe_answer(result.answer),
        "tool_calls": [
            {
                "name": c.name,
                "args": c.args,
                "result": c.result,
                "ok": c.ok,
                "error": c.error,
                "approval": c.approval,
            }
            for c in result.tool_calls
        ],
        "usage": result.usage,
        "messages": result.messages,
        "model": result.model,
        "outcome": result.outcome,
        "latency_ms": round(result.latency_ms, 1),
        "error": result.error,
        "pending_approval": result.pending_approval,
        "citations": [
            {
                "n": c.n,
                "document": c.document,
                "page": c.page,
                "passage": safe_answer(c.passage),
                "score": round(c.score, 4),
                "document_id": c.document_id,
                "kb_id": c.kb_id,
            }
            for c in result.citations
        ],
    }


def run(
    agent: AgentRef,
    message: Annotated[
        str, typer.Option("--message", "-m", metavar="TEXT", help=t("cli.help.message"))
    ],
    thread: ThreadOpt = None,
    model: ModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help=t("cli.help.run_json"))] = False,
) -> None:
    services = open_services()
    result = _turn(services, agent, message, thread, model, None if as_json else _Renderer())
    if as_json:
        print_json(result_json(result))
    elif result.outcome == "awaiting_approval":
        from builder_ui.cli.approve import how_to_answer

        say(how_to_answer(result.pending_approval, result.thread))
    if result.outcome == "model_error":
        if as_json or not sys.stdout.isatty():  # at a terminal, the answer just said it
            say(result.error)
        raise typer.Exit(1)


def chat(
    agent: AgentRef, thread: ThreadOpt = None, model: ModelOpt = None, attach: AttachOpt = None
) -> None:
    services = open_services()
    record = services.find_agent(agent)
    if thread is not None:
        thread = services.workspace.get_thread(thread).id
    # Build the model now: a wrong --model or a missing key is reported before anyone types.
    services.model(services.model_settings(services.version(record.id).spec, model))
    if attach:
        thread = _attach(services, record.id, thread, attach)
    say(t("cli.chat.welcome", name=record.name))
    renderer = _Renderer()
    if thread is not None and (pending := services.pending_approval(thread)) is not None:
        # A conversation resumed while it waits on the person (an approval, or an action
        # under way when Atelier stopped): they answer before writing anything new.
        renderer.request(pending)
        _answer_until_done(services, thread, pending, model, renderer)
    while True:
        line = _ask(t("cli.chat.prompt"))
        if line is None or not line.strip() or line.strip().lower() in QUIT_WORDS:
            break
        typer.echo(t("cli.chat.agent", name=record.name), nl=False)
        result = _turn(services, record.id, line.strip(), thread, model, renderer)
        thread = result.thread
        if result.outcome == "awaiting_approval":
            result = _answer_until_done(services, thread, result.pending_approval, model, renderer)
        if result.outcome == "model_error" and not sys.stdout.isatty():
            say(result.error)  # at a terminal, the answer just said it
    if thread is not None:
        say(t("cli.chat.resume", agent=record.id, thread=thread))


def _attach(services: Services, agent_id: str, thread: str | None, paths: list[Path]) -> str:
    """Read ``--attach`` files into the conversation (started for them if new), saying which
    were attached and why any was refused; the conversation goes on either way."""
    files = [(path.name, _read(path)) for path in paths]  # all readable, or nothing attached
    if thread is None:
        thread = services.start_conversation(agent_id).id
    for document in services.attach_to_conversation(thread, files):
        if document.status == "ready":
            say(t("cli.chat.attached", name=document.filename))
        else:
            say(t("cli.chat.not_attached", reason=document.error))
    return thread


def _read(path: Path) -> bytes:
    from agents.errors import UserError
    from builder_ui.cli.common import os_reason

    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError("cli.kb.cannot_read", path=str(path), reason=os_reason(exc)) from None


def _answer_until_done(
    services: Services,
    thread: str,
    request: dict[str, Any] | None,
    model: str | None,
    renderer: _Renderer,
) -> RunResult:
    """Ask the person about each call the conversation waits on, until the turn ends."""
    from builder_ui.cli.approve import ask_decision

    while True:
        decision, args, comment = ask_decision(_ask, request)
        result = show_events(
            services.approve(thread, decision, args=args, comment=comment, model=model),
            renderer,
        )
        if result.outcome != "awaiting_approval":
            return result
        request = result.pending_approval


def _ask(prompt: str) -> str | None:
    """One line from the person, or None at end of input (Ctrl-D) or on Ctrl-C."""
    typer.echo(prompt, nl=False)
    try:
        line = sys.stdin.readline()
    except KeyboardInterrupt:
        line = ""
    if not line:
        typer.echo("")
        return None
    return line
