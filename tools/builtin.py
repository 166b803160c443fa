"""The built-in tools, registered through the same ``register`` call a plug-in uses.

Each tool's module holds its ``DEFINITION``. Titles for people come from the message catalogue
(``tool.<id>.title``) at display time; the French title given there is what a plug-in without
translations would show. Descriptions are for the model and stay in French, like the rest of an
agent's content.
"""

from __future__ import annotations

from tools import calculator, clock, documents, knowledge_search, url_fetch, web_search
from tools.mcp import toolset as mcp_toolset
from tools.openapi import actions as http_actions
from tools.registry import ToolDefinition, ToolRegistry

BUILTIN_TOOLS: tuple[ToolDefinition, ...] = (
    calculator.DEFINITION,
    clock.DEFINITION,
    knowledge_search.DEFINITION,
    url_fetch.DEFINITION,
    web_search.DEFINITION,
    http_actions.DEFINITION,
    documents.DEFINITION,
    mcp_toolset.DEFINITION,
)


def register_all(registry: ToolRegistry) -> None:
    for tool in BUILTIN_TOOLS:
        registry.register(tool)
