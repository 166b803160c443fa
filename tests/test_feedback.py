"""Feedback on answers: given by whoever uses the agent, in their own conversation; read by the
agent's owner and editors (``atelier agent feedback``), with the exchange only when it was
given; refused like a missing agent for an agent one cannot use; erased with the agent."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from cli_driver import atelier
from people import enrol

from agents.errors import NotFound, Refused, UserError
from agents.spec import AgentSpec
from builder_ui.services.installation import Installation, Services
from store.database import utc_now
from store.knowledge.service import close_knowledge_stores
from store.sharing import ORGANISATION, Grant

OLGA, CARL, URSULA = "olga@example.fr", "carl@example.fr", "ursula@example.fr"


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_LANG", "fr")
    installation = Installation.open()
    enrol(installation._catalogue, OLGA, CARL)
    enrol(installation._catalogue, URSULA, role="user")
    yield installation
    close_knowledge_stores()


def shared_agent(installation: Installation) -> str:
    olga = Services.open(OLGA, shared=installation)
    agent = olga.workspace.create_agent(AgentSpec(name="Posts")).agent_id
    grant = Grant("agent", agent, "organisation", ORGANISATION, "use", OLGA, utc_now())
    installation._catalogue.set_grant(grant)
    installation._catalogue.set_published_version(agent, 1)
    return agent


def test_the_owner_reads_feedback_and_only_the_exchanges_given(
    installation: Installation,
) -> None:
    agent = shared_agent(installation)
    ursula = Services.open(URSULA, shared=installation)
    thread = ursula.start_conversation(agent).id
    ursula.give_feedback(agent, thread, "up", "  Très clair  ")
    ursula.give_feedback(agent, thread, "down", "", exchange="Q : congés ?\nR : 25 jours")
    found = Services.open(OLGA, shared=installation).agent_feedback(agent)
    assert [(f.rating, f.comment, f.exchange) for f in found] == [
        ("down", "", "Q : congés ?\nR : 25 jours"),
        ("up", "Très clair", ""),
    ]
    assert {f.author for f in found} == {URSULA} and {f.version for f in found} == {1}
    (card,) = ursula.catalogue_search("posts")
    assert (card.thumbs_up, card.thumbs_down, card.rating) == (1, 1, 0.5)


def test_who_uses_an_agent_does_not_read_its_feedback(installation: Installation) -> None:
    agent = shared_agent(installation)
    with pytest.raises(Refused):
        Services.open(URSULA, shared=installation).agent_feedback(agent)


def test_feedback_on_an_agent_one_cannot_use_looks_missing(installation: Installation) -> None:
    olga = Services.open(OLGA, shared=installation)
    private = olga.workspace.create_agent(AgentSpec(name="Secret")).agent_id
    thread = olga.start_conversation(private).id
    carl = Services.open(CARL, shared=installation)
    with pytest.raises(NotFound) as theirs:
        carl.give_feedback(private, thread, "up")
    with pytest.raises(NotFound) as none:
        carl.give_feedback("ag-0123456789", thread, "up")
    assert theirs.value.key == none.value.key == "agent.not_found"
    agent = shared_agent(installation)
    with pytest.raises(NotFound):  # her conversation, not his
        carl.give_feedback(agent, olga.start_conversation(agent).id, "up")


def test_bad_ratings_and_long_comments_are_refused(installation: Installation) -> None:
    agent = shared_agent(installation)
    ursula = Services.open(URSULA, shared=installation)
    thread = ursula.start_conversation(agent).id
    with pytest.raises(UserError):
        ursula.give_feedback(agent, thread, "bof")
    with pytest.raises(UserError):
        ursula.give_feedback(agent, thread, "up", "x" * 2_001)


def test_feedback_goes_with_the_agent(installation: Installation) -> None:
    agent = shared_agent(installation)
    ursula = Services.open(URSULA, shared=installation)
    ursula.give_feedback(agent, ursula.start_conversation(agent).id, "up", "CANARI-AVIS")
    Services.open(OLGA, shared=installation).delete_agent(agent)
    assert installation._catalogue.list_feedback(agent) == []
    assert installation._catalogue.ratings() == {}


def test_the_cli_shows_feedback_to_the_owner(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = shared_agent(installation)
    ursula = Services.open(URSULA, shared=installation)
    ursula.give_feedback(agent, ursula.start_conversation(agent).id, "down", "Trop long")
    monkeypatch.setenv("ATELIER_USER", OLGA)
    result = atelier("agent", "feedback", agent)
    assert result.exit_code == 0, result.stderr
    assert "Trop long" in result.stdout and "échange non transmis" in result.stdout
    data = json.loads(atelier("agent", "feedback", agent, "--json").stdout)
    assert data[0]["rating"] == "down" and data[0]["exchange"] is None
    monkeypatch.setenv("ATELIER_USER", CARL)
    assert atelier("agent", "feedback", agent).exit_code != 0


def test_the_cli_searches_the_catalogue(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared_agent(installation)
    monkeypatch.setenv("ATELIER_USER", URSULA)
    result = atelier("catalogue", "search", "post", "--json", "--sort", "rating")
    assert result.exit_code == 0, result.stderr
    (card,) = json.loads(result.stdout)
    assert card["name"] == "Posts" and card["owner"] == OLGA and card["version"] == 1
    result = atelier("catalogue", "search", "congés")
    assert result.exit_code == 0 and "Aucun agent" in result.stderr
    assert "Posts" in atelier("catalogue", "search").stdout
    assert atelier("catalogue", "search", "--sort", "alphabet").exit_code == 2
