"""The in-memory BM25 indexes of the knowledge store: terms stored at indexing, rebuilt at once
for a small base, refreshed in the background for a large one, dropped on deletion. Real SQLite
and embedded Chroma, the ``hashing`` embedder."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text, update

from store.config import data_dir
from store.knowledge import lexical_cache
from store.knowledge.embedders import EmbedderInfo, EmbedderRegistry, HashingEmbedder
from store.knowledge.lexical import ANALYZER
from store.knowledge.records import DocumentRecord
from store.knowledge.schema import chunks
from store.knowledge.service import KnowledgeStore, close_knowledge_stores

NOTES = {
    "cantine.txt": b"La cantine ouvre a midi et ferme a quatorze heures.",
    "parking.txt": b"Le parking du personnel est gratuit le samedi.",
    "badge.txt": b"Un badge perdu se declare a l'accueil du batiment.",
}
LATE = ("velo.txt", b"Les bicyclettes se garent dans le local sous l'escalier.")


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[KnowledgeStore]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_CHROMA_URL", raising=False)
    registry = EmbedderRegistry()
    registry.register(EmbedderInfo("hashing", "test", HashingEmbedder, offline=True))
    opened = KnowledgeStore.open(data_dir(), embedders=registry)
    yield opened
    opened.close()
    close_knowledge_stores()


def indexed(store: KnowledgeStore, kb_id: str, files: list[tuple[str, bytes]]) -> list[str]:
    found: list[DocumentRecord] = store.wait(
        [d.id for d in store.add_documents(kb_id, files)], timeout=30
    )
    assert [d.status for d in found] == ["ready"] * len(files)
    return [d.id for d in found]


def by_words(store: KnowledgeStore, kb_id: str, query: str) -> list[str]:
    return [p.document for p in store.search([kb_id], query, k=3, mode="bm25")]


def test_terms_are_stored_once_and_old_rows_are_analysed_again(store: KnowledgeStore) -> None:
    kb = store.create_kb("Notes", "alice")
    indexed(store, kb.id, list(NOTES.items()))
    stored = store._db.read(
        lambda c: [r.terms for r in c.execute(text("SELECT terms FROM chunks"))]
    )
    assert len(stored) == 3 and all(t.startswith(ANALYZER + "\t") for t in stored)
    assert any("cantin" in t.split("\t")[1].split() for t in stored)  # stemmed, folded

    # Rows written before terms were stored (or by another analyser) are analysed at build.
    store._db.write(lambda c: c.execute(update(chunks).values(terms="")))
    store._db.write(lambda c: c.execute(text("UPDATE knowledge_bases SET version = version + 1")))
    assert by_words(store, kb.id, "cantine à midi")[0] == "cantine.txt"


def test_a_small_base_finds_a_new_document_by_its_words_at_once(store: KnowledgeStore) -> None:
    kb = store.create_kb("Notes", "alice")
    indexed(store, kb.id, list(NOTES.items()))
    assert by_words(store, kb.id, "parking gratuit") == ["parking.txt"]
    indexed(store, kb.id, [LATE])
    assert by_words(store, kb.id, "bicyclettes escalier") == ["velo.txt"]


def test_a_large_base_answers_from_its_previous_index_while_the_next_one_builds(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lexical_cache, "BACKGROUND_FROM", 2)  # three notes make a "large" base
    kb = store.create_kb("Notes", "alice")
    indexed(store, kb.id, list(NOTES.items()))
    assert by_words(store, kb.id, "parking gratuit") == ["parking.txt"]
    indexed(store, kb.id, [LATE])

    assert by_words(store, kb.id, "bicyclettes escalier") == []  # the previous index, at once
    hybrid = store.search([kb.id], "bicyclettes escalier", k=1)
    assert hybrid and hybrid[0].document == "velo.txt"  # found by its vector meanwhile
    deadline = time.monotonic() + 10
    while by_words(store, kb.id, "bicyclettes escalier") != ["velo.txt"]:
        assert time.monotonic() < deadline, "the background rebuild never landed"
        time.sleep(0.05)


def test_a_deleted_document_leaves_the_index_at_once(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lexical_cache, "BACKGROUND_FROM", 2)
    kb = store.create_kb("Notes", "alice")
    ids = dict(zip(NOTES, indexed(store, kb.id, list(NOTES.items())), strict=True))
    assert by_words(store, kb.id, "badge perdu") == ["badge.txt"]
    store.delete_document(ids["badge.txt"])
    assert by_words(store, kb.id, "badge perdu") == []
    version = store._db.kb_state(kb.id).version  # type: ignore[union-attr]
    index = store._lexical.get(kb.id, version)
    assert not any(i.startswith("ch-" + ids["badge.txt"].removeprefix("doc-")) for i in index.ids)
