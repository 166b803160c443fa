"""PIAF for ``bench/retrieval.py``: the data, how a hit is counted, latency helpers, and the
building-block indexing path (``--path blocks``) the bench used before it went through the
product's ``KnowledgeStore``, kept to compare the two.

Titles. PIAF's article titles carry Wikipedia's HTML (``<i>Looney Tunes</i>``,
``Ferdinand I<sup>er</sup>``): ``load_piaf`` strips the tags and unescapes entities, so the
title is what a person would type as a file name (a ``/`` from ``</i>`` would even make the
file name a path). Both paths use the cleaned title.

Hits. A retrieved chunk is a hit when it comes from the question's own passage, or when its
text contains one of the question's answers; both sides have their white space collapsed,
and the comparison is case-sensitive, as SQuAD's answers are spans copied from the text.
"""

from __future__ import annotations

import html
import json
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from store.knowledge.chunking import (
    DEFAULT_OVERLAP_CHARS,
    DEFAULT_TARGET_CHARS,
    chunk_document,
    search_text,
    sentence_spans,
)
from store.knowledge.embedders import ChromaEmbeddingFunction, Embedder, default_embedders
from store.knowledge.fusion import CANDIDATES, fuse_dense_bm25
from store.knowledge.lexical import Bm25Index
from store.knowledge.records import ParsedDocument, Section

ROOT = Path(__file__).resolve().parents[1]
PIAF = ROOT.parent / "shared" / "data" / "piaf" / "piaf-v1.0.json"
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PiafPassage:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Question:
    text: str
    answers: tuple[str, ...]  # white space collapsed
    passage_id: str


def squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def clean_title(title: str) -> str:
    return squash(html.unescape(_TAG.sub("", title)))


def load_piaf(path: Path = PIAF) -> tuple[list[PiafPassage], list[Question]]:
    data = json.loads(path.read_text("utf-8"))["data"]
    passages: list[PiafPassage] = []
    questions: list[Question] = []
    for article in data:
        title = clean_title(article["title"])
        for paragraph in article["paragraphs"]:
            pid = f"p{len(passages)}"
            passages.append(PiafPassage(pid, title, paragraph["context"]))
            for qa in paragraph["qas"]:
                answers = tuple(squash(a["text"]) for a in qa["answers"] if a["text"].strip())
                questions.append(Question(qa["question"], answers, pid))
    return passages, questions


# ---------------------------------------------------------------- scoring

Ranking = Sequence[tuple[str, str]]  # (passage id, chunk text), best first


@dataclass
class Quality:
    hit1: float
    hit5: float
    mrr: float


def first_hit(ranking: Ranking, question: Question, depth: int = 10) -> int:
    """Rank (1-based) of the first hit among the first ``depth``, 0 if none."""
    for rank, (passage_id, text) in enumerate(ranking[:depth], start=1):
        if passage_id == question.passage_id:
            return rank
        flat = squash(text)
        if any(a in flat for a in question.answers):
            return rank
    return 0


def score(rankings: Sequence[Ranking], qs: Sequence[Question]) -> Quality:
    return quality_of([first_hit(r, q) for r, q in zip(rankings, qs, strict=True)])


def quality_of(ranks: Sequence[int]) -> Quality:
    """hit@1, hit@5 and MRR from each question's first hit (1-based, 0 for none)."""
    n = max(1, len(ranks))
    return Quality(
        sum(r == 1 for r in ranks) / n,
        sum(0 < r <= 5 for r in ranks) / n,
        sum(1 / r for r in ranks if r) / n,
    )


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


def synthetic_texts(passages: Sequence[PiafPassage], size: int, seed: int = 7) -> list[str]:
    """``size`` chunk texts of 3 to 6 PIAF sentences drawn at random (no title)."""
    rng = random.Random(seed)
    sentences = [p.text[a:b] for p in passages for a, b in sentence_spans(p.text)]
    return [" ".join(rng.sample(sentences, rng.randint(3, 6))) for _ in range(size)]


def unit_vectors(count: int, dimension: int, seed: int = 7) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


# ---------------------------------------------------------------- the building-block path


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
class BlocksBase:
    """A knowledge base built from the store's parts (chunking, embedder, a raw Chroma
    collection, BM25, fusion) without the store."""

    embedder: Embedder
    collection: Any
    bm25: Bm25Index
    chunks: dict[str, tuple[str, str]]  # chunk id -> (passage id, chunk text)
    stats: IngestStats = field(default_factory=IngestStats)

    def dense_many(self, vectors: Sequence[np.ndarray], n: int = CANDIDATES) -> list[list[str]]:
        result = self.collection.query(
            query_embeddings=[np.asarray(v) for v in vectors], n_results=n, include=[]
        )
        return [list(ids) for ids in result["ids"]]

    def lexical(self, query: str, n: int = CANDIDATES) -> list[str]:
        return [cid for cid, _ in self.bm25.search(query, n)]

    def hybrid(self, query: str, n: int = CANDIDATES) -> list[str]:
        dense = self.dense_many([self.embedder.embed_query(query)], n)[0]
        return [cid for cid, _ in fuse_dense_bm25(dense, self.lexical(query, n))]

    def ranking(self, ids: Sequence[str]) -> Ranking:
        return [self.chunks[cid] for cid in ids]


def index_blocks(
    client: Any,
    embedder_id: str,
    passages: Sequence[PiafPassage],
    *,
    target_chars: int = DEFAULT_TARGET_CHARS,
    overlap_chars: int = DEFAULT_OVERLAP_CHARS,
) -> BlocksBase:
    """Chunk each passage as one document (its article's title as title), embed the search
    text in batches of 512, write to Chroma, build BM25."""
    stats = IngestStats()
    embedder = default_embedders().get(embedder_id)
    started = time.perf_counter()
    embedder.embed_query("chargement du modèle")
    stats.model_load_s = time.perf_counter() - started
    collection = client.get_or_create_collection(
        f"bench-{embedder_id}",
        embedding_function=ChromaEmbeddingFunction(embedder_id),
        configuration={"hnsw": {"space": "cosine"}},
    )
    batch = min(512, client.get_max_batch_size())
    chunks: dict[str, tuple[str, str]] = {}
    bm25_texts: list[str] = []
    pending: list[tuple[str, str]] = []

    def flush() -> None:
        if not pending:
            return
        started = time.perf_counter()
        vectors = embedder.embed_documents([text for _, text in pending])
        stats.embed_s += time.perf_counter() - started
        started = time.perf_counter()
        collection.add(ids=[cid for cid, _ in pending], embeddings=list(vectors))
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
            pending.append((cid, text))
        stats.chunk_s += time.perf_counter() - started
        if len(pending) >= batch:
            flush()
    flush()
    started = time.perf_counter()
    bm25 = Bm25Index.build(list(chunks), bm25_texts)
    stats.bm25_s = time.perf_counter() - started
    stats.chunks = len(chunks)
    return BlocksBase(embedder, collection, bm25, chunks, stats)


def evaluate_blocks(base: BlocksBase, qs: Sequence[Question]) -> dict[str, Quality]:
    """All questions, three modes; dense queries go to Chroma in batches of 200."""
    vectors = [base.embedder.embed_query(q.text) for q in qs]
    dense: list[list[str]] = []
    for i in range(0, len(vectors), 200):
        dense.extend(base.dense_many(vectors[i : i + 200]))
    lexical = [base.lexical(q.text) for q in qs]
    hybrid = [
        [cid for cid, _ in fuse_dense_bm25(d, b)] for d, b in zip(dense, lexical, strict=True)
    ]
    return {
        mode: score([base.ranking(r) for r in rankings], qs)
        for mode, rankings in (("dense", dense), ("bm25", lexical), ("hybrid", hybrid))
    }


def scale_blocks(
    client: Any,
    embedder_id: str,
    passages: Sequence[PiafPassage],
    qs: Sequence[Question],
    size: int,
) -> dict[str, Any]:
    """``size`` random unit vectors added straight to a raw Chroma collection, BM25 over as
    many synthetic chunks; times query embedding + Chroma + BM25 + fusion."""
    embedder = default_embedders().get(embedder_id)
    rng = random.Random(7)
    titles = sorted({p.title for p in passages})
    texts = [f"{rng.choice(titles)}\n\n{t}" for t in synthetic_texts(passages, size)]
    ids = [f"s{i}" for i in range(size)]
    started = time.perf_counter()
    bm25 = Bm25Index.build(ids, texts)
    bm25_s = time.perf_counter() - started
    collection = client.get_or_create_collection(
        f"bench-100k-{embedder_id}",
        embedding_function=ChromaEmbeddingFunction(embedder_id),
        configuration={"hnsw": {"space": "cosine"}},
    )
    vectors = unit_vectors(size, embedder.dimension)
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
    return {
        "chunks": size,
        "dimension": embedder.dimension,
        "insert_s": insert_s,
        "bm25_build_s": bm25_s,
        "p50_ms": p50,
        "p95_ms": p95,
    }


def run_blocks(
    folder: Path,
    embedder_ids: Sequence[str],
    passages: Sequence[PiafPassage],
    questions: Sequence[Question],
    sample: Sequence[Question],
    scale_id: str | None,
    progress: Callable[[str], None],
    target_chars: int,
    overlap_chars: int,
    size: int,
) -> dict[str, Any]:
    """The former bench: every embedder through the building blocks, then the raw 100k test."""
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(
        path=str(folder / "blocks"), settings=Settings(anonymized_telemetry=False)
    )
    report: dict[str, Any] = {"embedders": {}}
    for embedder_id in embedder_ids:
        progress(f"{embedder_id}: indexing {len(passages)} passages (building blocks)…")
        base = index_blocks(
            client, embedder_id, passages, target_chars=target_chars, overlap_chars=overlap_chars
        )
        progress(f"{embedder_id}: asking {len(questions)} questions…")
        quality = evaluate_blocks(base, questions)
        p50, p95 = latency(base.hybrid, sample)
        report["embedders"][embedder_id] = {
            "quality": {mode: asdict(q) for mode, q in quality.items()},
            "ingest": asdict(base.stats) | {"chunks_per_s": base.stats.chunks_per_s},
            "query_p50_ms": p50,
            "query_p95_ms": p95,
        }
    if scale_id is not None:
        progress(f"  100k: raw Chroma collection of {size:,} random unit vectors…")
        scale = scale_blocks(client, scale_id, passages, sample, size)
        report["scale_100k"] = {"embedder": scale_id} | scale
    return report
