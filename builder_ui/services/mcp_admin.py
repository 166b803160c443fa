"""The MCP servers agents may use, and the approval of their tools: what ``atelier admin mcp``
and the administration page both call, so that they agree by construction.

An administrator registers a server (an address, or a local command: never from a spec, and a
command from the command line only), then approves its tools: the list is read from the server,
shown, and its fingerprints stored in the admin settings (``tools.mcp.pinning``). A tool that
changes afterwards is disabled until the list is approved again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agents.errors import NotFound, UserError
from store.admin_settings import AdminSettings, parse_admin_settings
from store.organisation import Organisation

if TYPE_CHECKING:
    from store.admin_settings import McpServerSettings
    from tools.mcp import McpServer
    from tools.mcp.client import RemoteTool
    from tools.mcp.pinning import ServerStatus
    from tools.registry import ToolContext

Review = Callable[["list[RemoteTool]", "ServerStatus"], bool]
"""Shown the tools about to be pinned and what changed since the last approval: go ahead?"""

ServersChange = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def _change_servers(org: Organisation, change: ServersChange) -> AdminSettings:
    def apply(current: AdminSettings) -> AdminSettings:
        whole = current.model_dump()
        whole["mcp_servers"] = change(list(whole["mcp_servers"]))
        return parse_admin_settings(whole)

    return org.update(apply)


def _known(name: str, servers: list[dict[str, Any]]) -> None:
    if not any(server["name"] == name for server in servers):
        raise NotFound("mcp.cli.not_found", name=name)


def add_server(
    org: Organisation,
    name: str,
    *,
    url: str = "",
    command: list[str] | None = None,
    credential: str = "",
    enabled: bool = True,
) -> McpServerSettings:
    """Register a server reached at ``url`` or started by ``command`` (one of them); its tools
    stay disabled until ``approve_server_tools``. A name already taken, a missing address:
    ``InvalidSettings`` names the field."""
    name, url, credential = (name or "").strip(), (url or "").strip(), (credential or "").strip()
    if url and command:
        raise UserError("mcp.cli.url_or_command")
    entry = {
        "name": name,
        "url": url,
        "transport": "stdio" if command else "streamable_http",
        "command": list(command or []),
        "credential": credential,
        "enabled": bool(enabled),
    }
    settings = _change_servers(org, lambda servers: [*servers, entry])
    added = settings.mcp_server(name)
    assert added is not None
    return added


def remove_server(org: Organisation, name: str) -> AdminSettings:
    """Unregister a server; an unknown name is ``NotFound`` (nothing is written)."""

    def change(servers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _known(name, servers)
        return [s for s in servers if s["name"] != name]

    return _change_servers(org, change)


def set_server_enabled(org: Organisation, name: str, enabled: bool) -> AdminSettings:
    """Turn a server on or off (its approved tools are kept); an unknown name is ``NotFound``."""

    def change(servers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _known(name, servers)
        return [{**s, "enabled": enabled} if s["name"] == name else s for s in servers]

    return _change_servers(org, change)


def server_statuses(org: Organisation) -> list[tuple[McpServerSettings, ServerStatus]]:
    """Every registered server with its tools now against what was approved (connects to each
    server; starts a local one: an administrator's command, never an agent's)."""
    from tools.mcp.pinning import current_status

    settings = org.settings()
    context = _context()
    assert context.mcp is not None
    return [
        (server, current_status(_plain(server), context.mcp, context.egress))
        for server in settings.mcp_servers
    ]


def approve_server_tools(
    org: Organisation, name: str, review: Review | None = None
) -> list[RemoteTool] | None:
    """Pin the server's current tools. The list read here is the one ``review`` is shown
    (with how it compares with the previous approval) and the one stored, if it says yes
    (else None: nothing stored)."""
    from tools.mcp.pinning import compare, fingerprints, tools_to_approve

    org.settings()  # an administrator's, before any server is reached
    context = _context()
    assert context.mcp is not None
    server = context.mcp.servers.get(name)
    if server is None:
        raise NotFound("mcp.cli.not_found", name=name)
    tools = tools_to_approve(server, context.mcp, context.egress)
    before = compare(name, server.pinned_tools, tools)
    if review is not None and not review(tools, before):
        return None
    pins = fingerprints(tools)

    def change(current: AdminSettings) -> AdminSettings:
        now = current.mcp_server(name)
        if now is None:
            raise NotFound("mcp.cli.not_found", name=name)
        if (now.url, tuple(now.command)) != (server.url, server.command):
            raise UserError("mcp.cli.changed_meanwhile", name=name)
        data = current.model_dump()
        for entry in data["mcp_servers"]:
            if entry["name"] == name:
                entry["pinned_tools"] = pins
        return parse_admin_settings(data)

    org.update(change)
    return tools


# --- approval in two steps: shown in one request, approved in another (the web page) ------------


@dataclass(frozen=True)
class ToolReview:
    """A server's tools as read now, and how they compare with the last approval."""

    server: str
    tools: tuple[RemoteTool, ...]
    before: ServerStatus

    def pins(self) -> dict[str, str]:
        from tools.mcp.pinning import fingerprints

        return fingerprints(self.tools)

    def change(self, tool: str) -> str:
        """``new``, ``changed`` or ``same`` since the last approval."""
        if tool in self.before.changed:
            return "changed"
        return "new" if tool in self.before.new else "same"


def review_tools(org: Organisation, name: str) -> ToolReview:
    """Read the server's tools to show them; nothing is stored."""
    seen: list[ToolReview] = []

    def look(tools: list[RemoteTool], before: ServerStatus) -> bool:
        seen.append(ToolReview(name, tuple(tools), before))
        return False

    approve_server_tools(org, name, look)
    return seen[0]


def approve_reviewed(org: Organisation, review: ToolReview) -> ToolReview | None:
    """Pin the list shown (None), unless the server's tools changed since it was read: then
    nothing is stored and the list as it is now comes back, to be shown again."""
    from tools.mcp.pinning import fingerprints

    shown = review.pins()
    moved: list[ToolReview] = []

    def same(tools: list[RemoteTool], before: ServerStatus) -> bool:
        if fingerprints(tools) == shown:
            return True
        moved.append(ToolReview(review.server, tuple(tools), before))
        return False

    approve_server_tools(org, review.server, same)
    return moved[0] if moved else None


def _context() -> ToolContext:
    """The context a run would get: the admin's egress guard and MCP servers."""
    from builder_ui.services.tool_context import tool_context

    return tool_context(None, "")


def _plain(server: McpServerSettings) -> McpServer:
    from tools.mcp import McpServer

    return McpServer.from_data(server.model_dump())
