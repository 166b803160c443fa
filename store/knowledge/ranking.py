"""One ranking out of a search's lists, by passage or by document.

A search gathers, for each base, up to three ranked lists of passage ids: dense (the passages'
vectors), BM25, and titles (a title or heading found leads to its first passage: ``titles``).
``passages`` fuses them by reciprocal rank, passage by passage. ``documents`` gives one result
per document: each list is read as a ranking of documents (a document at the rank of its best
passage in that list), those are fused the same way, and each document is shown by its best
passage, the others following it. A long document then no longer fills the first five places
with its neighbouring passages, and a page whose title matches the question and whose answer
matches it too rises above one that only matches once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from store.knowledge.fusion import rrf


@dataclass(frozen=True)
class Ranked:
    """One retriever's list over one base: passage ids, best first, and its weight."""

    name: str  # dense, bm25 or titles
    ids: list[str]
    weight: float
    # Explicit 1-based ranks, one per id: equal for ids tied in the list (documents whose
    # titles are the same words, as the sections of one article); None: 1, 2, 3...
    ranks: list[int] | None = None


def tied_ranks(scores: Sequence[float], tolerance: float = 1e-6) -> list[int]:
    """Ranks of a list sorted best first, ids whose scores are equal sharing the first one's."""
    ranks: list[int] = []
    for i, value in enumerate(scores):
        tied = i > 0 and abs(scores[i - 1] - value) <= tolerance
        ranks.append(ranks[-1] if tied else i + 1)
    return ranks


def kept(ranked: Ranked, ids: set[str]) -> Ranked:
    """``ranked`` without the ids not in ``ids``, the others keeping their ranks."""
    numbers = ranked.ranks or range(1, len(ranked.ids) + 1)
    pairs = [(i, rank) for i, rank in zip(ranked.ids, numbers, strict=True) if i in ids]
    ranks = [rank for _, rank in pairs] if ranked.ranks is not None else None
    return Ranked(ranked.name, [i for i, _ in pairs], ranked.weight, ranks)


@dataclass(frozen=True)
class DocumentHit:
    document_id: str
    score: float
    passages: list[str]  # the document's passages found, best first


def passages(lists: Sequence[Ranked], k: int) -> list[tuple[str, float]]:
    """The passages of every list, fused, best first."""
    return rrf(
        [ranked.ids for ranked in lists],
        k=k,
        weights=[r.weight for r in lists],
        ranks=[r.ranks for r in lists],
    )


def documents(
    lists: Sequence[Ranked],
    k: int,
    document_of: Mapping[str, str],
    fused: Sequence[tuple[str, float]] | None = None,
) -> list[DocumentHit]:
    """The documents of the passages in ``lists`` (those ``document_of`` knows), best first,
    each with its passages ordered by their own fused score (``fused``: ``passages(lists,
    k)``, when the caller has it already)."""
    per_document: list[list[str]] = []
    document_ranks: list[list[int] | None] = []
    for ranked in lists:
        best: dict[str, int] = {}  # each document at the rank of its best passage in the list
        numbers = ranked.ranks or range(1, len(ranked.ids) + 1)
        for passage_id, rank in zip(ranked.ids, numbers, strict=True):
            if passage_id in document_of:
                best.setdefault(document_of[passage_id], rank)
        per_document.append(list(best))
        document_ranks.append(list(best.values()) if ranked.ranks is not None else None)
    ranked_documents = rrf(
        per_document, k=k, weights=[r.weight for r in lists], ranks=document_ranks
    )
    members: dict[str, list[str]] = {}
    for passage_id, _ in passages(lists, k) if fused is None else fused:
        if passage_id in document_of:
            members.setdefault(document_of[passage_id], []).append(passage_id)
    return [DocumentHit(doc, score, members[doc]) for doc, score in ranked_documents]
