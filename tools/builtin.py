"""The built-in tools, registered through the same ``register`` call a plug-in uses.

Titles for people come from the message catalogue (``tool.<id>.title``) at display time; the
French title given here is what a plug-in without translations would show. Descriptions here are
for the model and stay in French, like the rest of an agent's content.
"""

from __future__ import annotations

from agents.i18n import t
from tools import calculator, clock, documents, knowledge_search, url_fetch, web_search
from tools.mcp import toolset as mcp_toolset
from tools.openapi import actions as http_actions
from tools.registry import ToolDefinition, ToolRegistry


def register_all(registry: ToolRegistry) -> None:
    registry.register(
        ToolDefinition(
            id="calculator",
            title=t("tool.calculator.title", "fr"),
            description=calculator.MODEL_DESCRIPTION,
            args_model=calculator.CalculatorArgs,
            run=calculator.run,
            consequential=False,
            timeout_s=5.0,
            inline=True,
        )
    )
    registry.register(
        ToolDefinition(
            id="current_datetime",
            title=t("tool.current_datetime.title", "fr"),
            description=clock.MODEL_DESCRIPTION,
            args_model=clock.ClockArgs,
            config_model=clock.ClockConfig,
            run=clock.run,
            consequential=False,
            timeout_s=5.0,
            inline=True,
        )
    )
    registry.register(
        ToolDefinition(
            id=knowledge_search.TOOL_ID,
            title=t("tool.knowledge_search.title", "fr"),
            description=knowledge_search.MODEL_DESCRIPTION,
            args_model=knowledge_search.SearchArgs,
            run=knowledge_search.run,
            consequential=False,
            timeout_s=30.0,
            uses_context=True,
            tags=("knowledge",),
        )
    )
    registry.register(
        ToolDefinition(
            id=url_fetch.TOOL_ID,
            title=t("tool.url_fetch.title", "fr"),
            description=url_fetch.MODEL_DESCRIPTION,
            args_model=url_fetch.UrlFetchArgs,
            config_model=url_fetch.UrlFetchConfig,
            run=url_fetch.run,
            consequential=False,
            timeout_s=30.0,
            uses_context=True,
            tags=("web",),
        )
    )
    registry.register(
        ToolDefinition(
            id=web_search.TOOL_ID,
            title=t("tool.web_search.title", "fr"),
            description=web_search.MODEL_DESCRIPTION,
            args_model=web_search.WebSearchArgs,
            config_model=web_search.WebSearchConfig,
            run=web_search.run,
            consequential=False,
            timeout_s=30.0,
            uses_context=True,
            tags=("web",),
        )
    )
    http_actions.register(registry)
    registry.register(
        ToolDefinition(
            id=documents.TOOL_ID,
            title=t("tool.create_document.title", "fr"),
            description=documents.MODEL_DESCRIPTION,
            args_model=documents.DocumentArgs,
            config_model=documents.DocumentConfig,
            run=documents.run,
            consequential=False,  # it writes only into the person's own files
            timeout_s=30.0,
            uses_context=True,
            tags=("files",),
        )
    )
    mcp_toolset.register(registry)
