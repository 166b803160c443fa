"""What the tools of a run may use, as the administrator configured it. Shared by the services
(agent runs, the builder's "try it") and ``atelier tool run``, which needs no catalogue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.registry import ToolContext


def tool_context(secret: Callable[[str], str] | None, principal: str) -> ToolContext:
    """The network through the egress guard of the admin settings, the person's credentials by
    name, and the tool settings the administrator imposes (the web search backend)."""
    from store.admin_settings import load_admin_settings
    from tools.egress import EgressGuard, EgressPolicy

    admin = load_admin_settings()
    imposed: dict[str, dict[str, Any]] = {}
    if admin.web_search.backend != "none":
        imposed["web_search"] = admin.web_search.model_dump()
    return ToolContext(
        egress=EgressGuard(EgressPolicy.model_validate(admin.egress.model_dump())),
        secret=secret,
        principal=principal,
        admin_config=imposed,
    )
