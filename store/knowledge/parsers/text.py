"""Markdown and plain text. Markdown keeps its structure (headings build the heading path; lists,
tables and code blocks stay whole); plain text is split into paragraphs on blank lines."""

from __future__ import annotations

import re

from store.knowledge.parsers.common import (
    HeadingTrail,
    clean,
    decode_text,
    first_heading,
    row_text,
    title_line,
)
from store.knowledge.parsing import DocumentRejected, Parser, check_deadline, display_name
from store.knowledge.records import Limits, ParsedDocument, Section, SectionKind

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_RULE = re.compile(r"^ {0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
_BLANK_LINES = re.compile(r"\n\s*\n")
_MARKDOWN_HINT = re.compile(r"^(?:#{1,6} \S|```|\* \S|- \S|\|.*\|\s*$)", re.MULTILINE)


def text_of(data: bytes, filename: str) -> str:
    text = decode_text(data)
    if text is None:
        raise DocumentRejected("knowledge.parse.not_text", name=display_name(filename))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_plain_text(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    """Paragraphs between blank lines. A short first line followed by a blank line (an FAQ
    entry's question, a procedure's name) is the document's title and heads the rest."""
    parts = [part.strip("\n") for part in _BLANK_LINES.split(text_of(data, filename))]
    parts = [part for part in parts if part.strip()]
    if len(parts) > 1 and title_line(parts[0]):
        title = clean(parts[0])
        sections = [Section(title, "heading", level=1)]
        sections += [Section(part, "paragraph", heading_path=(title,)) for part in parts[1:]]
        return ParsedDocument(title=title, sections=sections, format="text")
    sections = [Section(part, "paragraph") for part in parts]
    return ParsedDocument(title="", sections=sections, format="text")


def parse_markdown(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    """A Markdown file's title is its first heading; without one, a short first line."""
    sections = markdown_sections(text_of(data, filename))
    title = first_heading(sections)
    if not title and len(sections) > 1 and sections[0].kind == "paragraph":
        title = clean(sections[0].text) if title_line(sections[0].text) else ""
    return ParsedDocument(title=title, sections=sections, format="markdown")


def markdown_sections(text: str) -> list[Section]:
    """Sections of a Markdown text: also what the HTML parser gets from trafilatura."""
    return _MarkdownReader(_without_front_matter(text).split("\n")).read()


def _without_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4, 8192)
        if end != -1:
            return text[end + 5 :]
    return text


class _MarkdownReader:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.i = 0
        self.trail = HeadingTrail()
        self.sections: list[Section] = []
        self.buffer: list[str] = []  # the paragraph (or list item) being read
        self.kind: SectionKind = "paragraph"

    def read(self) -> list[Section]:
        while self.i < len(self.lines):
            if self.i % 2000 == 0:
                check_deadline()
            line = self.lines[self.i]
            self.i += 1
            self._line(line)
        self._flush()
        return self.sections

    def _line(self, line: str) -> None:
        if not line.strip() or _COMMENT.match(line):
            self._flush()
        elif fence := _FENCE.match(line):
            self._flush()
            self._code(fence.group(1))
        elif heading := _ATX.match(line):
            self._flush()
            self._heading(len(heading.group(1)), heading.group(2) or "")
        elif self.buffer and self.kind == "paragraph" and _SETEXT.match(line):
            title = " ".join(self.buffer)
            self.buffer = []
            self._heading(1 if line.strip()[0] == "=" else 2, title)
        elif _RULE.match(line):
            self._flush()
        elif "|" in line and self._table_ahead():
            self._flush()
            self._table(line)
        elif item := _ITEM.match(line):
            self._flush()
            self.kind = "list_item"
            self.buffer = [item.group(1).strip()]
        else:
            stripped = line.strip()
            while stripped.startswith(">"):
                stripped = stripped[1:].strip()
            if stripped:
                self.buffer.append(stripped)

    def _flush(self) -> None:
        if self.buffer:
            text = " ".join(self.buffer).strip()
            if text:
                self.sections.append(Section(text, self.kind, heading_path=self.trail.path))
        self.buffer = []
        self.kind = "paragraph"

    def _heading(self, level: int, title: str) -> None:
        title = clean(title)
        if title:
            above = self.trail.enter(level, title)
            self.sections.append(Section(title, "heading", heading_path=above, level=level))

    def _code(self, fence: str) -> None:
        body: list[str] = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            self.i += 1
            closing = _FENCE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                break
            body.append(line)
        code = "\n".join(body).strip("\n")
        if code.strip():
            self.sections.append(Section(code, "code", heading_path=self.trail.path))

    def _table_ahead(self) -> bool:
        return self.i < len(self.lines) and bool(_TABLE_SEPARATOR.match(self.lines[self.i]))

    def _table(self, header_line: str) -> None:
        headers = _cells(header_line)
        self.i += 1  # the separator
        while self.i < len(self.lines) and "|" in self.lines[self.i]:
            values = _cells(self.lines[self.i])
            self.i += 1
            text = row_text(values, headers)
            if text:
                self.sections.append(Section(text, "table_row", heading_path=self.trail.path))


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line.removeprefix("|").removesuffix("|")
    return [clean(cell) for cell in re.split(r"(?<!\\)\|", line)]


def _is_text(data: bytes, filename: str) -> bool:
    return decode_text(data) is not None


def _is_markdown(data: bytes, filename: str) -> bool:
    text = decode_text(data)
    return text is not None and len(_MARKDOWN_HINT.findall(text[:8192])) >= 2


MARKDOWN = Parser(
    id="markdown",
    label="Markdown",
    extensions=(".md", ".markdown"),
    sniff=_is_markdown,
    parse=parse_markdown,
    text_based=True,
)
TEXT = Parser(
    id="text",
    label="TXT",
    extensions=(".txt", ".text"),
    sniff=_is_text,
    parse=parse_plain_text,
    text_based=True,
)
