"""The offline model: the default when no language model is configured.

It generates nothing. With no knowledge base it says plainly that no language model is
connected; with one, it quotes the best passages the runtime retrieved, with their sources, so
that a new installation is useful from the first minute and honest about what it is.

It cannot judge whether a passage answers the question, so it quotes only passages at least
``RELEVANCE_FLOOR`` similar to it (whatever the agent's ``min_score``), and says so plainly when
none is: quoting the closest passage of an unrelated base would look like an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from agents.i18n import t
from agents.knowledge import PASSAGES_KEY, Citation, describe_similarity, relevant

QUOTED_PASSAGES = 3
QUOTE_CHARS = 700


class OfflineChatModel(BaseChatModel):
    reads_passages: bool = True
    """Tells the compiler to retrieve before answering even when the agent's knowledge is in
    ``tool`` mode: this model never calls tools."""

    @property
    def _llm_type(self) -> str:
        return "atelier-offline"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> OfflineChatModel:
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        usage = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
        message = AIMessage(content=answer(messages), usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])


def answer(messages: list[BaseMessage]) -> str:
    passages = _passages(messages)
    if passages is None:
        return t("model.offline.answer")
    passages = relevant(passages)
    if not passages:
        return t("knowledge.offline_nothing_relevant")
    parts = [t("knowledge.offline_intro")]
    for c in passages[:QUOTED_PASSAGES]:
        text = " ".join(c.passage.split())
        if len(text) > QUOTE_CHARS:
            text = text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
        where = c.source()
        if c.similarity is not None:
            where += f" · {describe_similarity(c.similarity).line}"
        parts.append(f"> {text}\n\n— [{c.n}] {where}")
    return "\n\n".join(parts)


def _passages(messages: list[BaseMessage]) -> list[Citation] | None:
    """The passages the runtime put in front of the model, or None if it put none there."""
    for m in messages:
        if PASSAGES_KEY in m.additional_kwargs:
            return [Citation.from_data(p) for p in m.additional_kwargs[PASSAGES_KEY]]
    return None
