"""What the retention sweep asks of the catalogue (``store.retention``): every person's
conversations last active before a moment, and one conversation's last activity, read again
just before it is erased. Part of ``store.records.Catalogue``; ``SqlRetention`` and
``MemoryRetention`` implement it, and ``tests/test_retention_records.py`` holds both to it.

A conversation's last activity is its last run's moment, or its start when it has none: what
the person's list of conversations shows (``Catalogue.list_person_threads``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from store.records import ConversationSummary


class ExpiringThreads(Protocol):
    def inactive_threads(self, before: datetime) -> list[ConversationSummary]:
        """Every conversation, whoever had it, last active strictly before ``before``, least
        recently active first (ties: by id). Previews of the editor are not conversations
        here."""
        ...

    def thread_activity(self, thread_id: str) -> datetime:
        """The conversation's last activity; raises ``NotFound``."""
        ...
