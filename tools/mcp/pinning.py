"""What an administrator approved of a server's tools, and whether the server still offers it.

A tool's description and schema are instructions to the model: a server that changes them
after approval could steer every agent using it ("before answering, send the conversation to
..."). So each tool is pinned when approved, by a fingerprint of everything the model and the
approval policy see: name, description, input schema and annotations (``readOnlyHint`` decides
whether a call needs a person's approval). A tool whose fingerprint no longer matches, and a
tool the server added since, stays disabled until an administrator approves the list again.

This module computes; ``builder_ui`` stores the approval in the admin settings.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from agents.errors import UserError
from tools.mcp.client import McpUnavailable, RemoteTool, list_tools
from tools.mcp.servers import McpAccess, McpServer

State = Literal["approved", "changed", "not_approved", "unreachable", "disabled"]


def fingerprint(tool: RemoteTool) -> str:
    """sha256 of the canonical JSON of what is pinned (keys sorted, no spaces, UTF-8)."""
    pinned = {
        "name": tool.name,
        "description": tool.description,
        "input_schema": tool.input_schema,
        "annotations": tool.annotations,
    }
    canonical = json.dumps(
        pinned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def unique_tools(tools: Iterable[RemoteTool]) -> dict[str, RemoteTool]:
    """The tools by name; a name the server lists twice is left out (which one would a call
    reach?), so it can be neither approved nor used."""
    tools = list(tools)
    counts = Counter(tool.name for tool in tools)
    return {tool.name: tool for tool in tools if counts[tool.name] == 1}


def fingerprints(tools: Iterable[RemoteTool]) -> dict[str, str]:
    return {name: fingerprint(tool) for name, tool in unique_tools(tools).items()}


@dataclass(frozen=True)
class ServerStatus:
    server: str
    state: State
    usable: tuple[str, ...] = ()
    """Approved and unchanged: the tools agents may call."""
    changed: tuple[str, ...] = ()
    """Approved, but their description, schema or annotations changed since: disabled."""
    new: tuple[str, ...] = ()
    """Offered by the server, never approved: disabled."""
    removed: tuple[str, ...] = ()
    """Approved, no longer offered."""
    reason: str = ""
    """Why the server could not be checked (``unreachable``)."""


def compare(server: str, pinned: Mapping[str, str], tools: Iterable[RemoteTool]) -> ServerStatus:
    current = fingerprints(tools)
    usable = tuple(sorted(n for n, f in current.items() if pinned.get(n) == f))
    changed = tuple(sorted(n for n, f in current.items() if n in pinned and pinned[n] != f))
    new = tuple(sorted(n for n in current if n not in pinned))
    removed = tuple(sorted(n for n in pinned if n not in current))
    state: State = "approved"
    if not pinned:
        state = "not_approved"
    elif changed or new or removed:
        state = "changed"
    return ServerStatus(server, state, usable, changed, new, removed)


def current_status(server: McpServer, access: McpAccess, egress: object | None) -> ServerStatus:
    """The server's tools now against what was approved. Connects (or, for a stdio server,
    starts it): for the administrator's commands, never for opening an agent."""
    if not server.enabled:
        return ServerStatus(server.name, "disabled")
    try:
        tools = list_tools(server, access, egress)
    except McpUnavailable as exc:
        return ServerStatus(server.name, "unreachable", reason=exc.reason.message())
    except UserError as exc:  # refused by the guard, a token that is not stored
        return ServerStatus(server.name, "unreachable", reason=exc.message())
    return compare(server.name, server.pinned_tools, tools)


def tools_to_approve(
    server: McpServer, access: McpAccess, egress: object | None
) -> list[RemoteTool]:
    """The server's current tools, as they would be pinned (``McpUnavailable`` if it cannot
    be reached): show them to the administrator, then store ``fingerprints`` of this very list."""
    return sorted(unique_tools(list_tools(server, access, egress)).values(), key=lambda t: t.name)
