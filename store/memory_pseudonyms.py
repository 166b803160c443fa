"""The pseudonyms part of ``MemoryCatalogue`` (``store.pseudonym_records``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from store.pseudonym_records import SealedPseudonyms


class MemoryPseudonyms:
    """Mixed into ``MemoryCatalogue``, which provides its lock."""

    _lock: threading.RLock

    def __init__(self) -> None:
        self._pseudonyms: dict[str, SealedPseudonyms] = {}

    def sealed_pseudonyms(self, thread_id: str) -> SealedPseudonyms | None:
        with self._lock:
            return self._pseudonyms.get(thread_id)

    def keep_sealed_pseudonyms(self, sealed: SealedPseudonyms) -> None:
        with self._lock:
            self._pseudonyms[sealed.thread_id] = sealed

    def erase_pseudonyms(self, thread_ids: Sequence[str]) -> None:
        with self._lock:
            for thread_id in thread_ids:
                self._pseudonyms.pop(thread_id, None)

    def erase_pseudonyms_of(self, owner: str) -> None:
        with self._lock:
            self._pseudonyms = {k: v for k, v in self._pseudonyms.items() if v.owner != owner}
