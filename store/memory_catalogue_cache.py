"""The counters and the snapshot ``store.catalogue_cache`` reads, in memory: the reference for
``SqlCatalogueCache``. Every change that alters a search or an "agents open to me" list calls
``_moved``."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Collection
from typing import TYPE_CHECKING

from store.catalogue_cache import (
    AGENTS,
    ANY,
    CHANGES_KEPT,
    FEEDBACK,
    AgentGrant,
    AgentsSnapshot,
    Generation,
)
from store.catalogue_index import Lineage, VersionFacts

if TYPE_CHECKING:
    from store.records import AgentRecord, VersionRecord
    from store.sharing import Grant


class MemoryCatalogueCache:
    """Mixed into ``MemoryCatalogue``; thread-safe under its own lock."""

    def __init__(self) -> None:
        self._generation_lock = threading.Lock()
        self._generation = {AGENTS: 0, FEEDBACK: 0}
        self._changes: dict[str, deque[tuple[int, str]]] = {
            part: deque(maxlen=CHANGES_KEPT) for part in (AGENTS, FEEDBACK)
        }

    if TYPE_CHECKING:  # the catalogue's, which this is mixed into

        def list_agents(self, owner: str | None = None) -> list[AgentRecord]: ...
        def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord: ...
        def _agent_grants(self) -> list[Grant]: ...
        def _all_lineage(self) -> dict[str, Lineage]: ...
        def ratings(self) -> dict[str, tuple[int, int]]: ...

    def _moved(self, agent_id: str, part: str = AGENTS) -> None:
        with self._generation_lock:
            self._generation[part] += 1
            self._changes[part].append((self._generation[part], agent_id))

    def catalogue_changes(self, part: str, since: int) -> list[str] | None:
        with self._generation_lock:
            found = [(n, a) for n, a in self._changes[part] if n > since]
        numbers = [n for n, _ in found]
        if numbers != list(range(since + 1, since + 1 + len(numbers))):
            return None
        ids = [a for _, a in found]
        return None if ANY in ids else ids

    def ratings_of(self, agent_ids: Collection[str]) -> dict[str, tuple[int, int]]:
        wanted = set(agent_ids)
        return {i: r for i, r in self.ratings().items() if i in wanted}

    def catalogue_generation(self) -> Generation:
        with self._generation_lock:
            return Generation(self._generation[AGENTS], self._generation[FEEDBACK])

    def agents_snapshot(self, agent_ids: Collection[str] | None = None) -> AgentsSnapshot:
        wanted = None if agent_ids is None else set(agent_ids)
        agents = [a for a in self.list_agents() if wanted is None or a.id in wanted]
        facts = {
            a.id: VersionFacts.of(self.get_version(a.id, a.published_version).spec)
            for a in agents
            if a.published_version
        }
        grants = [
            AgentGrant(g.resource_id, g.grantee_kind, g.grantee_id, g.permission)
            for g in self._agent_grants()
            if wanted is None or g.resource_id in wanted
        ]
        lineage = {i: f for i, f in self._all_lineage().items() if wanted is None or i in wanted}
        return AgentsSnapshot(agents, grants, facts, lineage)
