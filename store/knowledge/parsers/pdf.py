"""PDF: the text layer page by page, each section carrying its page number.

The outline (bookmarks), when the file has one, gives the headings: each entry heads the page it
points to and the pages after it, and the first one is the document's title. Without an outline
the title comes from the file's properties, unless it is a placeholder or a file name.

A page without a text layer is a scan: its images are read by Tesseract (French and English) when
it is installed. When it is not, a document that is only scans is refused, saying so, rather than
indexed empty; a document with some scanned pages keeps its text pages and warns about the others.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterable
from functools import cache
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from agents.i18n import t
from store.knowledge.parsers.common import HeadingTrail, clean, property_title
from store.knowledge.parsing import (
    DocumentRejected,
    Parser,
    check_deadline,
    check_pages,
    display_name,
    seconds_left,
    too_slow,
)
from store.knowledge.records import Limits, ParsedDocument, Section

OCR_LANGUAGES = ("fra", "eng")
OCR_MAX_IMAGES_PER_PAGE = 8
OCR_MIN_PIXELS = 64 * 64  # smaller images are logos and bullets, not scanned text
OCR_DIRECT_FORMATS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
_BLANK_LINES = re.compile(r"\n\s*\n")


@cache
def tesseract_command() -> tuple[str, str] | None:
    """``(path, languages)`` of the OCR engine, or ``None`` when it is not installed."""
    path = shutil.which("tesseract")
    if path is None:
        return None
    try:
        listed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [path, "--list-langs"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    available = set(listed.stdout.split()) | set(listed.stderr.split())
    languages = [lang for lang in OCR_LANGUAGES if lang in available]
    return (path, "+".join(languages)) if languages else None


def parse_pdf(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    name = display_name(filename)
    reader = PdfReader(io.BytesIO(data), strict=False)
    _unlock(reader, name)
    try:
        count = len(reader.pages)
    except FileNotDecryptedError:
        raise DocumentRejected("knowledge.parse.pdf_protected", name=name) from None
    check_pages(count, limits)
    sections: list[Section] = []
    scanned: list[int] = []
    ocr_pages: list[int] = []
    outline = _outline(reader)
    trail = HeadingTrail()
    for number, page in enumerate(reader.pages, start=1):
        check_deadline()
        for level, heading in outline.get(number, []):
            above = trail.enter(level, heading)
            sections.append(
                Section(heading, "heading", page=number, heading_path=above, level=level)
            )
        text = page.extract_text() or ""
        if not text.strip():
            images = _images(page)
            if not images:
                continue  # a blank page
            scanned.append(number)
            command = tesseract_command()
            if command is None:
                continue
            text = "\n\n".join(_ocr(image, command) for image in images)
            if text.strip():
                ocr_pages.append(number)
        sections.extend(_page_sections(text, number, trail.path))
    warnings: list[str] = []
    if ocr_pages:
        warnings.append(t("knowledge.parse.ocr_used", pages=_page_list(ocr_pages)))
    if scanned and tesseract_command() is None:
        if not sections:
            raise DocumentRejected("knowledge.parse.scan_without_ocr", name=name)
        warnings.append(t("knowledge.parse.scan_pages_skipped", pages=_page_list(scanned)))
    elif scanned and not sections:
        raise DocumentRejected("knowledge.parse.scan_unreadable", name=name)
    return ParsedDocument(
        title=next((h for entries in outline.values() for _, h in entries[:1]), "")
        or property_title(_metadata_title(reader), filename),
        sections=sections,
        pages=count,
        format="pdf",
        warnings=tuple(warnings),
    )


def _unlock(reader: PdfReader, name: str) -> None:
    """Open a PDF whose only protection is an owner password (printing or copying restrictions):
    it reads with an empty password. A PDF that needs a password to be opened is refused."""
    if not reader.is_encrypted:
        return
    try:
        opened = bool(reader.decrypt(""))
    except DependencyError:
        raise DocumentRejected("knowledge.parse.pdf_protected_aes", name=name) from None
    except (PdfReadError, NotImplementedError):
        opened = False
    if not opened:
        raise DocumentRejected("knowledge.parse.pdf_protected", name=name)


def _page_sections(text: str, page: int, path: tuple[str, ...]) -> list[Section]:
    return [
        Section(part.strip(), "paragraph", page=page, heading_path=path)
        for part in _BLANK_LINES.split(text)
        if part.strip()
    ]


def _images(page: Any) -> list[bytes]:
    """The page's images worth reading, as files Tesseract can open (PNG unless already one)."""
    found: list[bytes] = []
    try:
        images: Iterable[Any] = page.images
        for seen, image in enumerate(images):
            if len(found) >= OCR_MAX_IMAGES_PER_PAGE or seen >= 8 * OCR_MAX_IMAGES_PER_PAGE:
                break
            check_deadline()
            found.extend(_image_file(image))
    except DocumentRejected:
        raise
    except Exception:  # an undecodable image is skipped; the page may still have others
        return found
    return found


def _image_file(image: Any) -> list[bytes]:
    picture = image.image
    if picture is None or picture.width * picture.height < OCR_MIN_PIXELS:
        return []
    if str(image.name).lower().endswith(OCR_DIRECT_FORMATS):
        return [bytes(image.data)]
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return [buffer.getvalue()]


def _ocr(image: bytes, command: tuple[str, str]) -> str:
    path, languages = command
    left = seconds_left()
    if left is not None and left <= 0:
        raise too_slow()
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell, image on stdin
            [path, "stdin", "stdout", "-l", languages],
            input=image,
            capture_output=True,
            timeout=left,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise too_slow() from None
    if done.returncode != 0:
        return ""
    return done.stdout.decode("utf-8", errors="replace")


def _metadata_title(reader: PdfReader) -> str:
    try:
        metadata = reader.metadata
        return clean(str(metadata.title or "")) if metadata is not None else ""
    except Exception:  # broken metadata does not make the text unreadable
        return ""


OUTLINE_MAX_ENTRIES = 2000


def _outline(reader: PdfReader) -> dict[int, list[tuple[int, str]]]:
    """The outline's entries by the page (1-based) they point to, each ``(level, title)``, in
    the outline's order. Empty when there is none or it cannot be read (the text still can)."""
    found: dict[int, list[tuple[int, str]]] = {}
    seen = 0

    def walk(entries: Any, level: int) -> None:
        nonlocal seen
        for entry in entries:
            if seen >= OUTLINE_MAX_ENTRIES or level > 6:
                return
            if isinstance(entry, list):
                walk(entry, level + 1)
                continue
            seen += 1
            title = clean(str(getattr(entry, "title", "") or ""))
            page = reader.get_destination_page_number(entry)
            if title and page is not None and page >= 0:
                found.setdefault(page + 1, []).append((level, title))

    try:
        walk(reader.outline, 1)
    except Exception:  # a broken outline does not make the text unreadable
        return {}
    return found


def _page_list(pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:20])
    return shown + (" …" if len(pages) > 20 else "")


def _is_pdf(data: bytes, filename: str) -> bool:
    return b"%PDF-" in data[:1024]


PDF = Parser(id="pdf", label="PDF", extensions=(".pdf",), sniff=_is_pdf, parse=parse_pdf)
