"""PowerPoint (.pptx) and Excel (.xlsx).

A slide's number is its page; its title heads its text frames, tables and speaker notes. A sheet's
name heads its rows; each row names its values by the sheet's header row, like a CSV.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

import openpyxl
from pptx import Presentation

from store.knowledge.parsers.common import (
    clean,
    looks_like_header,
    property_title,
    row_text,
    zip_has,
)
from store.knowledge.parsing import Parser, RowCounter, check_deadline, check_pages
from store.knowledge.records import Limits, ParsedDocument, Section

# ----------------------------------------------------------------------------- PowerPoint


def parse_pptx(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    presentation = Presentation(io.BytesIO(data))
    slides = list(presentation.slides)
    check_pages(len(slides), limits)
    sections: list[Section] = []
    for number, slide in enumerate(slides, start=1):
        check_deadline()
        sections.extend(_slide_sections(slide, number))
    title = next((s.text for s in sections if s.kind == "heading"), "")
    title = title or property_title(presentation.core_properties.title, filename)
    return ParsedDocument(title=title, sections=sections, pages=len(slides), format="pptx")


def _slide_sections(slide: Any, number: int) -> list[Section]:
    title_shape = slide.shapes.title
    title = clean(title_shape.text_frame.text) if title_shape is not None else ""
    path = (title,) if title else ()
    sections = [Section(title, "heading", page=number, level=1)] if title else []
    title_id = title_shape.shape_id if title_shape is not None else None
    for shape in _shapes(slide.shapes):
        if shape.shape_id == title_id:
            continue
        if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            text = _frame_text(shape.text_frame)
            if text:
                sections.append(Section(text, "slide", page=number, heading_path=path))
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = [[clean(cell.text) for cell in row.cells] for row in shape.table.rows]
            sections.extend(
                Section(text, "table_row", page=number, heading_path=path)
                for text in _rows_with_headers(rows)
            )
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = _frame_text(slide.notes_slide.notes_text_frame)
        if notes:
            sections.append(Section(notes, "paragraph", page=number, heading_path=path))
    return sections


def _shapes(shapes: Iterable[Any]) -> Iterator[Any]:
    """Shapes top to bottom, then left to right, looking inside groups."""

    def position(shape: Any) -> tuple[int, int]:
        return (shape.top or 0, shape.left or 0)

    for shape in sorted(shapes, key=position):
        if hasattr(shape, "shapes"):  # a group
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _frame_text(frame: Any) -> str:
    lines = (clean(paragraph.text) for paragraph in frame.paragraphs)
    return "\n".join(line for line in lines if line)


def _rows_with_headers(rows: list[list[str]]) -> list[str]:
    headers = rows.pop(0) if len(rows) > 1 and looks_like_header(rows[0]) else None
    return [text for text in (row_text(values, headers) for values in rows) if text]


# ----------------------------------------------------------------------------- Excel


def parse_xlsx(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sections: list[Section] = []
        counter = RowCounter(filename, limits)  # all sheets together
        for sheet in workbook.worksheets:
            name = clean(str(sheet.title))
            rows = sheet_rows(
                ([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)), counter
            )
            if rows:
                sections.append(Section(name, "heading", level=1))
                sections.extend(Section(text, "sheet_row", heading_path=(name,)) for text in rows)
        title = property_title(workbook.properties.title, filename)
    finally:
        workbook.close()
    return ParsedDocument(title, sections, format="xlsx")


def sheet_rows(rows: Iterable[list[str]], counter: RowCounter) -> list[str]:
    """A sheet's rows (lists of cell texts, read one at a time) as texts, each value named by
    the sheet's header row when it has one; every row counts against ``counter``'s limit."""
    headers: list[str] | None = None
    first = True
    texts: list[str] = []
    for number, values in enumerate(rows):
        if number % 1000 == 0:
            check_deadline()
        while values and not values[-1]:
            values.pop()
        if not values:
            continue
        if first:
            first = False
            if looks_like_header(values):
                headers = values
                continue
        counter.add()
        texts.append(row_text(values, headers))
    if not texts and headers:
        texts.append(row_text(headers))
    return texts


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return clean(str(value))


def _is_pptx(data: bytes, filename: str) -> bool:
    return zip_has(data, "ppt/presentation.xml")


def _is_xlsx(data: bytes, filename: str) -> bool:
    return zip_has(data, "xl/workbook.xml")


PPTX = Parser(
    id="pptx",
    label="PowerPoint (.pptx)",
    extensions=(".pptx", ".pptm"),
    sniff=_is_pptx,
    parse=parse_pptx,
)
XLSX = Parser(
    id="xlsx",
    label="Excel (.xlsx)",
    extensions=(".xlsx", ".xlsm"),
    sniff=_is_xlsx,
    parse=parse_xlsx,
)
