"""Grants in SQL: the sharing part of ``SqlCatalogue`` (see ``store.sharing``)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from store.database import stamp
from store.memory import agent_not_found, version_not_found
from store.records import AgentRecord
from store.sharing import (
    ORGANISATION,
    Grant,
    OpenAgent,
    Permission,
    ResourceKind,
    stronger,
)
from store.sql_catalogue_cache import moved
from store.tables import agents, grants, versions


class SqlSharing:
    """Mixed into ``SqlCatalogue``: it provides ``_read`` and ``_write``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _write: Callable[[Callable[[Connection], Any]], Any]

    def set_grant(self, grant: Grant) -> None:
        key = _key(grant.resource_kind, grant.resource_id, grant.grantee_kind, grant.grantee_id)

        def work(conn: Connection) -> None:
            changed = conn.execute(
                update(grants)
                .where(key)
                .values(permission=grant.permission, granted_by=grant.granted_by)
            ).rowcount
            if not changed:
                row = {
                    "resource_kind": grant.resource_kind,
                    "resource_id": grant.resource_id,
                    "grantee_kind": grant.grantee_kind,
                    "grantee_id": grant.grantee_id,
                    "permission": grant.permission,
                    "granted_by": grant.granted_by,
                    "created_at": stamp(grant.created_at),
                }
                conn.execute(insert(grants).values(row))
            if grant.resource_kind == "agent":
                moved(conn, grant.resource_id)

        self._write(work)

    def remove_grant(
        self, resource_kind: ResourceKind, resource_id: str, grantee_kind: str, grantee_id: str
    ) -> bool:
        key = _key(resource_kind, resource_id, grantee_kind, grantee_id)

        def work(conn: Connection) -> bool:
            gone = bool(conn.execute(delete(grants).where(key)).rowcount)
            if gone and resource_kind == "agent":
                moved(conn, resource_id)
            return gone

        return bool(self._write(work))

    def remove_grants(self, resource_kind: ResourceKind, resource_id: str) -> None:
        where = and_(grants.c.resource_kind == resource_kind, grants.c.resource_id == resource_id)

        def work(conn: Connection) -> None:
            if conn.execute(delete(grants).where(where)).rowcount and resource_kind == "agent":
                moved(conn, resource_id)

        self._write(work)

    def list_grants(self, resource_kind: ResourceKind, resource_id: str) -> list[Grant]:
        query = (
            select(grants)
            .where(grants.c.resource_kind == resource_kind, grants.c.resource_id == resource_id)
            .order_by(grants.c.created_at, grants.c.grantee_kind, grants.c.grantee_id)
        )
        return self._read(lambda conn: [_grant(row) for row in conn.execute(query)])

    def permission_on(
        self,
        resource_kind: ResourceKind,
        resource_id: str,
        account_id: str,
        team_ids: Collection[str],
    ) -> Permission | None:
        query = select(grants.c.permission).where(
            grants.c.resource_kind == resource_kind,
            grants.c.resource_id == resource_id,
            _to(account_id, team_ids),
        )
        found = set(self._read(lambda conn: list(conn.execute(query).scalars())))
        return "edit" if "edit" in found else "use" if found else None

    def granted_to(
        self, resource_kind: ResourceKind, account_id: str, team_ids: Collection[str]
    ) -> dict[str, Permission]:
        query = select(grants.c.resource_id, grants.c.permission).where(
            grants.c.resource_kind == resource_kind, _to(account_id, team_ids)
        )
        found: dict[str, Permission] = {}
        for resource_id, permission in self._read(lambda conn: list(conn.execute(query))):
            if found.get(resource_id) != "edit":
                found[resource_id] = permission
        return found

    def open_agents(self, account_id: str, team_ids: Collection[str]) -> list[OpenAgent]:
        """Two indexed queries: the person's own agents, and those granted to them."""
        granted = (
            select(agents, grants.c.permission)
            .join_from(
                grants,
                agents,
                and_(grants.c.resource_kind == "agent", grants.c.resource_id == agents.c.id),
            )
            .where(_to(account_id, team_ids))
        )
        owned = select(agents).where(agents.c.owner == account_id)

        def work(conn: Connection) -> list[OpenAgent]:
            found: dict[str, OpenAgent] = {}
            for row in conn.execute(owned):
                found[row.id] = OpenAgent(agent_record(row), "owner")
            for row in conn.execute(granted):
                known = found.get(row.id)
                access = stronger(known.access if known else None, row.permission)
                assert access is not None
                found[row.id] = OpenAgent(known.agent if known else agent_record(row), access)
            return sorted(found.values(), key=lambda o: (o.agent.updated_at, o.agent.id))[::-1]

        return self._read(work)

    def set_published_version(self, agent_id: str, number: int) -> AgentRecord:
        def work(conn: Connection) -> AgentRecord:
            row = conn.execute(select(agents).where(agents.c.id == agent_id)).first()
            if row is None:
                raise agent_not_found(agent_id)
            if number:
                known = select(versions.c.number).where(
                    versions.c.agent_id == agent_id, versions.c.number == number
                )
                if conn.execute(known).first() is None:
                    raise version_not_found(agent_id, number)
            conn.execute(
                update(agents).where(agents.c.id == agent_id).values(published_version=number)
            )
            moved(conn, agent_id)
            row = conn.execute(select(agents).where(agents.c.id == agent_id)).one()
            return agent_record(row)

        return self._write(work)


def agent_record(row: Any) -> AgentRecord:
    """An ``agents`` row (possibly with more columns) as a record."""
    data = row._mapping
    return AgentRecord(
        id=data["id"],
        name=data["name"],
        owner=data["owner"],
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        latest_version=data["latest_version"],
        description=data["description"],
        icon=data["icon"],
        published_version=data["published_version"] or 0,
        deprecated=bool(data["deprecated"]),
    )


def _key(resource_kind: str, resource_id: str, grantee_kind: str, grantee_id: str) -> Any:
    return and_(
        grants.c.resource_kind == resource_kind,
        grants.c.resource_id == resource_id,
        grants.c.grantee_kind == grantee_kind,
        grants.c.grantee_id == grantee_id,
    )


def _to(account_id: str, team_ids: Collection[str]) -> Any:
    """Grants reaching the account: its own, its teams', the organisation's."""
    reach = [
        and_(grants.c.grantee_kind == "account", grants.c.grantee_id == account_id),
        and_(grants.c.grantee_kind == "organisation", grants.c.grantee_id == ORGANISATION),
    ]
    if team_ids:
        reach.append(and_(grants.c.grantee_kind == "team", grants.c.grantee_id.in_(team_ids)))
    return or_(*reach)


def _grant(row: Any) -> Grant:
    return Grant(
        resource_kind=row.resource_kind,
        resource_id=row.resource_id,
        grantee_kind=row.grantee_kind,
        grantee_id=row.grantee_id,
        permission=row.permission,
        granted_by=row.granted_by,
        created_at=datetime.fromisoformat(row.created_at),
    )
