"""The built-in providers. Vendor packages are imported inside the factories: importing them
all costs seconds at start-up and most deployments use one or two.

Provider-side retries are switched off (``max_retries=0``): the runtime retries with its own
bounded policy, so that one setting governs how long a person waits.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.errors import MissingCredentials, UserError
from agents.models.offline import OfflineChatModel
from agents.models.registry import ConnectedFactory, Connection, Provider, ProviderRegistry
from agents.spec import ModelSettings

TIMEOUT_S = 60.0
MISTRAL_MODELS = ("mistral-small-latest", "mistral-large-latest")
CLAUDE_MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5")


def _openai(s: ModelSettings, c: Connection) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    kwargs: dict[str, Any] = {"max_tokens": s.max_tokens} if s.max_tokens else {}
    return ChatOpenAI(
        model=s.name,
        temperature=s.temperature,
        # An OpenAI-compatible server (vLLM, Ollama, llama.cpp, Albert) may need no key at all.
        api_key=c.api_key or "not-needed",
        base_url=c.base_url or None,
        timeout=c.timeout_s or TIMEOUT_S,
        max_retries=0,
        stream_usage=True,
        **kwargs,
    )


def _needs_key(provider: str, c: Connection) -> str:
    if not c.api_key:
        raise MissingCredentials("models.err.no_key", provider=provider)
    return c.api_key


def _mistral(s: ModelSettings, c: Connection) -> BaseChatModel:
    from langchain_mistralai import ChatMistralAI

    kwargs: dict[str, Any] = {"max_tokens": s.max_tokens} if s.max_tokens else {}
    return ChatMistralAI(
        model_name=s.name,
        temperature=s.temperature,
        api_key=_needs_key("mistral", c),
        timeout=max(1, round(c.timeout_s or TIMEOUT_S)),
        max_retries=0,
        **kwargs,
    )


def _anthropic(s: ModelSettings, c: Connection) -> BaseChatModel:
    from langchain_anthropic import ChatAnthropic

    return ChatAnthropic(  # type: ignore[call-arg]
        model_name=s.name,
        temperature=s.temperature,
        max_tokens_to_sample=s.max_tokens or 4096,
        api_key=_needs_key("anthropic", c),
        base_url=c.base_url or None,
        default_request_timeout=c.timeout_s or TIMEOUT_S,
        max_retries=0,
    )


def _ollama(s: ModelSettings, c: Connection) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    client: dict[str, Any] = {"timeout": c.timeout_s} if c.timeout_s else {}
    if c.api_key:  # an Ollama behind a proxy that asks for a token
        client["headers"] = {"Authorization": f"Bearer {c.api_key}"}
    return ChatOllama(
        model=s.name,
        temperature=s.temperature,
        num_predict=s.max_tokens,
        base_url=c.base_url or None,
        client_kwargs=client,
    )


def _offline(s: ModelSettings, env: Mapping[str, str]) -> BaseChatModel:
    return OfflineChatModel()


def _scripted(s: ModelSettings, env: Mapping[str, str]) -> BaseChatModel:
    from agents.models.scripted import ScriptedChatModel, load_script

    if not s.name:
        raise UserError("model.scripted.path_required")
    record = env.get("ATELIER_SCRIPTED_RECORD")
    return ScriptedChatModel(replies=load_script(s.name), record=Path(record) if record else None)


def _serving(
    id: str,
    label: str,
    connect: ConnectedFactory,
    variables: tuple[str, str],
    models: tuple[str, ...],
    *,
    self_hosted: bool = False,
    key_required: bool = False,
) -> Provider:
    """A provider of named models; the first of ``models`` is its default. ``variables``:
    the environment's address and key for it (either may be ""); it is offered when one of
    them is set (the key, when ``key_required``). The environment's model and an
    organisation's are built by the same ``connect``, the first from the variables' values."""
    base_url_env, key_env = variables

    def factory(s: ModelSettings, env: Mapping[str, str]) -> BaseChatModel:
        return connect(s, Connection(env.get(base_url_env, ""), env.get(key_env, "")))

    offered_by = (key_env,) if key_required else (key_env, base_url_env)
    return Provider(
        id,
        label,
        factory,
        env_any=tuple(name for name in offered_by if name),
        default_model=models[0],
        suggested_models=models,
        self_hosted=self_hosted,
        connect=connect,
        base_url_env=base_url_env,
        key_env=key_env,
    )


BUILTIN_PROVIDERS = (
    _serving(
        "openai",
        "OpenAI ou serveur compatible (vLLM, Ollama, Albert…)",
        _openai,
        ("OPENAI_BASE_URL", "OPENAI_API_KEY"),
        ("gpt-4o-mini", "gpt-4o"),
    ),
    _serving(
        "mistral",
        "Mistral AI",
        _mistral,
        ("", "MISTRAL_API_KEY"),
        MISTRAL_MODELS,
        key_required=True,
    ),
    _serving(
        "anthropic",
        "Anthropic (Claude)",
        _anthropic,
        ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"),
        CLAUDE_MODELS,
        key_required=True,
    ),
    _serving(
        "ollama",
        "Ollama (auto-hébergé)",
        _ollama,
        ("OLLAMA_HOST", ""),
        ("llama3.1", "mistral"),
        self_hosted=True,
    ),
    Provider(
        "offline",
        "Hors ligne (aucun modèle de langage)",
        _offline,
        self_hosted=True,
        needs_model_name=False,
        generates=False,
    ),
    Provider(
        "scripted",
        "Modèle de test scripté (scripted:FICHIER.yaml)",
        _scripted,
        self_hosted=True,
        test_only=True,
    ),
)


def register_all(registry: ProviderRegistry) -> None:
    for provider in BUILTIN_PROVIDERS:
        registry.register(provider)
