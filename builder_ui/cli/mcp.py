"""``atelier admin mcp …``: the MCP servers agents may use, and the approval of their tools.

An administrator registers a server (an address, or a local command: never from a spec), then
approves its tools: the list is read from the server, shown, and its fingerprints stored in the
admin settings (``tools.mcp.pinning``). A tool that changes afterwards is disabled until the
list is approved again; ``list`` says which.

The work is done by ``builder_ui.services.mcp_admin``, which the administration page calls too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli import agent as cli_agents
from builder_ui.cli.common import ask_yes_no, print_json, say, table
from builder_ui.cli.secret import closing_secrets

if TYPE_CHECKING:
    from store.admin_settings import McpServerSettings
    from store.organisation import Organisation
    from tools.mcp.client import RemoteTool
    from tools.mcp.pinning import ServerStatus

mcp_app = typer.Typer(help=t("mcp.cli.help"), no_args_is_help=True)

ServerName = Annotated[str, typer.Argument(metavar="NAME", help=t("mcp.cli.help.name"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]


# --- commands ---------------------------------------------------------------------------------


def _organisation() -> Organisation:
    """The installation's settings: refused inside the workspace (exit 2) when the account the
    terminal acts as is not an administrator."""
    from store.workspace import open_workspace

    return open_workspace().organisation


@mcp_app.command("add", help=t("mcp.cli.help.add"))
def add(
    name: ServerName,
    command: Annotated[
        list[str] | None,
        typer.Argument(metavar="[-- COMMAND ...]", help=t("mcp.cli.help.command")),
    ] = None,
    url: Annotated[str, typer.Option("--url", metavar="URL", help=t("mcp.cli.help.url"))] = "",
    credential: Annotated[
        str,
        typer.Option("--credential", metavar="SECRET", help=t("mcp.cli.help.credential")),
    ] = "",
) -> None:
    from builder_ui.services.mcp_admin import add_server

    with closing_secrets():
        org = _organisation()
        server = add_server(org, name, url=url, command=command, credential=credential)
        known = {info.name for info in org.secrets()}
    say(t("mcp.cli.added", name=server.name))
    if credential and credential not in known:
        say(t("mcp.cli.credential_absent", name=credential))
    say(t("mcp.cli.approve_hint", name=server.name))


@mcp_app.command("list", help=t("mcp.cli.help.list"))
def list_servers(as_json: AsJson = False) -> None:
    from builder_ui.services.mcp_admin import server_statuses

    with closing_secrets():
        found = server_statuses(_organisation())
    if as_json:
        print_json([_server_json(server, status) for server, status in found])
        return
    if not found:
        say(t("mcp.cli.list.empty"))
        return
    headers = [t(f"mcp.cli.col.{c}") for c in ("name", "address", "state", "details")]
    rows = [
        (server.name, _address(server), t(f"mcp.state.{status.state}"), _details(status))
        for server, status in found
    ]
    typer.echo(table(headers, rows))


@mcp_app.command("approve", help=t("mcp.cli.help.approve"))
def approve(
    name: ServerName,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=t("cli.help.yes"))] = False,
    as_json: AsJson = False,
) -> None:
    """Shows every tool in full first (its description is an instruction to the model: read
    it), asks at a terminal unless ``--yes``; a script asked already by running the command."""

    def review(tools: list[RemoteTool], before: ServerStatus) -> bool:
        if as_json:
            print_json([_tool_json(tool) for tool in tools])
        else:
            typer.echo("\n\n".join(_tool_text(tool) for tool in tools))
        if before.state == "changed":  # what differs from the previous approval
            say(_details(before))
        if yes or not cli_agents.interactive():
            return True
        if ask_yes_no(t("mcp.cli.approve.confirm", name=name)):
            return True
        say(t("mcp.cli.approve.cancelled"))
        return False

    from builder_ui.services.mcp_admin import approve_server_tools

    with closing_secrets():
        tools = approve_server_tools(_organisation(), name, review)
    if tools is None:
        raise typer.Exit(1)
    say(t("mcp.cli.approved", name=name, count=len(tools)))


def _tool_text(tool: RemoteTool) -> str:
    from tools.mcp.pinning import fingerprint

    read_only = t("cli.yes" if tool.read_only else "cli.no")
    head = t(
        "mcp.cli.tool", name=tool.name, read_only=read_only, fingerprint=fingerprint(tool)[:12]
    )
    schema = json.dumps(tool.input_schema.get("properties", {}), ensure_ascii=False)
    lines = [head, *(f"  {line}" for line in (tool.description or "—").splitlines())]
    lines.append("  " + t("mcp.cli.arguments", schema=schema))
    return "\n".join(lines)


def _tool_json(tool: RemoteTool) -> dict[str, Any]:
    from tools.mcp.pinning import fingerprint

    return {
        "name": tool.name,
        "description": tool.description,
        "input_schema": tool.input_schema,
        "annotations": tool.annotations,
        "read_only": tool.read_only,
        "fingerprint": fingerprint(tool),
    }


@mcp_app.command("rm", help=t("mcp.cli.help.rm"))
def remove(
    name: ServerName,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=t("cli.help.yes"))] = False,
) -> None:
    if not yes:
        if not cli_agents.interactive():
            raise UserError("cli.rm.needs_yes", ref=name)
        if not ask_yes_no(t("mcp.cli.rm.confirm", name=name)):
            say(t("cli.rm.cancelled"))
            raise typer.Exit(1)
    from builder_ui.services.mcp_admin import remove_server

    with closing_secrets():
        remove_server(_organisation(), name)
    say(t("mcp.cli.removed", name=name))


def _address(server: McpServerSettings) -> str:
    if server.transport == "stdio":
        return "stdio: " + " ".join(server.command)
    return server.url


def _details(status: ServerStatus) -> str:
    if status.state == "unreachable":
        return status.reason
    parts = []
    if status.usable:
        parts.append(t("mcp.cli.usable", tools=", ".join(status.usable)))
    if status.changed:
        parts.append(t("mcp.cli.changed", tools=", ".join(status.changed)))
    if status.new:
        parts.append(t("mcp.cli.new", tools=", ".join(status.new)))
    if status.removed:
        parts.append(t("mcp.cli.removed_tools", tools=", ".join(status.removed)))
    return " ; ".join(parts)


def _server_json(server: McpServerSettings, status: ServerStatus) -> dict[str, Any]:
    return {
        "name": server.name,
        "transport": server.transport,
        "url": server.url,
        "command": server.command,
        "credential": server.credential,
        "enabled": server.enabled,
        "state": status.state,
        "usable": list(status.usable),
        "changed": list(status.changed),
        "new": list(status.new),
        "removed": list(status.removed),
        "reason": status.reason,
    }
