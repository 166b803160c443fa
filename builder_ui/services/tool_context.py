"""What the tools of a run may use, as the administrator configured it. Shared by the services
(agent runs, the builder's "try it") and ``atelier tool run``, which needs no catalogue; and
what checking a spec may know of the same settings (``checking_context``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tools.registry import ToolContext

ASK = {"ask_for_unknown_urls"}  # the runtime's rule, not the guard's

if TYPE_CHECKING:
    from builder_ui.services.links import ShownHosts
    from store.admin_settings import AdminSettings
    from tools.egress import EgressGuard
    from tools.mcp import McpAccess


def tool_context(secret: Callable[[str], str] | None, principal: str) -> ToolContext:
    """The network through the egress guard of the admin settings, the person's credentials by
    name, the tool settings the administrator imposes (the web search backend), the MCP
    servers the administrator registered (their tokens are the installation's secrets), and the
    person's own files for the tools that make one."""
    from store.admin_settings import installation_secret_resolver, load_admin_settings
    from store.files import personal_files

    admin = load_admin_settings()
    imposed: dict[str, dict[str, Any]] = {}
    if admin.web_search.backend != "none":
        imposed["web_search"] = admin.web_search.model_dump()
    return ToolContext(
        egress=_guard(admin),
        ask_unknown_addresses=admin.egress.ask_for_unknown_urls,
        secret=secret,
        principal=principal,
        admin_config=imposed,
        mcp=_mcp_access(admin, installation_secret_resolver()),
        files=personal_files(principal) if principal.strip() else None,
        link_hosts=_shown_hosts(admin),
    )


def _shown_hosts(admin: AdminSettings) -> ShownHosts:
    """The allowlist pages use for live links and images: documents tools write follow it."""
    from builder_ui.services.links import ShownHosts

    return ShownHosts(tuple(admin.egress.allow_hosts), tuple(admin.egress.deny_hosts))


def admin_egress() -> EgressGuard:
    """The egress guard of the administrator's stored network policy: what a run's tools get,
    and what an interface fetching for a person (an OpenAPI import) must use too."""
    from store.admin_settings import load_admin_settings

    return _guard(load_admin_settings())


def _guard(admin: AdminSettings) -> EgressGuard:
    from tools.egress import EgressGuard, EgressPolicy

    return EgressGuard(EgressPolicy.model_validate(admin.egress.model_dump(exclude=ASK)))


def checking_context() -> ToolContext:
    """What validating a spec may know of the installation, from the same admin settings as a
    run: the MCP servers the administrator registered. No network, no credentials, no files: a
    check calls nothing. Reading creates no data directory (``atelier agent validate``)."""
    from store.admin_settings import saved_admin_settings

    return ToolContext(mcp=_mcp_access(saved_admin_settings(), secret=None))


def _mcp_access(admin: AdminSettings, secret: Callable[[str], str] | None) -> McpAccess:
    from tools.mcp import McpAccess

    return McpAccess.from_settings((server.model_dump() for server in admin.mcp_servers), secret)
