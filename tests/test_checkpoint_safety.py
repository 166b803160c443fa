"""Checkpoints are read back from disk, so what is in them is data: a tampered checkpoint never
constructs an arbitrary object, whatever ``LANGGRAPH_STRICT_MSGPACK`` says in the environment,
and an unreadable one gives a plain message while the other conversations keep working."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ormsgpack
import pytest
from test_runtime import runtime, scripted

from agents.checkpoints import ConversationUnreadable, sqlite_checkpointer, thread_messages

TESTS = Path(__file__).parent

# langgraph is imported before ``agents``, with strict mode switched off in the environment.
CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
import langgraph.checkpoint.serde.jsonplus  # noqa: F401  (before agents)
from test_runtime import runtime, scripted
from agents.checkpoints import sqlite_checkpointer, thread_messages

saver = sqlite_checkpointer(sys.argv[2])
try:
    thread_messages(saver, "tampered")
except Exception as exc:
    print("refused:", type(exc).__name__)
rt = runtime(scripted({"text": "encore"}), checkpointer=saver)
try:
    rt.run("tampered", "suite")
except Exception as exc:
    print("refused:", type(exc).__name__)
print("done")
"""


def _rewrite_checkpoint(saver: object, thread_id: str, blob: bytes) -> None:
    conn = saver.conn  # type: ignore[attr-defined]
    with conn:
        conn.execute("UPDATE checkpoints SET checkpoint = ? WHERE thread_id = ?", (blob, thread_id))


def _keep_ext(code: int, data: bytes) -> ormsgpack.Ext:
    return ormsgpack.Ext(code, data)


def test_a_tampered_checkpoint_constructs_nothing_even_if_the_environment_allows_it(
    tmp_path: Path,
) -> None:
    db, canary = tmp_path / "threads.sqlite3", tmp_path / "made-by-the-checkpoint"
    saver = sqlite_checkpointer(db)
    runtime(scripted({"text": "bonjour"}), checkpointer=saver).run("tampered", "salut")
    (blob,) = saver.conn.execute("SELECT checkpoint FROM checkpoints").fetchone()
    checkpoint = ormsgpack.unpackb(blob, ext_hook=_keep_ext)
    # EXT_CONSTRUCTOR_SINGLE_ARG (0): "call os.mkdir(canary)" when read back.
    payload = ormsgpack.Ext(0, ormsgpack.packb(["os", "mkdir", str(canary)]))
    checkpoint["channel_values"]["messages"][0] = payload
    _rewrite_checkpoint(saver, "tampered", ormsgpack.packb(checkpoint))
    saver.conn.close()

    env = {**os.environ, "LANGGRAPH_STRICT_MSGPACK": "false"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(TESTS), str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert not canary.exists(), "the checkpoint ran os.mkdir"
    assert out.stdout.split() == [
        *("refused:", "ConversationUnreadable") * 2,
        "done",
    ]


def test_a_corrupt_checkpoint_gives_a_plain_message_and_other_conversations_run(
    tmp_path: Path,
) -> None:
    saver = sqlite_checkpointer(tmp_path / "threads.sqlite3")
    rt = runtime(
        scripted(*({"text": w} for w in ("un", "deux", "trois", "quatre"))), checkpointer=saver
    )
    rt.run("broken", "bonjour")
    rt.run("fine", "bonjour")
    saver.conn.execute(
        "UPDATE checkpoints SET checkpoint = ? WHERE thread_id = 'broken'", (b"\xc1\x00garbage",)
    )
    saver.conn.commit()

    for attempt in (
        lambda: rt.run("broken", "encore"),
        lambda: thread_messages(saver, "broken"),
        lambda: rt.pending_approval("broken"),
    ):
        with pytest.raises(ConversationUnreadable) as caught:
            attempt()
        assert "commencez-en une nouvelle" in caught.value.message("fr")
        assert "start a new conversation" in caught.value.message("en")
        assert caught.value.exit_code == 2

    assert rt.run("fine", "encore").answer == "trois"
    assert rt.run("new", "salut").answer == "quatre"
