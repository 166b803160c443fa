"""The retention part of ``MemoryCatalogue`` (``store.retention_records``), in the plainest
code: the SQL query must agree with it."""

from __future__ import annotations

import threading
from datetime import datetime

from store.records import AgentRecord, ConversationSummary, RunRecord, ThreadRecord


class MemoryRetention:
    """Mixed into ``MemoryCatalogue``, which provides its lock and records."""

    _lock: threading.RLock
    _agents: dict[str, AgentRecord]
    _threads: dict[str, ThreadRecord]
    _runs: dict[str, RunRecord]

    def inactive_threads(self, before: datetime) -> list[ConversationSummary]:
        with self._lock:
            found = [self._summary(thread) for thread in self._threads.values()]
        found = [c for c in found if c.last_activity < before]
        found.sort(key=lambda c: (c.last_activity, c.thread.id))
        return found

    def thread_activity(self, thread_id: str) -> datetime:
        from store.memory import thread_not_found

        with self._lock:
            thread = self._threads.get(thread_id)
            if thread is None:
                raise thread_not_found(thread_id)
            return self._summary(thread).last_activity

    def _summary(self, thread: ThreadRecord) -> ConversationSummary:
        runs = [r for r in self._runs.values() if r.thread_id == thread.id]
        last = max(runs, key=lambda r: (r.created_at, r.id), default=None)
        return ConversationSummary(
            thread=thread,
            agent_name=self._agents[thread.agent_id].name,
            last_activity=last.created_at if last else thread.created_at,
            last_outcome=last.outcome if last else "",
        )
