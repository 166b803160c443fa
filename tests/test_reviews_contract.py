"""The reviews part of the catalogue contract (``store.review_records.Reviewing``): publication
requests, their one-step approval, notifications and the deprecated mark, the same on every
backend."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from people import enrol

from agents.errors import NotFound
from agents.spec import AgentSpec
from store.memory import MemoryCatalogue
from store.records import Catalogue
from store.review_records import Notification, PublicationRequest
from store.sql_catalogue import SqlCatalogue

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "memory":
        yield MemoryCatalogue()
    else:
        sql = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        yield sql
        sql.close()


def an_agent(catalogue: Catalogue, versions: int = 1) -> str:
    agent_id = catalogue.create_agent(AgentSpec(name="Rédacteur"), "olga").agent_id
    for n in range(2, versions + 1):
        catalogue.save_version(agent_id, AgentSpec(name="Rédacteur", instructions=f"v{n}"), "olga")
    return agent_id


def asked(agent_id: str, version: int = 1, minutes: int = 0, id: str = "") -> PublicationRequest:
    when = T0 + timedelta(minutes=minutes)
    return PublicationRequest(
        id or f"pr-{agent_id}-{minutes}", agent_id, version, "olga", "Prêt", "pending", when
    )


def test_a_request_waits_and_a_new_one_withdraws_it(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue, versions=2)
    assert catalogue.pending_request(agent) is None
    assert catalogue.add_publication_request(asked(agent, 1, id="pr-a")) is None
    assert catalogue.pending_request(agent) == asked(agent, 1, id="pr-a")
    withdrawn = catalogue.add_publication_request(asked(agent, 2, minutes=5, id="pr-b"))
    assert withdrawn is not None and withdrawn.id == "pr-a" and withdrawn.status == "withdrawn"
    assert withdrawn.decided_at == T0 + timedelta(minutes=5)
    waiting = catalogue.list_publication_requests("pending")
    assert [(r.id, r.version) for r in waiting] == [("pr-b", 2)]
    assert [r.id for r in catalogue.list_publication_requests("withdrawn", agent)] == ["pr-a"]


def test_requests_are_listed_oldest_first_and_for_known_agents_only(catalogue: Catalogue) -> None:
    first, second = an_agent(catalogue), an_agent(catalogue)
    catalogue.add_publication_request(asked(second, minutes=9))
    catalogue.add_publication_request(asked(first, minutes=1))
    assert [r.agent_id for r in catalogue.list_publication_requests()] == [first, second]
    with pytest.raises(NotFound):
        catalogue.add_publication_request(asked("ag-0000000000"))


def test_approving_grants_the_organisation_and_publishes_in_one_step(
    catalogue: Catalogue,
) -> None:
    agent = an_agent(catalogue, versions=3)
    catalogue.add_publication_request(asked(agent, 2, id="pr-x"))
    done = catalogue.approve_publication("pr-x", "rita", "Parfait", T0 + timedelta(hours=1))
    assert (done.status, done.reviewer, done.comment) == ("approved", "rita", "Parfait")
    assert catalogue.get_agent(agent).published_version == 2
    grants = catalogue.list_grants("agent", agent)
    assert [(g.grantee_kind, g.grantee_id, g.permission) for g in grants] == [
        ("organisation", "*", "use")
    ]
    assert catalogue.permission_on("agent", agent, "anyone", []) == "use"
    assert catalogue.pending_request(agent) is None
    with pytest.raises(NotFound):  # decided already: a second decision finds nothing
        catalogue.approve_publication("pr-x", "ada", "", T0)
    with pytest.raises(NotFound):
        catalogue.decide_publication_request("pr-x", "rejected", "ada", "Non", T0)


def test_a_rejected_request_changes_nothing_else(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    catalogue.add_publication_request(asked(agent, id="pr-r"))
    done = catalogue.decide_publication_request("pr-r", "rejected", "rita", "Trop vague", T0)
    assert (done.status, done.comment, done.decided_at) == ("rejected", "Trop vague", T0)
    assert catalogue.get_agent(agent).published_version == 0
    assert catalogue.list_grants("agent", agent) == []
    with pytest.raises(NotFound):
        catalogue.decide_publication_request("pr-nothing", "rejected", "rita", "x", T0)


def test_only_one_of_two_simultaneous_decisions_wins(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    catalogue.add_publication_request(asked(agent, id="pr-race"))
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def decide(reviewer: str) -> None:
        start.wait()
        try:
            catalogue.approve_publication("pr-race", reviewer, "", T0)
            outcomes.append("approved")
        except NotFound:
            outcomes.append("not found")

    threads = [threading.Thread(target=decide, args=(who,)) for who in ("rita", "ada")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "not found"]
    assert len(catalogue.list_grants("agent", agent)) == 1


def test_notifications_are_each_persons_newest_first_and_marked_read(
    catalogue: Catalogue,
) -> None:
    enrol(catalogue, "olga", "carl")
    for n, who in enumerate(["olga", "carl", "olga"]):
        catalogue.add_notification(
            Notification(
                f"nt-{n}",
                who,
                "review.rejected",
                T0 + timedelta(minutes=n),
                {"agent": "Rédacteur", "comment": "« précisez »", "version": 2},
            )
        )
    mine = catalogue.list_notifications("olga")
    assert [n.id for n in mine] == ["nt-2", "nt-0"]
    assert mine[0].parameters == {"agent": "Rédacteur", "comment": "« précisez »", "version": 2}
    assert catalogue.mark_notifications_read("olga", ["nt-0", "nt-1"], T0) == 1  # nt-1: carl's
    assert [n.id for n in catalogue.list_notifications("olga", unread_only=True)] == ["nt-2"]
    assert catalogue.mark_notifications_read("olga", None, T0) == 1
    assert catalogue.list_notifications("olga", unread_only=True) == []
    assert catalogue.list_notifications("carl", unread_only=True)[0].read_at is None
    catalogue.delete_account("carl")
    assert catalogue.list_notifications("carl") == []


def test_deprecated_is_set_and_unset(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    assert catalogue.set_deprecated(agent, True).deprecated is True
    assert catalogue.get_agent(agent).deprecated is True
    assert catalogue.set_deprecated(agent, False).deprecated is False
    with pytest.raises(NotFound):
        catalogue.set_deprecated("ag-0000000000", True)


def test_deleting_an_agent_deletes_its_requests(catalogue: Catalogue) -> None:
    agent = an_agent(catalogue)
    catalogue.add_publication_request(asked(agent))
    catalogue.delete_agent(agent)
    assert catalogue.list_publication_requests() == []
