"""The fields a spec sets that have no effect yet, as the editor will list them (issue 8, #4)."""

from __future__ import annotations

import pytest

from agents.i18n import catalogue
from agents.spec import AgentSpec
from agents.spec_effects import NOT_YET_ACTIVE, inactive_fields, is_active

HEAD = "schema: atelier/agent@1\nname: Essai\n"


def flagged(extra: str) -> list[str]:
    return [field.path for field in inactive_fields(AgentSpec.from_yaml(HEAD + extra))]


def test_a_plain_spec_has_nothing_inactive() -> None:
    assert flagged("instructions: Réponds poliment.\n") == []


def test_promised_protections_are_flagged() -> None:
    spec = """\
guardrails: {data_class: sensitive, pii: pseudonymise}
oversight: {review_before_send: true}
workflow: [{step: relire}]
tests: [{message: Bonjour}]
opening_form: [{id: url, label: Adresse, kind: url}]
"""
    assert flagged(spec) == [
        "workflow",
        "tests",
        "opening_form",
    ]


def test_values_that_promise_nothing_are_not_flagged() -> None:
    assert flagged('guardrails: {pii: "off"}\noversight: {review_before_send: false}\n') == []
    assert flagged("workflow: []\ntests: []\n") == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_field_has_a_plain_sentence_without_its_path(lang: str) -> None:
    spec = AgentSpec.from_yaml(HEAD + "workflow: [{step: relire}]\n")
    (field,) = inactive_fields(spec)
    assert field.message(lang) == catalogue(lang)["spec_effects.workflow"]
    for path, key in NOT_YET_ACTIVE.items():
        sentence = catalogue(lang)[key]
        assert path not in sentence and "_" not in sentence, sentence
    assert "pas encore" in field.message("fr")


def test_active_fields_are_not_in_the_list() -> None:
    assert is_active("tools") and is_active("knowledge.min_score")
    assert is_active("guardrails.pii") and is_active(
        "guardrails.data_class"
    )  # pseudonymised or blocked in runs (agents.privacy_guard)
    assert is_active("oversight.mode")  # review before an answer counts: issue 11
    assert not is_active("workflow")
