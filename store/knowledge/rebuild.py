"""Rebuild a knowledge base's collection: to erase deleted documents' vectors for real, or to
re-index it with another embedder.

Chroma only marks deleted records; their vectors stay on disk (see ``vectors``). So after a
deletion the base gets a fresh collection holding the vectors of the documents that still
exist, the base is pointed at it, and the old one is dropped and purged. With a new embedder,
the chunk texts (kept in our database) are embedded again instead of copied: a collection
never mixes vectors of two embedders.

Indexing may run meanwhile, in this process or another. The switch is a compare-and-set on the
base's collection name, and a document is only marked ready if its base still uses the
collection its vectors went to (``KnowledgeDb.finish``), otherwise its worker writes them
again. Documents that became ready in the old collection between the copy and the switch are
filled in afterwards, from their chunk texts.

Order of an erasure: switch (the old collection is recorded as ``retired`` in the same
transaction), then drop and purge the old collection, and only then forget it. A stop anywhere
in between leaves the base in ``unfinished_erasures``, and ``erase`` at the next start drops
what is left.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable

from store.knowledge.db import KnowledgeDb
from store.knowledge.embedders import Embedder
from store.knowledge.embedding import model_of
from store.knowledge.vectors import VectorIndex, collection_name

log = logging.getLogger(__name__)

EMBED_BATCH = 64
Progress = Callable[[int, int], None]  # (chunks done, chunks in all)


class Rebuilder:
    def __init__(
        self, db: KnowledgeDb, vectors: VectorIndex, embedder: Callable[[str], Embedder]
    ) -> None:
        self._db = db
        self._vectors = vectors
        self._embedder = embedder
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _lock(self, kb_id: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(kb_id, threading.Lock())

    def new_collection(self, kb_id: str, embedder_id: str) -> str:
        name = collection_name(kb_id, embedder_id, secrets.token_hex(3))
        embedder = self._embedder(embedder_id)
        self._vectors.create(name, embedder_id, embedder.dimension, model_of(embedder))
        return name

    def rebuild(
        self, kb_id: str, embedder_id: str | None = None, on_progress: Progress | None = None
    ) -> bool:
        """Move the base to a new collection built from what it still holds, with
        ``embedder_id`` (default: its own). ``False`` if the base does not exist."""
        with self._lock(kb_id):
            for _ in range(3):
                state = self._db.kb_state(kb_id)
                if state is None:
                    return False
                target = embedder_id or state.embedder
                embedder = self._embedder(target)
                new = self.new_collection(kb_id, target)
                switched = False
                try:
                    if self._vectors.model(state.collection) == model_of(embedder):
                        live = self._db.document_ids(kb_id)
                        self._vectors.copy(state.collection, new, live)
                    else:
                        self._embed_missing(kb_id, new, embedder, on_progress)
                    switched = self._db.switch_collection(
                        kb_id, state.collection, new, embedder.id, erased=state.erasures
                    )
                    if switched:
                        self._embed_missing(kb_id, new, embedder, None)
                finally:
                    if not switched:
                        self._vectors.drop(new)
                if switched:
                    self._drop_retired(kb_id)
                    return True
                log.info("knowledge base %s changed during its rebuild; starting again", kb_id)
            raise RuntimeError(f"knowledge base {kb_id} kept changing during its rebuild")

    def erase(self, kb_id: str) -> bool:
        """Finish the base's erasure: drop the collections it was switched away from, and
        rebuild it if its collection may still hold deleted documents' vectors. ``False`` if
        the base does not exist."""
        with self._lock(kb_id):
            state = self._db.kb_state(kb_id)
            if state is None:
                return False
            self._drop_retired(kb_id)
            if state.erasures <= state.erased:
                return True
        return self.rebuild(kb_id)

    def _drop_retired(self, kb_id: str) -> None:
        """Drop the base's retired collections; each is forgotten only once dropped and purged
        (a failure raises, or leaves it recorded for the next try)."""
        state = self._db.kb_state(kb_id)
        if state is None:
            return
        for name in state.retired:
            if name == state.collection:  # never the one in use (cannot happen; be safe)
                continue
            if self._vectors.drop(name):
                self._db.dropped(kb_id, name)
            else:
                log.warning(
                    "collection %s of %s dropped but not purged; retried later", name, kb_id
                )

    def _embed_missing(
        self, kb_id: str, collection: str, embedder: Embedder, on_progress: Progress | None
    ) -> None:
        """Embed the chunks of ready documents that ``collection`` lacks."""
        source = self._db.search_texts(kb_id)
        present = self._vectors.ids(collection)
        todo = [i for i, chunk_id in enumerate(source.ids) if chunk_id not in present]
        for start in range(0, len(todo), EMBED_BATCH):
            batch = todo[start : start + EMBED_BATCH]
            vectors = embedder.embed_documents([source.texts[i] for i in batch])
            self._vectors.write(
                collection,
                [source.ids[i] for i in batch],
                vectors,
                [source.document_ids[i] for i in batch],
            )
            if on_progress is not None:
                on_progress(start + len(batch), len(todo))
