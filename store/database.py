"""One SQL database as the stores use it: SQLite by default, PostgreSQL by URL.

SQLite is set up so that the app, the CLI and a worker can share one file: WAL, a busy timeout,
``BEGIN IMMEDIATE`` for writes (so a read-then-write never deadlocks), and retries with backoff
while another process holds the lock, then an error a person can act on. Every SQLite database
is created readable by its owner only (0600, and so are its -wal and -shm files) and overwrites
the rows it deletes (``secure_delete``, not left to the platform's compile-time default); after a
deletion that must leave nothing behind, ``forget`` empties the write-ahead log. Checked with a
canary string by ``tests/test_knowledge_store.py`` and ``tests/test_erasure.py``.
"""

from __future__ import annotations

import logging
import os
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
    opening (named and idempotent, see ``store.migrations``). Deletions always overwrite the
    deleted rows (``secure_delete``); ``erasable`` is kept for the callers that ask for it."""

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
            _create_private(self._engine.url.database)
            _configure_sqlite(self._engine, busy_timeout)
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


def _create_private(database: str | None) -> None:
    """The file, readable by its owner only, before SQLite creates it following the umask;
    SQLite gives its -wal and -shm files the same mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        fd = os.open(Path(database).expanduser(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA secure_delete = ON")
    finally:
        cursor.close()
