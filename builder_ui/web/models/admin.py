"""The logic of the administration page, without Streamlit: the settings as a form shows them,
the form back into settings, and where a settings problem sits on the page.

The changes themselves are made by the services that ``atelier admin`` calls too
(``builder_ui.services.settings``, ``builder_ui.services.mcp_admin``). A change that does not
validate raises ``InvalidSettings``, whose problems name their field path; the page shows them
beside the form, which keeps what was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from builder_ui.services.settings import WEB_SEARCH_BACKENDS
from store.admin_settings import AdminSettings, EgressSettings, WebSearchSettings

if TYPE_CHECKING:
    from store.organisation import Organisation
    from tools.mcp.pinning import ServerStatus

MEGABYTE = 1_000_000
BACKENDS = WEB_SEARCH_BACKENDS
_INDEX = re.compile(r"\[(\d+)\]")


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
        "ask_for_unknown_urls": settings.ask_for_unknown_urls,
    }


def egress_data(values: dict[str, Any]) -> dict[str, Any]:
    """The changes to the ``egress`` section for what the form holds (validated when saved).
    The question before an unknown address is carried only when the form holds it: a form
    without it keeps the stored choice (``update_egress``) rather than turning it back on."""
    max_mb = values.get("max_mb")
    data = {
        "allow_hosts": host_lines(str(values.get("allow_hosts") or "")),
        "deny_hosts": host_lines(str(values.get("deny_hosts") or "")),
        "allow_loopback": bool(values.get("allow_loopback")),
        "allow_private": bool(values.get("allow_private")),
        "max_bytes": round(float(max_mb) * MEGABYTE) if max_mb is not None else 0,
        "timeout_s": float(values.get("timeout_s") or 0),
    }
    if values.get("ask_for_unknown_urls") is not None:
        data["ask_for_unknown_urls"] = bool(values["ask_for_unknown_urls"])
    return data


def web_search_values(settings: WebSearchSettings) -> dict[str, Any]:
    return {"backend": settings.backend, "base_url": settings.base_url}


def web_search_data(backend: str, base_url: str) -> dict[str, Any]:
    """The address is kept as typed even with no search, so switching back loses nothing."""
    return {"backend": backend, "base_url": (base_url or "").strip()}


def server_data(name: str, url: str, credential: str, enabled: bool) -> dict[str, Any]:
    """A new MCP server reached over HTTP, as ``mcp_admin.add_server`` takes it. A server that
    starts a local program (stdio) is registered from the command line only: a web form never
    sets a command to run."""
    return {
        "name": (name or "").strip(),
        "url": (url or "").strip(),
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


# --- the approval of a server's tools ------------------------------------------------------------


def server_statuses(org: Organisation) -> dict[str, ServerStatus]:
    """Each server's tools against what was approved, by server name (connects to each one)."""
    from builder_ui.services.mcp_admin import server_statuses as statuses

    return {server.name: status for server, status in statuses(org)}


# --- problems, in the page's words ---------------------------------------------------------------

# Field path prefix -> message key of the field's label on the page.
FIELD_LABELS = {
    "egress.allow_hosts": "ui.admin.egress.allow_hosts",
    "egress.deny_hosts": "ui.admin.egress.deny_hosts",
    "egress.allow_loopback": "ui.admin.egress.allow_loopback",
    "egress.allow_private": "ui.admin.egress.allow_private",
    "egress.max_bytes": "ui.admin.egress.max_mb",
    "egress.timeout_s": "ui.admin.egress.timeout_s",
    "egress.ask_for_unknown_urls": "ui.admin.egress.ask_unknown_urls",
    "egress": "ui.admin.egress.title",
    "web_search.backend": "ui.admin.search.backend",
    "web_search.base_url": "ui.admin.search.base_url",
    "web_search": "ui.admin.search.title",
    "mcp_servers[].name": "ui.admin.mcp.name",
    "mcp_servers[].url": "ui.admin.mcp.url",
    "mcp_servers[].credential": "ui.admin.mcp.credential",
    "mcp_servers": "ui.admin.mcp.title",
    "models[].id": "ui.models.field.id",
    "models[].display_name": "ui.models.field.display",
    "models[].provider": "ui.models.field.provider",
    "models[].name": "ui.models.field.name",
    "models[].base_url": "ui.models.field.base_url",
    "models[].credential": "ui.models.field.credential",
    "models[].price_in": "ui.models.field.price_in",
    "models[].price_out": "ui.models.field.price_out",
    "models[].roles": "ui.models.field.roles",
    "models[].teams": "ui.models.field.teams",
    "models": "ui.models.title",
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
