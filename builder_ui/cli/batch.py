"""Supervised drafting from a terminal:

- ``atelier batch draft AGENT FILE --column message [--context date,service] [--assign team:X]``:
  a file of messages (CSV or XLSX), one draft per row, written now with a progress bar;
- ``atelier batch list``, ``atelier batch status [BATCH]``, ``atelier batch export BATCH -o FILE``
  (CSV or XLSX, from the file's extension);
- ``atelier draft list [--batch BATCH]``, ``atelier draft show|approve|reject|send-back``.

Every command goes through the services, like the builder's "Brouillons" page.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Annotated, Any

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli.common import open_services, print_json, say, table, write_new_file

batch_app = typer.Typer(help=t("cli.batch.help"), no_args_is_help=True)
draft_app = typer.Typer(help=t("cli.draft.help"), no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]
BatchRef = Annotated[str, typer.Argument(metavar="BATCH", help=t("cli.batch.ref"))]
DraftRef = Annotated[str, typer.Argument(metavar="DRAFT", help=t("cli.draft.ref"))]


def _status(status: str) -> str:
    return t(f"drafts.status.{status}")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{_status(s)} {n}" for s, n in sorted(counts.items())) or "-"


@batch_app.command("draft", help=t("cli.batch.draft.help"))
def draft(
    agent: Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))],
    file: Annotated[Path, typer.Argument(metavar="FILE", help=t("cli.batch.file"))],
    column: Annotated[str, typer.Option("--column", "-c", help=t("cli.batch.column"))],
    context: Annotated[str, typer.Option("--context", help=t("cli.batch.context"))] = "",
    assign: Annotated[str, typer.Option("--assign", help=t("cli.batch.assign"))] = "",
    as_json: AsJson = False,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    try:
        data = file.expanduser().read_bytes()
    except OSError:
        raise UserError("file.not_found", path=str(file)) from None
    services = open_services()
    columns = tuple(c.strip() for c in context.split(",") if c.strip())
    batch = services.start_batch(agent, file.name, data, column, columns, assign)
    say(t("cli.batch.started", batch=batch.id, rows=batch.total))
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
    ) as bars:
        task = bars.add_task(t("cli.batch.drafting"), total=batch.total)
        done = services.draft_batch(batch.id, lambda b: bars.update(task, completed=b.drafted))
    if as_json:
        print_json({"batch": done.id, "counts": done.counts})
        return
    typer.echo(t("cli.batch.done", batch=done.id, counts=_counts(done.counts)))


@batch_app.command("retry", help=t("cli.batch.retry.help"))
def retry(
    batch: Annotated[str, typer.Argument(metavar="BATCH", help=t("cli.batch.retry.batch"))],
    as_json: AsJson = False,
) -> None:
    services = open_services()
    queued = services.retry_failed_rows(batch)
    say(t("cli.batch.retry.queued", batch=batch, count=queued))
    done = services.draft_batch(batch)
    if as_json:
        print_json({"batch": done.id, "counts": done.counts})
        return
    typer.echo(t("cli.batch.done", batch=done.id, counts=_counts(done.counts)))


@batch_app.command("list", help=t("cli.batch.list.help"))
def list_batches(as_json: AsJson = False) -> None:
    batches = open_services().batches()
    if as_json:
        print_json([_batch_data(b) for b in batches])
        return
    if not batches:
        say(t("cli.batch.none"))
        return
    headers = [t(f"cli.batch.col.{c}") for c in ("id", "file", "rows", "counts", "created")]
    rows = [
        [b.id, b.file_name, b.total, _counts(b.counts), b.created_at.strftime("%Y-%m-%d %H:%M")]
        for b in batches
    ]
    typer.echo(table(headers, rows))


def _batch_data(batch: Any) -> dict[str, Any]:
    return {
        "id": batch.id,
        "agent": batch.agent_id,
        "file": batch.file_name,
        "rows": batch.total,
        "counts": batch.counts,
        "running": batch.running,
        "created_at": batch.created_at.isoformat(),
    }


@batch_app.command("status", help=t("cli.batch.status.help"))
def status(
    batch: Annotated[str, typer.Argument(metavar="BATCH", help=t("cli.batch.ref"))] = "",
    as_json: AsJson = False,
) -> None:
    services = open_services()
    found = [services.batch(batch)] if batch else services.batches()
    if as_json:
        print_json([_batch_data(b) for b in found])
        return
    if not found:
        say(t("cli.batch.none"))
    for record in found:
        typer.echo(
            t("cli.batch.status", batch=record.id, file=record.file_name,
              done=record.drafted, rows=record.total, counts=_counts(record.counts))
        )  # fmt: skip
        for failed in services.batch_drafts(record.id, "failed"):
            typer.echo(t("cli.batch.failed_row", row=failed.row, error=failed.error))


@batch_app.command("export", help=t("cli.batch.export.help"))
def export(
    batch: BatchRef,
    output: Annotated[Path, typer.Option("--output", "-o", help=t("cli.batch.output"))],
) -> None:
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise UserError("drafts.export_format", fmt=fmt or output.name)
    data = open_services().export_batch(batch, fmt)

    def write(out: IO[bytes]) -> None:
        out.write(data)

    written = write_new_file(output, write)
    say(t("cli.batch.exported", path=str(written)))


# --- drafts ------------------------------------------------------------------------------------


@draft_app.command("list", help=t("cli.draft.list.help"))
def list_drafts(
    batch: Annotated[str, typer.Option("--batch", help=t("cli.batch.ref"))] = "",
    state: Annotated[str, typer.Option("--status", help=t("cli.draft.status"))] = "to_review",
    as_json: AsJson = False,
) -> None:
    drafts = open_services().review_queue(batch or None, state)
    if as_json:
        print_json(
            [{"id": d.id, "batch": d.batch_id, "row": d.row, "status": d.status} for d in drafts]
        )
        return
    if not drafts:
        say(t("cli.draft.none"))
        return
    headers = [t(f"cli.draft.col.{c}") for c in ("id", "batch", "row", "message")]
    rows = [[d.id, d.batch_id or "-", d.row, d.message[:60].replace("\n", " ")] for d in drafts]
    typer.echo(table(headers, rows))


@draft_app.command("show", help=t("cli.draft.show.help"))
def show(draft_id: DraftRef) -> None:
    from builder_ui.services.drafting import inert_export_text

    found = open_services().reply_draft(draft_id)
    typer.echo(t("cli.draft.header", id=found.id, status=_status(found.status)))
    typer.echo(t("cli.draft.message"))
    typer.echo(found.message)
    for name, value in found.context.items():
        typer.echo(f"{name} : {value}")
    typer.echo(t("cli.draft.draft"))
    typer.echo(inert_export_text(found.draft))
    if found.final:
        typer.echo(t("cli.draft.final"))
        typer.echo(inert_export_text(found.final))


@draft_app.command("approve", help=t("cli.draft.approve.help"))
def approve(
    draft_id: DraftRef,
    text: Annotated[str, typer.Option("--text", help=t("cli.draft.text"))] = "",
    from_file: Annotated[Path | None, typer.Option("--file", help=t("cli.draft.file"))] = None,
) -> None:
    final: str | None = text or None
    if from_file is not None:
        try:
            final = from_file.expanduser().read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            raise UserError("file.not_found", path=str(from_file)) from None
    done = open_services().approve_draft(draft_id, final)
    say(t("cli.draft.approved_edited" if done.edited else "cli.draft.approved", id=done.id))


@draft_app.command("reject", help=t("cli.draft.reject.help"))
def reject(
    draft_id: DraftRef,
    reason: Annotated[str, typer.Option("--reason", help=t("cli.draft.reason"))],
) -> None:
    done = open_services().reject_draft(draft_id, reason)
    say(t("cli.draft.rejected", id=done.id))


@draft_app.command("send-back", help=t("cli.draft.send_back.help"))
def send_back(
    draft_id: DraftRef,
    instruction: Annotated[str, typer.Option("--instruction", help=t("cli.draft.instruction"))],
) -> None:
    done = open_services().send_back_draft(draft_id, instruction)
    say(t("cli.draft.sent_back", id=done.id, status=_status(done.status)))
