"""OpenDocument: text (.odt), spreadsheets (.ods) and presentations (.odp), the formats of
LibreOffice and of French administrations.

An OpenDocument file is a zip holding a ``mimetype`` member and the document in
``content.xml``. The zip's limits (total size, ratio) are checked before any member is read
(``parsing.check_zip``); the XML is read by lxml with entities left unresolved, no DTD and no
network, so neither entity expansion nor an outside address can be slipped into a document.

- Text: headings (``text:h`` and its outline level) build the heading path; paragraphs, list
  items, tables (one section per row, named by the header row) and text boxes, in order.
- Spreadsheet: like Excel, each sheet's name heads its rows. The XML is read as a stream, row by
  row, and repeated rows (``number-rows-repeated``: a million empty rows is common) are counted
  without being expanded beyond the row limit.
- Presentation: a slide's number is its page, its title heads its text, tables and notes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from lxml import etree

from store.knowledge.parsers.common import (
    HeadingTrail,
    clean,
    first_heading,
    looks_like_header,
    property_title,
    row_text,
    zip_has,
)
from store.knowledge.parsers.office import sheet_rows
from store.knowledge.parsing import (
    DocumentRejected,
    Parser,
    RowCounter,
    check_deadline,
    check_pages,
    display_name,
)
from store.knowledge.records import Limits, ParsedDocument, Section

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}
MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
MAX_REPEATED_CELLS = 1000  # columns one cell may stand for (an empty one is repeated to the end)


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


_H, _P, _SPAN, _A = _q("text:h"), _q("text:p"), _q("text:span"), _q("text:a")
_S, _TAB, _BREAK = _q("text:s"), _q("text:tab"), _q("text:line-break")
_LIST, _ITEM, _LIST_HEADER = _q("text:list"), _q("text:list-item"), _q("text:list-header")
_SECTION, _NOTE, _ANNOTATION = _q("text:section"), _q("text:note"), _q("office:annotation")
_TABLE, _ROW, _CELL = _q("table:table"), _q("table:table-row"), _q("table:table-cell")
_COVERED = _q("table:covered-table-cell")
_FRAME, _TEXT_BOX, _PAGE = _q("draw:frame"), _q("draw:text-box"), _q("draw:page")
_NOTES = _q("presentation:notes")
_LEVEL, _COUNT = _q("text:outline-level"), _q("text:c")
_ROWS_REPEATED, _COLUMNS_REPEATED = (
    _q("table:number-rows-repeated"),
    _q("table:number-columns-repeated"),
)
_TABLE_NAME, _CLASS, _PAGE_NAME = _q("table:name"), _q("presentation:class"), _q("draw:name")
_VALUE = _q("office:value")
_SKIPPED = {_NOTE, _ANNOTATION, _q("office:annotation-end"), _q("text:note-citation")}
_INDEXES = {  # tables of contents and other indexes: their text, as paragraphs
    _q(f"text:{name}")
    for name in (
        "table-of-content",
        "alphabetical-index",
        "illustration-index",
        "table-index",
        "object-index",
        "user-index",
        "bibliography",
        "index-body",
        "index-title",
    )
}
_GROUPS = {
    _q("table:table-header-rows"),
    _q("table:table-rows"),
    _q("table:table-row-group"),
}


# ----------------------------------------------------------------------------- the package


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _member(data: bytes, name: str, filename: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read(name)
    except KeyError:
        raise DocumentRejected("knowledge.parse.corrupt", name=display_name(filename)) from None


def _xml(data: bytes, member: str, filename: str) -> Any:
    """The root element of ``member``; an unreadable part is a corrupt file."""
    try:
        return etree.fromstring(_member(data, member, filename), parser=_safe_parser())
    except etree.XMLSyntaxError:
        raise DocumentRejected("knowledge.parse.corrupt", name=display_name(filename)) from None


def _meta_title(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "meta.xml" not in archive.namelist():
                return ""
            root = etree.fromstring(archive.read("meta.xml"), parser=_safe_parser())
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError):
        return ""  # the title is a nicety; the content decides whether the file is readable
    found = root.find(".//dc:title", _NS)
    return clean(found.text or "") if found is not None else ""


def _body(root: Any, kind: str, filename: str) -> Any:
    body = root.find(f"office:body/office:{kind}", _NS)
    if body is None:
        raise DocumentRejected("knowledge.parse.corrupt", name=display_name(filename))
    return body


def _mimetype(data: bytes) -> str:
    """The package's declared type, from its ``mimetype`` member (a few dozen bytes)."""
    if not zip_has(data, "mimetype"):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("mimetype")
            if info.file_size > 200:
                return ""
            return archive.read(info).decode("ascii", errors="replace").strip()
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError):
        return ""


# ----------------------------------------------------------------------------- inline text


def inline_text(element: Any, boxes: list[Any] | None = None) -> str:
    """The text of a paragraph or heading: spans and links kept, ``text:s`` spaces counted,
    notes and comments left out; text boxes anchored inside it are put in ``boxes``."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _S:
            parts.append(" " * min(_int(child.get(_COUNT), 1), 100))
        elif tag == _TAB:
            parts.append("\t")
        elif tag == _BREAK:
            parts.append("\n")
        elif tag == _FRAME:
            if boxes is not None:
                boxes.append(child)
        elif tag not in _SKIPPED and isinstance(tag, str):
            parts.append(inline_text(child, boxes))
        parts.append(child.tail or "")
    return "".join(parts)


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value)) if value is not None else default
    except ValueError:
        return default


def _block_text(element: Any, without_tables: bool = False) -> str:
    """All the paragraphs under ``element`` (a table cell, a list item, a shape), one per line;
    ``without_tables``: leave out those in tables (read row by row instead)."""
    left_out = _SKIPPED | {_TABLE} if without_tables else _SKIPPED
    lines = [
        clean(inline_text(p))
        for p in element.iter(_P, _H)
        if not any(a.tag in left_out for a in p.iterancestors())
    ]
    return "\n".join(line for line in lines if line)


def _table_rows(table: Any) -> list[str]:
    """A table's rows as texts, each value named by the header row when it has one."""
    rows: list[list[str]] = []
    for row in _rows(table):
        cells = [_block_text(cell) for cell in row if cell.tag in (_CELL, _COVERED)]
        if any(cells):
            rows.append(cells)
    headers = rows.pop(0) if len(rows) > 1 and looks_like_header(rows[0]) else None
    return [text for text in (row_text(values, headers) for values in rows) if text]


def _rows(table: Any) -> Iterator[Any]:
    for child in table:
        if child.tag == _ROW:
            yield child
        elif child.tag in _GROUPS:
            yield from _rows(child)


# ----------------------------------------------------------------------------- text (.odt)


class _TextReader:
    def __init__(self) -> None:
        self.trail = HeadingTrail()
        self.sections: list[Section] = []
        self.count = 0

    def read(self, container: Any) -> None:
        for block in container:
            self.count += 1
            if self.count % 200 == 0:
                check_deadline()
            tag = block.tag
            if tag == _H:
                self._heading(block)
            elif tag == _P:
                self._paragraph(block, "paragraph")
            elif tag == _LIST:
                self._list(block)
            elif tag == _TABLE:
                path = self.trail.path
                self.sections.extend(
                    Section(text, "table_row", heading_path=path) for text in _table_rows(block)
                )
            elif tag == _FRAME:  # anchored to the page: its text boxes, in place
                self._boxes([block])
            elif tag == _SECTION or tag in _INDEXES:
                self.read(block)

    def _heading(self, element: Any) -> None:
        boxes: list[Any] = []
        title = clean(inline_text(element, boxes))
        if title:
            level = min(_int(element.get(_LEVEL), 1), 10)
            above = self.trail.enter(level, title)
            self.sections.append(Section(title, "heading", heading_path=above, level=level))
        self._boxes(boxes)

    def _paragraph(self, element: Any, kind: Any) -> None:
        boxes: list[Any] = []
        text = clean(inline_text(element, boxes))
        if text:
            self.sections.append(Section(text, kind, heading_path=self.trail.path))
        self._boxes(boxes)

    def _list(self, element: Any) -> None:
        for item in element:
            if item.tag not in (_ITEM, _LIST_HEADER):
                continue
            for child in item:
                if child.tag == _H:
                    self._heading(child)
                elif child.tag == _P:
                    self._paragraph(child, "list_item")
                elif child.tag == _LIST:
                    self._list(child)

    def _boxes(self, frames: list[Any]) -> None:
        for frame in frames:
            for box in frame.iter(_TEXT_BOX):
                self.read(box)


def parse_odt(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    body = _body(_xml(data, "content.xml", filename), "text", filename)
    reader = _TextReader()
    reader.read(body)
    sections = reader.sections
    title = first_heading(sections) or property_title(_meta_title(data), filename)
    return ParsedDocument(title=title, sections=sections, format="odt")


# ----------------------------------------------------------------------------- presentation (.odp)


def parse_odp(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    body = _body(_xml(data, "content.xml", filename), "presentation", filename)
    slides = body.findall("draw:page", _NS)
    check_pages(len(slides), limits)
    sections: list[Section] = []
    for number, slide in enumerate(slides, start=1):
        check_deadline()
        sections.extend(_slide_sections(slide, number))
    title = next((s.text for s in sections if s.kind == "heading"), "")
    title = title or property_title(_meta_title(data), filename)
    return ParsedDocument(title=title, sections=sections, pages=len(slides), format="odp")


def _slide_sections(slide: Any, number: int) -> list[Section]:
    """The slide's title, then each shape's text and table rows in order, then its notes."""
    shapes = [s for s in slide if isinstance(s.tag, str) and s.tag != _NOTES]
    titles = [s for s in shapes if s.get(_CLASS) == "title"]
    title = clean(" ".join(_block_text(s) for s in titles))
    path = (title,) if title else ()
    sections = [Section(title, "heading", page=number, level=1)] if title else []
    for shape in shapes:
        if shape in titles:
            continue
        text = _block_text(shape, without_tables=True)
        if text:
            sections.append(Section(text, "slide", page=number, heading_path=path))
        for table in shape.iter(_TABLE):
            sections.extend(
                Section(text, "table_row", page=number, heading_path=path)
                for text in _table_rows(table)
            )
    for notes in slide.iter(_NOTES):
        text = _block_text(notes)
        if text:
            sections.append(Section(text, "paragraph", page=number, heading_path=path))
    return sections


# ----------------------------------------------------------------------------- spreadsheet (.ods)


def parse_ods(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    counter = RowCounter(filename, limits)  # all sheets together
    sections: list[Section] = []
    for name, rows in _sheets(data, filename):
        texts = sheet_rows(rows, counter)
        if texts:
            sections.append(Section(name, "heading", level=1))
            sections.extend(Section(text, "sheet_row", heading_path=(name,)) for text in texts)
    title = property_title(_meta_title(data), filename)
    return ParsedDocument(title, sections, format="ods")


def _sheets(data: bytes, filename: str) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """Each sheet's name and its rows, read from ``content.xml`` as a stream: a sheet's rows
    are yielded as their elements end, then dropped."""
    name = display_name(filename)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as xml:
            events = etree.iterparse(
                xml,
                events=("start", "end"),
                tag=(_TABLE, _ROW),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            )
            for event, element in events:
                if event == "start" and element.tag == _TABLE and _depth(element) == 0:
                    sheet = clean(element.get(_TABLE_NAME) or "")
                    yield sheet, _sheet_rows(events)
    except KeyError:
        raise DocumentRejected("knowledge.parse.corrupt", name=name) from None
    except etree.XMLSyntaxError:
        raise DocumentRejected("knowledge.parse.corrupt", name=name) from None


def _depth(table: Any) -> int:
    """How many tables ``table`` sits in (a table inside a cell is read as the cell's text)."""
    return sum(1 for a in table.iterancestors(_TABLE))


def _sheet_rows(events: Any) -> Iterator[list[str]]:
    """The rows of the sheet whose start was just read, up to its end. A repeated row is
    yielded as many times as it stands for, unless it is empty (then once is enough: an
    empty row is skipped anyway); the row counter stops a huge repeat soon enough."""
    for event, element in events:
        if element.tag == _TABLE:
            if event == "end" and _depth(element) == 0:
                element.clear()
                return
            continue
        if event != "end" or _depth(element) != 1:
            continue
        values = _row_values(element)
        repeat = _int(element.get(_ROWS_REPEATED), 1) if any(values) else 1
        element.clear(keep_tail=False)
        parent = element.getparent()
        if parent is not None:  # drop what was read, so memory stays flat
            while element.getprevious() is not None:
                del parent[0]
        for _ in range(repeat):
            yield list(values)


def _row_values(row: Any) -> list[str]:
    values: list[str] = []
    for cell in row:
        if cell.tag not in (_CELL, _COVERED):
            continue
        text = _block_text(cell) or _plain_value(cell)
        repeat = _int(cell.get(_COLUMNS_REPEATED), 1)  # trailing empty ones dropped below
        values.extend([text] * min(repeat, MAX_REPEATED_CELLS))
        if len(values) > MAX_REPEATED_CELLS:
            break
    while values and not values[-1]:
        values.pop()
    return values


def _plain_value(cell: Any) -> str:
    value = cell.get(_VALUE)
    return clean(value) if value else ""


# ----------------------------------------------------------------------------- registration


def _is(kind: str) -> Any:
    def sniff(data: bytes, filename: str) -> bool:
        return zip_has(data, "content.xml") and _mimetype(data).startswith(MIMETYPES[kind])

    return sniff


ODT = Parser(
    id="odt",
    label="OpenDocument (.odt)",
    extensions=(".odt",),
    sniff=_is("odt"),
    parse=parse_odt,
)
ODS = Parser(
    id="ods",
    label="OpenDocument (.ods)",
    extensions=(".ods",),
    sniff=_is("ods"),
    parse=parse_ods,
)
ODP = Parser(
    id="odp",
    label="OpenDocument (.odp)",
    extensions=(".odp",),
    sniff=_is("odp"),
    parse=parse_odp,
)
