"""``atelier model …``: the language models the organisation offers (add, list, test, rm).

A model's key goes in through standard input (``--key-from-stdin``), or a prompt without echo at
a terminal, never as an argument; it is stored encrypted as an installation secret and no
command prints it. The work is done by ``builder_ui.services.models_admin``, which the
administration page's "Modèles" tab calls too.

Who is admin: as for ``atelier admin``, whoever runs the command as the owner of the data
directory, until accounts and roles arrive.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli import agent as cli_agents
from builder_ui.cli.common import ask_yes_no, print_json, say, table
from builder_ui.cli.secret import closing_secrets

if TYPE_CHECKING:
    from store.admin_settings import OrgModelSettings
    from store.organisation import Organisation

model_app = typer.Typer(help=t("models.cli.help"), no_args_is_help=True)


class ProviderName(StrEnum):
    openai = "openai"
    mistral = "mistral"
    anthropic = "anthropic"
    ollama = "ollama"


class RoleName(StrEnum):
    admin = "admin"
    reviewer = "reviewer"
    creator = "creator"
    user = "user"


ModelId = Annotated[str, typer.Argument(metavar="ID", help=t("models.cli.help.id"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]


def _organisation() -> Organisation:
    """Refused inside the workspace (exit 2) unless the terminal acts as an administrator."""
    from store.workspace import open_workspace

    return open_workspace().organisation


@model_app.command("add", help=t("models.cli.help.add"))
def add(
    model_id: ModelId,
    provider: Annotated[
        ProviderName, typer.Option("--provider", help=t("models.cli.help.provider"))
    ],
    name: Annotated[str, typer.Option("--name", metavar="NAME", help=t("models.cli.help.name"))],
    display: Annotated[
        str, typer.Option("--display", metavar="TEXT", help=t("models.cli.help.display"))
    ],
    base_url: Annotated[
        str, typer.Option("--base-url", metavar="URL", help=t("models.cli.help.base_url"))
    ] = "",
    key_from_stdin: Annotated[
        bool, typer.Option("--key-from-stdin", help=t("models.cli.help.key"))
    ] = False,
    credential: Annotated[
        str, typer.Option("--credential", metavar="SECRET", help=t("models.cli.help.credential"))
    ] = "",
    price_in: Annotated[
        float, typer.Option("--price-in", min=0, metavar="EUR", help=t("models.cli.help.price_in"))
    ] = 0.0,
    price_out: Annotated[
        float,
        typer.Option("--price-out", min=0, metavar="EUR", help=t("models.cli.help.price_out")),
    ] = 0.0,
    self_hosted: Annotated[
        bool, typer.Option("--self-hosted", help=t("models.cli.help.self_hosted"))
    ] = False,
    role: Annotated[
        list[RoleName] | None, typer.Option("--role", help=t("models.cli.help.role"))
    ] = None,
    team: Annotated[
        list[str] | None, typer.Option("--team", metavar="TEAM", help=t("models.cli.help.team"))
    ] = None,
    disabled: Annotated[
        bool, typer.Option("--disabled", help=t("models.cli.help.disabled"))
    ] = False,
    max_class: Annotated[
        str | None,
        typer.Option("--max-class", metavar="CLASS", help=t("models.cli.help.max_class")),
    ] = None,
) -> None:
    from builder_ui.cli.secret import _read_value
    from builder_ui.services.models_admin import add_model, credential_name

    key = None
    if key_from_stdin:
        if credential:
            raise UserError("models.cli.key_or_credential")
        key = _read_value(credential_name(model_id))
    with closing_secrets():
        added = add_model(
            _organisation(),
            model_id,
            provider=provider.value,
            name=name,
            display_name=display,
            base_url=base_url,
            key=key,
            credential=credential,
            price_in=price_in,
            price_out=price_out,
            self_hosted=self_hosted,
            roles=[r.value for r in role or []],
            teams=team or [],
            enabled=not disabled,
            max_data_class=max_class,
        )
        known = _known_secrets()
    say(t("models.cli.added", id=added.id, name=added.display_name))
    if added.credential and added.credential not in known:
        say(t("models.cli.credential_absent", name=added.credential))
    say(t("models.cli.test_hint", id=added.id))


def _known_secrets() -> set[str]:
    from store.admin_settings import list_installation_secrets

    return {info.name for info in list_installation_secrets()}


@model_app.command("list", help=t("models.cli.help.list"))
def list_models(as_json: AsJson = False) -> None:
    from builder_ui.services.models_admin import list_models as listing

    with closing_secrets():
        models = listing(_organisation())
    if as_json:
        print_json([_model_json(m) for m in models])
        return
    if not models:
        say(t("models.cli.list.empty"))
        return
    columns = ("id", "display", "model", "address", "hosted", "max_class", "price", "access",
               "state")  # fmt: skip
    headers = [t(f"models.cli.col.{c}") for c in columns]
    typer.echo(table(headers, [_row(m) for m in models]))


def _row(model: OrgModelSettings) -> list[str]:
    return [
        model.id,
        model.display_name,
        model.ref,
        model.base_url or "—",
        t("cli.yes" if model.self_hosted else "cli.no"),
        t(f"data.class.{model.data_class}"),
        t("models.cli.price", price_in=f"{model.price_in:g}", price_out=f"{model.price_out:g}"),
        access_text(model),
        t("models.state.enabled" if model.enabled else "models.state.disabled"),
    ]


def access_text(model: OrgModelSettings) -> str:
    """Who may use the model, in words."""
    roles = ", ".join(model.roles) if model.roles else t("models.access.all_roles")
    if not model.teams:
        return roles
    return t("models.access.with_teams", roles=roles, teams=", ".join(model.teams))


def _model_json(model: OrgModelSettings) -> dict[str, Any]:
    """The record as stored: the key's name, never its value (the settings hold no value)."""
    return {"ref": model.ref, **model.model_dump()}


@model_app.command("test", help=t("models.cli.help.test"))
def test(model_id: ModelId) -> None:
    from builder_ui.services.models_admin import try_connection

    with closing_secrets():
        done = try_connection(_organisation(), model_id)
    say(t("models.test.ok", name=done.display_name, seconds=f"{done.seconds:.1f}"))


@model_app.command("rm", help=t("models.cli.help.rm"))
def remove(
    model_id: ModelId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=t("cli.help.yes"))] = False,
) -> None:
    from builder_ui.services.models_admin import get_model, remove_model

    with closing_secrets():
        model = get_model(_organisation(), model_id)  # an unknown id says so before asking anything
    if not yes:
        if not cli_agents.interactive():
            raise UserError("cli.rm.needs_yes", ref=model_id)
        if not ask_yes_no(t("models.cli.rm.confirm", id=model.id, name=model.display_name)):
            say(t("cli.rm.cancelled"))
            raise typer.Exit(1)
    with closing_secrets():
        remove_model(_organisation(), model_id)
    say(t("models.cli.removed", id=model.id, name=model.display_name))
