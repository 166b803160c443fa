"""An erasure counts as finished only once the old collection is dropped and Chroma's files
cleaned (issue 8, defect 2).

The background rebuild switches a base to a collection without the deleted documents, then
drops the old one. A stop between the two used to leave the deleted vectors on disk while
``unfinished_erasures()`` said nothing was left to do. Here the stop is a failure injected at
the drop step through a subclass of our own ``VectorIndex`` (real embedded Chroma underneath);
the store must still report the erasure as unfinished, and the next start must finish it.
"""

from __future__ import annotations

import uuid

import pytest
from test_kb_replace import version
from test_knowledge_store import (
    files_holding_vector,
    open_store,
    ready,
    registry,
    vectors_of_document,
)

from store.config import data_dir
from store.knowledge.db import KnowledgeDb
from store.knowledge.ingestion import chunk_ids
from store.knowledge.service import KnowledgeStore
from store.knowledge.vectors import VectorIndex, open_client


@pytest.fixture(autouse=True)
def _hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_CHROMA_URL", raising=False)


class Stopped(Exception):
    """Stands for the process stopping at this point."""


class StopsBeforeDropping(VectorIndex):
    """Our vector index, which "stops" when asked to drop a collection it was told about."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.stop_at: set[str] = set()

    def drop(self, name: str) -> bool:
        if name in self.stop_at:
            raise Stopped(name)
        return super().drop(name)


def open_stopping() -> tuple[KnowledgeStore, StopsBeforeDropping]:
    home = data_dir()
    vectors = StopsBeforeDropping(open_client(home / "chroma"), home / "chroma")
    db = KnowledgeDb(home / "knowledge.sqlite3")
    return KnowledgeStore(db, vectors, home / "uploads", embedders=registry()), vectors


def test_a_stop_before_the_old_collection_is_dropped_leaves_the_erasure_unfinished() -> None:
    store, vectors = open_stopping()
    try:
        kb = store.create_kb("RH", "alice")
        canary = uuid.uuid4().hex
        ready(store, store.add_documents(kb.id, [("cantine.md", version("cantine", 10))]))
        (doc,) = ready(store, store.add_documents(kb.id, [("secret.md", version(canary, 15))]))
        vector = vectors_of_document(store, kb.id, doc.id)[chunk_ids(doc.id, 1)[0]]
        old = store._db.kb_state(kb.id).collection  # type: ignore[union-attr]
        vectors.stop_at.add(old)

        with pytest.raises(Stopped):
            store.delete_document(doc.id)  # the rebuild switches, then "stops" at the drop
        assert store._db.kb_state(kb.id).collection != old  # type: ignore[union-attr]
        assert files_holding_vector(vector, data_dir()), "the old collection is still on disk"
        assert store._db.unfinished_erasures() == [kb.id]
        assert store.erasing(kb.id)
    finally:
        store.close()

    reopened = open_store()  # the next start finishes it
    try:
        assert reopened.settle(60)
        assert reopened._db.unfinished_erasures() == []
        assert not vectors_exist(reopened, old)
        assert files_holding_vector(vector, data_dir()) == []
        assert [d.filename for d in reopened.list_documents(kb.id)] == ["cantine.md"]
        assert reopened.search([kb.id], "cantine", k=1)
    finally:
        reopened.close()


def test_the_background_erasure_is_finished_by_the_next_start() -> None:
    """The same stop in the builder's path (``wait=False``: the eraser thread)."""
    store, vectors = open_stopping()
    try:
        kb = store.create_kb("RH", "alice")
        canary = uuid.uuid4().hex
        (doc,) = ready(store, store.add_documents(kb.id, [("secret.md", version(canary, 15))]))
        vector = vectors_of_document(store, kb.id, doc.id)[chunk_ids(doc.id, 1)[0]]
        vectors.stop_at.add(store._db.kb_state(kb.id).collection)  # type: ignore[union-attr]
        store.delete_document(doc.id, wait=False)
        assert store.settle(60)  # the eraser gave up at the drop
        assert store.erasing(kb.id)
    finally:
        store.close()
    reopened = open_store()
    try:
        assert reopened.settle(60)
        assert not reopened.erasing(kb.id)
        assert files_holding_vector(vector, data_dir()) == []
    finally:
        reopened.close()


def vectors_exist(store: KnowledgeStore, name: str) -> bool:
    return store._vectors.exists(name)
