"""The built-in providers. Vendor packages are imported inside the factories: importing them
all costs seconds at start-up and most deployments use one or two.

Provider-side retries are switched off (``max_retries=0``): the runtime retries with its own
bounded policy, so that one setting governs how long a person waits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.errors import UserError
from agents.models.offline import OfflineChatModel
from agents.models.registry import ModelFactory, Provider, ProviderRegistry
from agents.spec import ModelSettings

TIMEOUT_S = 60.0
MISTRAL_MODELS = ("mistral-small-latest", "mistral-large-latest")
CLAUDE_MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5")


def _openai(s: ModelSettings, env: Mapping[str, str]) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    base_url = env.get("OPENAI_BASE_URL") or None
    # An OpenAI-compatible server (vLLM, Ollama, llama.cpp, Albert) may need no key at all.
    api_key = env.get("OPENAI_API_KEY") or "not-needed"
    kwargs: dict[str, Any] = {"max_tokens": s.max_tokens} if s.max_tokens else {}
    return ChatOpenAI(
        model=s.name,
        temperature=s.temperature,
        api_key=api_key,
        base_url=base_url,
        timeout=TIMEOUT_S,
        max_retries=0,
        stream_usage=True,
        **kwargs,
    )


def _mistral(s: ModelSettings, env: Mapping[str, str]) -> BaseChatModel:
    from langchain_mistralai import ChatMistralAI

    kwargs: dict[str, Any] = {"max_tokens": s.max_tokens} if s.max_tokens else {}
    return ChatMistralAI(
        model_name=s.name,
        temperature=s.temperature,
        api_key=env["MISTRAL_API_KEY"],
        timeout=int(TIMEOUT_S),
        max_retries=0,
        **kwargs,
    )


def _anthropic(s: ModelSettings, env: Mapping[str, str]) -> BaseChatModel:
    from langchain_anthropic import ChatAnthropic

    return ChatAnthropic(  # type: ignore[call-arg]
        model_name=s.name,
        temperature=s.temperature,
        max_tokens_to_sample=s.max_tokens or 4096,
        api_key=env["ANTHROPIC_API_KEY"],
        base_url=env.get("ANTHROPIC_BASE_URL") or None,
        default_request_timeout=TIMEOUT_S,
        max_retries=0,
    )


def _ollama(s: ModelSettings, env: Mapping[str, str]) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=s.name,
        temperature=s.temperature,
        num_predict=s.max_tokens,
        base_url=env.get("OLLAMA_HOST"),
    )


def _offline(s: ModelSettings, env: Mapping[str, str]) -> BaseChatModel:
    return OfflineChatModel()


def _scripted(s: ModelSettings, env: Mapping[str, str]) -> BaseChatModel:
    from agents.models.scripted import ScriptedChatModel, load_script

    if not s.name:
        raise UserError("model.scripted.path_required")
    return ScriptedChatModel(replies=load_script(s.name))


def _serving(
    id: str,
    label: str,
    factory: ModelFactory,
    env_any: tuple[str, ...],
    models: tuple[str, ...],
    *,
    self_hosted: bool = False,
) -> Provider:
    """A provider of named models, offered when one of ``env_any`` is set; the first of
    ``models`` is its default."""
    return Provider(
        id,
        label,
        factory,
        env_any=env_any,
        default_model=models[0],
        suggested_models=models,
        self_hosted=self_hosted,
    )


BUILTIN_PROVIDERS = (
    _serving(
        "openai",
        "OpenAI ou serveur compatible (vLLM, Ollama, Albert…)",
        _openai,
        ("OPENAI_API_KEY", "OPENAI_BASE_URL"),
        ("gpt-4o-mini", "gpt-4o"),
    ),
    _serving("mistral", "Mistral AI", _mistral, ("MISTRAL_API_KEY",), MISTRAL_MODELS),
    _serving("anthropic", "Anthropic (Claude)", _anthropic, ("ANTHROPIC_API_KEY",), CLAUDE_MODELS),
    _serving(
        "ollama",
        "Ollama (auto-hébergé)",
        _ollama,
        ("OLLAMA_HOST",),
        ("llama3.1", "mistral"),
        self_hosted=True,
    ),
    Provider(
        "offline",
        "Hors ligne (aucun modèle de langage)",
        _offline,
        self_hosted=True,
        needs_model_name=False,
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
