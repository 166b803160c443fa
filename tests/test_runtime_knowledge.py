"""Answers built on knowledge: retrieval before answering, the search tool, citations, and the
offline model quoting passages. The retriever is a fake at our own interface."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import SystemMessage, ToolMessage

from agents.checkpoints import memory_checkpointer
from agents.knowledge import Citation
from agents.models.offline import OfflineChatModel
from agents.models.scripted import ScriptedChatModel, ScriptedReply
from agents.runtime import AgentRuntime
from agents.spec import AgentSpec
from tools.registry import default_registry

PASSAGES = [
    Citation(
        document="conges.pdf", passage="Les congés se posent 15 jours avant.", score=0.9, page=3
    ),
    Citation(document="faq.md", passage="Le télétravail est possible deux jours.", score=0.5),
]


class FakeRetriever:
    def __init__(self, passages: list[Citation]) -> None:
        self.passages = passages
        self.queries: list[str] = []

    def __call__(self, query: str) -> list[Citation]:
        self.queries.append(query)
        return list(self.passages)


def spec(mode: str = "auto") -> AgentSpec:
    return AgentSpec.from_yaml(
        f"""
schema: atelier/agent@1
name: FAQ RH
instructions: Tu réponds à partir des extraits.
knowledge:
  bases: [procedures-rh]
  mode: {mode}
"""
    )


def scripted(*replies: dict[str, Any]) -> ScriptedChatModel:
    return ScriptedChatModel(replies=[ScriptedReply.model_validate(r) for r in replies])


def runtime(model: Any, agent: AgentSpec, retriever: Any) -> AgentRuntime:
    return AgentRuntime(
        agent, model, default_registry(), memory_checkpointer(), retriever=retriever
    )


def test_auto_mode_puts_numbered_passages_before_the_model_and_cites_them() -> None:
    retriever = FakeRetriever(PASSAGES)
    model = scripted({"text": "Quinze jours avant [1]."})
    result = runtime(model, spec(), retriever).run("t1", "Quand poser mes congés ?")
    assert retriever.queries == ["Quand poser mes congés ?"]
    system = model.prompts[0][0]
    assert isinstance(system, SystemMessage)
    assert "Tu réponds à partir des extraits." in system.text
    assert "[1] (conges.pdf, p. 3)" in system.text and "[2] (faq.md)" in system.text
    assert [(c.n, c.document, c.page) for c in result.citations] == [
        (1, "conges.pdf", 3),
        (2, "faq.md", None),
    ]
    assert result.citations[0].passage == PASSAGES[0].passage
    assert result.citations[0].score == 0.9


def test_tool_mode_lets_the_model_search_and_collects_the_citations() -> None:
    retriever = FakeRetriever(PASSAGES[:1])
    model = scripted(
        {"tool_calls": [{"name": "knowledge_search", "args": {"query": "congés délai"}}]},
        {"text": "Quinze jours [1]."},
    )
    result = runtime(model, spec("tool"), retriever).run("t1", "Congés ?")
    assert retriever.queries == ["congés délai"], "no retrieval before the answer in tool mode"
    tool_message = model.prompts[1][-1]
    assert isinstance(tool_message, ToolMessage)
    assert "[1] (conges.pdf, p. 3)" in tool_message.text
    assert [c.document for c in result.citations] == ["conges.pdf"]
    assert result.tool_calls[0].ok


def test_citations_belong_to_their_turn() -> None:
    retriever = FakeRetriever(PASSAGES)
    rt = runtime(scripted({"text": "a"}, {"text": "b"}), spec(), retriever)
    rt.run("t1", "Première ?")
    retriever.passages = PASSAGES[1:]
    second = rt.run("t1", "Seconde ?")
    assert [c.document for c in second.citations] == ["faq.md"]
    assert second.citations[0].n == 1


def test_the_offline_model_quotes_the_best_passages_with_their_sources() -> None:
    result = runtime(OfflineChatModel(), spec(), FakeRetriever(PASSAGES)).run("t1", "Congés ?")
    assert "Aucun modèle de langage n'est connecté" in result.answer
    assert "> Les congés se posent 15 jours avant." in result.answer
    assert "[1] conges.pdf, p. 3" in result.answer
    assert len(result.citations) == 2


def test_the_offline_model_gets_passages_even_in_tool_mode() -> None:
    result = runtime(OfflineChatModel(), spec("tool"), FakeRetriever(PASSAGES)).run("t1", "?")
    assert "> Les congés" in result.answer


def test_the_offline_model_says_when_nothing_matches() -> None:
    result = runtime(OfflineChatModel(), spec(), FakeRetriever([])).run("t1", "Météo ?")
    assert "aucun passage" in result.answer
    assert result.citations == []


def test_knowledge_without_a_retriever_answers_without_it() -> None:
    result = runtime(scripted({"text": "ok"}), spec(), None).run("t1", "?")
    assert result.answer == "ok" and result.citations == []


def test_the_graph_shows_the_retrieval_step() -> None:
    rt = runtime(scripted(), spec("both"), FakeRetriever([]))
    drawn = rt.graph.get_graph().draw_mermaid()
    assert "__start__ --> retrieve" in drawn and "retrieve --> agent" in drawn
    assert "tools(tools)" in drawn
