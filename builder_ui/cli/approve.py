"""``atelier approve``: a person's answer to the tool call a conversation waits on, and the same
question asked interactively in ``atelier chat``. Both go through ``Services.approve``, like the
builder's Approve, Edit and Reject buttons."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli.common import YES, open_services, parse_json_object, print_json, say
from builder_ui.cli.run import ModelOpt, _Renderer, result_json, show_events

# The choices after a crash, as ``agents.approvals.OUTCOME_CHOICES`` (not imported at start-up:
# ``atelier --help`` stays quick).
OUTCOME_CHOICES = ("mark_done", "run_again", "cancel")
INDENT = "   "
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
        say(how_to_answer(result.pending_approval, result.thread))
    if result.outcome == "model_error":
        say(result.error)
        raise typer.Exit(1)


def parse_args(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return parse_json_object(text, "--args", '{"to": "contact@example.org"}')


def request_lines(request: Mapping[str, Any]) -> list[str]:
    """What a person reads before answering, one line each: the question, what the tool does
    (its declared effects) and its arguments as labelled values (``agents.approvals``), never
    raw JSON."""
    from agents.approvals import argument_rows, effect_lines

    tool = str(request.get("title") or request.get("tool") or "")
    if request.get("kind") == "outcome_unknown":
        lines = [t("cli.approval.outcome_unknown", tool=tool)]
    else:
        lines = [t("cli.approval.pending", tool=tool)]
        if request.get("reason") == "unknown_address" and request.get("address"):
            lines.append(INDENT + t("cli.approval.unknown_address", address=request["address"]))
    lines += [f"{INDENT}• {line}" for line in effect_lines(request.get("effects") or [])]
    rows = [
        t("cli.approval.row", label=label, value=value) for label, value in argument_rows(request)
    ]
    lines += [INDENT + row for row in rows] or [INDENT + t("cli.approval.no_args")]
    if request.get("kind") == "outcome_unknown":
        lines.append(t("cli.approval.outcome_help"))
    return lines


def how_to_answer(request: Mapping[str, Any] | None, thread: str) -> str:
    """The ``atelier approve`` command that answers ``request``."""
    if request is not None and request.get("kind") == "outcome_unknown":
        return t("cli.approval.how_outcome", thread=thread)
    return t("cli.approval.how", thread=thread)


Decision = tuple[str, dict[str, Any] | None, str]


def ask_decision(
    ask: Callable[[str], str | None], request: Mapping[str, Any] | None = None
) -> Decision:
    """Asks at the terminal until the answer is usable; end of input rejects the call (and
    never runs again an action whose outcome is unknown)."""
    if request is not None and request.get("kind") == "outcome_unknown":
        return _ask_outcome(ask)
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


def _ask_outcome(ask: Callable[[str], str | None]) -> Decision:
    """Done, run again or cancel, by the first letter of the word in the person's language
    (or the word, or the choice's own name). Running again asks once more: the action may
    then happen twice."""
    words = {choice: t(f"cli.approval.outcome.{choice}") for choice in OUTCOME_CHOICES}
    choices = " / ".join(f"[{word[:1]}]{word[1:]}" for word in words.values())
    while True:
        line = ask(t("cli.approval.outcome_ask", choices=choices))
        if line is None:
            return "cancel", None, t("cli.approval.no_answer")
        answer = line.strip().casefold()
        chosen = next(
            (
                choice
                for choice, word in words.items()
                if answer and answer in (word[:1].casefold(), word.casefold(), choice)
            ),
            None,
        )
        if chosen is None:
            say(t("cli.approval.outcome_again", **{c: w[:1] for c, w in words.items()}))
            continue
        if chosen == "run_again":
            confirmed = (ask(t("cli.approval.run_again_confirm")) or "").strip().casefold()
            if confirmed not in YES:
                continue
        return chosen, None, ""
