"""``atelier approve``: a person's answer to the tool call a conversation waits on, and the same
question asked interactively in ``atelier chat``. Both go through ``Services.approve``, like the
builder's Approve, Edit and Reject buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli.common import open_services, parse_json_object, print_json, say
from builder_ui.cli.run import ModelOpt, _Renderer, result_json, show_events

DecisionOpt = Annotated[
    str, typer.Option("--decision", metavar="DECISION", help=t("cli.help.decision"))
]


def approve(
    thread: Annotated[str, typer.Argument(metavar="THREAD", help=t("cli.help.thread"))],
    decision: DecisionOpt,
    args: Annotated[
        str | None, typer.Option("--args", metavar="JSON", help=t("cli.help.approve_args"))
    ] = None,
    comment: Annotated[str, typer.Option("--comment", help=t("cli.help.comment"))] = "",
    model: ModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help=t("cli.help.run_json"))] = False,
) -> None:
    parsed = parse_args(args)
    if parsed is not None and decision == "approve":
        decision = "edit"  # new arguments given: the call runs with them
    services = open_services()
    events = services.approve(
        thread, decision, args=parsed, comment=comment, model=model, tokens=not as_json
    )
    result = show_events(events, None if as_json else _Renderer())
    if as_json:
        print_json(result_json(result))
    elif result.outcome == "awaiting_approval":
        say(t("cli.approval.how", thread=result.thread))
    if result.outcome == "model_error":
        say(result.error)
        raise typer.Exit(1)


def parse_args(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return parse_json_object(text, "--args", '{"to": "contact@example.org"}')


def ask_decision(
    ask: Callable[[str], str | None],
) -> tuple[str, dict[str, Any] | None, str]:
    """Asks at the terminal until the answer is usable; end of input rejects the call."""
    while True:
        line = ask(t("cli.approval.ask"))
        if line is None:
            return "reject", None, t("cli.approval.no_answer")
        choice = line.strip().lower()[:1]
        if choice in ("a", "o", "y"):
            return "approve", None, ""
        if choice == "r":
            comment = ask(t("cli.approval.reason")) or ""
            return "reject", None, comment.strip()
        if choice == "m" or choice == "e":
            try:
                args = parse_args((ask(t("cli.approval.new_args")) or "").strip())
            except UserError as exc:
                say(exc.message())
                continue
            return "edit", args, ""
        say(t("cli.approval.unknown"))
