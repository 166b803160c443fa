"""Reading a file of messages for a batch: a CSV or an XLSX, one message per row, the first row
naming the columns.

CSV files come as spreadsheets write them: UTF-8 with or without a BOM, Windows-1252 (Latin-1)
from Excel in France, ``;`` or ``,`` or tabs between values; the knowledge parsers' decoding
and separator sniffing are used (``store.knowledge.parsers``). XLSX: the first sheet, read
only (formulas' last values). Past ``MAX_ROWS`` rows the file is refused with a plain message
before anything is created; empty rows are skipped; a header cell left empty is named by its
column letter (``Colonne C``), a repeated one gets a number (``date (2)``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Final

from agents.errors import UserError

MAX_ROWS: Final = 5_000
MAX_BYTES: Final = 20 * 1024 * 1024
MAX_CELL: Final = 20_000
FORMATS: Final = (".csv", ".tsv", ".xlsx")


@dataclass(frozen=True)
class TablePreview:
    """The columns of a file of messages, its first rows and how many it has."""

    file_name: str
    columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class MessageTable:
    file_name: str
    columns: list[str]
    rows: list[dict[str, str]]  # by column name; every column present

    def preview(self, rows: int = 5) -> TablePreview:
        return TablePreview(self.file_name, self.columns, self.rows[: max(rows, 0)], len(self.rows))

    def column(self, name: str) -> str:
        """The column named ``name`` (case and surrounding spaces aside)."""
        wanted = name.strip().casefold()
        for column in self.columns:
            if column.casefold() == wanted:
                return column
        raise UserError("batch.err.no_column", column=name, columns=", ".join(self.columns) or "-")


def read_table(file_name: str, data: bytes) -> MessageTable:
    """The file's rows by column; ``UserError`` (``batch.err.*``) when it cannot be a file
    of messages."""
    name = PurePath(file_name).name or "messages"
    suffix = PurePath(name).suffix.lower()
    if suffix not in FORMATS:
        raise UserError("batch.err.format", name=name)
    if not data.strip():
        raise UserError("batch.err.empty", name=name)
    if len(data) > MAX_BYTES:
        raise UserError("batch.err.too_big", name=name, limit=MAX_BYTES // (1024 * 1024))
    raw = _xlsx_rows(name, data) if suffix == ".xlsx" else _csv_rows(name, data)
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for number, values in enumerate(raw):
        if not any(values):
            continue
        if header is None:
            while values and not values[-1]:
                values = values[:-1]  # a spreadsheet's empty columns on the right
            header = _names(values)
            continue
        if len(rows) >= MAX_ROWS:
            raise UserError("batch.err.too_many_rows", name=name, limit=MAX_ROWS)
        if any(values[len(header) :]):
            raise UserError(
                "batch.err.extra_values", name=name, line=number + 1, columns=len(header)
            )
        cells = values + [""] * (len(header) - len(values))
        rows.append({column: cells[i][:MAX_CELL] for i, column in enumerate(header)})
    if header is None or not rows:
        raise UserError("batch.err.no_rows", name=name)
    return MessageTable(name, header, rows)


def _csv_rows(name: str, data: bytes) -> Iterator[list[str]]:
    from store.knowledge.parsers.common import decode_text
    from store.knowledge.parsers.tabular import rows_of

    text = decode_text(data)
    if text is None:
        raise UserError("batch.err.not_text", name=name)
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    try:
        for row in rows_of(text, name):
            yield [_cell(value) for value in row]
    except csv.Error as exc:
        raise UserError("batch.err.unreadable", name=name, reason=str(exc)) from None


def _xlsx_rows(name: str, data: bytes) -> Iterator[list[str]]:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UserError("batch.err.unreadable", name=name, reason="XLSX") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return text.replace("\r\n", "\n").strip()


def _names(values: list[str]) -> list[str]:
    names: list[str] = []
    for i, value in enumerate(values):
        base = " ".join(value.split()) or f"Colonne {_letter(i)}"
        name, n = base, 2
        while name.casefold() in {x.casefold() for x in names}:
            name, n = f"{base} ({n})", n + 1
        names.append(name)
    return names


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
