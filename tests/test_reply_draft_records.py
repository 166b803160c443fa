"""The drafts part of the catalogue (``store.reply_draft_records``), asked of every backend: a
batch and its rows in one step, counts by status, a compare-and-set change of status (two
processes never claim or decide one draft twice), deletion with the agent, expiry by date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agents.errors import NotFound
from agents.spec import AgentSpec
from store.memory import MemoryCatalogue
from store.records import Catalogue
from store.reply_draft_records import BatchRecord, DraftRecord
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


def a_batch(catalogue: Catalogue, rows: int = 3) -> tuple[str, list[DraftRecord]]:
    agent = catalogue.create_agent(AgentSpec(name="Réponses"), "olga").agent_id
    batch = BatchRecord("lot-1", agent, "olga", "avis.csv", "message", START, ("date",))
    drafts = [
        DraftRecord(f"dr-{i}", agent, 1, "olga", f"Message {i}", START, batch_id="lot-1", row=i,
                    context={"date": "2026-03-01"})
        for i in range(1, rows + 1)
    ]  # fmt: skip
    catalogue.add_batch(batch, drafts)
    return agent, drafts


def test_a_batch_and_its_rows(catalogue: Catalogue) -> None:
    a_batch(catalogue)
    batch = catalogue.get_batch("lot-1")
    assert batch is not None and batch.counts == {"queued": 3} and batch.running
    assert batch.context_columns == ("date",) and batch.total == 3
    assert [d.row for d in catalogue.list_drafts(batch_id="lot-1")] == [1, 2, 3]
    assert catalogue.get_draft("dr-2").context == {"date": "2026-03-01"}  # type: ignore[union-attr]
    assert [b.id for b in catalogue.list_batches("olga")] == ["lot-1"]
    assert catalogue.list_batches("someone") == []
    with pytest.raises(NotFound):
        catalogue.add_batch(BatchRecord("lot-2", "ag-none", "olga", "a.csv", "m", START), [])


def test_a_change_happens_only_from_the_expected_status(catalogue: Catalogue) -> None:
    a_batch(catalogue)
    claimed = catalogue.change_draft("dr-1", ["queued"], status="drafting", attempts=1)
    assert claimed is not None and claimed.status == "drafting" and claimed.attempts == 1
    assert catalogue.change_draft("dr-1", ["queued"], status="drafting") is None  # taken
    done = catalogue.change_draft(
        "dr-1", ["drafting"], status="to_review", draft="Bonjour", drafted_at=START
    )
    assert done is not None and done.drafted_at == START
    assert catalogue.list_drafts(statuses=["to_review"]) == [done]
    assert catalogue.get_batch("lot-1").counts == {"queued": 2, "to_review": 1}  # type: ignore[union-attr]
    assert catalogue.change_draft("dr-none", None, status="failed") is None


def test_drafts_go_with_their_agent_and_by_date(catalogue: Catalogue) -> None:
    agent, drafts = a_batch(catalogue)
    later = datetime.now(UTC) + timedelta(days=1)
    assert {d.id for d in catalogue.drafts_before(later)} == {d.id for d in drafts}
    assert catalogue.drafts_before(START - timedelta(days=1)) == []
    catalogue.delete_drafts(["dr-1"])
    assert [d.id for d in catalogue.list_drafts(batch_id="lot-1")] == ["dr-2", "dr-3"]
    catalogue.delete_agent(agent)
    assert catalogue.get_batch("lot-1") is None and catalogue.get_draft("dr-2") is None
    assert catalogue.list_drafts() == []


def test_a_batch_left_with_no_draft_goes(catalogue: Catalogue) -> None:
    a_batch(catalogue, rows=1)
    catalogue.delete_drafts(["dr-1"])
    assert catalogue.get_batch("lot-1") is None


def test_a_conversations_drafts_go_with_it_and_drafts_are_found_by_requester(
    catalogue: Catalogue,
) -> None:
    from store.records import ThreadRecord

    agent, rows = a_batch(catalogue)
    catalogue.add_thread(ThreadRecord("th-1", agent, "ursula", "Question", START))
    answer = DraftRecord("dr-chat", agent, 1, "ursula", "Question", START, thread_id="th-1")
    catalogue.add_draft(answer)
    assert catalogue.list_drafts(requester="ursula") == [answer]
    assert [d.id for d in catalogue.list_drafts(requester="olga")] == [d.id for d in rows]
    catalogue.delete_thread("th-1")
    assert catalogue.get_draft("dr-chat") is None
    assert catalogue.list_drafts(requester="ursula") == []
    assert len(catalogue.list_drafts(batch_id="lot-1")) == len(rows)  # a batch's stay
