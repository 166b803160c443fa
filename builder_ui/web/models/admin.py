"""The logic of the administration page, without Streamlit: the settings as a form shows them,
the form back into settings, and each change as one write of ``store.admin_settings``.

Every change is applied to the settings as stored at the moment of writing
(``update_admin_settings``), section by section: two admins saving different sections at once
both keep their change. A change that does not validate raises ``InvalidSettings``, whose
problems name their field path; the page shows them beside the form, which keeps what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store.admin_settings import (
    AdminSettings,
    EgressSettings,
    WebSearchSettings,
    parse_admin_settings,
    update_admin_settings,
)
from store.secrets import SecretStore

if TYPE_CHECKING:
    from tools.mcp.client import RemoteTool
    from tools.mcp.pinning import ServerStatus

MEGABYTE = 1_000_000
BACKENDS = ("none", "searxng")
_INDEX = re.compile(r"\[(\d+)\]")

Change = Callable[[AdminSettings], AdminSettings]


# --- settings <-> form values --------------------------------------------------------------------


def host_lines(text: str) -> list[str]:
    """Hosts typed one per line (commas and spaces also separate them)."""
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def egress_values(settings: EgressSettings) -> dict[str, Any]:
    return {
        "allow_hosts": "\n".join(settings.allow_hosts),
        "deny_hosts": "\n".join(settings.deny_hosts),
        "allow_loopback": settings.allow_loopback,
        "allow_private": settings.allow_private,
        "max_mb": settings.max_bytes / MEGABYTE,
        "timeout_s": float(settings.timeout_s),
    }


def egress_data(values: dict[str, Any]) -> dict[str, Any]:
    """The ``egress`` section for what the form holds (validated when saved)."""
    max_mb = values.get("max_mb")
    return {
        "allow_hosts": host_lines(str(values.get("allow_hosts") or "")),
        "deny_hosts": host_lines(str(values.get("deny_hosts") or "")),
        "allow_loopback": bool(values.get("allow_loopback")),
        "allow_private": bool(values.get("allow_private")),
        "max_bytes": round(float(max_mb) * MEGABYTE) if max_mb is not None else 0,
        "timeout_s": float(values.get("timeout_s") or 0),
    }


def web_search_values(settings: WebSearchSettings) -> dict[str, Any]:
    return {"backend": settings.backend, "base_url": settings.base_url}


def web_search_data(backend: str, base_url: str) -> dict[str, Any]:
    """The address is kept as typed even with no search, so switching back loses nothing."""
    return {"backend": backend, "base_url": (base_url or "").strip()}


def server_data(name: str, url: str, credential: str, enabled: bool) -> dict[str, Any]:
    """A new MCP server reached over HTTP. A server that starts a local program (stdio) is
    registered from the command line only: a web form never sets a command to run."""
    return {
        "name": (name or "").strip(),
        "url": (url or "").strip(),
        "transport": "streamable_http",
        "credential": (credential or "").strip(),
        "enabled": bool(enabled),
    }


@dataclass(frozen=True)
class ServerRow:
    """One MCP server as the page lists it."""

    name: str
    where: str
    """Its address, or the program it starts."""
    transport: str
    credential: str
    enabled: bool
    pinned: int
    """How many of its tools were approved (their fingerprints are kept)."""


def server_rows(settings: AdminSettings) -> list[ServerRow]:
    return [
        ServerRow(
            name=server.name,
            where=server.url if server.transport == "streamable_http" else " ".join(server.command),
            transport=server.transport,
            credential=server.credential,
            enabled=server.enabled,
            pinned=len(server.pinned_tools),
        )
        for server in settings.mcp_servers
    ]


# --- changes -------------------------------------------------------------------------------------


def replace_section(section: str, data: Any) -> Change:
    def apply(current: AdminSettings) -> AdminSettings:
        whole = current.model_dump()
        whole[section] = data
        return parse_admin_settings(whole)

    return apply


def _servers(change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Change:
    def apply(current: AdminSettings) -> AdminSettings:
        whole = current.model_dump()
        whole["mcp_servers"] = change(list(whole["mcp_servers"]))
        return parse_admin_settings(whole)

    return apply


def save_section(
    section: str, data: Any, by: str, store: SecretStore | None = None
) -> AdminSettings:
    """Replace one section (``egress``, ``web_search``); the others stay as stored."""
    return update_admin_settings(replace_section(section, data), by, store)


def add_server(data: dict[str, Any], by: str, store: SecretStore | None = None) -> AdminSettings:
    return update_admin_settings(_servers(lambda servers: [*servers, data]), by, store)


def set_server_enabled(
    name: str, enabled: bool, by: str, store: SecretStore | None = None
) -> AdminSettings:
    def change(servers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**s, "enabled": enabled} if s["name"] == name else s for s in servers]

    return update_admin_settings(_servers(change), by, store)


def remove_server(name: str, by: str, store: SecretStore | None = None) -> AdminSettings:
    def change(servers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [s for s in servers if s["name"] != name]

    return update_admin_settings(_servers(change), by, store)


# --- the approval of a server's tools ------------------------------------------------------------
# ``builder_ui.cli.mcp`` does the work, as for ``atelier admin mcp``; the page shows the list in
# one run and approves it in another, so it pins the list only if it is still the one shown.


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


def review_tools(name: str, by: str) -> ToolReview:
    """Read the server's tools to show them; nothing is stored."""
    from builder_ui.cli.mcp import approve_server_tools

    seen: list[ToolReview] = []

    def look(tools: list[RemoteTool], before: ServerStatus) -> bool:
        seen.append(ToolReview(name, tuple(tools), before))
        return False

    approve_server_tools(name, by, look)
    return seen[0]


def approve_reviewed(review: ToolReview, by: str) -> ToolReview | None:
    """Pin the list shown (None), unless the server's tools changed since it was read: then
    nothing is stored and the list as it is now comes back, to be shown again."""
    from builder_ui.cli.mcp import approve_server_tools
    from tools.mcp.pinning import fingerprints

    shown = review.pins()
    moved: list[ToolReview] = []

    def same(tools: list[RemoteTool], before: ServerStatus) -> bool:
        if fingerprints(tools) == shown:
            return True
        moved.append(ToolReview(review.server, tuple(tools), before))
        return False

    approve_server_tools(review.server, by, same)
    return moved[0] if moved else None


def server_statuses() -> dict[str, ServerStatus]:
    """Each server's tools against what was approved (connects to each one)."""
    from builder_ui.cli.mcp import server_statuses as statuses

    return {server.name: status for server, status in statuses()}


# --- problems, in the page's words ---------------------------------------------------------------

# Field path prefix -> message key of the field's label on the page.
FIELD_LABELS = {
    "egress.allow_hosts": "ui.admin.egress.allow_hosts",
    "egress.deny_hosts": "ui.admin.egress.deny_hosts",
    "egress.allow_loopback": "ui.admin.egress.allow_loopback",
    "egress.allow_private": "ui.admin.egress.allow_private",
    "egress.max_bytes": "ui.admin.egress.max_mb",
    "egress.timeout_s": "ui.admin.egress.timeout_s",
    "egress": "ui.admin.egress.title",
    "web_search.backend": "ui.admin.search.backend",
    "web_search.base_url": "ui.admin.search.base_url",
    "web_search": "ui.admin.search.title",
    "mcp_servers[].name": "ui.admin.mcp.name",
    "mcp_servers[].url": "ui.admin.mcp.url",
    "mcp_servers[].credential": "ui.admin.mcp.credential",
    "mcp_servers": "ui.admin.mcp.title",
}


def field_label(path: str) -> str:
    """The message key of the field a settings path points at."""
    generic = _INDEX.sub("[]", path)
    for prefix, key in FIELD_LABELS.items():
        if generic == prefix or generic.startswith((prefix + ".", prefix + "[")):
            return key
    return "ui.admin.title"


def line_number(path: str) -> int | None:
    """``egress.allow_hosts[2]`` -> 3: the line of the host list the problem is on."""
    match = re.match(r"^egress\.(allow|deny)_hosts\[(\d+)\]", path)
    return int(match.group(2)) + 1 if match else None
