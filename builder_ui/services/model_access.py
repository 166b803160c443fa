"""Which language models a person may use, and how to reach an organisation's model.

Two sources of models: the environment's (the installation's defaults, offered to everyone) and
the ones an administrator added (``store.admin_settings.OrgModelSettings``), each open to some
roles and teams. ``usable_models`` decides from data alone (no I/O), so the editor, the chat page
and the bench agree on one rule. ``org_connection`` turns an organisation model into the address
and key the provider needs, reading the key from the installation's secrets at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from agents.errors import NotFound, UserError
from agents.models.registry import Connection, ModelChoice, Provider
from agents.spec import ModelSettings
from store.accounts import team_key
from store.admin_settings import OrgModelSettings


@dataclass(frozen=True)
class UsableModel:
    """A model a person may pick: ``ref`` is what a spec stores (``provider:name``)."""

    ref: str
    provider: str
    provider_label: str
    display_name: str
    """The administrator's name for it; "" for the environment's models."""
    self_hosted: bool
    generates: bool
    """False for the offline model, which quotes documents and writes nothing."""
    organisation: bool
    """Added by an administrator (True) or configured in the environment (False)."""


def may_use(model: OrgModelSettings, role: str, teams: frozenset[str]) -> bool:
    """Enabled, open to ``role`` (no roles listed: every role) and to one of ``teams`` (no
    teams listed: no team restriction)."""
    if not model.enabled:
        return False
    if model.roles and role not in model.roles:
        return False
    if not model.teams:
        return True
    # Team names compare as teams do (accents, case and spaces aside): "Équipe RH" = "equipe rh".
    return bool({team_key(t) for t in teams} & {team_key(t) for t in model.teams})


def usable_models(
    models: Iterable[OrgModelSettings],
    env_choices: Iterable[ModelChoice],
    role: str,
    teams: frozenset[str],
) -> list[UsableModel]:
    """The models this person may use: the organisation's open to them, in the administrator's
    order, then the environment's. An environment model that the organisation also lists
    (same provider and name) follows the organisation's rule, so a restriction is not bypassed
    by the installation's default."""
    org = list(models)
    listed = {model.ref for model in org}
    out = [
        UsableModel(
            ref=model.ref,
            provider=model.provider,
            provider_label="",
            display_name=model.display_name,
            self_hosted=model.self_hosted,
            generates=True,
            organisation=True,
        )
        for model in org
        if may_use(model, role, teams)
    ]
    for choice in env_choices:
        if choice.ref in listed:
            continue
        out.append(
            UsableModel(
                ref=choice.ref,
                provider=choice.provider.id,
                provider_label=choice.provider.label,
                display_name="",
                self_hosted=choice.provider.self_hosted,
                generates=choice.provider.generates,
                organisation=False,
            )
        )
    return out


def find_org_model(
    models: Iterable[OrgModelSettings], settings: ModelSettings
) -> OrgModelSettings | None:
    """The organisation model a spec's model settings name, if any."""
    return next(
        (m for m in models if (m.provider, m.name) == (settings.provider, settings.name)), None
    )


def org_connection(
    model: OrgModelSettings,
    provider: Provider,
    env: Mapping[str, str],
    secret: Callable[[str], str],
    timeout_s: float | None = None,
) -> Connection:
    """The address and key of an organisation model (enabled or not: an administrator tests
    one before turning it on). With no address of its own it is served where the environment
    says (and, with no credential either, with the environment's key); with an address of its
    own, only its own credential is ever sent there."""
    default = provider.env_connection(env)
    key = ""
    if model.credential:
        try:
            key = secret(model.credential)
        except NotFound:
            raise UserError(
                "models.err.key_gone", name=model.display_name, credential=model.credential
            ) from None
    elif not model.base_url:
        key = default.api_key
    return Connection(base_url=model.base_url or default.base_url, api_key=key, timeout_s=timeout_s)
