"""The language models the organisation offers: what ``atelier model`` and the administration
page's "Modèles" tab both call, so that they agree by construction.

A model is a record of the admin settings (``store.admin_settings.OrgModelSettings``); its key is
an installation secret, stored encrypted and named in the record, never kept in the settings,
shown, exported or logged. "Test the connection" makes one tiny real call through the provider,
with a short time limit, and says in plain words why it failed.

Not through the egress guard: the guard is the way out for tools (``tools.egress``); the model
providers reach their servers directly, both when agents run and here, so the test goes the way
a run would.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from agents.errors import AtelierError, NotFound, UserError
from agents.models.registry import Connection, ProviderRegistry
from agents.spec import ModelSettings
from builder_ui.services.model_access import org_connection
from store.admin_settings import (
    AdminSettings,
    OrgModelSettings,
    installation_secret_resolver,
    parse_admin_settings,
)
from store.organisation import Organisation

log = logging.getLogger(__name__)

TEST_TIMEOUT_S = 15.0
TEST_MAX_TOKENS = 8
TEST_PROMPT = "Réponds seulement : OK."


def credential_name(model_id: str) -> str:
    """The installation secret that holds the key given with a model."""
    return f"model-{model_id}"


def list_models(org: Organisation) -> list[OrgModelSettings]:
    return list(org.settings().models)


def get_model(org: Organisation, model_id: str) -> OrgModelSettings:
    found = org.settings().org_model(model_id)
    if found is None:
        raise NotFound("models.err.not_found", id=model_id)
    return found


def add_model(
    org: Organisation,
    model_id: str,
    *,
    provider: str,
    name: str,
    display_name: str,
    base_url: str = "",
    key: str | None = None,
    credential: str = "",
    price_in: float = 0.0,
    price_out: float = 0.0,
    self_hosted: bool = False,
    roles: Iterable[str] = (),
    teams: Iterable[str] = (),
    enabled: bool = True,
    max_data_class: str | None = None,
) -> OrgModelSettings:
    """Add a model. ``key``: its value, stored as the installation secret
    ``credential`` (by default ``model-<id>``); or name an existing secret in ``credential``.
    Checked whole before anything is written: a refused model stores no key."""
    model_id = (model_id or "").strip()
    credential = (credential or "").strip()
    if key is not None and not key:
        raise UserError("models.err.key_empty")
    if key and not credential:
        credential = credential_name(model_id)
    entry: dict[str, Any] = {
        "id": model_id,
        "provider": (provider or "").strip(),
        "name": name,
        "display_name": display_name,
        "base_url": (base_url or "").strip(),
        "credential": credential,
        "price_in": price_in,
        "price_out": price_out,
        "self_hosted": bool(self_hosted),
        "roles": list(roles),
        "teams": list(teams),
        "enabled": bool(enabled),
        "max_data_class": max_data_class or None,
    }
    _with_model(org.settings(), entry)  # refused here: nothing stored yet
    if key:
        org.set_secret(credential, key)
    settings = org.update(lambda current: _with_model(current, entry))
    added = settings.org_model(model_id)
    assert added is not None
    log.info("model %r (%s) added by %s", model_id, added.ref, org.by)
    return added


def _with_model(current: AdminSettings, entry: dict[str, Any]) -> AdminSettings:
    whole = current.model_dump()
    whole["models"] = [*whole["models"], entry]
    return parse_admin_settings(whole)


def remove_model(org: Organisation, model_id: str) -> OrgModelSettings:
    """Remove a model, and the key stored with it (``model-<id>``) unless another model or an
    MCP server names it too. An unknown id is ``NotFound`` (nothing is written)."""
    removed: list[OrgModelSettings] = []

    def change(current: AdminSettings) -> AdminSettings:
        found = current.org_model(model_id)
        if found is None:
            raise NotFound("models.err.not_found", id=model_id)
        removed.append(found)
        whole = current.model_dump()
        whole["models"] = [m for m in whole["models"] if m["id"] != model_id]
        return parse_admin_settings(whole)

    after = org.update(change)
    model = removed[-1]
    if model.credential == credential_name(model_id) and model.credential not in _named(after):
        with contextlib.suppress(NotFound):  # already deleted by hand
            org.delete_secret(model.credential)
    log.info("model %r removed by %s", model_id, org.by)
    return model


def _named(settings: AdminSettings) -> set[str]:
    """The installation secrets the settings name."""
    return {m.credential for m in settings.models} | {s.credential for s in settings.mcp_servers}


def set_model_enabled(org: Organisation, model_id: str, enabled: bool) -> OrgModelSettings:
    def change(current: AdminSettings) -> AdminSettings:
        if current.org_model(model_id) is None:
            raise NotFound("models.err.not_found", id=model_id)
        whole = current.model_dump()
        for entry in whole["models"]:
            if entry["id"] == model_id:
                entry["enabled"] = enabled
        return parse_admin_settings(whole)

    settings = org.update(change)
    changed = settings.org_model(model_id)
    assert changed is not None
    return changed


# --- testing the connection ---------------------------------------------------------------------


class ModelConnectionFailed(UserError):
    """The test call failed; ``reason`` says why in one word (``auth``, ``unknown_model``,
    ``unreachable``, ``timeout``, ``busy``, ``server_error``, ``refused``, ``failed``)."""

    def __init__(self, reason: str, **params: Any) -> None:
        self.reason = reason
        super().__init__(f"models.test.{reason}", **params)


@dataclass(frozen=True)
class ConnectionOk:
    model_id: str
    display_name: str
    seconds: float


def try_connection(
    org: Organisation,
    model_id: str,
    *,
    providers: ProviderRegistry | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = TEST_TIMEOUT_S,
) -> ConnectionOk:
    """One tiny real call to the model, as a run would make it (its address, its key), within
    ``timeout_s``. A failure is ``ModelConnectionFailed``, in words; the details go to the log
    without the key."""
    import os

    from agents.models.registry import default_registry

    model = get_model(org, model_id)  # an administrator's
    registry = providers or default_registry()
    provider = registry.get(model.provider)
    env = os.environ if env is None else env
    connection = org_connection(
        model, provider, env, installation_secret_resolver(), timeout_s=timeout_s
    )
    settings = ModelSettings(
        provider=model.provider, name=model.name, temperature=0, max_tokens=TEST_MAX_TOKENS
    )
    chat = registry.create(settings, env, connection)
    started = time.monotonic()
    try:
        chat.invoke(TEST_PROMPT)
    except AtelierError:
        raise
    except Exception as exc:
        log.warning("model %r: connection test failed (%s)", model_id, _kinds(exc))
        raise _failure(exc, model, connection, timeout_s) from None
    return ConnectionOk(model.id, model.display_name, time.monotonic() - started)


def _failure(
    exc: BaseException, model: OrgModelSettings, connection: Connection, timeout_s: float
) -> ModelConnectionFailed:
    common = {"name": model.display_name}
    status = _status(exc)
    if status in (401, 403):
        if not connection.api_key:
            return ModelConnectionFailed("auth_no_key", status=status, **common)
        return ModelConnectionFailed(
            "auth", status=status, credential=model.credential or "—", **common
        )
    if status == 404:
        return ModelConnectionFailed("unknown_model", model=model.name, **common)
    if status == 429:
        return ModelConnectionFailed("busy", **common)
    if status is not None and status >= 500:
        return ModelConnectionFailed("server_error", status=status, **common)
    if status is not None:
        return ModelConnectionFailed("refused", status=status, **common)
    names = _kinds(exc).lower()
    address = connection.base_url or model.provider
    if "timeout" in names or any(isinstance(e, TimeoutError) for e in _chain(exc)):
        return ModelConnectionFailed("timeout", seconds=f"{timeout_s:g}", **common)
    if "connect" in names or any(isinstance(e, ConnectionError) for e in _chain(exc)):
        return ModelConnectionFailed("unreachable", address=address, **common)
    return ModelConnectionFailed("failed", kind=type(exc).__name__, **common)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and the ones it was raised from (an SDK wraps httpx's)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _kinds(exc: BaseException) -> str:
    return " < ".join(type(e).__name__ for e in _chain(exc))


def _status(exc: BaseException) -> int | None:
    for error in _chain(exc):
        for holder in (error, getattr(error, "response", None)):
            status = getattr(holder, "status_code", None)
            if isinstance(status, int) and status >= 400:
                return status
    return None
