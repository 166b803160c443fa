"""Where conversations live: LangGraph checkpointers, rebuilt from a path, never unpickled.

SQLite by default. ``synchronous=NORMAL`` with WAL survives a crash of the application (what a
conversation needs) at a fraction of the cost of ``FULL``; the busy timeout lets several
processes share one file.

What a checkpoint holds is read back as data: every checkpointer made here has a strict
serialiser (only the types LangGraph lists as safe, whatever ``LANGGRAPH_STRICT_MSGPACK`` says),
and a checkpoint that cannot be read, or reads as something other than a conversation, is
reported as ``ConversationUnreadable`` (start a new conversation); the others keep working.

Erasure: the file is created readable by its owner only (SQLite gives its -wal and -shm files
the same mode), every connection overwrites what it deletes (``secure_delete``), and deleting a
conversation also empties the write-ahead log, which still holds it; ``erase_threads`` then
rebuilds the file (``VACUUM``), as FACTS.md found necessary.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from agents.errors import UserError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0


class ConversationUnreadable(UserError):
    """A conversation's saved state cannot be read (damaged or tampered with)."""


def strict_serializer() -> JsonPlusSerializer:
    """Only the types in LangGraph's safe list (``allowed_msgpack_modules=None``); the
    compiler adds the graph's own state types. Never pickle."""
    return JsonPlusSerializer(pickle_fallback=False, allowed_msgpack_modules=None)


class ErasingSqliteSaver(SqliteSaver):
    """A ``SqliteSaver`` whose deletions leave nothing behind in its files."""

    def delete_thread(self, thread_id: str) -> None:
        super().delete_thread(thread_id)
        self.forget(vacuum=False)

    def erase_threads(self, thread_ids: Iterable[str]) -> None:
        """Several conversations, then one rebuild of the file."""
        for thread_id in thread_ids:
            super().delete_thread(thread_id)
        self.forget(vacuum=True)

    def forget(self, *, vacuum: bool) -> None:
        """Empty the write-ahead log (it still holds the deleted rows); ``vacuum`` first
        rebuilds the file without its free pages. A reader in another process can keep the
        log from being emptied for a moment: retried for a few seconds."""
        with self.lock:
            self.conn.commit()
            if vacuum:
                self.conn.execute("VACUUM")
            for _ in range(100):
                busy = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                if not busy:
                    return
                time.sleep(0.05)
        log.warning("the conversations' write-ahead log could not be emptied; a reader kept it")


def sqlite_checkpointer(path: str | Path) -> ErasingSqliteSaver:
    create_private(path)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_S)
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    saver = ErasingSqliteSaver(conn, serde=strict_serializer())
    saver.setup()
    return saver


def create_private(path: str | Path) -> None:
    """Create a database file readable by its owner only before SQLite does (it would follow
    the umask: 0644); SQLite gives the -wal and -shm files the mode of the database."""
    try:
        fd = os.open(Path(path).expanduser(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def erase_threads(saver: BaseCheckpointSaver[Any], thread_ids: Iterable[str]) -> None:
    """Delete conversations so that their text is in no file any more (SQLite), or simply
    delete them (other checkpointers)."""
    if isinstance(saver, ErasingSqliteSaver):
        saver.erase_threads(thread_ids)
        return
    for thread_id in thread_ids:
        saver.delete_thread(thread_id)


def memory_checkpointer() -> BaseCheckpointSaver[str]:
    return InMemorySaver(serde=strict_serializer())


def read_checkpoint(saver: BaseCheckpointSaver[Any], thread_id: str) -> CheckpointTuple | None:
    """A conversation's latest checkpoint, checked to be one; ``None`` for a new conversation.
    Raises ``ConversationUnreadable`` when it is damaged; a database that cannot be reached
    (locked, missing disk) is not the conversation's fault and is raised as it is."""
    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    try:
        found = saver.get_tuple(config)  # type: ignore[arg-type]
        if found is not None:
            _check_shape(found)
    except (sqlite3.Error, OSError, MemoryError):
        raise
    except Exception as exc:
        log.warning("conversation %s: checkpoint unreadable (%s)", thread_id, type(exc).__name__)
        raise ConversationUnreadable("run.thread_unreadable", thread=thread_id) from exc
    return found


def _check_shape(found: CheckpointTuple) -> None:
    """What LangGraph will use must have the types it expects (a type the strict serialiser
    refused comes back as raw data instead)."""
    values = found.checkpoint.get("channel_values")
    if not isinstance(values, dict):
        raise TypeError("channel_values is not a mapping")
    messages = values.get("messages", [])
    if not isinstance(messages, list) or not all(isinstance(m, BaseMessage) for m in messages):
        raise TypeError("messages are not messages")


def compact_thread(saver: BaseCheckpointSaver[Any], thread_id: str) -> None:
    """Keep only a conversation's latest checkpoint.

    Each checkpoint holds the whole conversation, so keeping every one makes the file grow with
    the square of its length (a 200-turn thread measured 112 MB); nothing in Atelier reads past
    checkpoints. Other savers are left as they are.
    """
    if not isinstance(saver, SqliteSaver):
        return
    keep = """SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ''
              ORDER BY checkpoint_id DESC LIMIT 1"""
    with saver.lock, saver.conn:
        row = saver.conn.execute(keep, (thread_id,)).fetchone()
        if row is None:
            return
        for table in ("writes", "checkpoints"):
            saver.conn.execute(
                f"DELETE FROM {table} WHERE thread_id = ? AND checkpoint_id != ?",  # noqa: S608
                (thread_id, row[0]),
            )


def thread_messages(saver: BaseCheckpointSaver[Any], thread_id: str) -> list[BaseMessage]:
    """A conversation's messages, read from its latest checkpoint without compiling a graph."""
    found = read_checkpoint(saver, thread_id)
    if found is None:
        return []
    return list(found.checkpoint["channel_values"].get("messages", []))
