"""``atelier admin set-sso`` and ``atelier admin set-trusted-header``: single sign-on with an
OpenID Connect provider (ProConnect, Keycloak, Microsoft Entra), and a reverse proxy that names
the person in a header. An administrator's, through ``Workspace.organisation``; the client
secret is an organisation credential, named here, never given as an argument. ``atelier ui``
writes what Streamlit's ``st.login`` reads at its next start.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli.common import print_json, say

Enable = Annotated[bool | None, typer.Option("--enable/--disable", help=t("sso.cli.help.enable"))]


def _save(section: str, changes: dict[str, Any]) -> dict[str, Any]:
    from store.admin_settings import parse_admin_settings
    from store.secrets import close_secret_stores
    from store.workspace import open_workspace

    def change(current: Any) -> Any:
        whole = current.model_dump()
        whole["sso"][section] = {**whole["sso"][section], **changes}
        return parse_admin_settings(whole)

    try:
        settings = open_workspace().organisation.update(change)
    finally:
        close_secret_stores()
    saved: dict[str, Any] = settings.sso.model_dump(mode="json")[section]
    return saved


def _pairs(values: list[str] | None) -> dict[str, str] | None:
    if values is None:
        return None
    found: dict[str, str] = {}
    for value in values:
        group, sep, team = value.partition("=")
        if not sep or not group.strip() or not team.strip():
            raise UserError("sso.cli.bad_map", value=value)
        found[group.strip()] = team.strip()
    return found


def set_sso(
    enable: Enable = None,
    label: Annotated[
        str | None, typer.Option("--provider-label", help=t("sso.cli.help.label"))
    ] = None,
    metadata_url: Annotated[
        str | None, typer.Option("--metadata-url", metavar="URL", help=t("sso.cli.help.metadata"))
    ] = None,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help=t("sso.cli.help.client"))
    ] = None,
    client_secret: Annotated[
        str | None,
        typer.Option("--client-secret-credential", metavar="NAME", help=t("sso.cli.help.secret")),
    ] = None,
    redirect_uri: Annotated[
        str | None, typer.Option("--redirect-uri", metavar="URL", help=t("sso.cli.help.redirect"))
    ] = None,
    groups_claim: Annotated[
        str | None, typer.Option("--groups-claim", help=t("sso.cli.help.groups_claim"))
    ] = None,
    group_team: Annotated[
        list[str] | None,
        typer.Option("--map", metavar="GROUP=TEAM", help=t("sso.cli.help.map")),
    ] = None,
    default_role: Annotated[
        str | None, typer.Option("--default-role", help=t("sso.cli.help.role"))
    ] = None,
    domain: Annotated[
        list[str] | None, typer.Option("--domain", help=t("sso.cli.help.domain"))
    ] = None,
) -> None:
    changes = {
        "enabled": enable,
        "provider_label": label,
        "server_metadata_url": metadata_url,
        "client_id": client_id,
        "client_secret_credential": client_secret,
        "redirect_uri": redirect_uri,
        "groups_claim": groups_claim,
        "group_teams": _pairs(group_team),
        "default_role": default_role,
        "email_domains": domain,
    }
    saved = _save("oidc", {k: v for k, v in changes.items() if v is not None})
    say(t("sso.cli.saved"))
    print_json(saved)


def set_trusted_header(
    enable: Enable = None,
    header: Annotated[str | None, typer.Option("--header", help=t("sso.cli.help.header"))] = None,
    proxy: Annotated[
        list[str] | None,
        typer.Option("--proxy", metavar="ADDRESS", help=t("sso.cli.help.proxy")),
    ] = None,
) -> None:
    changes = {"enabled": enable, "header": header, "proxies": proxy}
    saved = _save("trusted_header", {k: v for k, v in changes.items() if v is not None})
    say(t("sso.cli.saved"))
    print_json(saved)
