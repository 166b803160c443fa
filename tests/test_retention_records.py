"""The retention sweep's questions to the catalogue (``store.retention_records``), asked of
every backend: which conversations, whoever had them, were last active before a moment, and
one conversation's last activity (its last run, or its start)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agents.errors import NotFound
from agents.spec import AgentSpec
from store.memory import MemoryCatalogue
from store.records import Catalogue, RunRecord, ThreadRecord
from store.sql_catalogue import SqlCatalogue

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "memory":
        yield MemoryCatalogue()
    else:
        sql = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        yield sql
        sql.close()


def at(days: int) -> datetime:
    return START + timedelta(days=days)


def thread(catalogue: Catalogue, agent_id: str, owner: str, days: int) -> str:
    thread_id = f"th-{owner}-{days}"
    catalogue.add_thread(ThreadRecord(thread_id, agent_id, owner, "Titre", at(days)))
    return thread_id


def ran(catalogue: Catalogue, agent_id: str, thread_id: str, days: int, outcome: str) -> None:
    catalogue.record_run(
        RunRecord(
            id=f"run-{thread_id}-{days}",
            agent_id=agent_id,
            version=1,
            thread_id=thread_id,
            principal="alice",
            model="offline",
            outcome=outcome,  # type: ignore[arg-type]
            created_at=at(days),
        )
    )


def test_conversations_of_everyone_inactive_before_a_moment(catalogue: Catalogue) -> None:
    agent = catalogue.create_agent(AgentSpec(name="FAQ"), "alice").agent_id
    old = thread(catalogue, agent, "alice", 0)
    bobs = thread(catalogue, agent, "bob", 1)  # another person's: swept too
    revived = thread(catalogue, agent, "alice", 2)
    ran(catalogue, agent, revived, 50, "ok")  # started long ago, used lately
    waiting = thread(catalogue, agent, "carla", 3)
    ran(catalogue, agent, waiting, 4, "awaiting_approval")
    thread(catalogue, agent, "alice", 40)  # started lately

    found = catalogue.inactive_threads(at(30))
    assert [c.thread.id for c in found] == [old, bobs, waiting]  # least recently active first
    assert [c.last_activity for c in found] == [at(0), at(1), at(4)]
    assert found[2].last_outcome == "awaiting_approval"
    assert found[0].agent_name == "FAQ"
    assert catalogue.inactive_threads(at(0)) == []  # strictly before


def test_one_conversations_last_activity(catalogue: Catalogue) -> None:
    agent = catalogue.create_agent(AgentSpec(name="FAQ"), "alice").agent_id
    started = thread(catalogue, agent, "alice", 5)
    assert catalogue.thread_activity(started) == at(5)
    ran(catalogue, agent, started, 9, "ok")
    assert catalogue.thread_activity(started) == at(9)
    catalogue.delete_thread(started)
    with pytest.raises(NotFound):
        catalogue.thread_activity(started)
    assert catalogue.inactive_threads(at(100)) == []


def test_a_local_time_compares_as_the_same_moment(catalogue: Catalogue) -> None:
    agent = catalogue.create_agent(AgentSpec(name="FAQ"), "alice").agent_id
    thread(catalogue, agent, "alice", 10)
    paris = timezone_shifted(at(10) + timedelta(seconds=1))
    assert [c.thread.id for c in catalogue.inactive_threads(paris)] == ["th-alice-10"]


def timezone_shifted(moment: datetime) -> datetime:
    from datetime import timezone

    return moment.astimezone(timezone(timedelta(hours=2)))
