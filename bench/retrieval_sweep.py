"""Choosing the fusion settings and the whole-document threshold by measurement (``bench/
retrieval.py --sweep``), on today's store only: PIAF and the FAQ set, already indexed by the
run, are asked again in hybrid mode under each setting. Query vectors are computed once per
question and reused, so a setting costs only the search itself."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bench.faq import FaqPage, FaqQuestion
from bench.piaf import PiafPassage, Quality, Question
from bench.retrieval_product import (
    Files,
    Progress,
    evaluate_faq,
    evaluate_piaf,
    faq_files,
    ingest,
)

if TYPE_CHECKING:
    from store.knowledge.service import KnowledgeStore

RRF_KS = (3, 5, 10, 20)
BM25_WEIGHTS = (1.0, 1.25, 1.5, 2.0)
TITLE_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
WHOLE_FACTORS = (0.0, 1.5, 2.0, 3.0, 5.0)  # 0: cut at the target as before


def sweep_fusion(
    store: KnowledgeStore,
    embedder_id: str,
    bases: dict[str, tuple[str, dict[str, str]]],
    piaf_questions: Sequence[Question],
    faq_questions: Sequence[FaqQuestion],
    progress: Progress,
) -> list[dict[str, Any]]:
    """hybrid hit@5 and MRR on both sets for each (k, BM25 weight, title weight)."""
    from store.knowledge import fusion

    embedder = store.embedder(embedder_id)
    embedder.embed_query = functools.lru_cache(maxsize=None)(embedder.embed_query)  # type: ignore[method-assign]
    chosen = fusion.FUSION.get(embedder_id, fusion.DEFAULT_FUSION)
    rows: list[dict[str, Any]] = []
    try:
        for k in RRF_KS:
            progress(f"{embedder_id}: sweep, RRF k={k}…")
            for bm25 in BM25_WEIGHTS:
                for titles in TITLE_WEIGHTS:
                    fusion.FUSION[embedder_id] = fusion.Fusion(k, 1.0, bm25, titles)
                    row: dict[str, Any] = {"k": k, "bm25": bm25, "titles": titles}
                    if "piaf" in bases:
                        kb_id, owner_of = bases["piaf"]
                        q = evaluate_piaf(store, kb_id, owner_of, piaf_questions, ("hybrid",))
                        row["piaf"] = q["hybrid"].hit5
                        row["piaf_mrr"] = q["hybrid"].mrr
                    if "faq" in bases:
                        kb_id, owner_of = bases["faq"]
                        q = evaluate_faq(store, kb_id, owner_of, faq_questions, ("hybrid",))
                        row["faq"] = q["hybrid"].hit5
                        row["faq_mrr"] = q["hybrid"].mrr
                    rows.append(row)
    finally:
        fusion.FUSION[embedder_id] = chosen
        del embedder.embed_query
    return rows


def sweep_whole_documents(
    store: KnowledgeStore,
    embedder_id: str,
    pages: Sequence[FaqPage],
    questions: Sequence[FaqQuestion],
    progress: Progress,
) -> list[dict[str, Any]]:
    """The FAQ set indexed again under each whole-document threshold."""

    def asked(kb_id: str, owner_of: dict[str, str]) -> Quality:
        return evaluate_faq(store, kb_id, owner_of, questions, ("hybrid",))["hybrid"]

    return _under_each_threshold(store, embedder_id, "FAQ", faq_files(pages), asked, progress)


def sweep_whole_articles(
    store: KnowledgeStore,
    embedder_id: str,
    passages: Sequence[PiafPassage],
    questions: Sequence[Question],
    progress: Progress,
) -> list[dict[str, Any]]:
    """The whole-document threshold where it matters: PIAF's passages joined into their 191
    articles (a title line, then the sections; 600 to 12,000 characters). A hit: the passage
    shown for a document contains an answer (what the model would be given), among the first
    k documents."""
    articles: dict[str, list[PiafPassage]] = {}
    for passage in passages:
        articles.setdefault(passage.title, []).append(passage)
    files = [
        (f"article-{n:03d}.txt", f"{title}\n\n{_sections(parts)}".encode(), "article:" + title)
        for n, (title, parts) in enumerate(sorted(articles.items()))
    ]

    def asked(kb_id: str, owner_of: dict[str, str]) -> Quality:
        return evaluate_piaf(store, kb_id, owner_of, questions, ("hybrid",))["hybrid"]

    return _under_each_threshold(store, embedder_id, "PIAF's articles", files, asked, progress)


def _under_each_threshold(
    store: KnowledgeStore,
    embedder_id: str,
    name: str,
    files: Files,
    asked: Callable[[str, dict[str, str]], Quality],
    progress: Progress,
) -> list[dict[str, Any]]:
    """``files`` indexed in a base of their own under each threshold, and asked."""
    from store.knowledge import chunking

    chosen = chunking.WHOLE_DOCUMENT_FACTOR
    rows: list[dict[str, Any]] = []
    try:
        for factor in WHOLE_FACTORS:
            chunking.WHOLE_DOCUMENT_FACTOR = factor
            progress(f"{embedder_id}: {name} indexed whole below {factor:g} x the target…")
            kb_id, owner_of, stats = ingest(
                store, embedder_id, f"{name} x{factor:g}", files, lambda _: None
            )
            quality = asked(kb_id, owner_of)
            rows.append(
                {
                    "factor": factor,
                    "chunks": stats["chunks"],
                    "hit5": quality.hit5,
                    "mrr": quality.mrr,
                }
            )
            store.delete_kb(kb_id)
    finally:
        chunking.WHOLE_DOCUMENT_FACTOR = chosen
    return rows


def _sections(parts: Sequence[PiafPassage]) -> str:
    return "\n\n".join(p.text for p in parts)
