"""Where conversations live: LangGraph checkpointers, rebuilt from a path, never unpickled.

SQLite by default. ``synchronous=NORMAL`` with WAL survives a crash of the application (what a
conversation needs) at a fraction of the cost of ``FULL``; the busy timeout lets several
processes share one file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

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
