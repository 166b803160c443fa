"""``atelier me export|erase`` (one's own data) and ``atelier user export|erase`` (an
administrator, for a departing person): the services of ``builder_ui.services.my_data``.

An export is written to a new file, readable by its owner only, whole or not at all. Erasing asks
for a confirmation that says what goes; a script passes ``--yes``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli.common import ask_yes_no, open_services, say, write_new_file
from builder_ui.cli.people import Login, user_app

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO

    from store.person_data import Summary

me_app = typer.Typer(help=t("cli.help.me"), no_args_is_help=True)

Output = Annotated[
    Path, typer.Option("--output", "-o", metavar="FILE.zip", help=t("cli.help.export_output"))
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help=t("cli.help.yes"))]


@me_app.command("export", help=t("cli.help.me_export"))
def export_me(output: Output) -> None:
    from builder_ui.services.my_data import write_my_data

    services = open_services()
    _write(output, lambda out: write_my_data(services, out))


@me_app.command("erase", help=t("cli.help.me_erase"))
def erase_me(yes: Yes = False) -> None:
    from builder_ui.services.my_data import erase_my_data, my_data_summary

    services = open_services()
    login = services.principal
    if not yes:
        _confirm("cli.my_data.confirm_me", login, my_data_summary(services))
    done = erase_my_data(services)
    say(t("cli.my_data.erased_me", login=login, **_counts(done)))


@user_app.command("export", help=t("cli.help.user_export"))
def export_user(login: Login, output: Output) -> None:
    from builder_ui.services.my_data import export_person

    services = open_services()
    services.workspace.people.get_account(login)  # refused or not found before a file is made
    _write(output, lambda out: export_person(services, login, out))


@user_app.command("erase", help=t("cli.help.user_erase"))
def erase_user(login: Login, yes: Yes = False) -> None:
    from builder_ui.services.my_data import erase_person, person_summary

    services = open_services()
    account = services.workspace.people.get_account(login)
    if not yes:
        _confirm("cli.my_data.confirm_user", account.id, person_summary(services, account.id))
    done = erase_person(services, account.id)
    say(t("cli.my_data.erased_user", login=account.id, **_counts(done)))


def _confirm(key: str, login: str, summary: Summary) -> None:
    if not sys.stdin.isatty():
        raise UserError("cli.my_data.needs_yes")
    if not ask_yes_no(t(key, login=login, secrets=summary.secrets, **_counts(summary))):
        say(t("cli.my_data.cancelled"))
        raise typer.Exit(1)


def _counts(summary: Summary) -> dict[str, Any]:
    return {
        "agents": summary.agents,
        "conversations": summary.conversations,
        "bases": summary.bases,
        "files": summary.files,
    }


def _write(output: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Never half an export, never another file overwritten (``write_new_file``)."""
    target = write_new_file(output, write)
    say(t("cli.my_data.exported", path=str(output), size=_size(target.stat().st_size)))


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return t("cli.my_data.size_kb", n=max(1, round(size / 1024)))
    return t("cli.my_data.size_mb", n=f"{size / (1024 * 1024):.1f}")
