"""Drafts of replies and their batches in SQL: the drafts part of ``SqlCatalogue`` (see
``store.reply_draft_records``). Claiming a row to draft and deciding a draft are compare-and-set
on its status, so two processes never write or decide one draft twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from store.database import stamp, utc_now
from store.memory import agent_not_found
from store.reply_draft_records import BatchRecord, DraftRecord
from store.tables import agents, reply_batches, reply_drafts

_TIMES = ("created_at", "drafted_at", "decided_at")


class SqlReplyDrafts:
    """Mixed into ``SqlCatalogue``: it provides ``_read`` and ``_write``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _write: Callable[[Callable[[Connection], Any]], Any]
    _forget: Callable[[], None]

    def add_batch(self, batch: BatchRecord, drafts: list[DraftRecord]) -> None:
        def work(conn: Connection) -> None:
            if conn.execute(select(agents.c.id).where(agents.c.id == batch.agent_id)).first():
                conn.execute(insert(reply_batches).values(_batch_row(batch)))
            else:
                raise agent_not_found(batch.agent_id)
            for start in range(0, len(drafts), 500):
                rows = [_draft_row(d) for d in drafts[start : start + 500]]
                if rows:
                    conn.execute(insert(reply_drafts), rows)

        self._write(work)

    def get_batch(self, batch_id: str) -> BatchRecord | None:
        def work(conn: Connection) -> BatchRecord | None:
            row = conn.execute(select(reply_batches).where(reply_batches.c.id == batch_id)).first()
            return None if row is None else _batch(row, _counts(conn, [batch_id])[batch_id])

        return self._read(work)

    def list_batches(self, owner: str | None = None) -> list[BatchRecord]:
        def work(conn: Connection) -> list[BatchRecord]:
            query = select(reply_batches)
            if owner is not None:
                query = query.where(reply_batches.c.owner == owner)
            rows = list(conn.execute(query.order_by(reply_batches.c.created_at.desc())))
            counts = _counts(conn, [r.id for r in rows])
            return [_batch(r, counts[r.id]) for r in rows]

        return self._read(work)

    def add_draft(self, draft: DraftRecord) -> None:
        def work(conn: Connection) -> None:
            if conn.execute(select(agents.c.id).where(agents.c.id == draft.agent_id)).first():
                conn.execute(insert(reply_drafts).values(_draft_row(draft)))
            else:
                raise agent_not_found(draft.agent_id)

        self._write(work)

    def get_draft(self, draft_id: str) -> DraftRecord | None:
        query = select(reply_drafts).where(reply_drafts.c.id == draft_id)
        return self._read(lambda conn: _first_draft(conn.execute(query).first()))

    def list_drafts(
        self,
        *,
        batch_id: str | None = None,
        thread_id: str | None = None,
        agent_ids: list[str] | None = None,
        statuses: list[str] | None = None,
        requester: str | None = None,
    ) -> list[DraftRecord]:
        query = select(reply_drafts)
        if requester is not None:
            query = query.where(reply_drafts.c.requester == requester)
        if batch_id is not None:
            query = query.where(reply_drafts.c.batch_id == batch_id)
        if thread_id is not None:
            query = query.where(reply_drafts.c.thread_id == thread_id)
        if agent_ids is not None:
            query = query.where(reply_drafts.c.agent_id.in_(agent_ids))
        if statuses is not None:
            query = query.where(reply_drafts.c.status.in_(statuses))
        query = query.order_by(
            reply_drafts.c.batch_id, reply_drafts.c.row, reply_drafts.c.created_at
        )
        return self._read(lambda conn: [_draft(row) for row in conn.execute(query)])

    def change_draft(
        self, draft_id: str, expected: list[str] | None = None, **changes: Any
    ) -> DraftRecord | None:
        def work(conn: Connection) -> DraftRecord | None:
            values = {k: _value(k, v) for k, v in changes.items()}
            values["changed_at"] = stamp(utc_now())
            query = update(reply_drafts).where(reply_drafts.c.id == draft_id)
            if expected is not None:
                query = query.where(reply_drafts.c.status.in_(expected))
            if conn.execute(query.values(**values)).rowcount != 1:
                return None
            row = conn.execute(select(reply_drafts).where(reply_drafts.c.id == draft_id))
            return _first_draft(row.first())

        return self._write(work)

    def delete_drafts(self, draft_ids: list[str]) -> None:
        def work(conn: Connection) -> None:
            for start in range(0, len(draft_ids), 500):
                part = draft_ids[start : start + 500]
                conn.execute(delete(reply_drafts).where(reply_drafts.c.id.in_(part)))
            used = select(reply_drafts.c.batch_id).where(reply_drafts.c.batch_id.is_not(None))
            conn.execute(delete(reply_batches).where(reply_batches.c.id.not_in(used)))

        self._write(work)
        self._forget()  # the erased texts stay in the write-ahead log otherwise

    def drafts_before(self, before: datetime) -> list[DraftRecord]:
        query = select(reply_drafts).where(reply_drafts.c.changed_at < stamp(before))
        return self._read(lambda conn: [_draft(row) for row in conn.execute(query)])


def _counts(conn: Connection, batch_ids: list[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {b: {} for b in batch_ids}
    if not batch_ids:
        return counts
    query = (
        select(reply_drafts.c.batch_id, reply_drafts.c.status, func.count())
        .where(reply_drafts.c.batch_id.in_(batch_ids))
        .group_by(reply_drafts.c.batch_id, reply_drafts.c.status)
    )
    for batch_id, status, count in conn.execute(query):
        counts[batch_id][status] = count
    return counts


def _value(name: str, value: Any) -> Any:
    if name in _TIMES:
        return stamp(value) if value is not None else None
    if name == "context":
        return json.dumps(value, ensure_ascii=False)
    return value


def _draft_row(draft: DraftRecord) -> dict[str, Any]:
    row = {k: _value(k, v) for k, v in asdict(draft).items()}
    row["changed_at"] = stamp(draft.created_at)
    return row


def _batch_row(batch: BatchRecord) -> dict[str, Any]:
    return {
        "id": batch.id,
        "agent_id": batch.agent_id,
        "owner": batch.owner,
        "file_name": batch.file_name,
        "message_column": batch.message_column,
        "context_columns": json.dumps(list(batch.context_columns), ensure_ascii=False),
        "assignee": batch.assignee,
        "created_at": stamp(batch.created_at),
    }


def _first_draft(row: Any) -> DraftRecord | None:
    return None if row is None else _draft(row)


def _draft(row: Any) -> DraftRecord:
    data = {f.name: getattr(row, f.name) for f in fields(DraftRecord)}
    for name in _TIMES:
        data[name] = datetime.fromisoformat(data[name]) if data[name] else None
    data["context"] = json.loads(data["context"] or "{}")
    return DraftRecord(**data)


def _batch(row: Any, counts: dict[str, int]) -> BatchRecord:
    return BatchRecord(
        id=row.id,
        agent_id=row.agent_id,
        owner=row.owner,
        file_name=row.file_name,
        message_column=row.message_column,
        created_at=datetime.fromisoformat(row.created_at),
        context_columns=tuple(json.loads(row.context_columns or "[]")),
        assignee=row.assignee,
        counts=counts,
    )
