"""The catalogue page's part of ``MemoryCatalogue``: the reference for ``SqlCatalogueIndex``
(``store.catalogue_index``)."""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import TYPE_CHECKING

from store.catalogue_index import (
    RECENT_DAYS,
    CatalogueEntry,
    FeedbackRecord,
    Lineage,
    Owner,
    VersionFacts,
    window_start,
)

if TYPE_CHECKING:
    from store.accounts import AccountRecord, TeamRecord
    from store.records import AgentRecord, RunRecord, VersionRecord
    from store.sharing import Grant, Permission, ResourceKind


class MemoryCatalogueIndex:
    """Mixed into ``MemoryCatalogue``; thread-safe under its own lock."""

    def __init__(self) -> None:
        self._index_lock = threading.RLock()
        self._lineage: dict[str, Lineage] = {}
        self._feedback: dict[str, FeedbackRecord] = {}

    if TYPE_CHECKING:  # the catalogue's, which this is mixed into

        def list_agents(self, owner: str | None = None) -> list[AgentRecord]: ...
        def get_agent(self, agent_id: str) -> AgentRecord: ...
        def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord: ...
        def get_account(self, account_id: str) -> AccountRecord: ...
        def account_teams(self, account_id: str) -> list[TeamRecord]: ...
        def team_members(self, team_id: str) -> list[AccountRecord]: ...
        def list_runs(self, agent_id: str | None = None, limit: int = 100) -> list[RunRecord]: ...
        def granted_to(
            self, resource_kind: ResourceKind, account_id: str, team_ids: Collection[str]
        ) -> dict[str, Permission]: ...
        def list_grants(self, resource_kind: ResourceKind, resource_id: str) -> list[Grant]: ...
        def _moved(self, agent_id: str, part: str = "agents") -> None: ...

    def catalogue_entries(
        self, account_id: str, team_ids: Collection[str], owner_team: str | None = None
    ) -> list[CatalogueEntry]:
        granted = self.granted_to("agent", account_id, team_ids)
        members = None
        if owner_team is not None:
            members = {a.id for a in self.team_members(owner_team)}
        found = []
        for agent in self.list_agents():
            if not agent.published_version or agent.deprecated:
                continue
            mine = agent.owner == account_id and bool(self.list_grants("agent", agent.id))
            if agent.id not in granted and not mine:
                continue
            if members is not None and agent.owner not in members:
                continue
            spec = self.get_version(agent.id, agent.published_version).spec
            found.append(CatalogueEntry(agent, VersionFacts.of(spec)))
        return found

    def owners_of(self, account_ids: Collection[str]) -> dict[str, Owner]:
        from agents.errors import NotFound

        found = {}
        for account_id in set(account_ids):
            try:
                account = self.get_account(account_id)
            except NotFound:
                continue
            names = tuple(sorted(t.name for t in self.account_teams(account_id)))
            found[account_id] = Owner(account.name or account_id, names)
        return found

    def set_lineage(self, lineage: Lineage) -> None:
        self.get_agent(lineage.agent_id)
        with self._index_lock:
            if lineage.agent_id not in self._lineage:
                self._lineage[lineage.agent_id] = lineage
                self._moved(lineage.agent_id)

    def get_lineage(self, agent_id: str) -> Lineage | None:
        with self._index_lock:
            return self._lineage.get(agent_id)

    def fork_counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        with self._index_lock:
            for lineage in self._lineage.values():
                found[lineage.forked_from] = found.get(lineage.forked_from, 0) + 1
        return found

    def recent_uses(self, days: int = RECENT_DAYS) -> dict[str, int]:
        since = window_start(days)
        found: dict[str, int] = {}
        for run in self.list_runs(limit=10**9):
            if run.created_at >= since:
                found[run.agent_id] = found.get(run.agent_id, 0) + 1
        return found

    def add_feedback(self, record: FeedbackRecord) -> None:
        self.get_agent(record.agent_id)
        with self._index_lock:
            self._feedback[record.id] = record
            self._moved(record.agent_id, "feedback")

    def list_feedback(self, agent_id: str, limit: int = 200) -> list[FeedbackRecord]:
        with self._index_lock:
            found = [f for f in self._feedback.values() if f.agent_id == agent_id]
        found.sort(key=lambda f: (f.created_at, f.id), reverse=True)
        return found[: max(limit, 0)]

    def ratings(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        with self._index_lock:
            for record in self._feedback.values():
                up, down = found.get(record.agent_id, (0, 0))
                found[record.agent_id] = (up + 1, down) if record.rating == "up" else (up, down + 1)
        return found

    def erase_feedback_of(self, author: str) -> int:
        with self._index_lock:
            gone = [k for k, f in self._feedback.items() if f.author == author]
            for key in gone:
                del self._feedback[key]
            if gone:
                self._moved("*", "feedback")
        return len(gone)

    def _all_lineage(self) -> dict[str, Lineage]:
        with self._index_lock:
            return dict(self._lineage)

    def _forget_agent_index(self, agent_id: str) -> None:
        """The agent is being deleted: its lineage and the feedback on it go with it."""
        with self._index_lock:
            self._lineage.pop(agent_id, None)
            self._feedback = {k: f for k, f in self._feedback.items() if f.agent_id != agent_id}
