"""The state a compiled agent carries through a turn, and the pieces the compiler assembles."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel

from agents.errors import UserError
from tools.knowledge_search import TOOL_ID as KNOWLEDGE_SEARCH
from tools.registry import ToolContext, ToolDefinition, ToolRegistry

log = logging.getLogger(__name__)

ERROR_MARK = "atelier_error"
"""Key in ``additional_kwargs`` of a message Atelier wrote in place of the model's answer (the
model failed, or the tool loop hit its limit). Such notes are shown to people, not to the model."""


class AgentState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    tool_rounds: int
    context: list[dict[str, Any]]
    """Passages retrieved before the answer (``Citation.to_data``), for this turn."""
    citations: list[dict[str, Any]]
    """Every passage the turn's answer may cite: retrieved before, or found by a tool."""
    model: str
    """The model the conversation's last turn ran with (a model reference, ``scripted:PATH``):
    a paused turn is continued with it unless told otherwise."""


def turn_input(message: str, model: str = "") -> dict[str, Any]:
    """What a new turn starts from: the person's message, the model it runs with, and the
    per-turn fields reset."""
    from langchain_core.messages import HumanMessage

    return {
        "messages": [HumanMessage(content=message)],
        "tool_rounds": 0,
        "context": [],
        "citations": [],
        "model": model,
    }


@dataclass(frozen=True)
class EnabledTool:
    definition: ToolDefinition
    config: BaseModel
    raw_config: dict[str, Any]
    approval: str = "default"

    @property
    def needs_approval(self) -> bool:
        """Consequential tools (send, write, spend) ask a person first unless told otherwise."""
        if self.approval == "default":
            return self.definition.consequential
        return self.approval == "always_ask"


def enabled_tools(
    spec: Any,
    registry: ToolRegistry,
    *,
    knowledge_tool: bool = False,
    context: ToolContext | None = None,
) -> dict[str, EnabledTool]:
    """The spec's tools, checked against the registry; unknown ids and bad configs raise. A
    toolset (HTTP actions of an OpenAPI document) becomes one tool per operation; one that
    cannot be read is left out with a warning, so the agent and its other tools keep working
    (saving the agent reports it: ``agents.validation``). The knowledge search tool comes with
    the knowledge settings, not with the tool list."""
    out: dict[str, EnabledTool] = {}
    for use in spec.tools:
        definition = registry.get(use.id)
        config = definition.validate_config(use.config)
        if definition.expand is None:
            out[use.id] = EnabledTool(definition, config, use.config, use.approval)
            continue
        try:
            expanded = definition.expand(config, context or ToolContext())
        except UserError as exc:
            log.warning("tool %s left out of the run: %s", use.id, exc.message("en"))
            continue
        for tool in expanded:
            out[tool.id] = EnabledTool(tool, config, use.config, use.approval)
    if knowledge_tool and KNOWLEDGE_SEARCH not in out:
        definition = registry.get(KNOWLEDGE_SEARCH)
        out[KNOWLEDGE_SEARCH] = EnabledTool(definition, definition.validate_config({}), {})
    return out


def tool_schema(tool: ToolDefinition) -> dict[str, Any]:
    """The OpenAI-style function description every LangChain provider accepts."""
    return {
        "type": "function",
        "function": {
            "name": tool.id,
            "description": tool.description,
            "parameters": tool.args_model.model_json_schema(),
        },
    }


def is_note(message: BaseMessage) -> bool:
    return bool(message.additional_kwargs.get(ERROR_MARK))


def note(text: str, kind: str, usage: Any = None) -> AIMessage:
    """A message Atelier writes in place of the model's answer."""
    return AIMessage(content=text, additional_kwargs={ERROR_MARK: kind}, usage_metadata=usage)
