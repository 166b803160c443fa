"""Turning an uploaded file into a ``ParsedDocument``, or refusing it with a reason to act on.

Parsers arrive through one registry; the built-ins register through the same ``register`` call a
plug-in would (entry point group ``atelier.parsers``: a callable taking the registry). The format is
decided by the content, not the name: an extension that lies is refused rather than trusted, so a
renamed file never reaches a parser that would choke on it.

Every limit is checked as early as it can be (size before anything, zip members before unzipping,
pages before reading them) and every refusal names the limit and the variable that changes it.
Parsing runs in a worker thread under a deadline: parsers also call ``check_deadline`` between pages
or rows, so an abandoned parse stops soon after the caller has given up on it.
"""

from __future__ import annotations

import contextvars
import io
import logging
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import Any

from agents.errors import UserError
from agents.plugins import PARSERS, load_plugins
from store.knowledge.records import Limits, ParsedDocument

log = logging.getLogger(__name__)

MB = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc/.xls/.ppt, and password-protected OOXML
MAX_ZIP_RATIO = 200  # a member this many times larger than its compressed size is a zip bomb
ZIP_RATIO_FLOOR_MB = 5  # ... once it is at least this large (small XML parts compress very well)
OOXML_EXTENSIONS = (".docx", ".docm", ".xlsx", ".xlsm", ".pptx", ".pptm")
LEGACY_OFFICE = {".doc": ".docx", ".xls": ".xlsx", ".ppt": ".pptx"}


class DocumentRejected(UserError):
    """Why a file cannot be indexed: the document is marked failed with this message."""


@dataclass(frozen=True)
class Parser:
    """One document format.

    ``sniff(data, filename)`` says whether the content is of this format (the name is a hint only);
    ``parse(data, filename, limits)`` returns the document's sections in reading order, or raises
    ``DocumentRejected``. ``text_based`` parsers (HTML, Markdown, CSV, text) share one kind of
    content, so among them the extension chooses.
    """

    id: str
    label: str
    extensions: tuple[str, ...]
    sniff: Callable[[bytes, str], bool]
    parse: Callable[[bytes, str, Limits], ParsedDocument]
    text_based: bool = False


class ParserRegistry:
    def __init__(self) -> None:
        self._parsers: dict[str, Parser] = {}

    def register(self, parser: Parser) -> None:
        if parser.id in self._parsers:
            raise ValueError(f"parser {parser.id!r} is already registered")
        taken = {ext: p.id for p in self._parsers.values() for ext in p.extensions}
        for ext in parser.extensions:
            if not ext.startswith(".") or ext != ext.lower():
                raise ValueError(f"extension {ext!r} must be lower case and start with a dot")
            if ext in taken:
                raise ValueError(f"extension {ext} already belongs to parser {taken[ext]!r}")
        self._parsers[parser.id] = parser

    def all(self) -> list[Parser]:
        """In sniffing order: binary formats, then text formats, each in registration order."""
        parsers = list(self._parsers.values())
        return [p for p in parsers if not p.text_based] + [p for p in parsers if p.text_based]

    def extensions(self) -> list[str]:
        return sorted(ext for p in self._parsers.values() for ext in p.extensions)

    def for_extension(self, ext: str) -> Parser | None:
        return next((p for p in self._parsers.values() if ext in p.extensions), None)

    def detect(self, filename: str, data: bytes) -> Parser:
        """The parser for this content; refused when the extension contradicts the content."""
        ext = PurePath(filename).suffix.lower()
        name = display_name(filename)
        if data.startswith(ZIP_MAGIC) and not _opens_as_zip(data):
            raise DocumentRejected("knowledge.parse.corrupt", name=name)
        content = next((p for p in self.all() if _sniffs(p, data, filename)), None)
        if content is None:
            raise self._unsupported(name, ext, data)
        claimed = self.for_extension(ext)
        if claimed is None or claimed is content:
            return content
        if claimed.text_based and content.text_based:
            return claimed  # HTML, Markdown, CSV and text are all text: the extension decides
        raise DocumentRejected(
            "knowledge.parse.extension_mismatch", name=name, ext=ext, found=content.label
        )

    def _unsupported(self, name: str, ext: str, data: bytes) -> DocumentRejected:
        if data.startswith(OLE_MAGIC) and ext in OOXML_EXTENSIONS:
            return DocumentRejected("knowledge.parse.office_protected", name=name)
        if data.startswith(OLE_MAGIC) or ext in LEGACY_OFFICE:
            modern = LEGACY_OFFICE.get(ext, ".docx, .xlsx, .pptx")
            return DocumentRejected("knowledge.parse.legacy_office", name=name, modern=modern)
        claimed = self.for_extension(ext)
        if claimed is not None:  # a known extension on content that is not of that format
            return DocumentRejected(
                "knowledge.parse.not_what_it_claims", name=name, format=claimed.label
            )
        return DocumentRejected(
            "knowledge.parse.unsupported", name=name, supported=", ".join(self.extensions())
        )


def _sniffs(parser: Parser, data: bytes, filename: str) -> bool:
    try:
        return bool(parser.sniff(data, filename))
    except Exception:  # a faulty plug-in must not stop the other formats from being recognised
        log.exception("parser %s failed to sniff %s", parser.id, display_name(filename))
        return False


def display_name(filename: str) -> str:
    return PurePath(filename).name or filename or "?"


def _opens_as_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)):
            return True
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


# ----------------------------------------------------------------------------- time and page limits

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "atelier_parse_deadline", default=None
)
_LIMIT_SECONDS: contextvars.ContextVar[float] = contextvars.ContextVar(
    "atelier_parse_limit", default=0.0
)


def seconds_left() -> float | None:
    """Time left for the document parsed in this thread; ``None`` outside ``parse_document``."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


def check_deadline() -> None:
    """Parsers call this between pages or rows: past the time limit it raises the refusal."""
    left = seconds_left()
    if left is not None and left <= 0:
        raise too_slow()


def too_slow(seconds: float | None = None) -> DocumentRejected:
    limit = _LIMIT_SECONDS.get() if seconds is None else seconds
    return DocumentRejected(
        "knowledge.parse.too_slow", seconds=_number(limit), var="ATELIER_KB_MAX_SECONDS"
    )


def check_pages(pages: int, limits: Limits) -> None:
    if pages > limits.max_pages:
        raise DocumentRejected(
            "knowledge.parse.too_many_pages",
            pages=pages,
            limit=limits.max_pages,
            var="ATELIER_KB_MAX_PAGES",
        )


class RowCounter:
    """Counts the rows a spreadsheet or CSV parser reads, as it reads them: past
    ``Limits.max_rows`` the file is refused at once, before the rest is read (a million-row
    file must not hold the only ingestion worker for minutes before failing)."""

    def __init__(self, filename: str, limits: Limits) -> None:
        self.name = display_name(filename)
        self.limit = limits.max_rows
        self.count = 0

    def add(self) -> None:
        self.count += 1
        if self.count > self.limit:
            raise DocumentRejected(
                "knowledge.parse.too_many_rows",
                name=self.name,
                limit=self.limit,
                var="ATELIER_KB_MAX_ROWS",
            )
        if self.count % 1000 == 0:
            check_deadline()


def _number(value: float) -> str:
    return f"{value:g}"


def _megabytes(size: int) -> str:
    """A size in MB as a person compares it with a limit: 12.3, or 0.047 for a small one."""
    value = size / MB
    return _number(round(value, 1) if value >= 1 else float(f"{value:.2g}"))


# ----------------------------------------------------------------------------- the whole pipeline


def parse_document(
    filename: str,
    data: bytes,
    limits: Limits | None = None,
    registry: ParserRegistry | None = None,
) -> ParsedDocument:
    """The document's text and structure, or ``DocumentRejected`` saying why not (never a crash)."""
    limits = limits or Limits.from_env()
    registry = registry or default_registry()
    name = display_name(filename)
    if len(data) > limits.max_file_mb * MB:
        raise DocumentRejected(
            "knowledge.parse.too_big",
            name=name,
            size=_megabytes(len(data)),
            limit=_number(limits.max_file_mb),
            var="ATELIER_KB_MAX_FILE_MB",
        )
    if not data.strip():
        raise DocumentRejected("knowledge.parse.empty", name=name)
    try:
        parser = registry.detect(filename, data)
        if data.startswith(ZIP_MAGIC):
            check_zip(data, name, limits)
        document = _parse_within_time(parser, data, filename, limits)
    finally:
        _forget()
    if document.pages is not None:
        check_pages(document.pages, limits)
    if not any(section.text.strip() for section in document.sections):
        raise DocumentRejected("knowledge.parse.no_text", name=name)
    return document


def _forget() -> None:
    """Drop what sniffing cached about these bytes, so a large file is not kept in memory."""
    from store.knowledge.parsers import common

    common.forget()


def check_zip(data: bytes, name: str, limits: Limits) -> None:
    """Refuse a zip bomb from its directory alone, before a single member is inflated.

    The sizes come from the zip's own directory, but ``zipfile`` never inflates a member past its
    declared size (it fails the CRC check instead), so a lying directory cannot get round this.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_mb * MB:
        raise DocumentRejected(
            "knowledge.parse.too_big_unzipped",
            name=name,
            size=_megabytes(total),
            limit=_number(limits.max_uncompressed_mb),
            var="ATELIER_KB_MAX_UNZIPPED_MB",
        )
    for member in members:
        if member.file_size < ZIP_RATIO_FLOOR_MB * MB:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_ZIP_RATIO:
            raise DocumentRejected(
                "knowledge.parse.zip_ratio",
                name=name,
                member=member.filename,
                ratio=int(ratio),
                limit=MAX_ZIP_RATIO,
            )


def _parse_within_time(
    parser: Parser, data: bytes, filename: str, limits: Limits
) -> ParsedDocument:
    outcome: dict[str, Any] = {}

    def work() -> None:
        _DEADLINE.set(time.monotonic() + limits.max_seconds)
        _LIMIT_SECONDS.set(limits.max_seconds)
        try:
            outcome["document"] = parser.parse(data, filename, limits)
        except BaseException as exc:  # handed to the caller's thread, which decides
            outcome["error"] = exc

    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(work,), name="atelier-parse", daemon=True)
    worker.start()
    worker.join(timeout=max(limits.max_seconds, 0) + 0.5)
    name = display_name(filename)
    if worker.is_alive():
        log.warning("parsing %s passed %ss; abandoned", name, limits.max_seconds)
        raise too_slow(limits.max_seconds)
    error = outcome.get("error")
    if isinstance(error, DocumentRejected):
        raise error
    if error is not None:
        if not isinstance(error, Exception):
            raise error
        log.warning("parser %s failed on %s", parser.id, name, exc_info=error)
        raise DocumentRejected("knowledge.parse.corrupt", name=name) from error
    document: ParsedDocument = outcome["document"]
    return document


# ------------------------------------------------------------------------- built-ins and plug-ins


def default_parsers() -> list[Parser]:
    """The built-in formats, imported late: their libraries are heavy and this module is not."""
    from store.knowledge.parsers import builtin_parsers

    return builtin_parsers()


def new_registry() -> ParserRegistry:
    """A fresh registry with the built-in parsers and any installed plug-ins."""
    registry = ParserRegistry()
    for parser in default_parsers():
        registry.register(parser)
    load_plugins(PARSERS, registry)
    return registry


@cache
def default_registry() -> ParserRegistry:
    return new_registry()


def accepted_extensions() -> tuple[str, ...]:
    """The file extensions the knowledge store reads (``.csv``, ``.docx``, ``.odt``...), sorted,
    plug-ins included: the one list for the builder's file picker, help texts and the CLI."""
    return tuple(default_registry().extensions())
