"""The agent spec: round-trips, readable errors, the published schema."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from agents.errors import InvalidSpec, UserError
from agents.models.registry import default_registry as default_providers
from agents.spec import MAX_TOOL_STEPS, AgentSpec, spec_json_schema
from agents.validation import check_spec, spec_problems
from tools.registry import default_registry as default_tools

MINIMAL = """\
schema: atelier/agent@1
name: Calculette
instructions: Tu réponds aux questions de calcul en utilisant la calculatrice.
tools:
- id: calculator
"""

FULL = """\
schema: atelier/agent@1
name: Rédacteur « Été »
description: Rédige des messages.
icon: ✍️
instructions: |
  Tu es un rédacteur.
  Réponds en français, avec des phrases courtes.
conversation_starters:
- Écris un message d'accueil
opening_form:
- id: ton
  label: Ton
  kind: choice
  choices:
  - formel
  - amical
model:
  provider: mistral
  name: mistral-small-latest
  temperature: 0.7
  max_tokens: 800
tools:
- id: current_datetime
  config:
    timezone: America/Cayenne
  approval: always_ask
limits:
  max_tool_steps: 3
guardrails:
  data_class: sensitive
  pii: pseudonymise
oversight: review
tests:
- message: Bonjour
  expect_contains:
  - Bonjour
"""


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidSpec) as caught:
        AgentSpec.from_yaml(text)
    return caught.value.problems


@pytest.mark.parametrize("text", [MINIMAL, FULL])
def test_yaml_round_trips_exactly(text: str) -> None:
    spec = AgentSpec.from_yaml(text)
    assert spec.to_yaml() == text
    assert AgentSpec.from_yaml(spec.to_yaml()) == spec


def test_save_and_load_a_file(tmp_path: Path) -> None:
    spec = AgentSpec.from_yaml(FULL)
    spec.save(tmp_path / "a.yaml")
    assert AgentSpec.load(tmp_path / "a.yaml") == spec


def test_unknown_field_is_named_with_its_path() -> None:
    problems = problems_of(MINIMAL.replace("- id: calculator", "- id: calculator\n  confg: {}"))
    assert problems == [("tools[0].confg", problems[0][1])]
    assert "champ inconnu" in problems[0][1]


def test_every_problem_is_reported_at_once() -> None:
    text = MINIMAL + "model: {provider: mistral, temperature: chaud}\n"
    text += "limits: {max_tool_steps: 99}\n"
    paths = [p for p, _ in problems_of(text)]
    assert paths == ["model.temperature", "limits.max_tool_steps"]


def test_more_tool_steps_than_allowed_is_refused() -> None:
    (problem,) = problems_of(MINIMAL + f"limits: {{max_tool_steps: {MAX_TOOL_STEPS + 1}}}\n")
    assert problem[0] == "limits.max_tool_steps"
    assert str(MAX_TOOL_STEPS) in problem[1]


def test_invalid_yaml_names_the_line() -> None:
    (problem,) = problems_of("schema: atelier/agent@1\nname: [unclosed\n")
    assert "ligne 3" in problem[1] or "ligne 2" in problem[1]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("- a list\n", ""),
        ("name: Sans schéma\n", "schema"),
        ("schema: atelier/agent@9\nname: x\n", "schema"),
        ("schema: atelier/agent@1\nname: '   '\n", "name"),
        ("schema: atelier/agent@1\n", "name"),
    ],
)
def test_malformed_documents(text: str, path: str) -> None:
    assert problems_of(text)[0][0] == path


def test_yaml_tags_are_not_executed() -> None:
    problems = problems_of("schema: atelier/agent@1\nname: !!python/object/apply:os.system [id]\n")
    assert "YAML" in problems[0][1]


def test_registry_checks_name_the_tool_config_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_LANG", "en")
    spec = AgentSpec.from_yaml(
        MINIMAL + "- id: current_datetime\n  config:\n    timezone: Europe/Pariss\n"
    )
    problems = spec_problems(spec, default_tools(), default_providers(), installation=None)
    assert problems == [("tools[1].config.timezone", 'unknown time zone "Europe/Pariss"')]


def test_unknown_tool_and_provider_list_the_known_ones() -> None:
    spec = AgentSpec.from_yaml(MINIMAL + "- id: teleporter\nmodel: {provider: skynet}\n")
    with pytest.raises(InvalidSpec) as caught:
        check_spec(spec, default_tools(), default_providers(), installation=None)
    text = str(caught.value)
    assert "tools[1].id" in text and "teleporter" in text and "calculator" in text
    assert "model.provider" in text and "skynet" in text and "mistral" in text


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError):
        AgentSpec.load(tmp_path / "absent.yaml")


def test_json_schema_is_published_and_validates_examples() -> None:
    schema = spec_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for text in (MINIMAL, FULL):
        validator.validate(AgentSpec.from_yaml(text).to_data())
    assert list(validator.iter_errors({"schema": "atelier/agent@1", "name": "x", "oops": 1}))


def test_v1_files_keep_loading_without_later_sections() -> None:
    spec = AgentSpec.from_yaml(MINIMAL)
    assert spec.knowledge is None and spec.guardrails is None and spec.workflow is None


def test_oversight_short_form_and_first_format_load_as_review() -> None:
    head = "schema: atelier/agent@1\nname: Relecture\n"
    short = AgentSpec.from_yaml(head + "oversight: review\n")
    legacy = AgentSpec.from_yaml(head + "oversight: {review_before_send: true}\n")
    off = AgentSpec.from_yaml(head + "oversight: {review_before_send: false}\n")
    assert short.oversight is not None and short.oversight.review
    assert legacy.oversight is not None and legacy.oversight.review
    assert off.oversight is not None and not off.oversight.review
    assert "oversight: review\n" in short.to_yaml()
    assert AgentSpec.from_yaml(legacy.to_yaml()) == short
    teams = AgentSpec.from_yaml(head + "oversight: {mode: review, reviewers: [team:Usagers]}\n")
    assert AgentSpec.from_yaml(teams.to_yaml()) == teams


def test_pii_block_and_high_risk_area_are_spec_values() -> None:
    head = "schema: atelier/agent@1\nname: RH\n"
    spec = AgentSpec.from_yaml(head + "guardrails: {pii: block, high_risk_area: employment}\n")
    assert spec.guardrails is not None and spec.guardrails.pii == "block"
    with pytest.raises(InvalidSpec):
        AgentSpec.from_yaml(head + "guardrails: {high_risk_area: recrutement}\n")


def test_pii_off_unquoted_means_off() -> None:
    spec = AgentSpec.from_yaml("schema: atelier/agent@1\nname: X\nguardrails: {pii: off}\n")
    assert spec.guardrails is not None and spec.guardrails.pii == "off"
