"""A batch's replies as a file: each row of the original file (its message and the columns
chosen with it), then its status, the approved reply, and a rejection's reason.

Every text written goes through ``safe_text`` (links and images of the model's output made
inert), and a cell that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``
first) is written as text. CSV: UTF-8 with a BOM and ``;`` between values, as Excel in France
expects; XLSX: one sheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from agents.i18n import t

if TYPE_CHECKING:
    from store.reply_draft_records import BatchRecord, DraftRecord

_IMAGE: Final = re.compile(r"!\[([^\]]*)\]\(\s*<?[^)\s>]*>?(?:\s+\"[^\"]*\")?\s*\)")
_LINK: Final = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*<?[^)\s>]*>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE: Final = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_FORMULA: Final = ("=", "+", "-", "@", "\t", "\r")


def _inert_markdown_minimal(text: str) -> str:
    """Markdown images and links reduced to their words (``![x](u)`` -> ``x``, ``[x](u)`` ->
    ``x``), reference definitions dropped: no address the model wrote survives as a live
    link or an image that a viewer would fetch."""
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    return _REFERENCE.sub("", text)


# SWAP (lead): the one call site of the inert-output function; replace by helper H2's
# ``safe_text`` once it is on main.
safe_text = _inert_markdown_minimal


def _cell(text: str) -> str:
    text = safe_text(text)
    return "'" + text if text.startswith(_FORMULA) else text


def export_rows(
    batch: BatchRecord, drafts: Sequence[DraftRecord], lang: str | None = None
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows, in row order."""
    header = [
        t("batch.export.row", lang),
        batch.message_column,
        *batch.context_columns,
        t("batch.export.status", lang),
        t("batch.export.reply", lang),
        t("batch.export.reason", lang),
    ]
    rows = []
    for draft in sorted(drafts, key=lambda d: d.row):
        reply = draft.final if draft.status == "approved" else ""
        rows.append(
            [
                str(draft.row),
                _cell(draft.message),
                *(_cell(draft.context.get(c, "")) for c in batch.context_columns),
                t(f"drafts.status.{draft.status}", lang),
                _cell(reply),
                _cell(draft.reason if draft.status == "rejected" else draft.error),
            ]
        )
    return [_cell(h) for h in header], rows


def as_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(header: list[str], rows: list[list[str]], title: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = (re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Réponses")[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            cell.data_type = "s"  # text, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
