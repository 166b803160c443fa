"""``atelier agent share|unshare|shares|release`` and ``atelier kb share|unshare|shares``:
sharing agents and knowledge bases with people and teams, and publishing the version the
people an agent is shared with get. Publishing to the whole organisation is a request a
reviewer decides (``atelier agent publish``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from agents.i18n import t
from builder_ui.cli.common import open_services, print_json, say, table

if TYPE_CHECKING:
    from builder_ui.services.sharing import ShareLine

AgentRef = Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))]
KbRef = Annotated[str, typer.Argument(metavar="KB", help=t("cli.help.kb_ref"))]
With = Annotated[
    str, typer.Option("--with", metavar="user:EMAIL|team:NAME", help=t("share.cli.help.with"))
]
Can = Annotated[str, typer.Option("--can", metavar="use|edit", help=t("share.cli.help.can"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]


def share(agent: AgentRef, with_: With, can: Can = "use") -> None:
    services = open_services()
    record = services.find_agent(agent)
    services.share(record.id, with_, can)
    shared = services.find_agent(record.id)
    say(t(f"share.cli.shared.{can}", name=record.name, grantee=with_))
    say(t("share.cli.gets_version", number=shared.published_version))


def unshare(agent: AgentRef, with_: With) -> None:
    services = open_services()
    record = services.find_agent(agent)
    services.unshare(record.id, with_)
    say(t("share.cli.unshared", name=record.name, grantee=with_))


def shares(agent: AgentRef, as_json: AsJson = False) -> None:
    services = open_services()
    record = services.find_agent(agent)
    _print(services.shares(record.id), as_json, t("share.cli.none", name=record.name))
    if not as_json:
        say(
            t(
                "share.cli.versions",
                published=record.published_version or "—",
                latest=record.latest_version,
            )
        )


def release(
    agent: AgentRef,
    version: Annotated[
        int | None, typer.Option("--version", "-v", help=t("share.cli.help.version"))
    ] = None,
) -> None:
    services = open_services()
    record = services.release(agent, version)
    say(t("share.cli.released", name=record.name, number=record.published_version))


def share_kb(kb: KbRef, with_: With, can: Can = "use") -> None:
    services = open_services()
    services.share_kb(kb, with_, can)
    say(t(f"share.cli.kb_shared.{can}", name=kb, grantee=with_))


def unshare_kb(kb: KbRef, with_: With) -> None:
    services = open_services()
    services.unshare_kb(kb, with_)
    say(t("share.cli.unshared", name=kb, grantee=with_))


def kb_shares(kb: KbRef, as_json: AsJson = False) -> None:
    _print(open_services().kb_shares(kb), as_json, t("share.cli.none", name=kb))


def _print(lines: list[ShareLine], as_json: bool, empty: str) -> None:
    if as_json:
        print_json([{"with": line.grantee, "can": line.permission} for line in lines])
        return
    if not lines:
        say(empty)
        return
    headers = [t("share.cli.col.with"), t("share.cli.col.can")]
    typer.echo(table(headers, [(line.grantee, line.permission_label()) for line in lines]))
