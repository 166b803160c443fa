"""Several processes share one SQLite catalogue (the app, the CLI, a worker): saves from real
processes at the same moment must neither collide nor get lost, and starting up together must
migrate the schema exactly once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from agents.spec import AgentSpec
from store.migrations import MIGRATIONS
from store.sql_catalogue import CatalogueBusy, SqlCatalogue

# Each child signals it is ready (imports done, catalogue open), then waits for the go file so
# that the work of all children truly overlaps.
CHILD = r"""
import pathlib, sys, time
from agents.spec import AgentSpec
from store.sql_catalogue import SqlCatalogue

path, ready, go, job = sys.argv[1:5]
catalogue = SqlCatalogue(path) if job.startswith("save") else None
pathlib.Path(ready).touch()
while not pathlib.Path(go).exists():
    time.sleep(0.002)
if job.startswith("save"):
    _, agent_id, author, count = job.split(":")
    for i in range(int(count)):
        spec = AgentSpec(name="Concurrent", instructions=f"{author} {i}")
        catalogue.save_version(agent_id, spec, author)
else:
    SqlCatalogue(path).close()
"""


def run_together(tmp_path: Path, db: Path, jobs: list[str]) -> None:
    """Start one process per job, release them at once, and fail on any child's error."""
    go = tmp_path / "go"
    readies = [tmp_path / f"ready-{n}" for n in range(len(jobs))]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db), str(ready), str(go), job],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ready, job in zip(readies, jobs, strict=True)
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(r.exists() for r in readies):
            assert time.monotonic() < deadline, "children did not start"
            assert all(c.poll() is None for c in children), children[0].communicate()[1]
            time.sleep(0.01)
        go.touch()
        for child in children:
            _, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.mark.slow
def test_two_processes_saving_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "catalogue.sqlite3"
    catalogue = SqlCatalogue(db)
    agent_id = catalogue.create_agent(AgentSpec(name="Concurrent"), "alice").agent_id

    run_together(tmp_path, db, [f"save:{agent_id}:p1:50", f"save:{agent_id}:p2:50"])

    versions = catalogue.list_versions(agent_id)
    assert sorted(v.number for v in versions) == list(range(1, 102))
    assert catalogue.get_agent(agent_id).latest_version == 101
    assert Counter(v.author for v in versions) == {"p1": 50, "p2": 50, "alice": 1}
    # Each version holds the spec its writer saved, in that writer's order.
    for author in ("p1", "p2"):
        mine = sorted((v for v in versions if v.author == author), key=lambda v: v.number)
        assert [v.spec.instructions for v in mine] == [f"{author} {i}" for i in range(50)]
    catalogue.close()
    assert integrity(db) == "ok"


@pytest.mark.slow
def test_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    db = tmp_path / "fresh.sqlite3"
    run_together(tmp_path, db, ["open", "open", "open"])
    with sqlite3.connect(db) as conn:
        applied = [row[0] for row in conn.execute("SELECT name FROM migrations ORDER BY name")]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert applied == [name for name, _ in MIGRATIONS]
    assert mode == "wal"
    assert integrity(db) == "ok"


def test_migrations_run_twice_change_nothing(tmp_path: Path) -> None:
    db = tmp_path / "catalogue.sqlite3"
    first = SqlCatalogue(db)
    agent_id = first.create_agent(AgentSpec(name="Gardé"), "alice").agent_id
    assert first.migrate() == []
    second = SqlCatalogue(db)  # a second start of the app
    assert second.migrate() == []
    assert second.get_agent(agent_id).name == "Gardé"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM migrations").fetchone() == (len(MIGRATIONS),)
    first.close()
    second.close()


def test_a_lock_held_too_long_gives_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "catalogue.sqlite3"
    catalogue = SqlCatalogue(db, busy_timeout=0.05, retries=2)
    agent_id = catalogue.create_agent(AgentSpec(name="Bloqué"), "alice").agent_id
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(CatalogueBusy) as caught:
            catalogue.save_version(agent_id, AgentSpec(name="Bloqué"), "alice")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert caught.value.key == "store.busy"
    assert "réessayez" in str(caught.value)
    # Once the lock is gone, saving works and nothing half-written was left behind.
    assert catalogue.save_version(agent_id, AgentSpec(name="Bloqué"), "alice").number == 2
    catalogue.close()


def test_a_short_lock_is_waited_out(tmp_path: Path) -> None:
    db = tmp_path / "catalogue.sqlite3"
    catalogue = SqlCatalogue(db, busy_timeout=0.05, retries=3)
    agent_id = catalogue.create_agent(AgentSpec(name="Patient"), "alice").agent_id
    blocker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: blocker.execute("ROLLBACK"))
    release.start()
    try:
        saved = catalogue.save_version(agent_id, AgentSpec(name="Patient"), "alice")
    finally:
        release.join()
        blocker.close()
    assert saved.number == 2
    catalogue.close()
