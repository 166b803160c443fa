"""The model provider registry: ``provider:model`` -> a LangChain chat model.

Built-in providers register through ``ProviderRegistry.register`` like a plug-in would (entry
point group ``atelier.providers``). A provider is offered only when its credentials are in the
environment; asking for one that is not says which variable to set.

The environment is the installation's default. A model the organisation's administrator added
(``store.admin_settings.OrgModelSettings``) brings its own ``Connection`` (address and key), which
the caller resolves and passes to ``create``: then the environment is not read at all, so the
installation's key never reaches another organisation model's server.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from agents.errors import MissingCredentials, UserError
from agents.plugins import PROVIDERS, load_plugins
from agents.spec import ModelSettings

log = logging.getLogger(__name__)

ModelFactory = Callable[[ModelSettings, Mapping[str, str]], BaseChatModel]


@dataclass(frozen=True)
class Connection:
    """Where and how to reach one model, given by the organisation rather than the
    environment. Empty ``base_url``: the provider's own service (or its local default);
    ``timeout_s`` None: the provider's usual time limit."""

    base_url: str = ""
    api_key: str = field(default="", repr=False)
    timeout_s: float | None = None


ConnectedFactory = Callable[[ModelSettings, Connection], BaseChatModel]


@dataclass(frozen=True)
class Provider:
    id: str
    label: str
    factory: ModelFactory
    env_any: tuple[str, ...] = ()
    """The provider is configured when any of these variables is set (empty: always)."""
    default_model: str = ""
    suggested_models: tuple[str, ...] = ()
    self_hosted: bool = False
    test_only: bool = False
    needs_model_name: bool = True
    connect: ConnectedFactory | None = None
    """Builds the model from an organisation's ``Connection`` instead of the environment; a
    provider without it serves only the environment's models."""
    generates: bool = True
    """False for a provider that writes no text of its own (the offline model)."""
    base_url_env: str = ""
    key_env: str = ""
    """The environment variables of its default address and key (for ``env_connection``)."""

    def configured(self, env: Mapping[str, str]) -> bool:
        return not self.env_any or any(env.get(name) for name in self.env_any)

    def env_connection(self, env: Mapping[str, str]) -> Connection:
        """The installation's default address and key for this provider."""
        return Connection(
            env.get(self.base_url_env, "") if self.base_url_env else "",
            env.get(self.key_env, "") if self.key_env else "",
        )


@dataclass(frozen=True)
class ModelChoice:
    """A model someone can pick in the builder."""

    ref: str
    provider: Provider


def parse_ref(ref: str) -> ModelSettings:
    """``"openai:gpt-4o-mini"`` or ``"offline"`` -> settings. ``scripted:PATH`` keeps the path."""
    provider, _, name = ref.strip().partition(":")
    if not provider:
        raise UserError("model.bad_ref", ref=ref)
    return ModelSettings(provider=provider, name=name)


class ProviderRegistry:
    def __init__(self) -> None:
        self._providers: dict[str, Provider] = {}

    def register(self, provider: Provider) -> None:
        if provider.id in self._providers:
            raise ValueError(f"provider {provider.id!r} is already registered")
        self._providers[provider.id] = provider

    def get(self, provider_id: str) -> Provider:
        try:
            return self._providers[provider_id]
        except KeyError:
            known = ", ".join(sorted(self._providers))
            raise UserError("model.unknown_provider", provider=provider_id, known=known) from None

    def all(self) -> list[Provider]:
        return list(self._providers.values())

    def available(self, env: Mapping[str, str] | None = None) -> list[Provider]:
        env = os.environ if env is None else env
        return [p for p in self._providers.values() if p.configured(env)]

    def choices(self, env: Mapping[str, str] | None = None) -> list[ModelChoice]:
        """Models to offer in the picker: configured providers and their suggested models."""
        out = []
        for p in self.available(env):
            if p.test_only:
                continue
            names = p.suggested_models or ((p.default_model,) if p.default_model else ("",))
            for name in names:
                out.append(ModelChoice(f"{p.id}:{name}" if name else p.id, p))
        return out

    def create(
        self,
        settings: ModelSettings,
        env: Mapping[str, str] | None = None,
        connection: Connection | None = None,
    ) -> BaseChatModel:
        """The chat model for ``settings``: reached through ``connection`` when one is given
        (an organisation model), else configured from ``env``."""
        env = os.environ if env is None else env
        provider = self.get(settings.provider)
        if connection is not None:
            if provider.connect is None:
                raise UserError("models.err.provider_cannot_connect", provider=provider.id)
            if not settings.name:
                raise UserError("model.name_required", provider=provider.id)
            return provider.connect(settings, connection)
        if not provider.configured(env):
            raise MissingCredentials(
                "model.missing_credentials",
                provider=provider.id,
                variables=" / ".join(provider.env_any),
            )
        if provider.needs_model_name and not (settings.name or provider.default_model):
            raise UserError("model.name_required", provider=provider.id)
        if not settings.name and provider.default_model:
            settings = settings.model_copy(update={"name": provider.default_model})
        return provider.factory(settings, env)


def default_model_settings(env: Mapping[str, str] | None = None) -> ModelSettings:
    """The workspace default: ``ATELIER_DEFAULT_MODEL`` if set, else the offline model."""
    env = os.environ if env is None else env
    ref = env.get("ATELIER_DEFAULT_MODEL", "").strip()
    return parse_ref(ref) if ref else ModelSettings(provider="offline")


def default_registry() -> ProviderRegistry:
    """A fresh registry with the built-in providers and any installed plug-ins."""
    from agents.models import builtin

    registry = ProviderRegistry()
    builtin.register_all(registry)
    load_plugins(PROVIDERS, registry)
    return registry
