"""The MCP servers a run may use, as plain data handed over by the interface that runs it.

``tools/`` never reads the installation's settings itself: ``builder_ui.services.tool_context``
turns the
administrator's ``McpServerSettings`` into these and puts them in ``ToolContext.mcp``, with the
resolver of the installation's secrets (a server's token is the installation's, never a
person's: the ``secret`` of the context is not used for it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Transport = Literal["streamable_http", "stdio"]


@dataclass(frozen=True)
class McpServer:
    """One server the administrator registered. ``command`` (stdio) is the exact argument list
    the administrator gave; it is started without a shell, and only when a run calls one of
    its tools. ``pinned_tools``: tool name -> fingerprint, as approved."""

    name: str
    url: str = ""
    transport: Transport = "streamable_http"
    command: tuple[str, ...] = ()
    credential: str = ""
    enabled: bool = True
    pinned_tools: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> McpServer:
        """From ``McpServerSettings.model_dump()`` (already validated by the store)."""
        return cls(
            name=str(data["name"]),
            url=str(data.get("url") or ""),
            transport="stdio" if data.get("transport") == "stdio" else "streamable_http",
            command=tuple(str(part) for part in data.get("command") or ()),
            credential=str(data.get("credential") or ""),
            enabled=bool(data.get("enabled", True)),
            pinned_tools=MappingProxyType(dict(data.get("pinned_tools") or {})),
        )

    @property
    def address(self) -> str:
        """What a person is shown of where the server is (never a token)."""
        return self.url if self.transport == "streamable_http" else " ".join(self.command)


@dataclass(frozen=True)
class McpAccess:
    """The registered servers by name, and how to read the token a server's ``credential``
    names."""

    servers: Mapping[str, McpServer] = field(default_factory=lambda: MappingProxyType({}))
    secret: Callable[[str], str] | None = None

    @classmethod
    def from_settings(
        cls, servers: Iterable[Mapping[str, Any]], secret: Callable[[str], str] | None
    ) -> McpAccess:
        found = (McpServer.from_data(data) for data in servers)
        return cls(MappingProxyType({s.name: s for s in found}), secret)
