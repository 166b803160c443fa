"""One turn at a time per conversation, across threads and processes.

Two turns on one conversation at once each read the same checkpoint and each write the next one:
the second write hides the first turn, and both report success. A turn therefore holds its
conversation from the first read to the last write; a second turn waits up to
``ATELIER_THREAD_WAIT`` seconds (``DEFAULT_WAIT_S``), then is told the conversation is busy
(``ConversationBusy``): nothing is lost silently.

Where the lock lives: a lease row in the database of the conversations themselves (the table
``atelier_thread_leases`` next to LangGraph's in ``threads.sqlite3``), taken inside
``BEGIN IMMEDIATE``. It names its owner (process id and a random part) and expires
``lease_seconds`` after it was last renewed; the holder renews it while the turn runs, so a turn
may last as long as it needs, and a crashed holder blocks the conversation for at most
``lease_seconds``. This was chosen over an OS file lock (``fcntl.flock`` on a file per
conversation) because the same table and statements (``INSERT ... ON CONFLICT``) work on
PostgreSQL when conversations move there, across machines, where a file lock would not; no lock
file per conversation is left in the data directory either. Clocks: the expiry is wall time, so
the processes sharing one database must share a clock (one machine, or NTP).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Protocol

from agents.errors import UserError

log = logging.getLogger(__name__)

DEFAULT_WAIT_S = 15.0
LEASE_S = 30.0
POLL_S = 0.05
_SQLITE_TIMEOUT_S = 5.0

_TABLE = """CREATE TABLE IF NOT EXISTS atelier_thread_leases (
    thread_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
)"""


class ConversationBusy(UserError):
    """Another turn holds the conversation longer than this one may wait."""


_HOST = socket.gethostname()


def _holder_gone(owner: str) -> bool:
    """Whether the lease's holder is a process of this machine that no longer runs (killed
    mid-turn): its lease need not be waited out. Another machine's holder is trusted until its
    lease expires."""
    host, _, rest = owner.rpartition(":")
    if host != _HOST:
        return False
    try:
        pid = int(rest.split("-", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def wait_seconds() -> float:
    """How long a turn waits for its conversation: ``ATELIER_THREAD_WAIT`` seconds."""
    raw = os.environ.get("ATELIER_THREAD_WAIT", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_WAIT_S
    except ValueError:
        return DEFAULT_WAIT_S
    return max(value, 0.0)


def _busy(thread_id: str, waited: float) -> ConversationBusy:
    return ConversationBusy("run.thread_busy", thread=thread_id, seconds=f"{waited:g}")


class ThreadLocks(Protocol):
    def hold(self, thread_id: str, wait: float | None = None) -> Any:
        """A context manager holding ``thread_id``; raises ``ConversationBusy`` after
        ``wait`` seconds (default ``wait_seconds()``)."""
        ...


class LocalLocks:
    """For conversations only this process can reach (``InMemorySaver``)."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, thread_id: str, wait: float | None = None) -> Iterator[None]:
        wait = wait_seconds() if wait is None else wait
        with self._guard:
            lock = self._locks.setdefault(thread_id, threading.Lock())
        if not lock.acquire(blocking=False):
            log.info("conversation %s is busy; waiting up to %g s", thread_id, wait)
            if not lock.acquire(timeout=wait):
                raise _busy(thread_id, wait)
        try:
            yield
        finally:
            lock.release()


class SqliteLeases:
    """Leases in the SQLite file at ``path`` (the checkpointer's own file)."""

    def __init__(self, path: str | Path, *, lease_seconds: float = LEASE_S) -> None:
        self.path = str(path)
        self.lease_seconds = lease_seconds
        with closing(self._connect()) as conn:
            conn.execute(_TABLE)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=_SQLITE_TIMEOUT_S, isolation_level=None)
        conn.execute("PRAGMA secure_delete = ON")
        return conn

    @contextmanager
    def hold(self, thread_id: str, wait: float | None = None) -> Iterator[None]:
        wait = wait_seconds() if wait is None else wait
        owner = f"{_HOST}:{os.getpid()}-{secrets.token_hex(6)}"
        deadline = time.monotonic() + wait
        conn = self._connect()
        try:
            if not self._take(conn, thread_id, owner):
                log.info("conversation %s is busy; waiting up to %g s", thread_id, wait)
                while not self._take(conn, thread_id, owner):
                    if time.monotonic() >= deadline:
                        raise _busy(thread_id, wait)
                    time.sleep(POLL_S)
            stop = threading.Event()
            renewer = threading.Thread(
                target=self._renew, args=(thread_id, owner, stop), daemon=True
            )
            renewer.start()
            try:
                yield
            finally:
                stop.set()
                renewer.join()
                conn.execute(
                    "DELETE FROM atelier_thread_leases WHERE thread_id = ? AND owner = ?",
                    (thread_id, owner),
                )
        finally:
            conn.close()

    def _take(self, conn: sqlite3.Connection, thread_id: str, owner: str) -> bool:
        """The lease if nobody holds it, or the holder let it expire (a crash)."""
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False  # another process is writing this file: try again
        try:
            row = conn.execute(
                "SELECT owner, expires_at FROM atelier_thread_leases WHERE thread_id = ?",
                (thread_id,),
            ).fetchone()
            now = time.time()
            if row is not None and row[1] > now and not _holder_gone(row[0]):
                conn.execute("ROLLBACK")
                return False
            if row is not None:
                log.warning("conversation %s: the lease of %s had ended", thread_id, row[0])
            conn.execute(
                """INSERT INTO atelier_thread_leases (thread_id, owner, expires_at)
                   VALUES (?, ?, ?) ON CONFLICT (thread_id)
                   DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at""",
                (thread_id, owner, now + self.lease_seconds),
            )
            conn.execute("COMMIT")
            return True
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _renew(self, thread_id: str, owner: str, stop: threading.Event) -> None:
        conn = self._connect()
        try:
            while not stop.wait(self.lease_seconds / 3):
                try:
                    renewed = conn.execute(
                        """UPDATE atelier_thread_leases SET expires_at = ?
                           WHERE thread_id = ? AND owner = ?""",
                        (time.time() + self.lease_seconds, thread_id, owner),
                    ).rowcount
                except sqlite3.OperationalError as exc:
                    log.warning("conversation %s: lease not renewed (%s)", thread_id, exc)
                    continue
                if not renewed:
                    log.error("conversation %s: lease lost while the turn ran", thread_id)
                    return
        finally:
            conn.close()


_LOCAL = LocalLocks()


def locks_for(saver: Any) -> ThreadLocks:
    """The locks that fit a checkpointer: leases in its file for SQLite, this process's
    locks for a checkpointer in memory."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    if isinstance(saver, SqliteSaver):
        with saver.lock:
            rows = saver.conn.execute("PRAGMA database_list").fetchall()
        path = next((row[2] for row in rows if row[1] == "main"), "")
        if path:
            return SqliteLeases(path)
    return _LOCAL
