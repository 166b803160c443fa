"""``atelier agent …``: validate, import, export, list, history and deletion of agents."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli import agent_versions as cli_versions
from builder_ui.cli.common import ask_yes_no, open_services, os_reason, print_json, say, table

agent_app = typer.Typer(help=t("cli.help.agent"), no_args_is_help=True)

AgentRef = Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))]
SpecFile = Annotated[Path, typer.Argument(metavar="FILE", help=t("cli.help.file"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]


@agent_app.command("validate", help=t("cli.help.validate"))
def validate(file: SpecFile) -> None:
    # The checks of ``Services.load_spec_file`` (the same ``check_spec``, the same registries,
    # the same admin settings) without opening the catalogue: validating a file must not create
    # a data directory.
    from agents.models.registry import default_registry as default_providers
    from agents.spec import AgentSpec
    from agents.validation import check_spec
    from builder_ui.services.tool_context import checking_context
    from tools.registry import default_registry as default_tools

    spec = check_spec(
        AgentSpec.load(file),
        default_tools(),
        default_providers(),
        str(file),
        installation=checking_context(),
    )
    typer.echo(t("cli.validate.ok", path=str(file), name=spec.name))


@agent_app.command("import", help=t("cli.help.import"))
def import_agent(
    file: SpecFile,
    as_json: AsJson = False,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help=t("cli.help.import_message"))
    ] = None,
    into: Annotated[
        str | None, typer.Option("--agent", metavar="AGENT", help=t("cli.help.import_into"))
    ] = None,
) -> None:
    services = open_services()
    spec = services.load_spec_file(file)
    message = message if message is not None else t("cli.import.message", file=file.name)
    changed = True
    if into is None:
        record = services.create_agent(spec, message)
        done = "cli.import.created"
    else:
        saved = services.save_agent(services.find_agent(into).id, spec, message)
        record, changed = saved.record, saved.changed
        done = "cli.import.saved" if changed else "agents.unchanged"
    if as_json:
        report: dict[str, Any] = {"id": record.agent_id, "name": spec.name}
        report["version"] = record.number
        if into is not None:
            report["changed"] = changed
        print_json(report)
    else:
        typer.echo(record.agent_id)
        say(t(done, name=spec.name, id=record.agent_id, version=record.number))


@agent_app.command("export", help=t("cli.help.export"))
def export_agent(
    agent: AgentRef,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help=t("agents.help.output"))
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", min=1, metavar="N", help=t("cli.help.version_n"))
    ] = None,
) -> None:
    exported = open_services().export_agent(agent, version)
    name, number = exported.agent.name, exported.version
    if output is None:
        typer.echo(exported.text, nl=False)
        say(t("agents.exported_stdout", name=name, version=number, file=exported.file_name))
        return
    path = output / exported.file_name if output.is_dir() else output
    try:
        path.write_text(exported.text, "utf-8")
    except OSError as exc:
        raise UserError("cli.cannot_write", path=str(path), reason=os_reason(exc)) from None
    say(t("agents.exported", name=name, version=number, path=str(path)))


@agent_app.command("list", help=t("cli.help.list"))
def list_agents(as_json: AsJson = False) -> None:
    """The person's own agents and those shared with them (the ``access`` column)."""
    found = open_services().open_agents()
    if as_json:
        print_json(
            [
                {
                    "id": o.agent.id,
                    "name": o.agent.name,
                    "description": o.agent.description,
                    "latest_version": o.agent.latest_version,
                    "published_version": o.agent.published_version,
                    "owner": o.agent.owner,
                    "access": o.access,
                    "created_at": o.agent.created_at.isoformat(),
                    "updated_at": o.agent.updated_at.isoformat(),
                }
                for o in found
            ]
        )
        return
    if not found:
        say(t("cli.list.empty"))
        return
    headers = [t(f"cli.list.col.{c}") for c in ("id", "name", "version", "updated", "access")]
    rows = [
        (
            o.agent.id,
            o.agent.name,
            o.agent.latest_version if o.access != "use" else o.agent.published_version,
            _when(o.agent.updated_at),
            t(f"cli.list.access.{o.access}"),
        )
        for o in found
    ]
    typer.echo(table(headers, rows))


@agent_app.command("versions", help=t("cli.help.versions"))
def list_versions(agent: AgentRef, as_json: AsJson = False) -> None:
    versions = open_services().versions(agent)
    if as_json:
        print_json(
            [
                {
                    "number": v.number,
                    "author": v.author,
                    "created_at": v.created_at.isoformat(),
                    "message": v.message,
                }
                for v in versions
            ]
        )
        return
    headers = [t(f"cli.versions.col.{c}") for c in ("number", "author", "time", "message")]
    rows = [(v.number, v.author, _when(v.created_at), _one_line(v.message)) for v in versions]
    typer.echo(table(headers, rows))


agent_app.command("diff", help=t("versions.cli.help.diff"))(cli_versions.diff)
agent_app.command("restore", help=t("versions.cli.help.restore"))(cli_versions.restore)


@agent_app.command("rm", help=t("cli.help.rm"))
def remove_agent(
    agent: AgentRef,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=t("cli.help.yes"))] = False,
) -> None:
    services = open_services()
    record = services.find_agent(agent)
    if not yes:
        if not interactive():
            raise UserError("cli.rm.needs_yes", ref=agent)
        count = len(services.versions(record.id))
        question = t("cli.rm.confirm", name=record.name, id=record.id, count=count)
        if not ask_yes_no(question):
            say(t("cli.rm.cancelled"))
            raise typer.Exit(1)
    services.delete_agent(record.id)
    say(t("cli.rm.done", name=record.name, id=record.id))


def interactive() -> bool:
    """Someone at a terminal can answer a question; a script or a pipe cannot."""
    return sys.stdin.isatty()


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _one_line(text: Any, limit: int = 60) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
