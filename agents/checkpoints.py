"""Where conversations live: LangGraph checkpointers, rebuilt from a path, never unpickled.

SQLite by default. ``synchronous=NORMAL`` with WAL survives a crash of the application (what a
conversation needs) at a fraction of the cost of ``FULL``; the busy timeout lets several
processes share one file.

What a checkpoint holds is read back as data: every checkpointer made here has a strict
serialiser (only the types LangGraph lists as safe, whatever ``LANGGRAPH_STRICT_MSGPACK`` says),
and a checkpoint that cannot be read, or reads as something other than a conversation, is
reported as ``ConversationUnreadable`` (start a new conversation); the others keep working.
"""

from __future__ import annotations

import logging
import sqlite3
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


def sqlite_checkpointer(path: str | Path) -> SqliteSaver:
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_S)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    saver = SqliteSaver(conn, serde=strict_serializer())
    saver.setup()
    return saver


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
