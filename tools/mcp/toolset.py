"""``mcp``: the approved tools of an MCP server the administrator registered, for an agent.

A spec names the server, never an address or a command (``server: meteo``), and may narrow the
tools (``tools: [forecast]``; none: every approved tool). ``expand`` turns that into one
``ToolDefinition`` per tool (``meteo__forecast``) from the server's current list, keeping only
the tools whose fingerprint matches the approved one (``tools.mcp.pinning``).

- A server that is down, unknown or not approved yet: ``UserError`` saying so, and the agent's
  other tools keep working (``agents.agent_state.enabled_tools`` leaves the toolset out).
- A tool that changed since approval, or was never approved: left out, with a warning in the
  log naming it; when nothing usable remains, ``UserError("mcp.changed")``.
- A call is consequential (asks a person first) unless the approved annotations say
  ``readOnlyHint``.
- An HTTP server's list is checked when an agent's tools are built: the model is only ever
  shown the approved descriptions and schemas, and arguments are validated against the
  approved schema before they leave. (What a server *does* is not pinned: only what it says.)
- Validating a spec (``agents.validation``) calls ``check`` with the registered servers in the
  context and no network: a server the administrator never registered is refused there, with
  the field path. ``expand`` gets no MCP access then, and checks nothing more.
- A local (stdio) server is never started to expand a toolset: its tools are offered by their
  approved names, with free-form arguments, and the server starts for a call only; the call
  first checks that the tool still has its approved fingerprint.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from agents.errors import UserError
from agents.i18n import t
from tools.mcp.client import CALL_TIMEOUT_S, RemoteTool, ToolReply, call_tool, list_tools
from tools.mcp.pinning import ServerStatus, compare, fingerprint, unique_tools
from tools.mcp.servers import McpAccess, McpServer
from tools.openapi.actions import tool_id
from tools.openapi.arguments import _model_name, _object
from tools.registry import ToolContext, ToolDefinition, toolset

log = logging.getLogger(__name__)

TOOL_ID = "mcp"
TAG = "mcp"
MAX_DESCRIPTION = 1_000
TOOLSET_DESCRIPTION = (
    "Donne accès aux outils approuvés d'un serveur MCP enregistré par l'administrateur ; "
    "chaque outil devient un outil distinct."
)
SERVER_NAME = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
"""As ``store.secrets.NAME_PATTERN``, which the admin settings check server names against."""


ToolName = Annotated[str, Field(min_length=1, max_length=128)]


class McpToolsetConfig(BaseModel):
    """What a spec may say: which registered server, which of its tools. No address, no
    command: those are the administrator's (``extra="forbid"`` refuses them)."""

    model_config = ConfigDict(extra="forbid")

    server: str = Field(
        ...,
        pattern=SERVER_NAME,
        description="Nom d'un serveur MCP enregistré par l'administrateur.",
    )
    tools: list[ToolName] = Field(
        default_factory=list,
        max_length=200,
        description="Outils permis (vide : tous les outils approuvés du serveur).",
    )


# --- expansion ----------------------------------------------------------------------------------


def expand(config: BaseModel, context: ToolContext) -> list[ToolDefinition]:
    """The usable tools of the configured server (see the module's docstring)."""
    assert isinstance(config, McpToolsetConfig)
    if context.mcp is None:
        # Validating a spec (``agents.validation``): the config's shape was checked, and the
        # server's name by ``check``; what the server offers is for a run to find out.
        return []
    server = registered_server(context.mcp, config.server)
    if not server.pinned_tools:
        raise UserError("mcp.not_approved", server=server.name)
    wanted = list(dict.fromkeys(config.tools or sorted(server.pinned_tools)))
    if server.transport == "stdio":
        status = ServerStatus(server.name, "approved", usable=tuple(server.pinned_tools))
        current: dict[str, RemoteTool] = {}
    else:
        remote = list_tools(server, context.mcp, context.egress)
        status = compare(server.name, server.pinned_tools, remote)
        current = unique_tools(remote)
    left_out = [name for name in wanted if name not in status.usable]
    if left_out:
        reasons = _reasons(left_out, status, "en")
        log.warning("%s", t("mcp.left_out", "en", server=server.name, tools=reasons))
    usable = [name for name in wanted if name in status.usable]
    if not usable:
        raise UserError("mcp.changed", server=server.name, tools=_reasons(left_out, status))
    taken: set[str] = set()
    tools = []
    for name in usable:
        if server.transport == "stdio":
            definition = _stdio_tool(server, name, taken)
        else:
            definition = _http_tool(server, current[name], taken)
        taken.add(definition.id)
        tools.append(definition)
    return tools


def check(config: BaseModel, context: ToolContext) -> list[tuple[str, str]]:
    """When a spec is validated: is its server among those the administrator registered? (The
    same lookup as a run's. Whether the server is enabled, approved and answering can change
    without the spec, so a run tells.) Without MCP access in the context: nothing to say."""
    assert isinstance(config, McpToolsetConfig)
    if context.mcp is None:
        return []
    try:
        known_server(context.mcp, config.server)
    except UserError as exc:
        return [("server", exc.message())]
    return []


DEFINITION = toolset(
    TOOL_ID,
    title=t("tool.mcp.title", "fr"),
    description=TOOLSET_DESCRIPTION,
    config_model=McpToolsetConfig,
    expand=expand,
    not_callable=lambda: UserError("mcp.toolset_not_callable"),
    consequential=True,
    tags=(TAG,),
    check=check,
    effects=("calls_service", "acts_outside"),
)


def registered_server(access: McpAccess, name: str) -> McpServer:
    """The server a run may use: registered and enabled (``UserError`` otherwise)."""
    server = known_server(access, name)
    if not server.enabled:
        raise UserError("mcp.disabled", server=name)
    return server


def known_server(access: McpAccess, name: str) -> McpServer:
    """The server the administrator registered under ``name``; otherwise a ``UserError`` that
    names the registered ones and says how an administrator adds one."""
    server = access.servers.get(name)
    if server is None:
        known = ", ".join(sorted(access.servers)) or t("mcp.none_registered")
        raise UserError("mcp.unknown_server", server=name, known=known)
    return server


def _reasons(names: list[str], status: ServerStatus, lang: str | None = None) -> str:
    def why(name: str) -> str:
        if name in status.changed:
            return t("mcp.why.changed", lang)
        if name in status.new:
            return t("mcp.why.not_approved", lang)
        return t("mcp.why.missing", lang)

    return ", ".join(f"{name} ({why(name)})" for name in names)


# --- one tool -----------------------------------------------------------------------------------


def _http_tool(server: McpServer, remote: RemoteTool, taken: set[str]) -> ToolDefinition:
    def run(args: BaseModel, settings: McpToolsetConfig, context: ToolContext) -> Any:
        return _call(server.name, remote.name, args, context)

    return ToolDefinition(
        id=_tool_id(server, remote.name, taken),
        title=remote.title or remote.name,
        description=model_description(server, remote),
        args_model=arguments_model(server, remote),
        run=run,
        config_model=McpToolsetConfig,
        consequential=not remote.read_only,
        timeout_s=CALL_TIMEOUT_S + 10,
        tags=(TAG,),
        uses_context=True,
    )


def _stdio_tool(server: McpServer, name: str, taken: set[str]) -> ToolDefinition:
    """Known by its approved name only: describing it would mean starting the server."""
    pinned = server.pinned_tools[name]

    def run(args: BaseModel, settings: McpToolsetConfig, context: ToolContext) -> Any:
        def check(tools: list[RemoteTool]) -> None:
            current = unique_tools(tools).get(name)
            if current is None or fingerprint(current) != pinned:
                raise UserError("mcp.tool_changed", server=server.name, tool=name)

        return _call(server.name, name, args, context, check)

    return ToolDefinition(
        id=_tool_id(server, name, taken),
        title=name,
        description=f"Outil « {name} » du serveur MCP local « {server.name} ».",
        args_model=create_model(
            _model_name(f"{server.name}_{name}"), __config__=ConfigDict(extra="allow")
        ),
        run=run,
        config_model=McpToolsetConfig,
        consequential=True,
        timeout_s=CALL_TIMEOUT_S + 10,
        tags=(TAG,),
        uses_context=True,
    )


def _call(
    server_name: str, name: str, args: BaseModel, context: ToolContext, check: Any = None
) -> Any:
    if context.mcp is None:
        raise UserError("mcp.no_access", server=server_name)
    server = registered_server(context.mcp, server_name)
    arguments = args.model_dump(mode="json", by_alias=True, exclude_unset=True)
    reply: ToolReply = call_tool(server, context.mcp, context.egress, name, arguments, check=check)
    if reply.is_error:
        raise UserError("mcp.tool_error", tool=name, message=str(reply.value)[:1000])
    return reply.value


def _tool_id(server: McpServer, name: str, taken: set[str]) -> str:
    """``meteo__forecast``, within ``^[a-zA-Z0-9_-]{1,64}$`` (a server name may hold dots)."""
    prefix = re.sub(r"[^A-Za-z0-9_-]+", "_", server.name)
    return tool_id(prefix, name, taken)


def model_description(server: McpServer, remote: RemoteTool) -> str:
    suffix = f" (serveur MCP « {server.name} »)"
    text = remote.description.strip() or remote.title or remote.name
    return text[: MAX_DESCRIPTION - len(suffix)].strip() + suffix


def arguments_model(server: McpServer, remote: RemoteTool) -> type[BaseModel]:
    """The tool's input schema as a pydantic model (``tools.openapi.arguments``' reading of
    JSON schemas); a schema without properties takes any object."""
    hint = _model_name(f"{server.name}_{remote.name}")
    built = _object(remote.input_schema, hint, 1)
    if isinstance(built, type) and issubclass(built, BaseModel):
        return built
    return create_model(hint, __config__=ConfigDict(extra="allow"))
