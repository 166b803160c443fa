"""The retention part of ``SqlCatalogue`` (``store.retention_records``): one query over the
conversations, each one's last run found by the ``runs_by_thread`` index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, literal_column, select

from store.database import stamp
from store.memory import thread_not_found
from store.records import ConversationSummary, ThreadRecord
from store.tables import agents, runs, threads


def _last_run() -> Any:
    return (
        select(runs.c.created_at, runs.c.outcome)
        .where(runs.c.thread_id == threads.c.id)
        .order_by(runs.c.created_at.desc(), runs.c.id.desc())
        .limit(1)
    )


def _activity() -> Any:
    last_at = _last_run().with_only_columns(runs.c.created_at).scalar_subquery()
    return func.coalesce(last_at, threads.c.created_at)


class SqlRetention:
    """Mixed into ``SqlCatalogue``, which provides ``_read``."""

    _read: Callable[[Callable[[Connection], Any]], Any]

    def inactive_threads(self, before: datetime) -> list[ConversationSummary]:
        activity = _activity()
        last_outcome = _last_run().with_only_columns(runs.c.outcome).scalar_subquery()
        query = (
            select(
                threads,
                agents.c.name.label("agent_name"),
                activity.label("last_activity"),
                func.coalesce(last_outcome, literal_column("''")).label("last_outcome"),
            )
            .join_from(threads, agents, agents.c.id == threads.c.agent_id)
            .where(activity < stamp(before))
            .order_by(activity, threads.c.id)
        )

        def work(conn: Connection) -> list[ConversationSummary]:
            found = []
            for row in conn.execute(query):
                data = row._mapping
                thread = {f.name: data[f.name] for f in fields(ThreadRecord)}
                thread["created_at"] = datetime.fromisoformat(thread["created_at"])
                found.append(
                    ConversationSummary(
                        thread=ThreadRecord(**thread),
                        agent_name=data["agent_name"],
                        last_activity=datetime.fromisoformat(data["last_activity"]),
                        last_outcome=data["last_outcome"],
                    )
                )
            return found

        result: list[ConversationSummary] = self._read(work)
        return result

    def thread_activity(self, thread_id: str) -> datetime:
        query = select(_activity()).where(threads.c.id == thread_id)

        def work(conn: Connection) -> datetime:
            value = conn.execute(query).scalar()
            if value is None:
                raise thread_not_found(thread_id)
            return datetime.fromisoformat(value)

        result: datetime = self._read(work)
        return result
