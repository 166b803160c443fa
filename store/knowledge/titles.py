"""Titles and section headings as a search signal of their own.

People ask an FAQ in their own words, and the best clue a page holds is its own question or
heading: a title alone often matches a paraphrased question better than the whole answer does.
So besides its passages, each document puts into its base's collection one vector for its title
and one per section heading (the heading's path under the title, "Congés > Report"). A search
ranks them as a further list, fused with the passages' vectors and BM25 (``service.search``).

A heading's record is named after the first passage under it (``<chunk id>:h``), the title's
after the document's first passage (``<chunk id>:t``): a title found leads to that passage, and
the record belongs to the document like its passages do (copied by a rebuild, deleted with the
document, never returned as a passage).
"""

from __future__ import annotations

from collections.abc import Sequence

from store.knowledge.records import Chunk

TITLE = ":t"
HEADING = ":h"


def heading_context(title: str, path: Sequence[str]) -> list[str]:
    """The title then the heading path, blank parts and a heading repeating the one above it
    (a text's title line heads its passages) left out."""
    context = [part.strip() for part in (title, *path) if part.strip()]
    return [part for i, part in enumerate(context) if i == 0 or part != context[i - 1]]


def title_records(
    chunk_ids: Sequence[str], chunks: Sequence[Chunk], title: str
) -> list[tuple[str, str]]:
    """``(record id, text to embed)`` for the document's title and each of its headings."""
    records: list[tuple[str, str]] = []
    seen: set[tuple[str, ...]] = set()
    if title.strip() and chunk_ids:
        records.append((chunk_ids[0] + TITLE, title.strip()))
        seen.add((title.strip(),))
    for chunk_id, chunk in zip(chunk_ids, chunks, strict=True):
        context = tuple(heading_context(title, chunk.heading_path))
        if chunk.heading_path and context and context not in seen:
            seen.add(context)
            records.append((chunk_id + HEADING, " > ".join(context)))
    return records


def is_title_record(record_id: str) -> bool:
    return record_id.endswith((TITLE, HEADING))


def passage_of(record_id: str) -> str:
    """The passage a title record leads to."""
    return record_id[: -len(TITLE)] if is_title_record(record_id) else record_id
