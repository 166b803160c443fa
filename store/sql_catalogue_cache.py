"""The counters and the snapshot ``store.catalogue_cache`` reads, in SQL (``SqlCatalogue``).

Every write that changes what a search or an "agents open to me" list answers calls
``moved(conn, agent_id, part)`` inside its own transaction: the counter moves, and the agent it
was about is noted, if and only if the change is committed, and another process sharing the file
sees all of it at once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, text

from store.catalogue_cache import (
    AGENTS,
    ANY,
    CHANGES_KEPT,
    AgentGrant,
    AgentsSnapshot,
    Generation,
)
from store.catalogue_index import Lineage, VersionFacts
from store.records import AgentRecord
from store.tables import (
    agents,
    catalogue_changes,
    catalogue_generation,
    feedback,
    grants,
    lineage,
    version_facts,
)

_MOVE = text("UPDATE catalogue_generation SET generation = generation + 1 WHERE part = :part")
_NOTE = text(
    "INSERT INTO catalogue_changes (part, generation, agent_id)"
    " SELECT part, generation, :agent_id FROM catalogue_generation WHERE part = :part"
)
_PRUNE = text("DELETE FROM catalogue_changes WHERE part = :part AND generation <= :before")
_PRUNE_EVERY = 100
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


def moved(conn: Connection, agent_id: str, part: str = AGENTS) -> None:
    """The ``part`` counter moves with this transaction, noting ``agent_id`` (``ANY``: many
    agents)."""
    conn.execute(_MOVE, {"part": part})
    conn.execute(_NOTE, {"part": part, "agent_id": agent_id})
    now = conn.execute(
        select(catalogue_generation.c.generation).where(catalogue_generation.c.part == part)
    ).scalar_one()
    if now % _PRUNE_EVERY == 0:
        conn.execute(_PRUNE, {"part": part, "before": now - CHANGES_KEPT})


class SqlCatalogueCache:
    """Mixed into ``SqlCatalogue``: it provides ``_read`` and ``_fill_facts``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _fill_facts: Callable[[list[tuple[str, int]]], dict[tuple[str, int], VersionFacts]]

    def catalogue_generation(self) -> Generation:
        query = select(catalogue_generation.c.part, catalogue_generation.c.generation)
        found = dict(self._read(lambda conn: list(conn.execute(query))))
        return Generation(found.get("agents", 0), found.get("feedback", 0))

    def catalogue_changes(self, part: str, since: int) -> list[str] | None:
        query = (
            select(catalogue_changes.c.generation, catalogue_changes.c.agent_id)
            .where(catalogue_changes.c.part == part, catalogue_changes.c.generation > since)
            .order_by(catalogue_changes.c.generation)
        )
        rows = self._read(lambda conn: list(conn.execute(query)))
        numbers = [row[0] for row in rows]
        if numbers != list(range(since + 1, since + 1 + len(numbers))):
            return None  # pruned, or from before the changes were noted
        found = [row[1] for row in rows]
        return None if ANY in found else found

    def ratings_of(self, agent_ids: Collection[str]) -> dict[str, tuple[int, int]]:
        wanted = sorted(set(agent_ids))
        query = (
            select(feedback.c.agent_id, feedback.c.rating, func.count())
            .where(feedback.c.agent_id.in_(wanted))
            .group_by(feedback.c.agent_id, feedback.c.rating)
        )
        found: dict[str, tuple[int, int]] = {}
        for agent_id, rating, count in self._read(lambda conn: list(conn.execute(query))):
            up, down = found.get(agent_id, (0, 0))
            found[agent_id] = (up + count, down) if rating == "up" else (up, down + count)
        return found

    def agents_snapshot(self, agent_ids: Collection[str] | None = None) -> AgentsSnapshot:
        """Four queries in one read transaction; the facts of a published version read for
        the first time are then filled from its spec."""
        granted = select(
            grants.c.resource_id, grants.c.grantee_kind, grants.c.grantee_id, grants.c.permission
        ).where(grants.c.resource_kind == "agent")
        chosen = select(*_AGENT_COLUMNS)
        forks = select(lineage)
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
        if agent_ids is not None:
            wanted = sorted(set(agent_ids))
            chosen = chosen.where(agents.c.id.in_(wanted))
            granted = granted.where(grants.c.resource_id.in_(wanted))
            facts = facts.where(version_facts.c.agent_id.in_(wanted))
            forks = forks.where(lineage.c.agent_id.in_(wanted))

        def work(conn: Connection) -> AgentsSnapshot:
            records = [_agent(row) for row in conn.execute(chosen)]
            return AgentsSnapshot(
                agents=records,
                grants=[AgentGrant(*row) for row in conn.execute(granted)],
                facts={
                    row[0]: VersionFacts(row[1], row[2], bool(row[3]), bool(row[4]))
                    for row in conn.execute(facts)
                },
                lineage={row.agent_id: _lineage(row) for row in conn.execute(forks)},
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
