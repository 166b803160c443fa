"""The provider registry: which models are offered, and what a missing key says."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from agents.errors import MissingCredentials, UserError
from agents.models.offline import OfflineChatModel
from agents.models.registry import (
    Provider,
    ProviderRegistry,
    default_model_settings,
    default_registry,
    parse_ref,
)
from agents.models.scripted import ScriptedChatModel, load_script


def test_only_configured_providers_are_offered() -> None:
    refs = [c.ref for c in default_registry().choices({})]
    assert refs == ["offline"]
    refs = [c.ref for c in default_registry().choices({"MISTRAL_API_KEY": "k"})]
    assert "mistral:mistral-small-latest" in refs and "offline" in refs
    assert not any(r.startswith("scripted") for r in refs), "test models are not offered"


def test_a_missing_key_names_the_variable_to_set() -> None:
    with pytest.raises(MissingCredentials) as caught:
        default_registry().create(parse_ref("anthropic:claude-sonnet-4-5"), {})
    assert "ANTHROPIC_API_KEY" in str(caught.value)


def test_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(UserError) as caught:
        default_registry().create(parse_ref("skynet:t800"), {})
    assert "openai" in str(caught.value) and "offline" in str(caught.value)


def test_openai_with_a_base_url_serves_compatible_servers() -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:8000/v1"}
    model = default_registry().create(parse_ref("openai:qwen2.5"), env)
    assert model.model_name == "qwen2.5"  # type: ignore[attr-defined]
    assert str(model.openai_api_base) == "http://127.0.0.1:8000/v1"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("ref", "env", "kind"),
    [
        ("mistral:mistral-small-latest", {"MISTRAL_API_KEY": "k"}, "ChatMistralAI"),
        ("anthropic:claude-haiku-4-5", {"ANTHROPIC_API_KEY": "k"}, "ChatAnthropic"),
        ("ollama:llama3.1", {"OLLAMA_HOST": "http://127.0.0.1:11434"}, "ChatOllama"),
        ("openai", {"OPENAI_API_KEY": "k"}, "ChatOpenAI"),
    ],
)
def test_each_provider_builds_its_model_without_calling_it(
    ref: str, env: dict[str, str], kind: str
) -> None:
    assert type(default_registry().create(parse_ref(ref), env)).__name__ == kind


def test_the_default_is_offline_unless_configured() -> None:
    assert default_model_settings({}).provider == "offline"
    assert default_model_settings({"ATELIER_DEFAULT_MODEL": "mistral:x"}).ref == "mistral:x"
    assert isinstance(default_registry().create(default_model_settings({}), {}), OfflineChatModel)


def test_plugins_register_like_builtins() -> None:
    registry = ProviderRegistry()
    registry.register(Provider("echo", "Echo", lambda s, env: OfflineChatModel()))
    with pytest.raises(ValueError, match="already"):
        registry.register(Provider("echo", "Echo", lambda s, env: OfflineChatModel()))
    assert [p.id for p in registry.available({})] == ["echo"]


def test_scripted_model_reads_yaml_and_json(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text("- text: bonjour\n- tool_calls: [{name: calculator}]\n")
    (tmp_path / "r.json").write_text('["salut"]')
    assert len(load_script(tmp_path / "r.yaml")) == 2
    model = default_registry().create(parse_ref(f"scripted:{tmp_path / 'r.json'}"), {})
    assert isinstance(model, ScriptedChatModel)
    assert model.invoke([HumanMessage("x")]).text == "salut"
    assert "épuisé" in model.invoke([HumanMessage("x")]).text


@pytest.mark.parametrize(
    "content", ["text: pas une liste\n", "- {text: a, voice: b}\n", "- {error: meltdown}\n"]
)
def test_scripted_model_rejects_bad_scripts(tmp_path: Path, content: str) -> None:
    (tmp_path / "r.yaml").write_text(content)
    with pytest.raises(UserError):
        load_script(tmp_path / "r.yaml")


def test_scripted_model_needs_a_path() -> None:
    with pytest.raises(UserError, match="scripted:"):
        default_registry().create(parse_ref("scripted"), {})
