"""Drafts of replies and their batches in memory: the reference ``store.reply_draft_records``
describes, for tests and the contract suite."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agents.errors import NotFound
from store.database import utc_now
from store.reply_draft_records import BatchRecord, DraftRecord

if TYPE_CHECKING:
    from store.records import AgentRecord


class MemoryReplyDrafts:
    """Mixed into ``MemoryCatalogue``."""

    def __init__(self) -> None:
        self._drafts_lock = threading.RLock()
        self._batches: dict[str, BatchRecord] = {}
        self._reply_drafts: dict[str, DraftRecord] = {}
        self._changed: dict[str, datetime] = {}

    if TYPE_CHECKING:

        def _agent(self, agent_id: str) -> AgentRecord: ...

    def _live(self) -> list[DraftRecord]:
        """Drafts whose agent still exists (deleting an agent deletes its drafts)."""
        return [d for d in list(self._reply_drafts.values()) if self._exists(d.agent_id)]

    def add_batch(self, batch: BatchRecord, drafts: list[DraftRecord]) -> None:
        self._agent(batch.agent_id)
        with self._drafts_lock:
            self._batches[batch.id] = replace(batch, counts={})
            for draft in drafts:
                self._reply_drafts[draft.id] = draft
                self._changed[draft.id] = draft.created_at

    def _with_counts(self, batch: BatchRecord) -> BatchRecord:
        counts = Counter(str(d.status) for d in self._live() if d.batch_id == batch.id)
        return replace(batch, counts=dict(counts))

    def get_batch(self, batch_id: str) -> BatchRecord | None:
        with self._drafts_lock:
            batch = self._batches.get(batch_id)
            if batch is None or not self._exists(batch.agent_id):
                return None
            return self._with_counts(batch)

    def list_batches(self, owner: str | None = None) -> list[BatchRecord]:
        with self._drafts_lock:
            found = [
                self._with_counts(b)
                for b in self._batches.values()
                if (owner is None or b.owner == owner) and self._exists(b.agent_id)
            ]
        return sorted(found, key=lambda b: b.created_at, reverse=True)

    def _exists(self, agent_id: str) -> bool:
        try:
            self._agent(agent_id)
        except NotFound:  # deleting an agent deletes its drafts
            return False
        return True

    def add_draft(self, draft: DraftRecord) -> None:
        self._agent(draft.agent_id)
        with self._drafts_lock:
            self._reply_drafts[draft.id] = draft
            self._changed[draft.id] = draft.created_at

    def get_draft(self, draft_id: str) -> DraftRecord | None:
        with self._drafts_lock:
            draft = self._reply_drafts.get(draft_id)
            return draft if draft is not None and self._exists(draft.agent_id) else None

    def list_drafts(
        self,
        *,
        batch_id: str | None = None,
        thread_id: str | None = None,
        agent_ids: list[str] | None = None,
        statuses: list[str] | None = None,
        requester: str | None = None,
    ) -> list[DraftRecord]:
        with self._drafts_lock:
            found = [
                d
                for d in self._live()
                if (batch_id is None or d.batch_id == batch_id)
                and (thread_id is None or d.thread_id == thread_id)
                and (agent_ids is None or d.agent_id in agent_ids)
                and (statuses is None or d.status in statuses)
                and (requester is None or d.requester == requester)
            ]
        return sorted(found, key=lambda d: (d.batch_id or "", d.row, d.created_at))

    def change_draft(
        self, draft_id: str, expected: list[str] | None = None, **changes: Any
    ) -> DraftRecord | None:
        with self._drafts_lock:
            draft = self.get_draft(draft_id)
            if draft is None or (expected is not None and draft.status not in expected):
                return None
            changed = replace(draft, **changes)
            self._reply_drafts[draft_id] = changed
            self._changed[draft_id] = utc_now()
            return changed

    def _forget_drafts_of_thread(self, thread_id: str) -> None:
        with self._drafts_lock:
            gone = [k for k, d in self._reply_drafts.items() if d.thread_id == thread_id]
        self.delete_drafts(gone)

    def delete_drafts(self, draft_ids: list[str]) -> None:
        with self._drafts_lock:
            for draft_id in draft_ids:
                self._reply_drafts.pop(draft_id, None)
                self._changed.pop(draft_id, None)
            used = {d.batch_id for d in self._reply_drafts.values()}
            for batch_id in [b for b in self._batches if b not in used]:
                del self._batches[batch_id]

    def drafts_before(self, before: datetime) -> list[DraftRecord]:
        with self._drafts_lock:
            return [d for d in self._live() if self._changed.get(d.id, d.created_at) < before]
