"""Forking ("Dupliquer", ``atelier agent fork``): a copy of the version the person gets, in
their own agents, with its lineage; counted on the original; the knowledge bases they do not
reach are left out and named; a ``user`` is refused; a private agent cannot be forked."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from cli_driver import atelier
from people import enrol

from agents.errors import NotFound, Refused
from agents.spec import AgentSpec, KnowledgeSettings
from builder_ui.services.installation import Installation, Services
from store.database import utc_now
from store.knowledge.service import close_knowledge_stores
from store.sharing import ORGANISATION, Grant

OLGA, CARL, URSULA = "olga@example.fr", "carl@example.fr", "ursula@example.fr"


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.setenv("ATELIER_LANG", "fr")
    installation = Installation.open()
    enrol(installation._catalogue, OLGA, CARL)
    enrol(installation._catalogue, URSULA, role="user")
    yield installation
    close_knowledge_stores()


def published(installation: Installation, spec: AgentSpec) -> str:
    """Olga's agent, published to the whole organisation (v1), with a draft v2 beside it."""
    catalogue = installation._catalogue
    olga = Services.open(OLGA, shared=installation)
    agent = olga.workspace.create_agent(spec).agent_id
    catalogue.set_grant(Grant("agent", agent, "organisation", ORGANISATION, "use", OLGA, utc_now()))
    catalogue.set_published_version(agent, 1)
    draft = spec.model_copy(update={"instructions": "Brouillon pas encore publié."})
    olga.workspace.save_agent(agent, draft)
    return agent


def test_a_fork_copies_the_published_version_with_its_lineage(installation: Installation) -> None:
    agent = published(installation, AgentSpec(name="Posts", instructions="Version publiée."))
    carl = Services.open(CARL, shared=installation)
    made = carl.fork_agent(agent)
    copy = made.version
    assert copy.spec.instructions == "Version publiée."  # what he gets, not Olga's draft
    assert copy.spec.name == "Posts"
    assert carl.workspace.agent_access(copy.agent_id) == "owner"
    lineage = carl.lineage(copy.agent_id)
    assert lineage is not None
    assert (lineage.forked_from, lineage.forked_version, lineage.forked_name) == (agent, 1, "Posts")
    assert "Posts" in copy.message and "1" in copy.message
    (card,) = carl.catalogue_search("posts")
    assert card.agent_id == agent and card.forks == 1
    assert Services.open(OLGA, shared=installation).version(agent).number == 2  # untouched


def test_bases_the_person_does_not_reach_are_left_out_and_named(
    installation: Installation,
) -> None:
    olga = Services.open(OLGA, shared=installation)
    private = olga.workspace.create_kb("Procédures RH")
    shared = olga.workspace.create_kb("Charte graphique")
    olga.workspace.sharing.share_kb(shared.id, f"user:{CARL}", "use")
    spec = AgentSpec(
        name="FAQ", knowledge=KnowledgeSettings(bases=["Procédures RH", "Charte graphique"])
    )
    agent = published(installation, spec)
    carl = Services.open(CARL, shared=installation)
    made = carl.fork_agent(agent, name="Ma FAQ")
    assert made.dropped_bases == ["Procédures RH"]
    knowledge = made.version.spec.knowledge
    assert knowledge is not None and knowledge.bases == [shared.id]
    assert made.version.spec.name == "Ma FAQ"
    assert private.id not in carl.workspace.agent_bases(made.version.agent_id)


def test_a_user_is_refused_and_a_private_agent_looks_missing(installation: Installation) -> None:
    agent = published(installation, AgentSpec(name="Posts"))
    with pytest.raises(Refused):
        Services.open(URSULA, shared=installation).fork_agent(agent)
    olga = Services.open(OLGA, shared=installation)
    private = olga.workspace.create_agent(AgentSpec(name="Secret")).agent_id
    carl = Services.open(CARL, shared=installation)
    with pytest.raises(NotFound) as theirs:
        carl.fork_agent(private)
    with pytest.raises(NotFound) as none:
        carl.fork_agent("ag-0123456789")
    assert theirs.value.key == none.value.key


def test_duplicating_ones_own_agent_keeps_its_lineage(installation: Installation) -> None:
    olga = Services.open(OLGA, shared=installation)
    agent = olga.workspace.create_agent(AgentSpec(name="Calculette")).agent_id
    copy = olga.duplicate_agent(agent, "fr")
    assert copy.spec.name == "Copie de Calculette"
    lineage = olga.lineage(copy.agent_id)
    assert lineage is not None and lineage.forked_from == agent


def test_the_cli_forks_and_says_what_was_left_out(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    olga = Services.open(OLGA, shared=installation)
    olga.workspace.create_kb("Procédures RH")
    agent = published(
        installation, AgentSpec(name="FAQ", knowledge=KnowledgeSettings(bases=["Procédures RH"]))
    )
    monkeypatch.setenv("ATELIER_USER", CARL)
    result = atelier("agent", "fork", agent, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["dropped_bases"] == ["Procédures RH"] and data["name"] == "FAQ"
    result = atelier("agent", "fork", agent)
    assert result.exit_code == 0
    assert "Procédures RH" in result.stderr and "vos agents" in result.stderr
    monkeypatch.setenv("ATELIER_USER", URSULA)
    assert atelier("agent", "fork", agent).exit_code == 2
