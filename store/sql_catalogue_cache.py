"""The counters and the snapshot ``store.catalogue_cache`` reads, in SQL (``SqlCatalogue``).

Every write that changes what a search or an "agents open to me" list answers calls
``moved(conn, part)`` inside its own transaction: the counter moves if and only if the change is
committed, and another process sharing the file sees both at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, text

from store.catalogue_cache import AGENTS, AgentGrant, AgentsSnapshot, Generation
from store.catalogue_index import Lineage, VersionFacts
from store.records import AgentRecord
from store.tables import agents, catalogue_generation, grants, lineage, version_facts

_MOVE = text("UPDATE catalogue_generation SET generation = generation + 1 WHERE part = :part")
_AGENT_COLUMNS = (
    agents.c.id,
    agents.c.name,
    agents.c.owner,
    agents.c.created_at,
    agents.c.updated_at,
    agents.c.latest_version,
    agents.c.description,
    agents.c.icon,
    agents.c.published_version,
    agents.c.deprecated,
)


def moved(conn: Connection, part: str = AGENTS) -> None:
    """The ``part`` counter moves with this transaction."""
    conn.execute(_MOVE, {"part": part})


class SqlCatalogueCache:
    """Mixed into ``SqlCatalogue``: it provides ``_read`` and ``_fill_facts``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _fill_facts: Callable[[list[tuple[str, int]]], dict[tuple[str, int], VersionFacts]]

    def catalogue_generation(self) -> Generation:
        query = select(catalogue_generation.c.part, catalogue_generation.c.generation)
        found = dict(self._read(lambda conn: list(conn.execute(query))))
        return Generation(found.get("agents", 0), found.get("feedback", 0))

    def agents_snapshot(self) -> AgentsSnapshot:
        """Four queries in one read transaction; the facts of a published version read for
        the first time are then filled from its spec."""
        granted = select(
            grants.c.resource_id, grants.c.grantee_kind, grants.c.grantee_id, grants.c.permission
        ).where(grants.c.resource_kind == "agent")
        facts = select(
            version_facts.c.agent_id,
            version_facts.c.category,
            version_facts.c.model,
            version_facts.c.uses_documents,
            version_facts.c.uses_tools,
        ).join_from(
            version_facts,
            agents,
            and_(
                agents.c.id == version_facts.c.agent_id,
                agents.c.published_version == version_facts.c.number,
            ),
        )

        def work(conn: Connection) -> AgentsSnapshot:
            records = [_agent(row) for row in conn.execute(select(*_AGENT_COLUMNS))]
            return AgentsSnapshot(
                agents=records,
                grants=[AgentGrant(*row) for row in conn.execute(granted)],
                facts={
                    row[0]: VersionFacts(row[1], row[2], bool(row[3]), bool(row[4]))
                    for row in conn.execute(facts)
                },
                lineage={row.agent_id: _lineage(row) for row in conn.execute(select(lineage))},
            )

        snapshot: AgentsSnapshot = self._read(work)
        missing = [
            (a.id, a.published_version)
            for a in snapshot.agents
            if a.published_version and a.id not in snapshot.facts
        ]
        if missing:
            for (agent_id, _), found in self._fill_facts(missing).items():
                snapshot.facts[agent_id] = found
        return snapshot


def _agent(row: Any) -> AgentRecord:
    return AgentRecord(
        id=row[0],
        name=row[1],
        owner=row[2],
        created_at=datetime.fromisoformat(row[3]),
        updated_at=datetime.fromisoformat(row[4]),
        latest_version=row[5],
        description=row[6],
        icon=row[7],
        published_version=row[8] or 0,
        deprecated=bool(row[9]),
    )


def _lineage(row: Any) -> Lineage:
    return Lineage(
        row.agent_id,
        row.forked_from,
        row.forked_version,
        row.forked_name,
        datetime.fromisoformat(row.created_at),
    )
