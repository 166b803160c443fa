"""The journal of consequential tool calls: a call is recorded as started, on disk, before it is
made, and as finished with its result after.

LangGraph writes a step's results only when the whole tools node finishes; a process that dies
during a call (a POST on its way) leaves the conversation where it was before the node, still
waiting on the approval that was given. Approved again, the call would be made twice. With the
journal, the replayed node knows: a finished call gives its recorded result without running
again, and a call started but never finished is not re-run on its own: its outcome is unknown,
and the person decides (``agents.approvals.outcome_unknown_request``).

Rows live beside the conversations (a table of ``threads.sqlite3``, its own connection with
``synchronous=FULL``: the "started" record survives a power cut, not only a crash) and only
until the step that made the call is in the checkpoint: ``clear`` removes them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver

from tools.registry import ToolResult

BUSY_TIMEOUT_S = 30.0
Status = Literal["started", "finished"]

_SCHEMA = """CREATE TABLE IF NOT EXISTS atelier_tool_calls (
    thread_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    status TEXT NOT NULL,
    args TEXT NOT NULL,
    approval TEXT,
    result TEXT,
    resolution TEXT,
    started_at TEXT NOT NULL,
    PRIMARY KEY (thread_id, call_id)
)"""


@dataclass(frozen=True)
class JournalEntry:
    thread_id: str
    call_id: str
    tool: str
    status: Status
    args: dict[str, Any]
    decisions: dict[str, Any]
    """The person's decisions on the calls of the step, by call id, when this one started:
    given again to the approvals the step waits on after a crash."""
    result: ToolResult | None
    resolution: dict[str, Any] | None
    """The person's answer to "outcome unknown", when given before the node runs again."""
    started_at: str


class CallJournal:
    """Thread-safe; one per checkpointer (``journal_for``)."""

    def __init__(self, path: str = ":memory:") -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        self._lock = threading.Lock()
        with self._lock, self._conn:
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA secure_delete=ON")  # a cleared row leaves no trace
            self._conn.execute(_SCHEMA)

    def entry(self, thread_id: str, call_id: str) -> JournalEntry | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM atelier_tool_calls WHERE thread_id = ? AND call_id = ?",
                (thread_id, call_id),
            ).fetchone()
        return None if row is None else _entry(row)

    def unfinished(self, thread_id: str) -> list[JournalEntry]:
        """Calls started and never finished: the process stopped during them."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM atelier_tool_calls WHERE thread_id = ? AND status = 'started'"
                " ORDER BY started_at",
                (thread_id,),
            ).fetchall()
        return [_entry(r) for r in rows]

    def started(
        self,
        thread_id: str,
        call_id: str,
        tool: str,
        args: dict[str, Any],
        decisions: dict[str, Any],
    ) -> None:
        """Committed (and synced) before this returns: only then may the call be made."""
        at = datetime.now(UTC).isoformat(timespec="seconds")
        self._write(
            "INSERT OR REPLACE INTO atelier_tool_calls"
            " (thread_id, call_id, tool, status, args, approval, started_at)"
            " VALUES (?, ?, ?, 'started', ?, ?, ?)",
            (thread_id, call_id, tool, _dump(args), _dump(decisions), at),
        )

    def finished(self, thread_id: str, call_id: str, result: ToolResult) -> None:
        data = {"ok": result.ok, "output": result.output, "error": result.error}
        self._write(
            "UPDATE atelier_tool_calls SET status = 'finished', result = ?"
            " WHERE thread_id = ? AND call_id = ?",
            (_dump({**data, "args": result.args, "tool": result.tool}), thread_id, call_id),
        )

    def resolve(self, thread_id: str, call_id: str, answer: dict[str, Any]) -> None:
        self._write(
            "UPDATE atelier_tool_calls SET resolution = ? WHERE thread_id = ? AND call_id = ?",
            (_dump(answer), thread_id, call_id),
        )

    def clear(self, thread_id: str, call_ids: set[str] | None = None) -> None:
        """Forget the calls whose step is in the checkpoint (``call_ids``), or all of a
        conversation's (None: it is deleted)."""
        with self._lock, self._conn:
            if call_ids is None:
                self._conn.execute(
                    "DELETE FROM atelier_tool_calls WHERE thread_id = ?", (thread_id,)
                )
                return
            for call_id in call_ids:
                self._conn.execute(
                    "DELETE FROM atelier_tool_calls WHERE thread_id = ? AND call_id = ?",
                    (thread_id, call_id),
                )

    def has_entries(self, thread_id: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM atelier_tool_calls WHERE thread_id = ? LIMIT 1", (thread_id,)
            ).fetchone()
        return row is not None

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock, self._conn:
            self._conn.execute(sql, params)


_journals: weakref.WeakKeyDictionary[Any, CallJournal] = weakref.WeakKeyDictionary()
_journals_guard = threading.Lock()


def journal_for(saver: BaseCheckpointSaver[Any]) -> CallJournal:
    """The journal kept beside ``saver``'s conversations: in the same SQLite file, or in memory
    for a checkpointer that keeps nothing on disk."""
    with _journals_guard:
        found = _journals.get(saver)
        if found is None:
            found = CallJournal(_sqlite_file(saver) or ":memory:")
            _journals[saver] = found
        return found


def forget_thread(saver: BaseCheckpointSaver[Any], thread_id: str) -> None:
    """Erase what the journal holds of a conversation (with the conversation itself)."""
    journal_for(saver).clear(thread_id)


def _sqlite_file(saver: BaseCheckpointSaver[Any]) -> str:
    conn = getattr(saver, "conn", None)
    if not isinstance(conn, sqlite3.Connection):
        return ""
    lock = getattr(saver, "lock", None) or threading.Lock()
    with lock:
        rows = conn.execute("PRAGMA database_list").fetchall()
    for _seq, name, file in rows:
        if name == "main":
            return str(file or "")
    return ""


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    thread_id, call_id, tool, status, args, decisions, result, resolution, started_at = row
    data = _load(result)
    done = None
    if data is not None:
        done = ToolResult(
            str(data.get("tool") or tool),
            dict(data.get("args") or {}),
            ok=bool(data.get("ok")),
            output=data.get("output"),
            error=str(data.get("error") or ""),
        )
    return JournalEntry(
        thread_id=thread_id,
        call_id=call_id,
        tool=tool,
        status=status,
        args=dict(_load(args) or {}),
        decisions=dict(_load(decisions) or {}),
        result=done,
        resolution=_load(resolution),
        started_at=started_at,
    )
