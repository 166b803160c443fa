"""The drafts part of the catalogue (``store.reply_draft_records.ReplyDrafting``), held to one
contract on every backend: batches with their counts by status, drafts in row order, claiming
and deciding as compare-and-set on the status (two runners never draft one row twice), and
drafts going with their agent, their conversation, or their batch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agents.errors import NotFound
from agents.spec import AgentSpec
from store.memory import MemoryCatalogue
from store.records import Catalogue, ThreadRecord
from store.reply_draft_records import BatchRecord, DraftRecord
from store.sql_catalogue import SqlCatalogue

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "memory":
        yield MemoryCatalogue()
    else:
        sql = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        yield sql
        sql.close()


def an_agent(catalogue: Catalogue, name: str = "Réponses") -> str:
    return catalogue.create_agent(AgentSpec(name=name), "olga").agent_id


def a_batch(catalogue: Catalogue, agent_id: str, rows: int = 3, key: str = "1") -> BatchRecord:
    batch = BatchRecord(
        id=f"lot-{key}",
        agent_id=agent_id,
        owner="olga",
        file_name="avis.csv",
        message_column="message",
        created_at=START + timedelta(minutes=int(key)),
        context_columns=("date", "service"),
        assignee="team:Relecture",
    )
    drafts = [
        DraftRecord(
            id=f"dr-{key}-{n}",
            agent_id=agent_id,
            agent_version=1,
            requester="olga",
            message=f"Message {n} « accentué »",
            created_at=batch.created_at,
            batch_id=batch.id,
            row=n,
            assignee=batch.assignee,
            context={"date": "2026-02-01", "service": "CAF"},
        )
        for n in (3, 1, 2, *range(4, rows + 1))[:rows]
    ]
    catalogue.add_batch(batch, drafts)
    return batch


def test_a_batch_keeps_its_rows_in_order_with_their_counts(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    batch = a_batch(catalogue, agent)
    found = catalogue.get_batch(batch.id)
    assert found is not None
    assert found.counts == {"queued": 3} and found.status == "running" and found.total == 3
    assert found.context_columns == ("date", "service") and found.assignee == "team:Relecture"
    drafts = catalogue.list_drafts(batch_id=batch.id)
    assert [d.row for d in drafts] == [1, 2, 3]
    assert drafts[0].message == "Message 1 « accentué »"
    assert drafts[0].context == {"date": "2026-02-01", "service": "CAF"}
    assert drafts[0].thread_id == "" and drafts[0].batch_id == batch.id
    assert catalogue.get_batch("lot-none") is None


def test_batches_are_listed_newest_first_and_by_owner(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    first, second = a_batch(catalogue, agent, key="1"), a_batch(catalogue, agent, key="2")
    assert [b.id for b in catalogue.list_batches("olga")] == [second.id, first.id]
    assert catalogue.list_batches("carl") == []
    assert len(catalogue.list_batches()) == 2


def test_a_batch_needs_a_known_agent(catalogue: Catalogue) -> None:
    with pytest.raises(NotFound):
        a_batch(catalogue, "ag-000000000000")
    assert catalogue.list_batches() == []


def test_changing_a_draft_is_compare_and_set_on_its_status(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    batch = a_batch(catalogue, agent)
    draft = catalogue.list_drafts(batch_id=batch.id)[0]
    claimed = catalogue.change_draft(draft.id, ["queued"], status="drafting", attempts=1)
    assert claimed is not None and claimed.status == "drafting" and claimed.attempts == 1
    assert catalogue.change_draft(draft.id, ["queued"], status="drafting") is None
    at = START + timedelta(hours=1)
    written = catalogue.change_draft(
        draft.id, ["drafting"], status="to_review", draft="Bonjour,", drafted_at=at
    )
    assert written is not None and written.drafted_at == at and written.draft == "Bonjour,"
    decided = catalogue.change_draft(
        draft.id,
        ["to_review"],
        status="approved",
        final="Bonjour, merci.",
        decided_by="rita",
        decided_at=at + timedelta(minutes=3),
    )
    assert decided is not None and decided.edited and decided.decided_by == "rita"
    assert catalogue.get_draft(draft.id) == decided
    assert catalogue.change_draft("dr-none", None, status="failed") is None
    counts = catalogue.get_batch(batch.id)
    assert counts is not None and counts.counts == {"approved": 1, "queued": 2}


def test_two_runners_never_claim_one_row(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    batch = a_batch(catalogue, agent, rows=20)
    won: list[str] = []
    lock = threading.Lock()

    def runner() -> None:
        for draft in catalogue.list_drafts(batch_id=batch.id, statuses=["queued"]):
            if catalogue.change_draft(draft.id, ["queued"], status="drafting") is not None:
                with lock:
                    won.append(draft.id)

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == sorted(d.id for d in catalogue.list_drafts(batch_id=batch.id))


def test_drafts_are_found_by_conversation_agent_and_status(catalogue: Catalogue) -> None:
    agent, other = an_agent(catalogue), an_agent(catalogue, "Autre")
    catalogue.add_thread(ThreadRecord("th-1", agent, "ursula", "Ma question", START))
    answer = DraftRecord(
        "dr-chat", agent, 1, "ursula", "Ma question", START, "to_review", thread_id="th-1"
    )
    catalogue.add_draft(answer)
    a_batch(catalogue, other)
    assert catalogue.list_drafts(thread_id="th-1") == [answer]
    assert [d.id for d in catalogue.list_drafts(agent_ids=[agent])] == ["dr-chat"]
    assert len(catalogue.list_drafts(agent_ids=[other], statuses=["queued"])) == 3
    assert catalogue.list_drafts(agent_ids=[other], statuses=["approved"]) == []
    assert catalogue.list_drafts(requester="ursula") == [answer]
    with pytest.raises(NotFound):  # a conversation that does not exist
        catalogue.add_draft(replace(answer, id="dr-x", thread_id="th-none"))


def test_drafts_go_with_their_conversation_and_their_agent(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    catalogue.add_thread(ThreadRecord("th-1", agent, "ursula", "Q", START))
    catalogue.add_draft(DraftRecord("dr-chat", agent, 1, "ursula", "Q", START, thread_id="th-1"))
    batch = a_batch(catalogue, agent)
    catalogue.delete_thread("th-1")
    assert catalogue.get_draft("dr-chat") is None
    assert catalogue.list_drafts(thread_id="th-1") == []
    assert len(catalogue.list_drafts(batch_id=batch.id)) == 3
    catalogue.delete_agent(agent)
    assert catalogue.list_drafts(batch_id=batch.id) == []
    assert catalogue.get_batch(batch.id) is None and catalogue.list_batches() == []


def test_deleting_every_draft_of_a_batch_deletes_the_batch(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    batch, kept = a_batch(catalogue, agent, key="1"), a_batch(catalogue, agent, key="2")
    drafts = catalogue.list_drafts(batch_id=batch.id)
    catalogue.delete_drafts([drafts[0].id])
    still = catalogue.get_batch(batch.id)
    assert still is not None and still.total == 2
    catalogue.delete_drafts([d.id for d in drafts[1:]])
    assert catalogue.get_batch(batch.id) is None
    assert catalogue.get_batch(kept.id) is not None


def test_a_cancelled_batch_says_so(catalogue: Catalogue) -> None:
    batch = a_batch(catalogue, an_agent(catalogue))
    cancelled = catalogue.cancel_batch(batch.id)
    assert cancelled is not None and cancelled.cancelled and cancelled.status == "cancelled"
    found = catalogue.get_batch(batch.id)
    assert found is not None and found.status == "cancelled" and not found.running
    assert catalogue.cancel_batch("lot-none") is None
    resumed = catalogue.cancel_batch(batch.id, cancelled=False)
    assert resumed is not None and resumed.status == "running"


def test_drafts_before_a_moment_by_their_last_change(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    batch = a_batch(catalogue, agent)
    assert len(catalogue.drafts_before(datetime.now(UTC) + timedelta(seconds=1))) == 3
    assert catalogue.drafts_before(START) == []
    draft = catalogue.list_drafts(batch_id=batch.id)[0]
    catalogue.change_draft(draft.id, None, status="failed")
    moment = datetime.now(UTC) - timedelta(seconds=1)
    left = {d.id for d in catalogue.list_drafts(batch_id=batch.id)} - {draft.id}
    assert {d.id for d in catalogue.drafts_before(moment)} == left
