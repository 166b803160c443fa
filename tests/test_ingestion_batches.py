"""Small documents queued together are embedded and written together; a failure in such a
batch still lands on the one document that caused it. Real SQLite and embedded Chroma."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from store.config import data_dir
from store.knowledge import ingestion
from store.knowledge.embedders import EmbedderInfo, EmbedderRegistry, HashingEmbedder
from store.knowledge.embedding import EmbedderUnavailable
from store.knowledge.records import DocumentRecord
from store.knowledge.service import KnowledgeStore, close_knowledge_stores


class GatedEmbedder(HashingEmbedder):
    """Holds its first call until the test opens the gate, so that the next documents are all
    queued by then; refuses any batch holding the word POISON; records each call's size."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []
        self.entered = threading.Event()
        self.gate = threading.Event()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        self.entered.set()
        assert self.gate.wait(10)
        if any("POISON" in text for text in texts):
            raise EmbedderUnavailable("the embedding service refused this text")
        return super().embed_documents(texts)


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[KnowledgeStore, GatedEmbedder]]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_CHROMA_URL", raising=False)
    embedder = GatedEmbedder()
    registry = EmbedderRegistry()
    registry.register(EmbedderInfo("hashing", "gated", lambda: embedder, offline=True))
    store = KnowledgeStore.open(data_dir(), embedders=registry)
    yield store, embedder
    embedder.gate.set()
    store.close()
    close_knowledge_stores()


def queued_behind_one(
    store: KnowledgeStore, embedder: GatedEmbedder, files: list[tuple[str, bytes]]
) -> tuple[str, list[DocumentRecord]]:
    """A base; a first note the worker holds (its embedder waits at the gate) while ``files``
    are queued behind it; then the gate opens. The base's id and every document, in order."""
    kb = store.create_kb("Notes", "alice")
    (first,) = store.add_documents(kb.id, [note(0)])
    assert embedder.entered.wait(10)
    rest = store.add_documents(kb.id, files)
    embedder.gate.set()
    return kb.id, [first, *rest]


def note(i: int, extra: str = "") -> tuple[str, bytes]:
    return f"note-{i}.txt", f"Note de service numéro {i} sur la cantine. {extra}".encode()


def test_small_documents_are_embedded_together(
    gated: tuple[KnowledgeStore, GatedEmbedder],
) -> None:
    store, embedder = gated
    kb_id, documents = queued_behind_one(store, embedder, [note(i) for i in range(1, 9)])

    final = store.wait([d.id for d in documents], timeout=30)
    assert [d.status for d in final] == ["ready"] * 9
    assert embedder.calls == [1, 8]  # the eight queued meanwhile: one call, one write
    hits = store.search([kb_id], "note de service numéro 7", k=9)
    assert {h.document_id for h in hits} == {d.id for d in final}


def test_a_failure_in_a_batch_lands_on_its_own_document(
    gated: tuple[KnowledgeStore, GatedEmbedder],
) -> None:
    store, embedder = gated
    kb_id, documents = queued_behind_one(store, embedder, [note(1), note(2, "POISON"), note(3)])

    final = {d.filename: d for d in store.wait([d.id for d in documents], timeout=30)}
    assert {name: d.status for name, d in final.items()} == {
        "note-0.txt": "ready",
        "note-1.txt": "ready",
        "note-2.txt": "failed",
        "note-3.txt": "ready",
    }
    assert "refused this text" in final["note-2.txt"].error
    assert embedder.calls == [1, 3, 1, 1, 1]  # together, then each alone
    poisoned = final["note-2.txt"].id
    assert all(h.document_id != poisoned for h in store.search([kb_id], "POISON cantine", k=10))


def test_a_large_file_is_never_grouped_with_small_ones(
    gated: tuple[KnowledgeStore, GatedEmbedder],
) -> None:
    store, embedder = gated
    paragraph = "Règlement intérieur, article {i} : chaque agent respecte les horaires. "
    big = "\n\n".join(paragraph.format(i=i) * 6 for i in range(700)).encode()
    assert len(big) > ingestion.SMALL_FILE
    files = [note(1), note(2), ("reglement.txt", big), note(3)]
    _, documents = queued_behind_one(store, embedder, files)

    final = store.wait([d.id for d in documents], timeout=60)
    assert [d.status for d in final] == ["ready"] * 5
    # The two notes queued before the large file are written before it is even read; the
    # large one goes alone, in batches; the note after it, alone.
    assert embedder.calls[:2] == [1, 2]
    assert all(size <= ingestion.EMBED_BATCH for size in embedder.calls[2:-1])
    assert sum(embedder.calls[2:-1]) == final[3].chunks > ingestion.EMBED_BATCH
    assert embedder.calls[-1] == 1
