"""The counters and the snapshot ``store.catalogue_cache`` reads, in memory: the reference for
``SqlCatalogueCache``. Every change that alters a search or an "agents open to me" list calls
``_moved``."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from store.catalogue_cache import AGENTS, FEEDBACK, AgentGrant, AgentsSnapshot, Generation
from store.catalogue_index import Lineage, VersionFacts

if TYPE_CHECKING:
    from store.records import AgentRecord, VersionRecord
    from store.sharing import Grant


class MemoryCatalogueCache:
    """Mixed into ``MemoryCatalogue``; thread-safe under its own lock."""

    def __init__(self) -> None:
        self._generation_lock = threading.Lock()
        self._generation = {AGENTS: 0, FEEDBACK: 0}

    if TYPE_CHECKING:  # the catalogue's, which this is mixed into

        def list_agents(self, owner: str | None = None) -> list[AgentRecord]: ...
        def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord: ...
        def _agent_grants(self) -> list[Grant]: ...
        def _all_lineage(self) -> dict[str, Lineage]: ...

    def _moved(self, part: str = AGENTS) -> None:
        with self._generation_lock:
            self._generation[part] += 1

    def catalogue_generation(self) -> Generation:
        with self._generation_lock:
            return Generation(self._generation[AGENTS], self._generation[FEEDBACK])

    def agents_snapshot(self) -> AgentsSnapshot:
        agents = self.list_agents()
        facts = {
            a.id: VersionFacts.of(self.get_version(a.id, a.published_version).spec)
            for a in agents
            if a.published_version
        }
        grants = [
            AgentGrant(g.resource_id, g.grantee_kind, g.grantee_id, g.permission)
            for g in self._agent_grants()
        ]
        return AgentsSnapshot(agents, grants, facts, self._all_lineage())
