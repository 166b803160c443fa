"""The audit log in SQL: the audit part of ``SqlCatalogue`` (see ``store.audit``).

An entry and the head move together in one write transaction. On SQLite the transaction is
``BEGIN IMMEDIATE``, so no other process reads the head between this read and this write; on
PostgreSQL the head's row is locked (``FOR UPDATE``). Either way the chain stays one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, or_, select, update

from store.audit import (
    AuditDraft,
    AuditEntry,
    AuditHead,
    AuditQuery,
    blank_personal,
    entry_hash,
    erasure_seal,
    names,
    new_salt,
)
from store.database import stamp, utc_now
from store.tables import audit_head, audit_log


class SqlAudit:
    """Mixed into ``SqlCatalogue``: it provides ``_read``, ``_write`` and ``_forget``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _write: Callable[[Callable[[Connection], Any]], Any]
    _forget: Callable[[], None]

    def append_audit(self, draft: AuditDraft) -> AuditEntry:
        result: AuditEntry = self._write(lambda conn: _append(conn, draft))
        return result

    def audit_entries(self, query: AuditQuery) -> list[AuditEntry]:
        wanted = select(audit_log)
        if query.actor:
            wanted = wanted.where(audit_log.c.actor == query.actor)
        if query.action:
            prefix = query.action.rstrip(".")
            wanted = wanted.where(
                (audit_log.c.action == prefix)
                | audit_log.c.action.startswith(prefix + ".", autoescape=True)
            )
        if query.target_kind:
            wanted = wanted.where(audit_log.c.target_kind == query.target_kind)
        if query.target_id:
            wanted = wanted.where(audit_log.c.target_id == query.target_id)
        if query.since is not None:
            wanted = wanted.where(audit_log.c.at >= stamp(query.since))
        if query.until is not None:
            wanted = wanted.where(audit_log.c.at < stamp(query.until))
        wanted = (
            wanted.order_by(audit_log.c.seq.desc())
            .limit(max(query.limit, 0))
            .offset(max(query.offset, 0))
        )
        result: list[AuditEntry] = self._read(
            lambda conn: [_entry(row) for row in conn.execute(wanted)]
        )
        return result

    def audit_range(self, after: int, limit: int) -> list[AuditEntry]:
        wanted = (
            select(audit_log)
            .where(audit_log.c.seq > after)
            .order_by(audit_log.c.seq)
            .limit(max(limit, 0))
        )
        result: list[AuditEntry] = self._read(
            lambda conn: [_entry(row) for row in conn.execute(wanted)]
        )
        return result

    def audit_head(self) -> AuditHead:
        wanted = select(audit_head.c.count, audit_head.c.hash).where(audit_head.c.id == 1)
        row = self._read(lambda conn: conn.execute(wanted).first())
        return AuditHead() if row is None else AuditHead(int(row[0]), str(row[1]))

    def erase_from_audit(self, login: str, draft: AuditDraft) -> AuditEntry:
        quoted = json.dumps(login, ensure_ascii=False)  # as it stands in a details' JSON

        def work(conn: Connection) -> AuditEntry:
            candidates = select(audit_log).where(
                or_(
                    audit_log.c.actor == login,
                    audit_log.c.target_id == login,
                    audit_log.c.details.contains(quoted, autoescape=True),
                )
            )
            named = [e for e in map(_entry, conn.execute(candidates)) if names(e, login)]
            seqs = [e.seq for e in named]
            details = {
                **draft.details,
                "erased_entries": len(seqs),
                "erased_seal": erasure_seal(seqs) if seqs else "",
            }
            erasure = _append(conn, replace(draft, details=details))
            for entry in named:
                blank = blank_personal(entry, erasure.seq)
                conn.execute(
                    update(audit_log)
                    .where(audit_log.c.seq == entry.seq)
                    .values(
                        actor="",
                        target_id="",
                        details="{}",
                        origin="",
                        salt="",
                        sealed=blank.sealed,
                        erased_by=erasure.seq,
                    )
                )
            return erasure

        result: AuditEntry = self._write(work)
        self._forget()  # the blanked text out of the write-ahead log too
        return result


def _append(conn: Connection, draft: AuditDraft) -> AuditEntry:
    head = conn.execute(
        select(audit_head.c.count, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
    ).one()
    count, previous = head
    seq = int(count) + 1
    at = stamp(utc_now())
    salt = new_salt()
    digest = entry_hash(seq, at, draft, previous, salt)
    row = {
        "seq": seq,
        "at": at,
        "actor": draft.actor,
        "action": draft.action,
        "target_kind": draft.target_kind,
        "target_id": draft.target_id,
        "details": json.dumps(dict(draft.details), ensure_ascii=False, sort_keys=True),
        "origin": draft.origin,
        "prev_hash": previous,
        "hash": digest,
        "salt": salt,
    }
    conn.execute(insert(audit_log).values(row))
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(count=seq, hash=digest))
    return AuditEntry(
        seq,
        datetime.fromisoformat(at),
        draft.actor,
        draft.action,
        draft.target_kind,
        draft.target_id,
        dict(draft.details),
        draft.origin,
        previous,
        digest,
        salt,
    )


def _entry(row: Row[Any]) -> AuditEntry:
    try:
        details = json.loads(row.details)
    except (TypeError, ValueError):  # edited by hand: the hash check reports it
        details = {"?": str(row.details)[:200]}
    if not isinstance(details, dict):
        details = {"?": str(row.details)[:200]}
    try:
        at = datetime.fromisoformat(row.at)
    except (TypeError, ValueError):  # likewise
        at = datetime(1, 1, 1, tzinfo=UTC)
    return AuditEntry(
        seq=int(row.seq),
        at=at,
        actor=row.actor,
        action=row.action,
        target_kind=row.target_kind,
        target_id=row.target_id,
        details=details,
        origin=row.origin,
        prev_hash=row.prev_hash,
        hash=row.hash,
        salt=row.salt,
        sealed=row.sealed,
        erased_by=int(row.erased_by or 0),
    )
