"""What several parsers share: decoding text of unknown encoding, heading paths, table rows."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from charset_normalizer import from_bytes

DETECTION_SAMPLE = 256 * 1024  # enough to tell an encoding; the whole file is then decoded with it
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@lru_cache(maxsize=1)
def decode_text(data: bytes) -> str | None:
    """The text of ``data``, or ``None`` when it is not text.

    UTF-8 first (strict), then a detected encoding. Between the single-byte Latin code pages,
    detection on short French text is a coin toss (cp1250 turns "è" into "č"), so Windows-1252 wins
    whenever it reads the bytes as cleanly as the detector's favourite. Cached for one file: the
    registry sniffs and the parser decodes the same bytes.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text if _mostly_text(text) else None
    sample = data[:DETECTION_SAMPLE]
    if b"\x00" in sample:
        return None
    best = from_bytes(sample).best()
    if best is None:
        return None
    encoding = best.encoding
    western = from_bytes(sample, cp_isolation=["cp1252"]).best()
    if western is not None and western.chaos <= best.chaos + 0.02:
        encoding = "cp1252"
    text = data.decode(encoding, errors="replace")
    return text if _mostly_text(text) else None


def _mostly_text(text: str) -> bool:
    """A stray control character does not make a file binary; a NUL, or many of them, does."""
    sample = text[:DETECTION_SAMPLE]
    return "\x00" not in sample and len(_CONTROL.findall(sample)) <= len(sample) // 100


def clean(text: str) -> str:
    """One line, single spaces: for table cells and titles."""
    return _SPACES.sub(" ", text).strip()


def stem(filename: str) -> str:
    return PurePath(filename).stem or filename


# Titles. A document's title is what its content calls it (its first heading, or a short first
# line); a file name never is one: "faq-12.txt" is noise to search, and the name is shown as
# the document's name anyway. A title from a file's properties is taken only when it is not a
# placeholder an editor wrote by itself ("Document1", "Microsoft Word - note.docx").
TITLE_MAX_CHARS = 150
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:untitled|sans titre|titre|title|document\s*\d*|doc\d*|presentation\s*\d*"
    r"|présentation(?:\s+powerpoint)?\s*\d*|powerpoint presentation|diapositive\s*\d*"
    r"|classeur\s*\d*|book\s*\d*|feuil\d*|sheet\d*|microsoft (?:word|excel|powerpoint)\b.*)$",
    re.IGNORECASE,
)
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|pptx?|xlsx?|od[tsp]|txt|md|html?|rtf|csv)$", re.IGNORECASE)
_SENTENCE_END = (".", ",", ";")


def property_title(value: object, filename: str) -> str:
    """The title a file's properties give, or "" when it is a placeholder or a file name."""
    title = clean(str(value or ""))
    if not title or len(title) > TITLE_MAX_CHARS * 2 or not any(c.isalpha() for c in title):
        return ""
    if _PLACEHOLDER_TITLE.match(title) or _FILE_NAME.search(title):
        return ""
    return "" if title.casefold() == stem(filename).casefold() else title


def first_heading(sections: Sequence[Any]) -> str:
    """The text of the document's first top-level heading, else of its first heading."""
    headings = [s for s in sections if s.kind == "heading" and s.text.strip()]
    top = min((s.level for s in headings), default=0)
    return next((s.text for s in headings if s.level == top), "")


def title_line(line: str) -> bool:
    """Whether a paragraph of one line reads as a title: short, with letters, not a sentence
    that ends with a full stop (a question ending in "?" is the usual FAQ title)."""
    line = line.strip()
    return (
        0 < len(line) <= TITLE_MAX_CHARS
        and "\n" not in line
        and any(c.isalpha() for c in line)
        and not line.endswith(_SENTENCE_END)
    )


class HeadingTrail:
    """The headings above the current position, outermost first."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> tuple[str, ...]:
        """Record a heading; returns the path *above* it (the heading's own ``heading_path``)."""
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        above = self.path
        self._stack.append((level, title))
        return above

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self._stack)


def looks_like_header(cells: Sequence[str]) -> bool:
    """A first row whose cells read as column names: short, mostly filled, not all numbers."""
    filled = [c for c in cells if c]
    if len(cells) < 2 or len(filled) < max(1, len(cells) // 2):
        return False
    if any(len(c) > 80 for c in filled):
        return False
    return not all(_is_number(c) for c in filled)


def row_text(values: Sequence[str], headers: Sequence[str] | None = None) -> str:
    """``Col A: val | Col B: val`` (empty cells dropped); without headers, ``val | val``."""
    parts: list[str] = []
    for i, value in enumerate(values):
        if not value:
            continue
        header = headers[i] if headers is not None and i < len(headers) else ""
        parts.append(f"{header}: {value}" if header and header != value else value)
    return " | ".join(parts)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ".").replace(" ", "").replace("\u202f", ""))
    except ValueError:
        return False
    return True


def zip_has(data: bytes, member: str) -> bool:
    """Whether ``data`` is a zip file holding ``member``: how Office formats are told apart."""
    return data.startswith(b"PK\x03\x04") and member in _zip_names(data)


@lru_cache(maxsize=1)
def _zip_names(data: bytes) -> frozenset[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return frozenset(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return frozenset()


def forget() -> None:
    """Empty the one-file caches (decoded text, zip member names) once a file is parsed."""
    decode_text.cache_clear()
    _zip_names.cache_clear()
