"""Supervised drafting from a terminal, over the same services as the builder's pages:

- ``atelier batch draft AGENT FILE --column message [--context date,service] [--assign X]``:
  a batch of the file's rows, drafted here with a progress bar; prints the batch's id;
- ``atelier batch resume|status|list|export|cancel|delete``;
- ``atelier draft list|show|approve|reject|send-back``: the review queue;
- ``atelier draft measures [AGENT]`` and ``atelier draft pairs AGENT -o FILE``.

Data (ids, tables, JSON) goes to stdout; notes and progress to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from agents.i18n import t
from builder_ui.cli.common import open_services, print_json, say, table

if TYPE_CHECKING:
    from builder_ui.services.drafting import OversightFigures
    from builder_ui.services.installation import Services
    from store.reply_draft_records import BatchRecord, DraftRecord

batch_app = typer.Typer(help=t("cli.help.batch"), no_args_is_help=True)
draft_app = typer.Typer(help=t("cli.help.draft"), no_args_is_help=True)

BatchRef = Annotated[str, typer.Argument(metavar="BATCH", help=t("cli.help.batch_ref"))]
DraftRef = Annotated[str, typer.Argument(metavar="DRAFT", help=t("cli.help.draft_ref"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]
Output = Annotated[
    Path, typer.Option("--output", "-o", metavar="FILE", help=t("cli.help.batch_output"))
]
SHOWN = 60  # characters of a message or draft in a table


# --- batches -----------------------------------------------------------------------------------


@batch_app.command("draft", help=t("cli.help.batch_draft"))
def draft_file(
    agent: Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))],
    file: Annotated[Path, typer.Argument(metavar="FILE", help=t("cli.help.batch_file"))],
    column: Annotated[
        str, typer.Option("--column", "-c", metavar="NAME", help=t("cli.help.batch_column"))
    ],
    context: Annotated[
        str, typer.Option("--context", metavar="A,B", help=t("cli.help.batch_context"))
    ] = "",
    assign: Annotated[
        str, typer.Option("--assign", metavar="WHO", help=t("cli.help.batch_assign"))
    ] = "",
    as_json: AsJson = False,
) -> None:
    from agents.errors import UserError
    from builder_ui.cli.common import os_reason

    try:
        data = file.expanduser().read_bytes()
    except OSError as exc:
        raise UserError("cli.batch.cannot_read", path=str(file), reason=os_reason(exc)) from exc
    services = open_services()
    columns = [c.strip() for c in context.split(",") if c.strip()]
    batch = services.start_batch(agent, file.name, data, column, columns, assign)
    say(t("cli.batch.started", id=batch.id, rows=batch.total))
    _finish(services, _drafted(services, batch), as_json)


@batch_app.command("resume", help=t("cli.help.batch_resume"))
def resume(batch: BatchRef, as_json: AsJson = False) -> None:
    services = open_services()
    _finish(services, _drafted(services, services.batch(batch), retry=True), as_json)


@batch_app.command("status", help=t("cli.help.batch_status"))
def status(
    batch: Annotated[
        str | None, typer.Argument(metavar="[BATCH]", help=t("cli.help.batch_ref"))
    ] = None,
    as_json: AsJson = False,
) -> None:
    services = open_services()
    if batch is None:
        list_batches(as_json)
        return
    found = services.batch(batch)
    failed = services.batch_drafts(found.id, ["failed"])
    if as_json:
        print_json({**_batch_data(found), "failed": [_draft_data(d) for d in failed]})
        return
    typer.echo(_batch_line(found))
    for name, count in sorted(found.counts.items()):
        typer.echo(f"  {t(f'drafts.status.{name}')} : {count}")
    for draft in failed:
        typer.echo(t("cli.batch.failed_row", row=draft.row, error=draft.error))


@batch_app.command("list", help=t("cli.help.batch_list"))
def list_batches(as_json: AsJson = False) -> None:
    batches = open_services().batches()
    if as_json:
        print_json([_batch_data(b) for b in batches])
        return
    if not batches:
        say(t("cli.batch.none"))
        return
    headers = [t(f"cli.batch.col.{c}") for c in ("id", "file", "agent", "rows", "status", "todo")]
    rows = [
        (
            b.id,
            b.file_name,
            b.agent_id,
            b.total,
            t(f"batch.status.{b.status}"),
            b.counts.get("to_review", 0),
        )
        for b in batches
    ]
    typer.echo(table(headers, rows))


@batch_app.command("export", help=t("cli.help.batch_export"))
def export(
    batch: BatchRef,
    output: Output,
    approved_only: Annotated[
        bool, typer.Option("--approved-only", help=t("cli.help.batch_approved_only"))
    ] = False,
) -> None:
    from agents.errors import UserError
    from builder_ui.cli.common import write_new_file

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise UserError("batch.err.export_format", fmt=output.suffix or output.name)
    data = open_services().export_batch(batch, fmt, approved_only)  # type: ignore[arg-type]
    written = write_new_file(output, lambda handle: _write(handle, data))
    say(t("cli.batch.exported", path=str(written)))


@batch_app.command("cancel", help=t("cli.help.batch_cancel"))
def cancel(batch: BatchRef) -> None:
    done = open_services().cancel_batch(batch)
    say(t("cli.batch.cancelled", id=done.id, todo=done.counts.get("queued", 0)))


@batch_app.command("delete", help=t("cli.help.batch_delete"))
def delete(
    batch: BatchRef,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=t("cli.help.yes"))] = False,
) -> None:
    from builder_ui.cli.common import ask_yes_no

    services = open_services()
    found = services.batch(batch)
    if not yes and not ask_yes_no(t("cli.batch.delete_confirm", id=found.id, rows=found.total)):
        say(t("cli.batch.delete_kept"))
        raise typer.Exit(1)
    erased = services.delete_batch(found.id)
    say(t("cli.batch.deleted", id=found.id, rows=erased))


def _write(handle: IO[bytes], data: bytes) -> None:
    handle.write(data)


def _drafted(services: Services, batch: BatchRecord, retry: bool = False) -> BatchRecord:
    """``draft_batch`` with a progress bar on stderr at a terminal, else a line every tenth."""
    todo = sum(batch.counts.get(s, 0) for s in ("queued", "sent_back", "drafting"))
    todo += batch.counts.get("failed", 0) if retry else 0
    bar = _bar(todo)
    if bar is None:
        seen = [0]

        def lines(current: BatchRecord) -> None:
            seen[0] += 1
            if seen[0] % 10 == 0 or seen[0] == todo:
                say(t("cli.batch.progress", done=seen[0], total=todo))

        return services.draft_batch(batch.id, lines, retry_failed=retry)
    progress, task = bar
    with progress:
        return services.draft_batch(batch.id, lambda _: progress.advance(task), retry_failed=retry)


def _bar(total: int) -> tuple[Any, Any] | None:
    try:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    except ImportError:
        return None
    console = Console(stderr=True)
    if not console.is_terminal or total == 0:
        return None
    progress = Progress(
        TextColumn(t("cli.batch.bar")), BarColumn(), MofNCompleteColumn(), console=console
    )
    return progress, progress.add_task("", total=total)


def _finish(services: Services, batch: BatchRecord, as_json: bool) -> None:
    if as_json:
        print_json(_batch_data(batch))
        return
    typer.echo(batch.id)
    counts = ", ".join(f"{t(f'drafts.status.{k}')} {v}" for k, v in sorted(batch.counts.items()))
    say(t("cli.batch.done", id=batch.id, counts=counts))
    if batch.counts.get("failed"):
        say(t("cli.batch.some_failed", id=batch.id))
    if batch.counts.get("to_review"):
        say(t("cli.batch.next", id=batch.id))


# --- drafts ------------------------------------------------------------------------------------


@draft_app.command("list", help=t("cli.help.draft_list"))
def list_drafts(
    batch: Annotated[
        str | None, typer.Option("--batch", "-b", metavar="BATCH", help=t("cli.help.batch_ref"))
    ] = None,
    every: Annotated[bool, typer.Option("--all", help=t("cli.help.draft_all"))] = False,
    as_json: AsJson = False,
) -> None:
    services = open_services()
    if every and batch is not None:
        drafts = services.batch_drafts(batch)
    else:
        drafts = services.review_queue(batch, mine=not every)
    if as_json:
        print_json([_draft_data(d) for d in drafts])
        return
    if not drafts:
        say(t("cli.draft.none"))
        return
    headers = [t(f"cli.draft.col.{c}") for c in ("id", "row", "status", "message", "draft")]
    rows = [
        (
            d.id,
            d.row if d.batch_id else "-",
            t(f"drafts.status.{d.status}"),
            _short(d.message),
            _short(d.draft),
        )
        for d in drafts
    ]
    typer.echo(table(headers, rows))


@draft_app.command("show", help=t("cli.help.draft_show"))
def show(draft: DraftRef, as_json: AsJson = False) -> None:
    found = open_services().reply_draft(draft)
    if as_json:
        print_json(_draft_data(found))
        return
    lines = [
        f"{found.id} · {t(f'drafts.status.{found.status}')}",
        t("cli.draft.where_batch", batch=found.batch_id, row=found.row)
        if found.batch_id
        else t("cli.draft.where_chat", thread=found.thread_id),
        "",
        t("cli.draft.message"),
        found.message,
    ]
    for name, value in found.context.items():
        lines.append(f"  {name} : {value}")
    lines += ["", t("cli.draft.draft"), found.draft or "-"]
    if found.status == "approved":
        lines += ["", t("cli.draft.final"), found.final]
    if found.reason:
        lines += ["", t("cli.draft.reason", reason=found.reason)]
    if found.instruction:
        lines += ["", t("cli.draft.instruction", instruction=found.instruction)]
    if found.error:
        lines += ["", t("cli.draft.error", error=found.error)]
    if found.decided_by:
        lines += ["", t("cli.draft.decided", by=found.decided_by, at=_when(found))]
    typer.echo("\n".join(lines))


@draft_app.command("approve", help=t("cli.help.draft_approve"))
def approve(
    draft: DraftRef,
    text: Annotated[
        str | None, typer.Option("--text", metavar="TEXT", help=t("cli.help.draft_text"))
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", metavar="FILE", help=t("cli.help.draft_file"))
    ] = None,
) -> None:
    from agents.errors import UserError
    from builder_ui.cli.common import os_reason

    final = text
    if file is not None:
        if text is not None:
            raise UserError("cli.draft.text_or_file")
        try:
            final = file.expanduser().read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = os_reason(exc) if isinstance(exc, OSError) else "UTF-8"
            raise UserError("cli.batch.cannot_read", path=str(file), reason=reason) from exc
    done = open_services().approve_draft(draft, final)
    say(t("cli.draft.approved_edited" if done.edited else "cli.draft.approved", id=done.id))


@draft_app.command("reject", help=t("cli.help.draft_reject"))
def reject(
    draft: DraftRef,
    reason: Annotated[
        str, typer.Option("--reason", "-r", metavar="TEXT", help=t("cli.help.draft_reason"))
    ] = "",
) -> None:
    done = open_services().reject_draft(draft, reason)
    say(t("cli.draft.rejected", id=done.id))


@draft_app.command("send-back", help=t("cli.help.draft_send_back"))
def send_back(
    draft: DraftRef,
    instruction: Annotated[
        str,
        typer.Option("--instruction", "-i", metavar="TEXT", help=t("cli.help.draft_instruction")),
    ] = "",
) -> None:
    done = open_services().send_back_draft(draft, instruction, wait=True)
    if done.status == "to_review":
        say(t("cli.draft.redrafted", id=done.id))
        typer.echo(done.draft)
    elif done.status == "failed":
        say(t("cli.draft.redraft_failed", id=done.id, error=done.error))
    else:
        say(t("cli.draft.sent_back", id=done.id))


@draft_app.command("measures", help=t("cli.help.draft_measures"))
def measures(
    agent: Annotated[
        str | None, typer.Argument(metavar="[AGENT]", help=t("cli.help.agent_ref"))
    ] = None,
    as_json: AsJson = False,
) -> None:
    from dataclasses import asdict

    found = open_services().oversight_measures(agent)
    if as_json:
        data = asdict(found)
        data.pop("edits")
        print_json(data)
        return
    headers = [t(f"cli.draft.measures.{c}") for c in COLUMNS]
    rows = [_figures_row(t("cli.draft.measures.all"), found.overall)]
    rows += [_figures_row(found.agent_names.get(k, k), v) for k, v in found.by_agent.items()]
    typer.echo(table(headers, rows))
    if found.by_reviewer:
        typer.echo("")
        headers[0] = t("cli.draft.measures.reviewer")
        rows = [_figures_row(k, v) for k, v in found.by_reviewer.items()]
        typer.echo(table(headers, rows))


@draft_app.command("pairs", help=t("cli.help.draft_pairs"))
def pairs(
    agent: Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))],
    output: Output,
) -> None:
    from builder_ui.cli.common import write_new_file

    data = open_services().draft_pairs(agent)
    written = write_new_file(output, lambda handle: _write(handle, data))
    say(t("cli.draft.pairs_written", path=str(written), count=data.count(b"\n")))


COLUMNS = ("who", "decided", "unchanged", "edited", "rejected", "edit", "time")


def _figures_row(name: str, figures: OversightFigures) -> list[str]:
    seconds = figures.median_seconds
    return [
        name,
        str(figures.decided),
        f"{figures.approved_unchanged} ({figures.share_unchanged:.0%})",
        f"{figures.approved_edited} ({figures.share_edited:.0%})",
        f"{figures.rejected} ({figures.share_rejected:.0%})",
        f"{figures.mean_edit:.2f} / {figures.median_edit:.2f}",
        "-" if seconds is None else _duration(seconds),
    ]


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SHOWN else line[: SHOWN - 1] + "…"


def _when(draft: DraftRecord) -> str:
    return draft.decided_at.astimezone().strftime("%Y-%m-%d %H:%M") if draft.decided_at else ""


def _batch_line(batch: BatchRecord) -> str:
    return t(
        "cli.batch.line",
        id=batch.id,
        file=batch.file_name,
        rows=batch.total,
        status=t(f"batch.status.{batch.status}"),
    )


def _batch_data(batch: BatchRecord) -> dict[str, Any]:
    return {
        "id": batch.id,
        "agent": batch.agent_id,
        "owner": batch.owner,
        "file": batch.file_name,
        "message_column": batch.message_column,
        "context_columns": list(batch.context_columns),
        "assignee": batch.assignee,
        "created_at": batch.created_at.isoformat(),
        "status": batch.status,
        "counts": dict(batch.counts),
        "total": batch.total,
    }


def _draft_data(draft: DraftRecord) -> dict[str, Any]:
    return {
        "id": draft.id,
        "agent": draft.agent_id,
        "version": draft.agent_version,
        "batch": draft.batch_id,
        "row": draft.row,
        "thread": draft.thread_id,
        "requester": draft.requester,
        "assignee": draft.assignee,
        "status": draft.status,
        "message": draft.message,
        "context": draft.context,
        "draft": draft.draft,
        "final": draft.final,
        "reason": draft.reason,
        "instruction": draft.instruction,
        "error": draft.error,
        "attempts": draft.attempts,
        "created_at": draft.created_at.isoformat(),
        "drafted_at": draft.drafted_at.isoformat() if draft.drafted_at else None,
        "decided_at": draft.decided_at.isoformat() if draft.decided_at else None,
        "decided_by": draft.decided_by,
    }
