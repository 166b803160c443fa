"""The BM25 indexes of the knowledge bases searched lately, kept in memory.

A bm25s index cannot grow in place, so a base's index is rebuilt when its documents change
(its ``version`` moves). The terms of every chunk are stored at indexing time
(``KnowledgeDb.search_terms``), which makes a rebuild a few times cheaper than analysing the
text again, but at 100,000 chunks it still takes seconds. So:

- a small base (under ``BACKGROUND_FROM`` chunks) is rebuilt at once, in the search that needs
  it: the new document is found by its words straight away;
- a large base keeps answering from its previous index while a background thread builds the
  new one; the new chunks are found by their vectors meanwhile, and chunks deleted since are
  never shown (a passage is only shown when its row still exists);
- a deletion drops the base's index (``forget``): the deleted text's terms leave memory, and
  the next search builds a fresh index.

One build per base at a time; searches of other bases never wait for it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from store.knowledge.db import KnowledgeDb
from store.knowledge.lexical import Bm25Index

log = logging.getLogger(__name__)

CACHED_BASES = 32  # knowledge bases whose BM25 index stays in memory
BACKGROUND_FROM = 5_000  # chunks: from this size, a stale index is refreshed in the background


class LexicalIndexes:
    """Thread-safe."""

    def __init__(self, db: KnowledgeDb) -> None:
        self._db = db
        self._indexes: OrderedDict[str, tuple[int, Bm25Index]] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}
        self._refreshing: set[str] = set()
        self._forgotten: dict[str, int] = {}  # how many times each base's index was dropped
        self.closed = False

    def get(self, kb_id: str, version: int) -> Bm25Index:
        """The base's index for ``version`` of its documents, or its previous one while a
        large base's new index is being built."""
        with self._lock:
            cached = self._indexes.get(kb_id)
            if cached is not None:
                self._indexes.move_to_end(kb_id)
                built_for, index = cached
                if built_for >= version:
                    return index
                if len(index) >= BACKGROUND_FROM:
                    self._refresh_later(kb_id)
                    return index
        return self._build(kb_id, version)

    def forget(self, kb_id: str) -> None:
        """Drop the base's index; one being built from what was read before is not kept."""
        with self._lock:
            self._indexes.pop(kb_id, None)
            self._forgotten[kb_id] = self._forgotten.get(kb_id, 0) + 1

    def _build(self, kb_id: str, version: int) -> Bm25Index:
        with self._lock:
            building = self._building.setdefault(kb_id, threading.Lock())
        with building:
            with self._lock:  # another search may have built it while this one waited
                cached = self._indexes.get(kb_id)
                forgotten = self._forgotten.get(kb_id, 0)
            if cached is not None and cached[0] >= version:
                return cached[1]
            source = self._db.search_terms(kb_id)
            index = Bm25Index.from_terms(source.ids, source.terms)
            with self._lock:
                current = self._indexes.get(kb_id)
                fresh = self._forgotten.get(kb_id, 0) == forgotten
                if fresh and (current is None or current[0] <= source.version):
                    self._indexes[kb_id] = (source.version, index)
                    self._indexes.move_to_end(kb_id)
                while len(self._indexes) > CACHED_BASES:
                    self._indexes.popitem(last=False)
            return index

    def _refresh_later(self, kb_id: str) -> None:
        """Build the base's index again in a background thread (called under ``_lock``)."""
        if kb_id in self._refreshing or self.closed:
            return
        self._refreshing.add(kb_id)

        def refresh() -> None:
            try:
                if not self.closed:
                    state = self._db.kb_state(kb_id)
                    if state is not None:
                        self._build(kb_id, state.version)
            except Exception:  # the previous index keeps serving; the next search tries again
                log.exception("the BM25 index of %s could not be rebuilt", kb_id)
            finally:
                with self._lock:
                    self._refreshing.discard(kb_id)

        threading.Thread(target=refresh, name="atelier-bm25", daemon=True).start()
