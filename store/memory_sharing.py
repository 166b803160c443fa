"""Grants in memory: the reference for ``SqlSharing`` (``store.sharing``)."""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from store.sharing import ORGANISATION, Grant, OpenAgent, Permission, ResourceKind, stronger

if TYPE_CHECKING:
    from store.records import AgentRecord, VersionRecord


class MemorySharing:
    """Mixed into ``MemoryCatalogue``; thread-safe under its own lock."""

    def __init__(self) -> None:
        self._grants_lock = threading.RLock()
        self._grants: dict[tuple[str, str, str, str], Grant] = {}

    if TYPE_CHECKING:  # the catalogue's, which this is mixed into

        def list_agents(self, owner: str | None = None) -> list[AgentRecord]: ...
        def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord: ...
        def _change_agent(self, agent_id: str, **changes: Any) -> AgentRecord: ...
        def _moved(self, agent_id: str, part: str = "agents") -> None: ...

    def set_grant(self, grant: Grant) -> None:
        key = (grant.resource_kind, grant.resource_id, grant.grantee_kind, grant.grantee_id)
        with self._grants_lock:
            known = self._grants.get(key)
            if known is not None:
                grant = replace(known, permission=grant.permission, granted_by=grant.granted_by)
            self._grants[key] = grant
            if grant.resource_kind == "agent":
                self._moved(grant.resource_id)

    def remove_grant(
        self, resource_kind: ResourceKind, resource_id: str, grantee_kind: str, grantee_id: str
    ) -> bool:
        with self._grants_lock:
            key = (resource_kind, resource_id, grantee_kind, grantee_id)
            gone = self._grants.pop(key, None) is not None
            if gone and resource_kind == "agent":
                self._moved(resource_id)
            return gone

    def remove_grants(self, resource_kind: ResourceKind, resource_id: str) -> None:
        with self._grants_lock:
            gone = [k for k in self._grants if k[:2] == (resource_kind, resource_id)]
            for key in gone:
                del self._grants[key]
            if gone and resource_kind == "agent":
                self._moved(resource_id)

    def remove_grants_to(self, grantee_kind: str, grantee_id: str) -> None:
        with self._grants_lock:
            gone = [k for k in self._grants if k[2:] == (grantee_kind, grantee_id)]
            for key in gone:
                del self._grants[key]
            if any(k[0] == "agent" for k in gone):
                self._moved("*")

    def _agent_grants(self) -> list[Grant]:
        with self._grants_lock:
            return [g for g in self._grants.values() if g.resource_kind == "agent"]

    def list_grants(self, resource_kind: ResourceKind, resource_id: str) -> list[Grant]:
        with self._grants_lock:
            found = [g for k, g in self._grants.items() if k[:2] == (resource_kind, resource_id)]
        return sorted(found, key=lambda g: (g.created_at, g.grantee_kind, g.grantee_id))

    def permission_on(
        self,
        resource_kind: ResourceKind,
        resource_id: str,
        account_id: str,
        team_ids: Collection[str],
    ) -> Permission | None:
        return self.granted_to(resource_kind, account_id, team_ids).get(resource_id)

    def granted_to(
        self, resource_kind: ResourceKind, account_id: str, team_ids: Collection[str]
    ) -> dict[str, Permission]:
        found: dict[str, Permission] = {}
        with self._grants_lock:
            grants = list(self._grants.values())
        for grant in grants:
            reaches = grant.resource_kind == resource_kind and _reaches(grant, account_id, team_ids)
            if reaches and found.get(grant.resource_id) != "edit":
                found[grant.resource_id] = grant.permission
        return found

    def open_agents(self, account_id: str, team_ids: Collection[str]) -> list[OpenAgent]:
        granted = self.granted_to("agent", account_id, team_ids)
        found = []
        for agent in self.list_agents():
            access = stronger("owner" if agent.owner == account_id else None, granted.get(agent.id))
            if access is not None:
                found.append(OpenAgent(agent, access))
        return found

    def set_published_version(self, agent_id: str, number: int) -> AgentRecord:
        if number:
            self.get_version(agent_id, number)  # NotFound for an unknown agent or version
        return self._change_agent(agent_id, published_version=number)


def _reaches(grant: Grant, account_id: str, team_ids: Collection[str]) -> bool:
    kind, grantee = grant.grantee_kind, grant.grantee_id
    return (
        (kind == "account" and grantee == account_id)
        or (kind == "team" and grantee in team_ids)
        or (kind == "organisation" and grantee == ORGANISATION)
    )
