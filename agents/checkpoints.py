"""Where conversations live: LangGraph checkpointers, rebuilt from a path, never unpickled.

SQLite by default. ``synchronous=NORMAL`` with WAL survives a crash of the application (what a
conversation needs) at a fraction of the cost of ``FULL``; the busy timeout lets several
processes share one file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver

BUSY_TIMEOUT_S = 30.0


def sqlite_checkpointer(path: str | Path) -> SqliteSaver:
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_S)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    saver = SqliteSaver(conn)
    saver.setup()
    return saver


def memory_checkpointer() -> BaseCheckpointSaver[str]:
    return InMemorySaver()


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
    found = saver.get_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    if found is None:
        return []
    return list(found.checkpoint["channel_values"].get("messages", []))
