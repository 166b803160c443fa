"""What the catalogue keeps of a conversation's pseudonyms: one sealed row per conversation
(its owner, and the mapping encrypted by ``store.conversation_pseudonyms``), never the values
in clear. Part of ``store.records.Catalogue``; ``SqlPseudonyms`` and ``MemoryPseudonyms``
implement it, and ``tests/test_pseudonym_records.py`` holds both to it.

The rows go with their conversation: deleting a conversation or an agent deletes them in the
same transaction (conversations previewed in the editor included), and erasing a person
deletes every row they own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SealedPseudonyms:
    thread_id: str
    owner: str
    ciphertext: str


class PseudonymRecords(Protocol):
    def sealed_pseudonyms(self, thread_id: str) -> SealedPseudonyms | None:
        """The conversation's sealed mapping, None when it has none."""
        ...

    def keep_sealed_pseudonyms(self, sealed: SealedPseudonyms) -> None:
        """Store or replace the conversation's sealed mapping."""
        ...

    def erase_pseudonyms(self, thread_ids: Sequence[str]) -> None:
        """The mappings of these conversations, gone (overwritten in the file)."""
        ...

    def erase_pseudonyms_of(self, owner: str) -> None:
        """Every mapping ``owner`` has, gone: their account is erased."""
        ...
