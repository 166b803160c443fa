"""Files of messages in and replies out: the CSV or XLSX a person imports for a batch of drafts,
and the one they export once the replies are approved.

A CSV is read as people's tools write it in France: UTF-8 (with or without its mark) or
Windows-1252, separated by commas, semicolons or tabs. An XLSX is read from its first sheet,
its values only (no formula is run). The first row names the columns. Every problem is said in
plain words, before anything is created.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Final

from agents.errors import UserError
from store.reply_draft_records import DraftRecord
from store.reply_drafts import MAX_ROWS

MAX_FILE_BYTES: Final = 20_000_000
PREVIEW_ROWS: Final = 5


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[dict[str, str]]


def read_table(file_name: str, data: bytes) -> Table:
    if not data.strip():
        raise UserError("drafts.file_empty", name=file_name)
    if len(data) > MAX_FILE_BYTES:
        raise UserError("drafts.file_too_large", name=file_name, limit=MAX_FILE_BYTES // 1_000_000)
    lowered = file_name.lower()
    if lowered.endswith(".xlsx"):
        table = _xlsx(file_name, data)
    elif lowered.endswith((".csv", ".tsv", ".txt")):
        table = _csv(file_name, data)
    else:
        raise UserError("drafts.file_kind", name=file_name)
    if not table.columns:
        raise UserError("drafts.file_empty", name=file_name)
    if len(table.rows) > MAX_ROWS:
        raise UserError("drafts.too_many_rows", count=len(table.rows), limit=MAX_ROWS)
    return table


def _text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _csv(file_name: str, data: bytes) -> Table:
    text = _text(data)
    sample = text[:20_000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        lines = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise UserError("drafts.file_unreadable", name=file_name, problem=str(exc)[:200]) from None
    return _table([[str(c) for c in line] for line in lines], file_name)


def _xlsx(file_name: str, data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise UserError("drafts.file_unreadable", name=file_name, problem="XLSX") from None
    try:
        sheet = book.worksheets[0]
        lines = []
        for values in sheet.iter_rows(values_only=True):
            lines.append([_shown(v) for v in values])
            if len(lines) > MAX_ROWS + 1:
                break
    finally:
        book.close()
    return _table(lines, file_name)


def _shown(value: object) -> str:
    """A spreadsheet cell as people see it: a date as a date, a whole number without ".0"."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(lines: list[list[str]], file_name: str) -> Table:
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        return Table([], [])
    first = list(lines[0])
    while first and not first[-1].strip():
        first.pop()  # a spreadsheet's empty columns on the right
    header = [c.strip() or f"colonne {i + 1}" for i, c in enumerate(first)]
    for number, line in enumerate(lines[1:], start=2):
        if any(cell.strip() for cell in line[len(header) :]):
            # A separator too many, or a text holding it unquoted: its values would be cut.
            raise UserError(
                "drafts.file_extra_values", name=file_name, line=number, columns=len(header)
            )
    seen: dict[str, int] = {}
    columns = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        columns.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    rows = [
        {column: (line[i].strip() if i < len(line) else "") for i, column in enumerate(columns)}
        for line in lines[1:]
    ]
    return Table(columns, rows)


# --- export ----------------------------------------------------------------------------------

EXPORT_COLUMNS: Final = ("status", "reply", "draft", "reviewer", "decided_at", "reason")


def export_rows(
    drafts: list[DraftRecord], context_columns: tuple[str, ...], message_column: str
) -> tuple[list[str], list[list[str]]]:
    """The table exported: each row's columns, then its status, the reply (the approved text)
    and what the person decided."""
    from agents.i18n import t

    header = [message_column, *context_columns, *(t(f"drafts.export.{c}") for c in EXPORT_COLUMNS)]
    body = []
    for draft in drafts:
        body.append(
            [
                draft.message,
                *(draft.context.get(c, "") for c in context_columns),
                t(f"drafts.status.{draft.status}"),
                draft.final if draft.status == "approved" else "",
                draft.draft,
                draft.decided_by,
                draft.decided_at.strftime("%Y-%m-%d %H:%M") if draft.decided_at else "",
                draft.reason or draft.error,
            ]
        )
    return header, body


def as_csv(header: list[str], body: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in body])
    return out.getvalue().encode("utf-8-sig")  # Excel in France opens it as it is


def as_xlsx(header: list[str], body: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Réponses")
    sheet.append(header)
    for row in body:
        sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: str) -> str:
    """No cell starts a formula in the spreadsheet that opens the export (text that begins
    with = + - @ is kept as text)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
