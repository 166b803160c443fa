"""An SQL database that forgets: what is deleted from it does not stay on disk.

SQLite keeps deleted rows in free pages and in its write-ahead log. Here every connection sets
``secure_delete`` (a deleted row's bytes are overwritten with zeros) and ``forget`` runs a
``wal_checkpoint(TRUNCATE)`` after a deletion, which copies the zeroed pages into the file and
empties the log. Checked by ``tests/test_knowledge_store.py`` with a canary string.

The rest of the SQLite setup (WAL, busy timeout, ``BEGIN IMMEDIATE`` for writes, retries while
another process holds the lock) is the catalogue's: the app, the CLI and a worker may share
the file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from store.migrations import Migration, apply_migrations
from store.sql_catalogue import _WRITE, CatalogueBusy, _configure_sqlite, _is_locked

log = logging.getLogger(__name__)
T = TypeVar("T")


class ErasableDatabase:
    """Thread-safe; several processes may open the same file. ``migrations`` are applied on
    opening (named and idempotent, see ``store.migrations``)."""

    def __init__(
        self, url_or_path: str | Path, migrations: list[Migration], *, busy_timeout: float = 30.0
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
            event.listen(self._engine, "connect", _secure_delete)
        self._busy_timeout = busy_timeout
        self.write(lambda conn: apply_migrations(conn, migrations))

    def close(self) -> None:
        self._engine.dispose()

    def read(self, work: Callable[[Connection], T]) -> T:
        with self._engine.connect() as conn, conn.begin():
            return work(conn)

    def write(self, work: Callable[[Connection], T], retries: int = 3) -> T:
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
                if attempt > retries:
                    where = self._engine.url.render_as_string(hide_password=True)
                    raise CatalogueBusy(
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
        log.warning("the knowledge database's log could not be emptied; a reader kept it busy")


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA secure_delete = ON")
    finally:
        cursor.close()
