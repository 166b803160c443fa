"""The catalogue page's part of ``SqlCatalogue`` (see ``store.catalogue_index``).

Searching must not cost a scan of a million runs, nor of every feedback, per query: the counts
a card shows are computed by one grouped query and kept in this process while a cheap marker
of their table (its largest rowid and, for tables rows leave, its count) is unchanged. Recent
uses are kept up to ``uses_refresh_s`` even when runs were added meanwhile: a card's figure
may be a few minutes old, and the grouped count over the last 30 days of runs is the one costly
query here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, or_, select, text

from agents.spec import AgentSpec
from store.catalogue_cache import ANY, FEEDBACK
from store.catalogue_index import (
    RECENT_DAYS,
    CatalogueEntry,
    FeedbackRecord,
    Lineage,
    Owner,
    VersionFacts,
    category_key,
    window_start,
)
from store.database import stamp
from store.memory import agent_not_found
from store.sharing import ORGANISATION
from store.sql_catalogue_cache import moved
from store.sql_sharing import agent_record
from store.tables import (
    accounts,
    agents,
    feedback,
    grants,
    lineage,
    team_members,
    teams,
    version_facts,
    versions,
)


def count_recent_runs(conn: Connection, since: datetime) -> dict[str, int]:
    """Runs of each agent since ``since``: the one place the catalogue reads ``runs``
    (index ``runs_by_time``). Once daily usage totals are kept, sum those instead."""
    query = (
        select(text("agent_id"), func.count())
        .select_from(text("runs"))
        .where(text("created_at >= :since"))
        .group_by(text("agent_id"))
    )
    return {row[0]: row[1] for row in conn.execute(query, {"since": stamp(since)})}


@dataclass
class _Kept:
    marker: Any
    at: float
    value: Any


class SqlCatalogueIndex:
    """Mixed into ``SqlCatalogue``: it provides ``_read`` and ``_write``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _write: Callable[[Callable[[Connection], Any]], Any]
    uses_refresh_s: float = 300.0  # how old recent uses may be when runs were added since

    # --- the entries a search looks through -----------------------------------------------

    def catalogue_entries(
        self, account_id: str, team_ids: Collection[str], owner_team: str | None = None
    ) -> list[CatalogueEntry]:
        reach = [
            and_(grants.c.grantee_kind == "account", grants.c.grantee_id == account_id),
            and_(grants.c.grantee_kind == "organisation", grants.c.grantee_id == ORGANISATION),
        ]
        if team_ids:
            reach.append(
                and_(grants.c.grantee_kind == "team", grants.c.grantee_id.in_(list(team_ids)))
            )
        granted = select(grants.c.resource_id).where(grants.c.resource_kind == "agent", or_(*reach))
        shared_own = and_(
            agents.c.owner == account_id,
            exists().where(grants.c.resource_kind == "agent", grants.c.resource_id == agents.c.id),
        )
        query = (
            select(
                agents,
                version_facts.c.number.label("facts_number"),
                version_facts.c.category,
                version_facts.c.model,
                version_facts.c.uses_documents,
                version_facts.c.uses_tools,
            )
            .select_from(agents)
            .outerjoin(
                version_facts,
                and_(
                    version_facts.c.agent_id == agents.c.id,
                    version_facts.c.number == agents.c.published_version,
                ),
            )
            .where(
                agents.c.published_version > 0,
                agents.c.deprecated == 0,
                or_(agents.c.id.in_(granted), shared_own),
            )
        )
        if owner_team is not None:
            members = select(team_members.c.account_id).where(team_members.c.team_id == owner_team)
            query = query.where(agents.c.owner.in_(members))
        rows = self._read(lambda conn: list(conn.execute(query)))
        found: list[CatalogueEntry] = []
        missing: list[tuple[int, str, int]] = []
        for row in rows:
            agent = agent_record(row)
            if row.facts_number is None:
                missing.append((len(found), agent.id, agent.published_version))
                facts = VersionFacts()
            else:
                facts = VersionFacts(
                    row.category, row.model, bool(row.uses_documents), bool(row.uses_tools)
                )
            found.append(CatalogueEntry(agent, facts))
        if missing:
            known = self._fill_facts([(a, n) for _, a, n in missing])
            for index, agent_id, number in missing:
                found[index] = CatalogueEntry(found[index].agent, known[(agent_id, number)])
        return found

    def _fill_facts(self, wanted: list[tuple[str, int]]) -> dict[tuple[str, int], VersionFacts]:
        """Read the facts of versions listed for the first time from their specs, and keep
        them (a version never changes)."""

        def work(conn: Connection) -> dict[tuple[str, int], VersionFacts]:
            known: dict[tuple[str, int], VersionFacts] = {}
            for agent_id, number in wanted:
                spec_yaml = conn.execute(
                    select(versions.c.spec_yaml).where(
                        versions.c.agent_id == agent_id, versions.c.number == number
                    )
                ).scalar_one_or_none()
                if spec_yaml is None:
                    known[(agent_id, number)] = VersionFacts()
                    continue
                facts = VersionFacts.of(AgentSpec.from_yaml(spec_yaml, source=agent_id))
                known[(agent_id, number)] = facts
                there = select(version_facts.c.number).where(
                    version_facts.c.agent_id == agent_id, version_facts.c.number == number
                )
                if conn.execute(there).first() is None:
                    conn.execute(insert(version_facts).values(facts_row(agent_id, number, facts)))
            return known

        return self._write(work)

    def owners_of(self, account_ids: Collection[str]) -> dict[str, Owner]:
        wanted = sorted(set(account_ids))
        if not wanted:
            return {}
        names = select(accounts.c.id, accounts.c.name).where(accounts.c.id.in_(wanted))
        member_of = (
            select(team_members.c.account_id, teams.c.name)
            .join_from(team_members, teams, teams.c.id == team_members.c.team_id)
            .where(team_members.c.account_id.in_(wanted))
        )

        def work(conn: Connection) -> dict[str, Owner]:
            found_teams: dict[str, list[str]] = {}
            for account_id, team in conn.execute(member_of):
                found_teams.setdefault(account_id, []).append(team)
            return {
                account_id: Owner(
                    name or account_id, tuple(sorted(found_teams.get(account_id, [])))
                )
                for account_id, name in conn.execute(names)
            }

        return self._read(work)

    # --- lineage ----------------------------------------------------------------------------

    def set_lineage(self, lineage_: Lineage) -> None:
        row = {
            "agent_id": lineage_.agent_id,
            "forked_from": lineage_.forked_from,
            "forked_version": lineage_.forked_version,
            "forked_name": lineage_.forked_name,
            "created_at": stamp(lineage_.created_at),
        }

        def work(conn: Connection) -> None:
            there = select(agents.c.id).where(agents.c.id == lineage_.agent_id)
            if conn.execute(there).first() is None:
                raise agent_not_found(lineage_.agent_id)
            known = select(lineage.c.agent_id).where(lineage.c.agent_id == lineage_.agent_id)
            if conn.execute(known).first() is None:
                conn.execute(insert(lineage).values(row))
                moved(conn, lineage_.agent_id)

        self._write(work)

    def get_lineage(self, agent_id: str) -> Lineage | None:
        query = select(lineage).where(lineage.c.agent_id == agent_id)
        row = self._read(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        return Lineage(
            row.agent_id,
            row.forked_from,
            row.forked_version,
            row.forked_name,
            datetime.fromisoformat(row.created_at),
        )

    def fork_counts(self) -> dict[str, int]:
        query = select(lineage.c.forked_from, func.count()).group_by(lineage.c.forked_from)
        return self._kept(
            "forks",
            "SELECT count(*), max(rowid) FROM lineage",
            lambda conn: {row[0]: row[1] for row in conn.execute(query)},
        )

    # --- uses -------------------------------------------------------------------------------

    def recent_uses(self, days: int = RECENT_DAYS) -> dict[str, int]:
        since = window_start(days)
        return self._kept(
            f"uses:{since.date().isoformat()}",
            "SELECT max(rowid) FROM runs",
            lambda conn: count_recent_runs(conn, since),
            at_most_every=self.uses_refresh_s,
        )

    # --- feedback ---------------------------------------------------------------------------

    def add_feedback(self, record: FeedbackRecord) -> None:
        row = {
            "id": record.id,
            "agent_id": record.agent_id,
            "version": record.version,
            "thread_id": record.thread_id,
            "author": record.author,
            "rating": record.rating,
            "comment": record.comment,
            "exchange": record.exchange,
            "created_at": stamp(record.created_at),
        }

        def work(conn: Connection) -> None:
            there = select(agents.c.id).where(agents.c.id == record.agent_id)
            if conn.execute(there).first() is None:
                raise agent_not_found(record.agent_id)
            conn.execute(insert(feedback).values(row))
            moved(conn, record.agent_id, FEEDBACK)

        self._write(work)

    def list_feedback(self, agent_id: str, limit: int = 200) -> list[FeedbackRecord]:
        query = (
            select(feedback)
            .where(feedback.c.agent_id == agent_id)
            .order_by(feedback.c.created_at.desc(), feedback.c.id.desc())
            .limit(max(limit, 0))
        )
        return self._read(lambda conn: [feedback_record(row) for row in conn.execute(query)])

    def ratings(self) -> dict[str, tuple[int, int]]:
        query = select(feedback.c.agent_id, feedback.c.rating, func.count()).group_by(
            feedback.c.agent_id, feedback.c.rating
        )

        def work(conn: Connection) -> dict[str, tuple[int, int]]:
            found: dict[str, tuple[int, int]] = {}
            for agent_id, rating, count in conn.execute(query):
                up, down = found.get(agent_id, (0, 0))
                found[agent_id] = (up + count, down) if rating == "up" else (up, down + count)
            return found

        return self._kept("ratings", "SELECT count(*), max(rowid) FROM feedback", work)

    def erase_feedback_of(self, author: str) -> int:
        where = feedback.c.author == author

        def work(conn: Connection) -> int:
            count = int(conn.execute(delete(feedback).where(where)).rowcount)
            if count:
                moved(conn, ANY, FEEDBACK)
            return count

        gone = int(self._write(work))
        if gone:
            forget = getattr(self, "_forget", None)
            if forget is not None:
                forget()  # the comments and exchanges leave the write-ahead log too
        return gone

    # --- kept counts ------------------------------------------------------------------------

    def _kept(
        self,
        name: str,
        marker_sql: str,
        compute: Callable[[Connection], Any],
        at_most_every: float = 0.0,
    ) -> Any:
        """``compute``'s value, kept while ``marker_sql`` gives the same answer (and, with
        ``at_most_every``, computed again no more often than that)."""
        store: dict[str, _Kept] = self.__dict__.setdefault("_kept_values", {})
        lock: threading.Lock = self.__dict__.setdefault("_kept_lock", threading.Lock())
        now = time.monotonic()

        def work(conn: Connection) -> Any:
            marker = tuple(conn.execute(text(marker_sql)).one())
            with lock:
                kept = store.get(name)
            if kept is not None and (kept.marker == marker or now - kept.at < at_most_every):
                return kept.value
            value = compute(conn)
            with lock:
                if len(store) > 16:  # old windows of recent uses
                    store.clear()
                store[name] = _Kept(marker, now, value)
            return value

        return self._read(work)


def facts_row(agent_id: str, number: int, facts: VersionFacts) -> dict[str, Any]:
    return {
        "agent_id": agent_id,
        "number": number,
        "category": facts.category,
        "category_key": category_key(facts.category),
        "model": facts.model,
        "uses_documents": int(facts.uses_documents),
        "uses_tools": int(facts.uses_tools),
    }


def feedback_record(row: Any) -> FeedbackRecord:
    return FeedbackRecord(
        id=row.id,
        agent_id=row.agent_id,
        version=row.version,
        thread_id=row.thread_id,
        author=row.author,
        rating=row.rating,
        comment=row.comment,
        exchange=row.exchange,
        created_at=datetime.fromisoformat(row.created_at),
    )
