"""Word (.docx): headings with their levels, paragraphs, list items, tables and text boxes.

The body is read as XML, in document order, because python-docx's paragraph text leaves out text
boxes and its cell text leaves out nested tables. A table becomes one section per row, each value
named by its column header ("Col A: val | Col B: val"), so a row read alone still makes sense.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import docx
from docx.oxml.ns import qn

from store.knowledge.parsers.common import (
    HeadingTrail,
    clean,
    first_heading,
    looks_like_header,
    property_title,
    row_text,
    zip_has,
)
from store.knowledge.parsing import Parser, check_deadline
from store.knowledge.records import Limits, ParsedDocument, Section

_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC, _SDT = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
_T, _TAB, _BR, _CR, _TXBX = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:txbxContent")
_HYPHEN = qn("w:noBreakHyphen")
_VAL = qn("w:val")
_HEADING_STYLE = re.compile(r"^(?:heading|titre)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLE = {"title", "titre"}
_LIST_STYLE = re.compile(r"\blist|\bliste|puces|numéros", re.IGNORECASE)


@dataclass(frozen=True)
class _Style:
    heading: int | None = None  # 1-based heading level; 0 for the document title
    is_list: bool = False


def parse_docx(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    document = docx.Document(io.BytesIO(data))
    styles = _styles(document)
    body = document.element.body
    paragraphs = [p for p in _blocks(body) if p.tag == _P]
    has_title = any(styles.get(_style_id(p), _Style()).heading == 0 for p in paragraphs)
    reader = _BodyReader(styles, level_offset=1 if has_title else 0)
    reader.read(_blocks(body))
    title = first_heading(reader.sections)
    title = title or property_title(document.core_properties.title, filename)
    return ParsedDocument(title=title, sections=reader.sections, format="docx")


class _BodyReader:
    def __init__(self, styles: dict[str, _Style], level_offset: int) -> None:
        self.styles = styles
        self.offset = level_offset
        self.trail = HeadingTrail()
        self.sections: list[Section] = []
        self.count = 0

    def read(self, blocks: Iterable[Any]) -> None:
        for block in blocks:
            self.count += 1
            if self.count % 200 == 0:
                check_deadline()
            if block.tag == _P:
                self._paragraph(block)
            elif block.tag == _TBL:
                self._table(block)

    def _paragraph(self, p: Any) -> None:
        boxes: list[Any] = []
        text = clean(_text(p, boxes))
        if text:
            style = self.styles.get(_style_id(p), _Style())
            level = _outline_level(p)
            if level is None and style.heading is not None:
                level = 1 if style.heading == 0 else style.heading + self.offset
            if level is not None:
                above = self.trail.enter(level, text)
                self.sections.append(Section(text, "heading", heading_path=above, level=level))
            elif style.is_list or _has_numbering(p):
                self.sections.append(Section(text, "list_item", heading_path=self.trail.path))
            else:
                self.sections.append(Section(text, "paragraph", heading_path=self.trail.path))
        for box in boxes:
            self.read(_blocks(box))

    def _table(self, table: Any) -> None:
        rows = list(_table_rows(table))
        if not rows:
            return
        headers: list[str] | None = None
        if len(rows) > 1 and looks_like_header(rows[0]):
            headers = rows.pop(0)
        for values in rows:
            text = row_text(values, headers)
            if text:
                self.sections.append(Section(text, "table_row", heading_path=self.trail.path))


def _blocks(container: Any) -> Iterator[Any]:
    """Paragraphs and tables in order, looking inside content controls."""
    for child in container.iterchildren():
        if child.tag == _SDT:
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _blocks(content)
        elif child.tag in (_P, _TBL):
            yield child


def _text(element: Any, boxes: list[Any]) -> str:
    """The text of a paragraph's runs; text boxes met on the way are collected, not read (they
    are read after the paragraph), and Word's fallback copy of each drawing is skipped."""
    parts: list[str] = []
    for child in element.iterchildren():
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag == _TAB:
            parts.append("\t")
        elif tag in (_BR, _CR):
            parts.append("\n")
        elif tag == _HYPHEN:
            parts.append("-")
        elif tag == _TXBX:
            boxes.append(child)
        elif tag != _MC_FALLBACK and isinstance(tag, str):
            parts.append(_text(child, boxes))
    return "".join(parts)


def _table_rows(table: Any) -> Iterator[list[str]]:
    """Each row's values by grid column: a horizontally merged cell counts once (its first
    column), a vertically merged one repeats the value above it."""
    above: dict[int, str] = {}
    for tr in table.iterchildren(_TR):
        values: dict[int, str] = {}
        column = _int(tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}"), 0)
        for tc in tr.iterchildren(_TC):
            props = tc.find(qn("w:tcPr"))
            span = _int(props.find(qn("w:gridSpan")) if props is not None else None, 1)
            merge = props.find(qn("w:vMerge")) if props is not None else None
            if merge is not None and merge.get(_VAL) != "restart":
                values[column] = above.get(column, "")
            else:
                values[column] = _cell_text(tc)
            column += max(span, 1)
        above = values
        if values:
            yield [values.get(i, "") for i in range(max(values) + 1)]


def _cell_text(tc: Any) -> str:
    texts: list[str] = []
    for p in tc.iter(_P):
        if any(a.tag == _MC_FALLBACK for a in p.iterancestors()):
            continue
        texts.append(_text(p, []))
    return clean(" ".join(texts))


def _style_id(p: Any) -> str:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return str(style.get(_VAL)) if style is not None else ""


def _outline_level(p: Any) -> int | None:
    """A level set on the paragraph itself (``w:outlineLvl``: 0 is top, 9 is body text)."""
    level = _int(p.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}"), 9)
    return level + 1 if level < 9 else None


def _has_numbering(p: Any) -> bool:
    num = p.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
    return num is not None and num.get(_VAL) != "0"


def _styles(document: Any) -> dict[str, _Style]:
    """Each style by id: its heading level (following ``basedOn``) and whether it is a list."""
    found: dict[str, _Style] = {}
    for style in document.styles:
        chain: list[Any] = []
        current = style
        while current is not None and len(chain) < 8:
            chain.append(current)
            current = getattr(current, "base_style", None)
        heading: int | None = None
        for item in chain:
            heading = _style_heading(item)
            if heading is not None:
                break
        is_list = any(_LIST_STYLE.search(item.name or "") for item in chain)
        found[str(style.style_id)] = _Style(heading=heading, is_list=is_list)
    return found


def _style_heading(style: Any) -> int | None:
    name = (style.name or "").strip()
    if name.lower() in _TITLE_STYLE:
        return 0
    if match := _HEADING_STYLE.match(name):
        return int(match.group(1))
    props = style.element.find(qn("w:pPr"))
    level = _int(props.find(qn("w:outlineLvl")) if props is not None else None, 9)
    return level + 1 if level < 9 else None


def _int(element: Any, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(_VAL))
    except (TypeError, ValueError):
        return default


def _is_docx(data: bytes, filename: str) -> bool:
    return zip_has(data, "word/document.xml")


DOCX = Parser(
    id="docx",
    label="Word (.docx)",
    extensions=(".docx", ".docm"),
    sniff=_is_docx,
    parse=parse_docx,
)
