"""``atelier tool …``: the installed tools, and running one by hand.

Neither command opens the store: a tool is tried with the registry alone, which keeps
``atelier tool run`` quick enough to use in a shell loop.
"""

from __future__ import annotations

from typing import Annotated

import typer

from agents.i18n import t
from builder_ui.cli.common import fail, parse_json_object, print_json, table

tool_app = typer.Typer(help=t("cli.help.tool"), no_args_is_help=True)


def _for_people(tool_id: str, field: str, fallback: str) -> str:
    """The translated title or description, or what the tool itself declares (a plug-in
    without translations)."""
    key = f"tool.{tool_id}.{field}"
    text = t(key)
    return fallback if text == key else text


@tool_app.command("list", help=t("cli.help.tool_list"))
def list_tools(
    as_json: Annotated[bool, typer.Option("--json", help=t("cli.help.json"))] = False,
) -> None:
    from tools.registry import default_registry

    tools = default_registry().all()
    if as_json:
        print_json(
            [
                {
                    "id": d.id,
                    "title": _for_people(d.id, "title", d.title),
                    "description": _for_people(d.id, "description", d.description),
                    "consequential": d.consequential,
                    "model_description": d.description,
                    "config_schema": d.config_model.model_json_schema(),
                    "args_schema": d.args_model.model_json_schema(),
                }
                for d in tools
            ]
        )
        return
    headers = [t(f"cli.tools.col.{c}") for c in ("id", "title", "consequential", "description")]
    rows = [
        (
            d.id,
            _for_people(d.id, "title", d.title),
            t("cli.yes") if d.consequential else t("cli.no"),
            _for_people(d.id, "description", d.description),
        )
        for d in tools
    ]
    typer.echo(table(headers, rows))


@tool_app.command("run", help=t("cli.help.tool_run"))
def run_tool(
    tool: Annotated[str, typer.Argument(metavar="TOOL", help=t("cli.help.tool_id"))],
    args: Annotated[str, typer.Option("--args", metavar="JSON", help=t("cli.help.args"))] = "{}",
    config: Annotated[
        str, typer.Option("--config", metavar="JSON", help=t("cli.help.config"))
    ] = "{}",
) -> None:
    from tools.registry import default_registry

    arguments = parse_json_object(args, "--args", '{"expression": "2+2"}')
    settings = parse_json_object(config, "--config", '{"timezone": "Europe/Paris"}')
    registry = default_registry()
    definition = registry.get(tool)  # unknown tool: a user error listing the known ones
    definition.validate_config(settings)  # bad config or arguments: the caller's input, exit 2
    definition.validate_args(arguments)
    from builder_ui.services.tool_context import tool_context
    from store.workspace import open_workspace

    workspace = open_workspace()
    context = tool_context(workspace.secret_resolver(), workspace.principal)
    result = registry.run(tool, arguments, settings, context)
    if not result.ok:
        # The tool refused its input (a blocked address, say): bad input, exit 2.
        fail(t("cli.tool.failed", tool=tool, error=result.error), 2 if result.refused else 1)
    print_json(result.output)
