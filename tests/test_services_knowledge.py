"""An agent answering from a knowledge base, end to end through the services: the person's
workspace resolves the bases, the runtime cites, and nobody reaches a base that is not theirs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from people import enrol

from agents.errors import NotFound
from agents.spec import AgentSpec
from builder_ui.services.installation import Installation, Services
from store.knowledge.service import close_knowledge_stores
from store.sql_catalogue import open_catalogue

FAQ = """# Congés

## Poser un congé

Toute demande de congé se fait dans l'outil RH au moins quinze jours avant le départ.

## Télétravail

Le télétravail est possible deux jours par semaine, sur accord du responsable.
"""


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(open_catalogue(), "alice", "bob")
    yield installation
    close_knowledge_stores()


def services(installation: Installation, who: str) -> Services:
    return Services.open(who, shared=installation)


def agent_with(base: str) -> AgentSpec:
    return AgentSpec.from_yaml(
        f"""
schema: atelier/agent@1
name: FAQ RH
instructions: Réponds à partir des extraits.
knowledge:
  bases: [{base}]
  top_k: 2
"""
    )


def indexed_base(alice: Services) -> str:
    kb = alice.workspace.create_kb("Procédures RH")
    docs = alice.workspace.add_documents(kb.id, [("conges.md", FAQ.encode())])
    (done,) = alice.workspace.wait_for_documents(kb.id, [d.id for d in docs], timeout=60)
    assert done.status == "ready", done.error
    return kb.id


def test_the_offline_model_answers_from_the_base_with_sources(installation: Installation) -> None:
    alice = services(installation, "alice")
    indexed_base(alice)
    alice.create_agent(agent_with("Procédures RH"))
    result = alice.run("FAQ RH", "Combien de jours de télétravail par semaine ?")
    assert "Aucun modèle de langage n'est connecté" in result.answer
    assert "deux jours par semaine" in result.answer
    assert result.citations and result.citations[0].document == "conges.md"
    assert "Télétravail" in result.citations[0].heading_path
    assert result.citations[0].kb_id


def test_a_scripted_model_sees_the_passages_and_the_run_records_citations(
    installation: Installation, tmp_path: Path
) -> None:
    alice = services(installation, "alice")
    kb_id = indexed_base(alice)
    alice.create_agent(agent_with(kb_id))
    replies = tmp_path / "r.yaml"
    replies.write_text('- text: "Quinze jours avant [1]."\n')
    result = alice.run("FAQ RH", "Quand poser un congé ?", model=f"scripted:{replies}")
    assert result.answer == "Quinze jours avant [1]."
    assert "quinze jours avant le départ" in result.citations[0].passage


def test_a_base_of_someone_else_is_not_reachable(installation: Installation) -> None:
    alice, bob = services(installation, "alice"), services(installation, "bob")
    kb_id = indexed_base(alice)
    bob.create_agent(agent_with(kb_id))
    with pytest.raises(NotFound):
        bob.run("FAQ RH", "Quand poser un congé ?")
    with pytest.raises(NotFound):
        bob.workspace.search([kb_id], "congé")
    assert bob.workspace.list_kbs() == []
    assert not bob.workspace.list_threads(bob.find_agent("FAQ RH").id), "no thread was started"
