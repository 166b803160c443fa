"""``atelier audit list|verify|export``: the audit log, for administrators.

Every command goes through ``Workspace.audit``, which refuses anyone but an administrator.
``verify`` exits 1 when the chain is broken, naming the first entry found changed, removed or
added, so that a scheduled check can alert.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli.common import fail, print_json, say, table, write_new_file

if TYPE_CHECKING:
    from store.audit import AuditEntry
    from store.audit_journal import AuditJournal

audit_app = typer.Typer(help=t("cli.help.audit"), no_args_is_help=True)

Since = Annotated[str, typer.Option("--since", metavar="DATE", help=t("cli.help.audit_since"))]
Until = Annotated[str, typer.Option("--until", metavar="DATE", help=t("cli.help.audit_until"))]


def _journal() -> AuditJournal:
    from store.workspace import open_workspace

    return open_workspace().audit


def parse_day(raw: str, *, end: bool = False) -> datetime | None:
    """``2026-03-01`` (the whole day: from its start, or with ``end`` until its end) or an
    ISO time (``2026-03-01T14:30``); a time without a zone is the local one."""
    text = raw.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError("audit.bad_date", value=raw) from None
    if len(text) == 10 and end:  # a date alone: up to the end of that day
        moment = datetime.combine(moment.date(), time.max)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment


def _row(entry: AuditEntry) -> dict[str, object]:
    data = entry.as_dict()
    del data["prev_hash"]
    return data


def _details(entry: AuditEntry) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(entry.details.items()))


@audit_app.command("list", help=t("cli.help.audit_list"))
def list_entries(
    actor: Annotated[str, typer.Option("--actor", help=t("cli.help.audit_actor"))] = "",
    action: Annotated[str, typer.Option("--action", help=t("cli.help.audit_action"))] = "",
    target: Annotated[str, typer.Option("--target", help=t("cli.help.audit_target"))] = "",
    since: Since = "",
    until: Until = "",
    limit: Annotated[int, typer.Option("--limit", min=1, help=t("cli.help.audit_limit"))] = 50,
    as_json: Annotated[bool, typer.Option("--json", help=t("cli.help.json"))] = False,
) -> None:
    entries = _journal().entries(
        actor=actor,
        action=action,
        target_id=target,
        since=parse_day(since),
        until=parse_day(until, end=True),
        limit=limit,
    )
    if as_json:
        print_json([_row(e) for e in entries])
        return
    if not entries:
        say(t("cli.audit.none"))
        return
    headers = [t(f"cli.audit.col.{c}") for c in ("seq", "at", "actor", "action", "target")]
    headers += [t("cli.audit.col.origin"), t("cli.audit.col.details")]
    rows = [
        [
            e.seq,
            e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            f"{e.target_kind}:{e.target_id}" if e.target_id else e.target_kind,
            e.origin,
            _details(e),
        ]
        for e in entries
    ]
    typer.echo(table(headers, rows))


@audit_app.command("verify", help=t("cli.help.audit_verify"))
def verify() -> None:
    verdict = _journal().verify()
    if verdict.ok:
        typer.echo(t("cli.audit.intact", count=verdict.count, head=verdict.head.hash))
        return
    problem = t(f"audit.problem.{verdict.problem}", seq=verdict.seq)
    fail(t("cli.audit.broken", problem=problem, count=verdict.head.count), 1)


@audit_app.command("export", help=t("cli.help.audit_export"))
def export(
    fmt: Annotated[
        str, typer.Option("--format", metavar="jsonl|csv", help=t("cli.help.audit_format"))
    ] = "jsonl",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help=t("cli.help.audit_output")),
    ] = None,
) -> None:
    lines = _journal().export(fmt)
    if output is None:
        for line in lines:
            typer.echo(line, nl=False)
        return
    write_new_file(output, lambda handle: handle.writelines(x.encode("utf-8") for x in lines))
    say(t("cli.audit.exported", path=str(output)))
