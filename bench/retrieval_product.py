"""The product path of ``bench/retrieval.py``: both sets through ``KnowledgeStore``.

Only the store's public calls are used here (``create_kb``, ``add_documents``, ``wait``,
``search(kb_ids, query, k=..., mode=...)``), so the same code measures today's store and the
baseline's, run from the baseline's source tree (``--baseline``). The sweep of fusion settings
and of the whole-document threshold reaches into today's modules and runs only on today's.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.faq import FaqPage, FaqQuestion, first_page_hit, page_file
from bench.piaf import (
    PiafPassage,
    Quality,
    Question,
    latency,
    quality_of,
    score,
    synthetic_texts,
    unit_vectors,
)
from store.database import utc_now
from store.knowledge.fusion import CANDIDATES, fuse_dense_bm25
from store.knowledge.ingestion import chunk_ids, new_document_id
from store.knowledge.lexical import Bm25Index
from store.knowledge.records import Chunk, DocumentRecord
from store.knowledge.schema import Indexed

if TYPE_CHECKING:
    from store.knowledge.service import KnowledgeStore, SearchMode

MODES: tuple[SearchMode, ...] = ("dense", "bm25", "hybrid")
UPLOAD_BATCH = 50
OWNER = "bench"
SYNTHETIC_PER_DOCUMENT = 100
Progress = Callable[[str], None]
Files = list[tuple[str, bytes, str]]  # file name, content, the set's id for it


@contextlib.contextmanager
def atelier_home(folder: Path) -> Iterator[None]:
    """``ATELIER_HOME`` pointed at ``folder`` while the block runs; every store closed after."""
    from store.knowledge.service import close_knowledge_stores

    previous = os.environ.get("ATELIER_HOME")
    os.environ["ATELIER_HOME"] = str(folder)
    try:
        yield
    finally:
        close_knowledge_stores()
        if previous is None:
            os.environ.pop("ATELIER_HOME", None)
        else:
            os.environ["ATELIER_HOME"] = previous


def piaf_files(passages: Sequence[PiafPassage]) -> Files:
    """Each passage as a page of its article: the title on the first line, as a file of that
    name (the baseline took a title from the file name; today's store from the content)."""
    return [(f"{p.title}.txt", f"{p.title}\n\n{p.text}\n".encode(), p.id) for p in passages]


def faq_files(pages: Sequence[FaqPage]) -> Files:
    return [(*page_file(page, n), page.id) for n, page in enumerate(pages)]


def ingest(
    store: KnowledgeStore, embedder_id: str, name: str, files: Files, progress: Progress
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Upload the files in batches and wait until all are ready; the base's id, document id
    -> the set's id, and the figures (END TO END: from the first upload to all ready)."""
    kb = store.create_kb(f"{name} {embedder_id}", OWNER, embedder=embedder_id)
    started = time.perf_counter()
    store.embedder(embedder_id).embed_query("chargement du modèle")  # the worker's instance
    model_load_s = time.perf_counter() - started
    owner_of: dict[str, str] = {}
    submit_s = 0.0
    started = time.perf_counter()
    for i in range(0, len(files), UPLOAD_BATCH):
        part = files[i : i + UPLOAD_BATCH]
        began = time.perf_counter()
        records = store.add_documents(kb.id, [(n, data) for n, data, _ in part])
        submit_s += time.perf_counter() - began
        owner_of.update((r.id, key) for r, (_, _, key) in zip(records, part, strict=True))
    shown = [started]

    def report(documents: Sequence[Any]) -> None:
        if time.perf_counter() - shown[0] >= 20:
            shown[0] = time.perf_counter()
            ready = sum(d.status == "ready" for d in documents)
            progress(f"  {ready}/{len(documents)} documents ready")

    done = store.wait(list(owner_of), timeout=3600, on_progress=report)
    wall_s = time.perf_counter() - started
    failed = [d for d in done if d.status != "ready"]
    for d in failed[:5]:
        progress(f"  not indexed: {d.filename} ({d.status}: {d.error})")
    chunks = sum(d.chunks for d in done if d.status == "ready")
    started = time.perf_counter()
    store.search([kb.id], "amorce", k=1, mode="bm25")  # builds the base's BM25 index
    bm25_s = time.perf_counter() - started
    stats = {
        "documents": len(done),
        "failed": len(failed),
        "chunks": chunks,
        "model_load_s": model_load_s,
        "submit_s": submit_s,
        "wall_s": wall_s,
        "bm25_first_search_s": bm25_s,
        "chunks_per_s": chunks / wall_s if wall_s else 0.0,
        "documents_per_s": len(done) / wall_s if wall_s else 0.0,
    }
    return kb.id, owner_of, stats


def ingest_product(
    store: KnowledgeStore, embedder_id: str, passages: Sequence[PiafPassage], progress: Progress
) -> tuple[str, dict[str, str], dict[str, Any]]:
    return ingest(store, embedder_id, "PIAF", piaf_files(passages), progress)


def evaluate_piaf(
    store: KnowledgeStore,
    kb_id: str,
    owner_of: dict[str, str],
    qs: Sequence[Question],
    modes: Sequence[SearchMode] = MODES,
) -> dict[str, Quality]:
    """Every question in each mode, k=10, one ``store.search`` call each."""
    quality: dict[str, Quality] = {}
    for mode in modes:
        found = [store.search([kb_id], q.text, k=10, mode=mode) for q in qs]
        rankings = [[(owner_of[p.document_id], p.text) for p in f] for f in found]
        quality[mode] = score(rankings, qs)
    return quality


evaluate_product = evaluate_piaf


def evaluate_faq(
    store: KnowledgeStore,
    kb_id: str,
    owner_of: dict[str, str],
    qs: Sequence[FaqQuestion],
    modes: Sequence[SearchMode] = MODES,
) -> dict[str, Quality]:
    """A hit: the question's page among the first k different documents found."""
    quality: dict[str, Quality] = {}
    for mode in modes:
        ranks = []
        for q in qs:
            found = store.search([kb_id], q.text, k=10, mode=mode)
            ranks.append(first_page_hit([owner_of[p.document_id] for p in found], q.page_id))
        quality[mode] = quality_of(ranks)
    return quality


def hybrid(store: KnowledgeStore, kb_id: str, query: str) -> object:
    return store.search([kb_id], query, k=10)


def measure_sets(
    store: KnowledgeStore,
    embedder_id: str,
    piaf: tuple[Sequence[PiafPassage], Sequence[Question], Sequence[Question]] | None,
    faq: tuple[Sequence[FaqPage], Sequence[FaqQuestion]] | None,
    progress: Progress,
) -> tuple[dict[str, Any], dict[str, tuple[str, dict[str, str]]]]:
    """Each set ingested and asked in every mode, with query latency; the bases made."""
    result: dict[str, Any] = {}
    bases: dict[str, tuple[str, dict[str, str]]] = {}
    if piaf is not None:
        passages, questions, sample = piaf
        progress(f"{embedder_id}: PIAF, uploading {len(passages)} passages as text files…")
        kb_id, owner_of, stats = ingest(store, embedder_id, "PIAF", piaf_files(passages), progress)
        progress(f"{embedder_id}: PIAF, asking {len(questions)} questions, 3 modes…")
        quality = evaluate_piaf(store, kb_id, owner_of, questions)
        p50, p95 = latency(functools.partial(hybrid, store, kb_id), sample)
        result["piaf"] = _figures(quality, stats, p50, p95)
        bases["piaf"] = (kb_id, owner_of)
    if faq is not None:
        pages, faq_questions = faq
        progress(f"{embedder_id}: FAQ, uploading {len(pages)} pages (txt, md, html, docx)…")
        kb_id, owner_of, stats = ingest(store, embedder_id, "FAQ", faq_files(pages), progress)
        progress(f"{embedder_id}: FAQ, asking {len(faq_questions)} questions, 3 modes…")
        quality = evaluate_faq(store, kb_id, owner_of, faq_questions)
        texts = [Question(q.text, (), q.page_id) for q in faq_questions]
        p50, p95 = latency(functools.partial(hybrid, store, kb_id), texts)
        result["faq"] = _figures(quality, stats, p50, p95)
        bases["faq"] = (kb_id, owner_of)
    return result, bases


def _figures(
    quality: dict[str, Quality], stats: dict[str, Any], p50: float, p95: float
) -> dict[str, Any]:
    return {
        "quality": {mode: asdict(q) for mode, q in quality.items()},
        "ingest": stats,
        "query_p50_ms": p50,
        "query_p95_ms": p95,
    }


def scale_product(
    home: Path,
    embedder_id: str,
    passages: Sequence[PiafPassage],
    qs: Sequence[Question],
    size: int,
    progress: Progress,
) -> dict[str, Any]:
    """100k chunks written through the store's own layers (see ``bench/retrieval.py``)."""
    from store.knowledge.db import KnowledgeDb
    from store.knowledge.service import KnowledgeStore
    from store.knowledge.vectors import VectorIndex

    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = KnowledgeDb(home / "knowledge.sqlite3")
    vectors = VectorIndex.open(home / "chroma")
    store = KnowledgeStore(db, vectors, home / "uploads", recover=False)
    try:
        kb = store.create_kb("synthétique 100k", OWNER, embedder=embedder_id)
        state = db.kb_state(kb.id)
        assert state is not None
        embedder = store.embedder(embedder_id)
        titles = sorted({p.title for p in passages})
        texts = synthetic_texts(passages, size)
        matrix = unit_vectors(size, embedder.dimension)
        rng = random.Random(11)
        progress(f"  100k: {size:,} chunk rows and random unit vectors through the store's layers…")
        per_group = 10 * SYNTHETIC_PER_DOCUMENT  # one Chroma write per 10 documents
        started = time.perf_counter()
        pending: list[tuple[str, Indexed]] = []
        for group in range(0, size, per_group):
            pending = []
            for start in range(group, min(size, group + per_group), SYNTHETIC_PER_DOCUMENT):
                part = texts[start : start + SYNTHETIC_PER_DOCUMENT]
                now = utc_now()
                document, _ = db.add_document(
                    DocumentRecord(
                        id=new_document_id(),
                        kb_id=kb.id,
                        filename=f"{rng.choice(titles)}.txt",
                        content_hash=f"synthetic:{start}",
                        size=sum(len(t) for t in part),
                        status="queued",
                        created_at=now,
                        updated_at=now,
                    ),
                    OWNER,
                )
                db.claim(document.id, OWNER)
                chunks, offset = [], 0
                for n, text in enumerate(part):
                    chunks.append(Chunk(n, text, None, (), offset, offset + len(text)))
                    offset += len(text) + 2
                title = document.filename.removesuffix(".txt")
                pending.append(
                    (document.id, Indexed(chunk_ids(document.id, n + 1), chunks, title, None))
                )
            ids = [i for _, done in pending for i in done.ids]
            owners = [doc_id for doc_id, done in pending for _ in done.ids]
            vectors.write(state.collection, ids, matrix[group : group + len(ids)], owners)
            for doc_id, done in pending:
                if not db.finish(doc_id, OWNER, state.collection, done):
                    raise RuntimeError(f"synthetic document {doc_id} was not written")
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        store.search([kb.id], "amorce", k=1, mode="bm25")
        bm25_s = time.perf_counter() - started
        store_p50, store_p95 = latency(functools.partial(hybrid, store, kb.id), qs)

        source = db.search_texts(kb.id)
        # Today's store keeps titles beside the passages (``store.knowledge.titles``).
        passages_only = [
            (i, t)
            for i, t in zip(source.ids, source.texts, strict=True)
            if not i.endswith((":t", ":h"))
        ]
        bm25 = Bm25Index.build([i for i, _ in passages_only], [t for _, t in passages_only])

        def blocks(query: str) -> object:
            vector = embedder.embed_query(query)
            dense = vectors.query(state.collection, vector, CANDIDATES)
            lexical = bm25.search(query, CANDIDATES)
            return fuse_dense_bm25([i for i, _ in dense], [i for i, _ in lexical])

        blocks_p50, blocks_p95 = latency(blocks, qs)
        doomed = pending[0][0]
        started = time.perf_counter()
        store.delete_document(doomed, wait=True)
        erase_s = time.perf_counter() - started
        started = time.perf_counter()
        store.search([kb.id], "amorce", k=1, mode="bm25")
        bm25_after_s = time.perf_counter() - started
        return {
            "chunks": len(passages_only),
            "dimension": embedder.dimension,
            "insert_s": insert_s,
            "bm25_first_search_s": bm25_s,
            "p50_ms": store_p50,
            "p95_ms": store_p95,
            "blocks_p50_ms": blocks_p50,
            "blocks_p95_ms": blocks_p95,
            "erase_document_s": erase_s,
            "bm25_after_erasure_s": bm25_after_s,
        }
    finally:
        store.close()
