"""One turn at a time per conversation, across processes: two processes running turns on one
thread lose no message, and a run that cannot get the conversation in time is told it is busy.

The children synchronise on files, never on sleeps: in each round each model waits, inside its
turn, until the other process is either inside its own turn (no lock: both read the same
checkpoint, and one turn is lost) or waiting for the conversation (the lock works)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from agents.checkpoints import sqlite_checkpointer, thread_messages
from agents.thread_lock import ConversationBusy, SqliteLeases

TESTS = Path(__file__).parent
ROUNDS = 3

CHILD = r"""
import logging, pathlib, sys, time
sys.path.insert(0, sys.argv[1])
from test_runtime import runtime
from agents.checkpoints import sqlite_checkpointer
from agents.models.scripted import ScriptedChatModel, ScriptedReply

_, _, db, sync, me, other, rounds = sys.argv
sync, rounds = pathlib.Path(sync), int(rounds)
state = {"round": 0}


def mark(name):
    (sync / f"{name}-{state['round']}").touch()


def wait_for(*names):
    deadline = time.monotonic() + 30
    while not any((sync / f"{n}-{state['round']}").exists() for n in names):
        if time.monotonic() > deadline:
            raise SystemExit(f"{me}: gave up waiting for {names} in round {state['round']}")
        time.sleep(0.005)


class Waiting(logging.Handler):
    def emit(self, record):
        mark(f"waiting-{me}")


logging.getLogger("agents.thread_lock").addHandler(Waiting())
logging.getLogger("agents.thread_lock").setLevel(logging.INFO)


class Meeting(ScriptedChatModel):
    def _next(self, messages):
        mark(f"in-model-{me}")
        wait_for(f"in-model-{other}", f"waiting-{other}")
        return super()._next(messages)


model = Meeting(replies=[ScriptedReply(text=f"réponse {me} {i}") for i in range(rounds)])
rt = runtime(model, checkpointer=sqlite_checkpointer(db))
for i in range(rounds):
    state["round"] = i
    mark(f"ready-{me}")
    wait_for(f"ready-{other}")
    rt.run("shared", f"message {me} {i}")
print("done")
"""

HOLDER = r"""
import pathlib, sys, time
sys.path.insert(0, sys.argv[1])
from test_runtime import runtime
from agents.checkpoints import sqlite_checkpointer
from agents.models.scripted import ScriptedChatModel, ScriptedReply

_, _, db, sync = sys.argv
sync = pathlib.Path(sync)


class Holding(ScriptedChatModel):
    def _next(self, messages):
        (sync / "holding").touch()
        deadline = time.monotonic() + 30
        while not (sync / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        return super()._next(messages)


rt = runtime(Holding(replies=[ScriptedReply(text="première réponse")]),
             checkpointer=sqlite_checkpointer(db))
rt.run("shared", "premier message")
print("done")
"""


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ATELIER_THREAD_WAIT": "30"},
    )


def _finish(child: subprocess.Popen[str]) -> None:
    try:
        out, err = child.communicate(timeout=90)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert out.strip().endswith("done")


@pytest.mark.slow
def test_two_processes_on_one_conversation_lose_no_message(tmp_path: Path) -> None:
    db, sync = tmp_path / "threads.sqlite3", tmp_path / "sync"
    sync.mkdir()
    sqlite_checkpointer(db).conn.close()  # the file exists before both children open it
    children = [
        _spawn(CHILD, str(TESTS), str(db), str(sync), me, other, str(ROUNDS))
        for me, other in (("a", "b"), ("b", "a"))
    ]
    for child in children:
        _finish(child)
    texts = [str(m.content) for m in thread_messages(sqlite_checkpointer(db), "shared")]
    expected = {f"message {who} {i}" for who in "ab" for i in range(ROUNDS)}
    assert expected <= set(texts), sorted(expected - set(texts))
    assert len(texts) == 2 * 2 * ROUNDS


@pytest.mark.slow
def test_a_second_run_gets_busy_when_the_wait_is_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_runtime import runtime, scripted

    db, sync = tmp_path / "threads.sqlite3", tmp_path / "sync"
    sync.mkdir()
    holder = _spawn(HOLDER, str(TESTS), str(db), str(sync))
    try:
        deadline = time.monotonic() + 60
        while not (sync / "holding").exists():
            assert holder.poll() is None, holder.communicate()[1]
            assert time.monotonic() < deadline, "the holder did not start its turn"
            time.sleep(0.01)
        monkeypatch.setenv("ATELIER_THREAD_WAIT", "0.2")
        model = scripted({"text": "seconde réponse"})
        second = runtime(model, checkpointer=sqlite_checkpointer(db))
        started = time.monotonic()
        with pytest.raises(ConversationBusy) as caught:
            second.run("shared", "second message")
        assert time.monotonic() - started < 5
        assert "répondre à un autre message" in caught.value.message("fr")
        assert "answering another message" in caught.value.message("en")
    finally:
        (sync / "release").touch()
    _finish(holder)
    texts = [str(m.content) for m in thread_messages(sqlite_checkpointer(db), "shared")]
    assert texts == ["premier message", "première réponse"]
    # Once the holder is done, the conversation takes the next turn.
    assert second.run("shared", "second message").answer == "seconde réponse"


def test_a_lease_left_by_a_crashed_holder_expires(tmp_path: Path) -> None:
    db = tmp_path / "threads.sqlite3"
    sqlite_checkpointer(db).conn.close()
    leases = SqliteLeases(db, lease_seconds=30)
    with closing(leases._connect()) as conn:
        conn.execute(
            "INSERT INTO atelier_thread_leases (thread_id, owner, expires_at) VALUES (?, ?, ?)",
            ("shared", "crashed-process", time.time() - 1),
        )
    with (
        leases.hold("shared", wait=0.1),
        pytest.raises(ConversationBusy),
        leases.hold("shared", wait=0.1),
    ):
        pass
    with leases.hold("shared", wait=0.1):  # released on exit
        pass


def test_a_lease_of_a_killed_process_of_this_machine_is_taken_at_once(tmp_path: Path) -> None:
    """A turn killed mid-way (the crash of an approved action) must not block the person who
    comes back to decide for the lease's 30 s: a dead holder on this machine is not waited for."""
    import socket
    import subprocess
    import sys

    db = tmp_path / "threads.sqlite3"
    sqlite_checkpointer(db).conn.close()
    leases = SqliteLeases(db, lease_seconds=30)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with closing(leases._connect()) as conn:
        conn.execute(
            "INSERT INTO atelier_thread_leases (thread_id, owner, expires_at) VALUES (?, ?, ?)",
            ("dead", f"{socket.gethostname()}:{gone.pid}-x", time.time() + 30),
        )
        conn.execute(
            "INSERT INTO atelier_thread_leases (thread_id, owner, expires_at) VALUES (?, ?, ?)",
            ("elsewhere", f"another-host:{gone.pid}-x", time.time() + 30),
        )
    with leases.hold("dead", wait=0.1):
        pass
    with pytest.raises(ConversationBusy), leases.hold("elsewhere", wait=0.1):
        pass
