"""Erasing deleted documents' vectors for real, in the background.

Deleting a document removes its text at once (our SQLite overwrites deleted rows) and makes its
vectors unfindable; but Chroma keeps them in its files until the base's collection is rebuilt
without them (``rebuild``), which takes about a minute at 100,000 chunks. A person deleting a
document should not wait for that: the rebuild runs here, one base at a time, and several
deletions in one base meanwhile cost one rebuild. The database counts deletions and what the
current collection no longer holds, and the old collections not yet dropped
(``KnowledgeDb.unfinished_erasures``), so an erasure that a stop interrupted is scheduled again
when the store opens.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Eraser:
    """Thread-safe. ``rebuild(kb_id)`` finishes a base's erasure (``Rebuilder.erase``): its
    collection rebuilt without the deleted documents, the old ones dropped and purged."""

    def __init__(self, rebuild: Callable[[str], object]) -> None:
        self._rebuild = rebuild
        self._pending: list[str] = []
        self._busy = 0  # bases being erased now (0 or 1)
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._current = ""
        self._closed = False

    def schedule(self, kb_id: str) -> None:
        with self._changed:
            if self._closed:
                return
            if kb_id not in self._pending:
                self._pending.append(kb_id)
            self._changed.notify_all()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="atelier-erasure", daemon=True
                )
                self._thread.start()

    def idle(self, timeout: float) -> bool:
        """Wait until nothing is scheduled or being erased."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def close(self) -> None:
        """Stop after the base being erased, if any; the rest is scheduled again at the next
        start (the database still counts it as unfinished)."""
        with self._changed:
            self._closed = True
            self._pending.clear()
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                if not self._pending:
                    self._thread = None
                    return
                kb_id = self._pending.pop(0)
                self._busy += 1
                self._current = kb_id
            try:
                self._rebuild(kb_id)
            except Exception:  # scheduled again at the next start
                log.exception("erasing the deleted documents of %s failed", kb_id)
            finally:
                with self._changed:
                    self._busy -= 1
                    self._current = ""
                    self._changed.notify_all()
