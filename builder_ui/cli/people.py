"""``atelier user …`` and ``atelier team …``: an administrator's accounts and teams.

Every command goes through the workspace of whom the terminal acts as, which refuses it when
that account is not an administrator. No password is ever an argument: it is read from standard
input (``--password-stdin``), or the person chooses it through a one-time link printed here.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli.common import print_json, say, table

if TYPE_CHECKING:
    from store.accounts import AccountRecord, TeamRecord
    from store.people import People
    from store.sign_in import SignInLink

user_app = typer.Typer(help=t("cli.help.user"), no_args_is_help=True)
team_app = typer.Typer(help=t("cli.help.team"), no_args_is_help=True)

Login = Annotated[str, typer.Argument(metavar="EMAIL", help=t("cli.help.user_email"))]
RoleArg = Annotated[str, typer.Argument(metavar="ROLE", help=t("cli.help.user_role"))]
TeamArg = Annotated[str, typer.Argument(metavar="TEAM", help=t("cli.help.team_name"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help=t("cli.help.user_password_stdin"))
]


def _people() -> People:
    from store.workspace import open_workspace

    return open_workspace().people


def _read_password() -> str:
    """The first line of standard input; never echoed, never an argument."""
    from store.sign_in import MAX_PASSWORD, check_password

    try:
        line = sys.stdin.readline(MAX_PASSWORD + 3)
    except UnicodeDecodeError:
        raise UserError("cli.user.password_not_utf8") from None
    return check_password(line.rstrip("\r\n"))


def _say_link(link: SignInLink) -> None:
    from builder_ui.services.sign_in_links import link_url

    typer.echo(link_url(link))
    when = link.expires_at.astimezone().strftime("%d/%m/%Y %H:%M")
    say(t(f"cli.user.link_{link.purpose}", login=link.account_id, until=when))


def _account_row(account: AccountRecord) -> dict[str, object]:
    return {
        "email": account.id,
        "name": account.name,
        "role": account.role,
        "active": account.active,
        "origin": account.origin,
        "created_at": account.created_at.isoformat(),
    }


# --- user ------------------------------------------------------------------------------------


@user_app.command("add", help=t("cli.help.user_add"))
def add_user(
    login: Login,
    name: Annotated[str, typer.Option("--name", help=t("cli.help.user_name"))] = "",
    role: Annotated[str, typer.Option("--role", help=t("cli.help.user_role"))] = "user",
    password_stdin: PasswordStdin = False,
) -> None:
    people = _people()
    password = _read_password() if password_stdin else None  # before anything is created
    account = people.add_account(login, name, role)
    say(t("cli.user.added", login=account.id, role=t(f"role.{account.role}")))
    if password is not None:
        people.set_password(account.id, password)
        say(t("cli.user.password_set", login=account.id))
    else:
        _say_link(people.invitation(account.id))


@user_app.command("list", help=t("cli.help.user_list"))
def list_users(as_json: AsJson = False) -> None:
    accounts = _people().list_accounts()
    if as_json:
        print_json([_account_row(a) for a in accounts])
        return
    headers = [t(f"cli.user.col.{c}") for c in ("email", "name", "role", "state")]
    rows = [
        [
            a.id,
            a.name,
            t(f"role.{a.role}"),
            t("cli.user.active") if a.active else t("cli.user.disabled"),
        ]
        for a in accounts
    ]
    typer.echo(table(headers, rows))


@user_app.command("set-role", help=t("cli.help.user_set_role"))
def set_role(login: Login, role: RoleArg) -> None:
    account = _people().set_role(login, role)
    say(t("cli.user.role_set", login=account.id, role=t(f"role.{account.role}")))


@user_app.command("disable", help=t("cli.help.user_disable"))
def disable(login: Login) -> None:
    account = _people().disable(login)
    say(t("cli.user.disabled_now", login=account.id))


@user_app.command("enable", help=t("cli.help.user_enable"))
def enable(login: Login) -> None:
    account = _people().enable(login)
    say(t("cli.user.enabled_now", login=account.id))


@user_app.command("reset-password", help=t("cli.help.user_reset"))
def reset_password(login: Login, password_stdin: PasswordStdin = False) -> None:
    people = _people()
    if password_stdin:
        people.set_password(login, _read_password())
        say(t("cli.user.password_set", login=login.strip().lower()))
    else:
        _say_link(people.reset_link(login))


# --- team ------------------------------------------------------------------------------------


def _team_row(team: TeamRecord) -> dict[str, object]:
    return {"id": team.id, "name": team.name, "members": team.members}


@team_app.command("add", help=t("cli.help.team_add"))
def add_team(name: TeamArg) -> None:
    team = _people().add_team(name)
    say(t("cli.team.added", name=team.name))


@team_app.command("list", help=t("cli.help.team_list"))
def list_teams(as_json: AsJson = False) -> None:
    teams = _people().list_teams()
    if as_json:
        print_json([_team_row(team) for team in teams])
        return
    headers = [t("cli.team.col.name"), t("cli.team.col.members"), t("cli.team.col.id")]
    typer.echo(table(headers, [[team.name, team.members, team.id] for team in teams]))


@team_app.command("members", help=t("cli.help.team_members"))
def members(team: TeamArg, as_json: AsJson = False) -> None:
    accounts = _people().team_members(team)
    if as_json:
        print_json([_account_row(a) for a in accounts])
        return
    headers = [t(f"cli.user.col.{c}") for c in ("email", "name", "role")]
    typer.echo(table(headers, [[a.id, a.name, t(f"role.{a.role}")] for a in accounts]))


@team_app.command("add-member", help=t("cli.help.team_add_member"))
def add_member(team: TeamArg, login: Login) -> None:
    changed = _people().add_member(team, login)
    say(t("cli.team.member_added", login=login.strip().lower(), name=changed.name))


@team_app.command("remove-member", help=t("cli.help.team_remove_member"))
def remove_member(team: TeamArg, login: Login) -> None:
    changed = _people().remove_member(team, login)
    say(t("cli.team.member_removed", login=login.strip().lower(), name=changed.name))
