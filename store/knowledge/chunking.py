"""Cut a parsed document into the passages that are indexed and cited.

**The document's text.** ``document_text`` joins the sections in reading order: consecutive
table rows, sheet rows and list items are joined by one newline (a table stays a block), every
other boundary by a blank line. Sections that hold only whitespace are left out. The title is
not part of the text (it is metadata, used by ``search_text``). Chunk offsets point into this
string, so a citation can always show ``document_text(doc)[chunk.start:chunk.end]``.

**Short documents are one passage.** A document whose text, from its first passage to its
last, holds at most ``WHOLE_DOCUMENT_FACTOR`` times the target (1,500 characters) is not
cut by size: an FAQ entry or a short procedure answers as a whole, and its halves would crowd
the results side by side. Its own headings and pages still cut it: they are the author's
divisions, and a citation names its section and page. Measured with ``bench/retrieval.py
--whole`` on PIAF's 191 articles (600 to 12,000 characters each), hybrid hit@5 counting a
document whose passage shown holds the answer: 0.768 cut at the target, 0.773 whole up to
1.5 times it, 0.781 up to 2, 0.800 up to 3, 0.878 up to 5 (2026-12-05). Longer passages
hold the answer more often by being longer, and cost the model as much: the line is drawn at 1,500
characters (about 375 tokens), where an FAQ entry or a procedure stays whole and a passage
stays well inside e5's 512-token window. The FAQ set's pages are all shorter than the
target, so it does not move the line.

**Chunks.** ``Chunk.text`` is exactly that span, nothing added: what a citation shows is what
the document says. What gets embedded and indexed by BM25 is ``search_text(chunk, title)``,
the document title and heading path followed by the text: a passage under "Congés > Report"
is found by a question about carrying over leave even when the passage itself never names it.

How a document is cut:

- a heading (or any change of heading path) closes the current chunk; the heading's own text
  is not repeated in the next chunk's span, it travels in ``Chunk.heading_path``;
- paragraphs, list items and table rows are packed up to ``target_chars``; when a chunk is
  full it is cut preferably at a paragraph boundary (if one lies past half the target),
  otherwise at a sentence boundary;
- a table row is never split (unless a single row is longer than ``HARD_LIMIT`` times the
  target, where it is cut like prose so that no chunk grows without bound);
- a paragraph longer than the target is split at sentence boundaries (a sentence longer than
  the target at word boundaries);
- the next chunk under the same heading starts with the last whole sentence(s) of the previous
  one, up to ``overlap_chars`` (none if the last sentence is longer), so a fact that straddles
  a cut is whole in one chunk; table rows are not repeated;
- a page change closes a chunk that is already half full, so a page citation stays accurate;
  ``Chunk.page`` is the page that holds most of the chunk's text (a chunk that starts with the
  last sentence of page 1, as overlap, and goes on with page 2 is cited as page 2).

Defaults, measured on PIAF (``bench/retrieval.py``; passages of 500 to 996 characters, one
document each, title prefixed; hybrid = USE + BM25): hybrid hit@5 was 0.885 / 0.892 / 0.896 /
0.905 for targets of 400 / 600 / 800 / 1,000 characters, BM25 alone 0.860 / 0.865 / 0.877 /
0.886. Smaller chunks never helped: they cut the context a question needs, and sibling
chunks crowd the top 5. 1,000 characters (about 250 tokens) also stays well inside e5's
512-token window. Overlap made no measurable difference on PIAF (at 600 characters: 0.894 /
0.892 / 0.894 for 0 / 100 / 200); 200 characters carries one typical French sentence, which
is what keeps a fact whole across a cut in longer documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from store.knowledge.records import Chunk, ParsedDocument, Section
from store.knowledge.titles import heading_context

# Measured on PIAF with bench/retrieval.py: see the module docstring.
DEFAULT_TARGET_CHARS = 1000
DEFAULT_OVERLAP_CHARS = 200
# A document no longer than this many times the target is one passage (1,500 characters with
# the default target): see the module docstring.
WHOLE_DOCUMENT_FACTOR = 1.5
HARD_LIMIT = 4  # a table row longer than HARD_LIMIT * target_chars is cut like prose

_BLOCK_KINDS = frozenset({"table_row", "sheet_row", "list_item"})
_ROW_KINDS = frozenset({"table_row", "sheet_row"})

# A sentence ends with . ! ? … (possibly followed by closing quotes or brackets) and the next
# one starts after white space. Abbreviations and initials ("M. Dupont", "J.-C. Decaux") are
# checked separately.
_SENTENCE_END = re.compile(r"[.!?…]+[»\"')\]]*\s+")
_ABBREVIATION_WORDS = """
    m mm mme mmes mlle dr pr me st ste av apr cf env etc ex fig n no p pp vol chap art al
    éd ed coll dir trad réf ref tél tel
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())


@dataclass(frozen=True)
class _Unit:
    """An atom of packing: a sentence of prose, or a whole table row."""

    start: int
    end: int
    page: int | None
    path: tuple[str, ...]
    paragraph_start: bool  # first unit of its section: a good place to cut before
    row: bool


def document_text(doc: ParsedDocument) -> str:
    """The document's text as chunk offsets count it (see the module docstring)."""
    return "".join(text for text, _ in _layout(doc))


def _layout(doc: ParsedDocument) -> Iterator[tuple[str, Section | None]]:
    """Pieces of the document text in order: separators (section None) and section texts."""
    previous: Section | None = None
    for section in doc.sections:
        if not section.text.strip():
            continue
        if previous is not None:
            block = section.kind in _BLOCK_KINDS and previous.kind == section.kind
            yield ("\n" if block else "\n\n"), None
        yield section.text, section
        previous = section


def search_text(chunk: Chunk, title: str = "") -> str:
    """What is embedded and indexed for ``chunk``: title and heading path, then the text."""
    context = heading_context(title, chunk.heading_path)
    if not context:
        return chunk.text
    return " > ".join(context) + "\n\n" + chunk.text


def lexical_text(chunk: Chunk, title: str = "") -> str:
    """What BM25 indexes for ``chunk``: ``search_text`` with the title and heading path once
    more, a field boost (BM25F's idea in one field): a word of the title says more about the
    passage than a word of its text. On PIAF (``bench/retrieval.py``), BM25 alone: hit@5
    0.886 with the title once, 0.888 twice, as the baseline had it (its file-name title and
    the same words on the first line)."""
    context = heading_context(title, chunk.heading_path)
    text = search_text(chunk, title)
    return " > ".join(context) + "\n\n" + text if context else text


def _main_page(units: list[_Unit]) -> int | None:
    """The page holding most characters of ``units`` (the first such page on a tie)."""
    weight: dict[int | None, int] = {}
    for unit in units:
        weight[unit.page] = weight.get(unit.page, 0) + unit.end - unit.start
    return max(weight, key=lambda page: weight[page]) if weight else None


def chunk_document(
    doc: ParsedDocument,
    target_chars: int = DEFAULT_TARGET_CHARS,
    overlap_chars: int = DEFAULT_OVERLAP_CHARS,
    whole_below: int | None = None,
) -> list[Chunk]:
    """Cut ``doc`` into chunks (see the module docstring for the rules). A document under one
    heading path and on one page, whose passages hold no more than ``whole_below`` characters
    (default: ``WHOLE_DOCUMENT_FACTOR`` times the target), is one chunk."""
    if target_chars < 50:
        raise ValueError(f"target_chars must be at least 50, got {target_chars}")
    if not 0 <= overlap_chars < target_chars:
        raise ValueError(f"overlap_chars must be in [0, target_chars), got {overlap_chars}")
    text = document_text(doc)
    groups = _units(doc, target_chars)
    units = [unit for group in groups for unit in group]
    limit = target_chars * WHOLE_DOCUMENT_FACTOR if whole_below is None else whole_below
    if (
        units
        and units[-1].end - units[0].start <= limit
        and len({(unit.path, unit.page) for unit in units}) == 1
    ):
        start, end = units[0].start, units[-1].end
        return [Chunk(0, text[start:end], _main_page(units), units[0].path, start, end)]
    chunks: list[Chunk] = []
    for units in groups:
        for first, last in _pack(units, target_chars, overlap_chars):
            start, end = units[first].start, units[last].end
            chunks.append(
                Chunk(
                    ordinal=len(chunks),
                    text=text[start:end],
                    page=_main_page(units[first : last + 1]),
                    heading_path=units[first].path,
                    start=start,
                    end=end,
                )
            )
    return chunks


def _units(doc: ParsedDocument, target: int) -> list[list[_Unit]]:
    """The document's units, grouped by heading path (a chunk never crosses a group)."""
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    current_path: tuple[str, ...] | None = None
    tracked: list[tuple[int, str]] = []  # (level, heading) for parsers that fill no paths
    pending: tuple[int, int, Section] | None = None  # a heading not yet followed by content
    offset = 0
    for piece, section in _layout(doc):
        start, offset = offset, offset + len(piece)
        if section is None:
            continue
        if section.kind == "heading":
            level = section.level or 1
            if current:
                groups.append(current)
                current = []
            if pending is not None and level <= (pending[2].level or 1):
                # A heading with nothing under it: keep its text as a chunk of its own.
                groups.append([_heading_unit(pending, tracked)])
            tracked = [(lv, h) for lv, h in tracked if lv < level] + [(level, section.text.strip())]
            pending = (start, offset, section)
            continue
        pending = None
        path = section.heading_path or tuple(h for _, h in tracked)
        if path != current_path and current:
            groups.append(current)
            current = []
        current_path = path
        row = section.kind in _ROW_KINDS and len(section.text) <= HARD_LIMIT * target
        if row:
            spans = [
                (
                    start + _lstrip(section.text, 0, len(section.text)),
                    start + _rstrip(section.text, 0, len(section.text)),
                )
            ]
        else:
            spans = [(start + a, start + b) for a, b in _split(section.text, target)]
        for i, (a, b) in enumerate(spans):
            current.append(_Unit(a, b, section.page, path, i == 0, row))
    if current:
        groups.append(current)
    if pending is not None:
        groups.append([_heading_unit(pending, tracked)])
    return groups


def _heading_unit(pending: tuple[int, int, Section], tracked: list[tuple[int, str]]) -> _Unit:
    start, end, section = pending
    path = section.heading_path or tuple(h for lv, h in tracked if lv < (section.level or 1))
    leading = len(section.text) - len(section.text.lstrip())
    trailing = len(section.text) - len(section.text.rstrip())
    return _Unit(start + leading, end - trailing, section.page, path, True, False)


def _split(text: str, target: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (white space trimmed), sentences longer than ``target``
    cut at word boundaries."""
    spans: list[tuple[int, int]] = []
    for a, b in sentence_spans(text):
        while b - a > target:
            cut = text.rfind(" ", a + target // 2, a + target)
            cut = cut if cut > a else a + target
            spans.append((a, _rstrip(text, a, cut)))
            a = _lstrip(text, cut, b)
        if b > a:
            spans.append((a, b))
    return spans


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    begin = _lstrip(text, 0, len(text))
    for match in _SENTENCE_END.finditer(text):
        if text[match.start()] == "." and _abbreviation(text, begin, match.start()):
            continue  # "M. Dupont", "J.-C. Decaux", "p. 3"
        stop = match.end()
        end = _rstrip(text, begin, stop)
        if end > begin:
            yield begin, end
        begin = _lstrip(text, stop, len(text))
    end = _rstrip(text, begin, len(text))
    if end > begin:
        yield begin, end


def _abbreviation(text: str, begin: int, dot: int) -> bool:
    """Whether the word before the period at ``dot`` is an initial or a known abbreviation."""
    k = dot
    while k > begin and (text[k - 1].isalnum() or text[k - 1] in ".-"):
        k -= 1
    word = re.split(r"[.-]", text[k:dot])[-1].lower()
    return (len(word) == 1 and word.isalpha()) or word in _ABBREVIATIONS


def _lstrip(text: str, a: int, b: int) -> int:
    while a < b and text[a].isspace():
        a += 1
    return a


def _rstrip(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1].isspace():
        b -= 1
    return b


def _pack(units: list[_Unit], target: int, overlap: int) -> Iterator[tuple[int, int]]:
    """Index ranges ``(first, last)`` of the chunks over ``units`` (inclusive)."""
    first = 0
    n = len(units)
    while first < n:
        last = first
        while last + 1 < n:
            nxt = units[last + 1]
            if nxt.end - units[first].start > target:
                break
            if nxt.page != units[last].page and _size(units, first, last) >= target // 2:
                break
            last += 1
        if last + 1 < n and not units[last + 1].paragraph_start:
            last = _paragraph_cut(units, first, last, target)
        yield first, last
        if last + 1 >= n:
            return
        first = _overlap_start(units, first, last, overlap, target)


def _size(units: list[_Unit], first: int, last: int) -> int:
    return units[last].end - units[first].start


def _paragraph_cut(units: list[_Unit], first: int, last: int, target: int) -> int:
    """Move the cut back to a paragraph start if one lies past half the target."""
    for i in range(last, first, -1):
        if units[i].paragraph_start:
            if _size(units, first, i - 1) >= target // 2:
                return i - 1
            break
    return last


def _overlap_start(units: list[_Unit], first: int, last: int, overlap: int, target: int) -> int:
    """Where the next chunk starts: right after ``last``, or earlier by the tail sentences of
    the current chunk that fit in ``overlap`` characters and still leave room for the next
    unit. Table rows get no overlap: a row is repeated by no one."""
    nxt = last + 1
    if overlap <= 0 or units[nxt].row or units[last].row:
        return nxt
    start = nxt
    while (
        start - 1 > first
        and units[last].end - units[start - 1].start <= overlap
        and units[nxt].end - units[start - 1].start <= target
    ):
        start -= 1
    return start
