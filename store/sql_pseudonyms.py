"""The pseudonyms part of ``SqlCatalogue`` (``store.pseudonym_records``). The database is
opened with ``secure_delete`` and its write-ahead log is emptied after an erasure, so a deleted
row is in no file afterwards (it was only ever ciphertext)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from store.database import stamp, utc_now
from store.pseudonym_records import SealedPseudonyms
from store.tables import conversation_pseudonyms as table


def erase_rows(conn: Connection, thread_ids: Sequence[str]) -> None:
    """In the caller's transaction: a conversation's record and its mapping go together."""
    if thread_ids:
        conn.execute(delete(table).where(table.c.thread_id.in_(list(thread_ids))))


class SqlPseudonyms:
    """Mixed into ``SqlCatalogue``, which provides ``_read``, ``_write`` and ``_forget``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _write: Callable[[Callable[[Connection], Any]], Any]
    _forget: Callable[[], None]

    def sealed_pseudonyms(self, thread_id: str) -> SealedPseudonyms | None:
        def work(conn: Connection) -> SealedPseudonyms | None:
            query = select(table.c.owner, table.c.ciphertext).where(table.c.thread_id == thread_id)
            row = conn.execute(query).first()
            return None if row is None else SealedPseudonyms(thread_id, row[0], row[1])

        result: SealedPseudonyms | None = self._read(work)
        return result

    def keep_sealed_pseudonyms(self, sealed: SealedPseudonyms) -> None:
        values = {"owner": sealed.owner, "ciphertext": sealed.ciphertext}

        def work(conn: Connection) -> None:
            now = stamp(utc_now())
            where = table.c.thread_id == sealed.thread_id
            if conn.execute(update(table).where(where).values(**values, updated_at=now)).rowcount:
                return
            conn.execute(insert(table).values(thread_id=sealed.thread_id, **values, updated_at=now))

        self._write(work)

    def erase_pseudonyms(self, thread_ids: Sequence[str]) -> None:
        self._write(lambda conn: erase_rows(conn, thread_ids))
        self._forget()

    def erase_pseudonyms_of(self, owner: str) -> None:
        self._write(lambda conn: conn.execute(delete(table).where(table.c.owner == owner)))
        self._forget()
