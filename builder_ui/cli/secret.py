"""``atelier secret …`` (credentials, by name) and ``atelier admin …`` (the installation's
settings: network access of tools, web search).

A secret's value goes in through standard input, or a prompt without echo at a terminal, never
as an argument (it would stay in the shell's history and in the process list); no command ever
prints one. A person's secrets go through their ``Workspace``; the installation's
(``--installation``) and the admin settings through ``store.admin_settings``.

``atelier admin`` and ``--installation`` are an administrator's: the workspace of whom the
terminal acts as refuses them to anyone else (exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.errors import NotFound, UserError
from agents.i18n import t
from builder_ui.cli import agent as cli_agents
from builder_ui.cli.common import ask_yes_no, print_json, say, table

if TYPE_CHECKING:
    from store.admin_settings import AdminSettings
    from store.organisation import Organisation
    from store.secrets import SecretInfo
    from store.workspace import Workspace

secret_app = typer.Typer(help=t("cli.help.secret"), no_args_is_help=True)
admin_app = typer.Typer(help=t("cli.help.admin"), no_args_is_help=True)

SecretName = Annotated[str, typer.Argument(metavar="NAME", help=t("cli.help.secret_name"))]
ForInstallation = Annotated[
    bool, typer.Option("--installation", help=t("cli.help.secret_installation"))
]
ForTeam = Annotated[
    str | None, typer.Option("--team", metavar="TEAM", help=t("share.cli.help.secret_team"))
]
ForOrganisation = Annotated[
    bool, typer.Option("--organisation", help=t("share.cli.help.secret_organisation"))
]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]


def _shared(team: str | None, organisation: bool) -> bool:
    """A credential the agents' tools of a team (or of everyone) may use: an admin's."""
    if team is not None and organisation:
        raise UserError("share.cli.team_or_organisation")
    return team is not None or organisation


@contextmanager
def closing_secrets() -> Iterator[None]:
    """The secret store this command opens is closed on the way out."""
    try:
        yield
    finally:
        store = sys.modules.get("store.secrets")
        if store is not None:
            store.close_secret_stores()


@contextmanager
def _workspace() -> Iterator[Workspace]:
    """This person's workspace, the only way to their secrets."""
    from store.workspace import open_workspace

    with closing_secrets():
        yield open_workspace()


def _organisation() -> Organisation:
    """The installation's settings and credentials: refused inside the workspace (exit 2)
    when the account the terminal acts as is not an administrator."""
    from store.workspace import open_workspace

    return open_workspace().organisation


# --- secret set ------------------------------------------------------------------------------


@secret_app.command("set", help=t("cli.help.secret_set"))
def set_secret(
    name: SecretName,
    installation: ForInstallation = False,
    team: ForTeam = None,
    organisation: ForOrganisation = False,
) -> None:
    from store.secrets import check_name

    check_name(name)  # before asking for the value
    shared = _shared(team, organisation)
    value = _read_value(name)
    if shared:
        with closing_secrets():
            info = _organisation().set_shared_secret(name, value, team)
    elif installation:
        with closing_secrets():
            info = _organisation().set_secret(name, value)
    else:
        with _workspace() as workspace:
            info = workspace.set_secret(name, value)
    replaced = info.updated_at != info.created_at
    say(t("cli.secret.updated" if replaced else "cli.secret.created", name=name))


def _read_value(name: str) -> str:
    """The value from a hidden prompt at a terminal, else all of standard input less one
    trailing newline (``echo`` adds one). Never echoed, never an argument."""
    from store.secrets import MAX_VALUE_CHARS

    if cli_agents.interactive():
        value = str(typer.prompt(t("cli.secret.prompt", name=name), hide_input=True, err=True))
    else:
        try:
            value = sys.stdin.read(MAX_VALUE_CHARS + 3)
        except UnicodeDecodeError:
            raise UserError("cli.secret.not_utf8", name=name) from None
        if value.endswith("\r\n"):
            value = value[:-2]
        elif value.endswith("\n"):
            value = value[:-1]
    if not value:
        raise UserError("secret.empty_value", name=name)
    return value


# --- secret list -----------------------------------------------------------------------------


@secret_app.command("list", help=t("cli.help.secret_list"))
def list_secrets(
    as_json: AsJson = False,
    installation: ForInstallation = False,
    team: ForTeam = None,
    organisation: ForOrganisation = False,
) -> None:
    infos = _list(installation, team, organisation)
    if as_json:
        print_json([_info_json(info) for info in infos])
        return
    if not infos:
        say(t("cli.secret.list.empty"))
        return
    headers = [t(f"cli.secret.col.{c}") for c in ("name", "created", "updated")]
    rows = [(i.name, _when(i.created_at), _when(i.updated_at)) for i in infos]
    typer.echo(table(headers, rows))


def _list(
    installation: bool, team: str | None = None, organisation: bool = False
) -> list[SecretInfo]:
    if _shared(team, organisation):
        with closing_secrets():
            return _organisation().shared_secrets(team)
    if installation:
        with closing_secrets():
            return _organisation().secrets()
    with _workspace() as workspace:
        return workspace.list_secrets()


def _info_json(info: SecretInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "created_at": info.created_at.isoformat(),
        "updated_at": info.updated_at.isoformat(),
    }


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


# --- secret rm -------------------------------------------------------------------------------


@secret_app.command("rm", help=t("cli.help.secret_rm"))
def remove_secret(
    name: SecretName,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=t("cli.help.yes"))] = False,
    installation: ForInstallation = False,
    team: ForTeam = None,
    organisation: ForOrganisation = False,
) -> None:
    from store.secrets import check_name

    check_name(name)
    if name not in {i.name for i in _list(installation, team, organisation)}:
        raise NotFound("secret.not_found", name=name)
    if not yes:
        if not cli_agents.interactive():
            raise UserError("cli.rm.needs_yes", ref=name)
        if not ask_yes_no(t("cli.secret.rm.confirm", name=name)):
            say(t("cli.rm.cancelled"))
            raise typer.Exit(1)
    if _shared(team, organisation):
        with closing_secrets():
            _organisation().delete_shared_secret(name, team)
    elif installation:
        with closing_secrets():
            _organisation().delete_secret(name)
    else:
        with _workspace() as workspace:
            workspace.delete_secret(name)
    say(t("cli.secret.rm.done", name=name))


# --- admin -----------------------------------------------------------------------------------


class Backend(StrEnum):
    none = "none"
    searxng = "searxng"


@admin_app.command("show", help=t("cli.help.admin_show"))
def show(as_json: AsJson = False) -> None:
    with closing_secrets():
        settings = _organisation().settings()
    _print_settings(settings, as_json)


@admin_app.command("set-egress", help=t("cli.help.admin_set_egress"))
def set_egress(
    allow: Annotated[
        list[str] | None,
        typer.Option("--allow", metavar="HOST", help=t("cli.help.admin_allow")),
    ] = None,
    deny: Annotated[
        list[str] | None,
        typer.Option("--deny", metavar="HOST", help=t("cli.help.admin_deny")),
    ] = None,
    clear_allow: Annotated[
        bool, typer.Option("--clear-allow", help=t("cli.help.admin_clear_allow"))
    ] = False,
    clear_deny: Annotated[
        bool, typer.Option("--clear-deny", help=t("cli.help.admin_clear_deny"))
    ] = False,
    allow_loopback: Annotated[
        bool | None,
        typer.Option(
            "--allow-loopback/--no-allow-loopback", help=t("cli.help.admin_allow_loopback")
        ),
    ] = None,
    allow_private: Annotated[
        bool | None,
        typer.Option("--allow-private/--no-allow-private", help=t("cli.help.admin_allow_private")),
    ] = None,
    ask_unknown_urls: Annotated[
        bool | None,
        typer.Option(
            "--ask-unknown-urls/--no-ask-unknown-urls", help=t("cli.help.admin_ask_unknown_urls")
        ),
    ] = None,
    max_bytes: Annotated[
        int | None,
        typer.Option("--max-bytes", metavar="N", help=t("cli.help.admin_max_bytes")),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", metavar="SECONDS", help=t("cli.help.admin_timeout")),
    ] = None,
) -> None:
    changes: dict[str, Any] = {}
    if clear_allow:
        changes["allow_hosts"] = []
    if allow:
        changes["allow_hosts"] = allow
    if clear_deny:
        changes["deny_hosts"] = []
    if deny:
        changes["deny_hosts"] = deny
    optional = {
        "allow_loopback": allow_loopback,
        "allow_private": allow_private,
        "ask_for_unknown_urls": ask_unknown_urls,
        "max_bytes": max_bytes,
        "timeout_s": timeout,
    }
    changes.update({k: v for k, v in optional.items() if v is not None})
    from builder_ui.services.settings import update_egress

    with closing_secrets():
        settings = update_egress(_organisation(), changes)
    _saved(settings)


@admin_app.command("set-web-search", help=t("cli.help.admin_set_web_search"))
def set_web_search(
    backend: Annotated[Backend, typer.Option("--backend", help=t("cli.help.admin_backend"))],
    url: Annotated[
        str | None, typer.Option("--url", metavar="URL", help=t("cli.help.admin_url"))
    ] = None,
) -> None:
    """Without ``--url`` the stored address is kept, also when the search is turned off (as on
    the administration page: turning it back on loses nothing)."""
    from builder_ui.services.settings import set_web_search as set_search

    if backend is Backend.none and url:
        raise UserError("cli.admin.url_without_searxng")
    with closing_secrets():
        settings = set_search(_organisation(), backend.value, url)
    _saved(settings)


def _saved(settings: AdminSettings) -> None:
    """The settings were changed (validated whole, in one write transaction): show them."""
    say(t("cli.admin.saved"))
    _print_settings(settings, as_json=False)


def _print_settings(settings: AdminSettings, as_json: bool) -> None:
    import yaml

    data = settings.model_dump(mode="json")
    if as_json:
        print_json(data)
    else:
        typer.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), nl=False)
