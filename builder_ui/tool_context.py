"""What the tools of a run may use, as the administrator configured it. Shared by the services
(agent runs, the builder's "try it") and ``atelier tool run``, which needs no catalogue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.registry import ToolContext


def tool_context(secret: Callable[[str], str] | None, principal: str) -> ToolContext:
    """The network through the egress guard of the admin settings, the person's credentials by
    name, the tool settings the administrator imposes (the web search backend), the MCP
    servers the administrator registered (their tokens are the installation's secrets), and the
    person's own files for the tools that make one."""
    from store.admin_settings import installation_secret_resolver, load_admin_settings
    from store.files import personal_files
    from tools.egress import EgressGuard, EgressPolicy
    from tools.mcp import McpAccess

    admin = load_admin_settings()
    imposed: dict[str, dict[str, Any]] = {}
    if admin.web_search.backend != "none":
        imposed["web_search"] = admin.web_search.model_dump()
    return ToolContext(
        egress=EgressGuard(EgressPolicy.model_validate(admin.egress.model_dump())),
        secret=secret,
        principal=principal,
        admin_config=imposed,
        mcp=McpAccess.from_settings(
            (server.model_dump() for server in admin.mcp_servers), installation_secret_resolver()
        ),
        files=personal_files(principal) if principal.strip() else None,
    )
