"""One SQL database as the stores use it: SQLite by default, PostgreSQL by URL.

SQLite is set up so that the app, the CLI and a worker can share one file: WAL, a busy timeout,
``BEGIN IMMEDIATE`` for writes (so a read-then-write never deadlocks), and retries with backoff
while another process holds the lock, then an error a person can act on. A database that must
forget (the knowledge store) also overwrites deleted rows and empties its log after deletions:
checked by ``tests/test_knowledge_store.py`` with a canary string.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from agents.errors import AtelierError
from store.migrations import Migration, apply_migrations

log = logging.getLogger(__name__)
T = TypeVar("T")

_WRITE = "atelier_write"  # execution option: this transaction writes, begin it IMMEDIATE


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """ISO-8601 in UTC with fixed-width microseconds, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class DatabaseBusy(AtelierError):
    """Another process kept the database locked through every retry."""


class Database:
    """Thread-safe; several processes may open the same file. ``migrations`` are applied on
    opening (named and idempotent, see ``store.migrations``). ``erasable`` makes deletions
    overwrite the deleted rows (``secure_delete``) and ``forget`` empty the write-ahead log."""

    def __init__(
        self,
        url_or_path: str | Path,
        migrations: list[Migration],
        *,
        busy_timeout: float = 30.0,
        retries: int = 3,
        erasable: bool = False,
    ) -> None:
        url = str(url_or_path)
        if "://" not in url:
            url = f"sqlite:///{Path(url).expanduser()}"
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self._engine = create_engine(
            url, connect_args={"timeout": busy_timeout} if self.is_sqlite else {}
        )
        if self.is_sqlite:
            _configure_sqlite(self._engine, busy_timeout)
            if erasable:
                event.listen(self._engine, "connect", _secure_delete)
        self._busy_timeout = busy_timeout
        self._retries = retries
        self.applied = self.write(lambda conn: apply_migrations(conn, migrations))

    def close(self) -> None:
        self._engine.dispose()

    def read(self, work: Callable[[Connection], T]) -> T:
        with self._engine.connect() as conn, conn.begin():
            return work(conn)

    def write(self, work: Callable[[Connection], T]) -> T:
        """One write transaction, retried while another process keeps the file locked."""
        attempt = 0
        while True:
            try:
                with self._engine.connect() as conn:
                    conn.execution_options(**{_WRITE: True})
                    with conn.begin():
                        return work(conn)
            except OperationalError as exc:
                if not _is_locked(exc):
                    raise
                attempt += 1
                if attempt > self._retries:
                    where = self._engine.url.render_as_string(hide_password=True)
                    raise DatabaseBusy(
                        "store.busy",
                        where=where,
                        seconds=f"{self._busy_timeout:g}",
                        attempts=attempt,
                    ) from exc
                time.sleep(0.1 * 2**attempt)

    def forget(self) -> None:
        """After a deletion: move the zeroed pages from the write-ahead log into the file and
        empty the log, which still holds the deleted rows. A reader in another connection can
        keep the checkpoint from finishing, so it is retried for a few seconds."""
        if not self.is_sqlite:
            return
        for _ in range(100):
            with self._engine.connect() as conn:
                busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            if not busy:
                return
            time.sleep(0.05)
        log.warning(
            "%s: the write-ahead log could not be emptied; a reader kept it busy", self._engine.url
        )


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    """SQLAlchemy's documented recipe: the sqlite3 module stops issuing BEGIN itself (it would
    issue a deferred one, and only before DML), and we issue the kind each transaction needs."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            # With WAL, NORMAL survives a crash of the application (what a catalogue needs);
            # FULL also survives a power cut at one disk flush per commit.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        writes = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _is_locked(exc: OperationalError) -> bool:
    message = str(exc.orig).lower()
    return isinstance(exc.orig, sqlite3.OperationalError) and (
        "locked" in message or "busy" in message
    )


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA secure_delete = ON")
    finally:
        cursor.close()
