"""Comparing two versions of an agent field by field, in the person's words, and restoring an old
version as a new one (never rewriting history; a restore equal to the latest writes nothing).
The comparison is pure logic (``agents.spec_diff``); compare and restore run through
``Services`` on a real SQLite catalogue."""

from __future__ import annotations

import re
import threading

import pytest
from people import enrol

from agents.errors import NotFound
from agents.spec import AgentSpec
from agents.spec_diff import COMPARED, FieldChange, LineChange, diff_specs, diff_text, line_diff
from builder_ui.services.installation import Installation, Services
from store.sql_catalogue import open_catalogue

BASE = {
    "schema": "atelier/agent@1",
    "name": "Guichet",
    "instructions": "Tu réponds aux usagers.\nTu restes poli.\nTu signes « Le guichet ».",
}
FIELD_PATH = re.compile(r"\w+\[\d+\]|\w+\.\w+\.\w+")  # tools[0]..., tools.x.config: not for people


def spec(**changes: object) -> AgentSpec:
    return AgentSpec.from_data({**BASE, **changes})


def by_field(changes: list[FieldChange]) -> dict[str, FieldChange]:
    return {change.field: change for change in changes}


# --- the comparison ----------------------------------------------------------------------------


def test_identical_specs_have_no_difference() -> None:
    assert diff_specs(spec(), AgentSpec.from_yaml(spec().to_yaml())) == []


def test_every_field_of_the_spec_is_compared() -> None:
    """A field added to ``AgentSpec`` must get its place in the comparison."""
    assert set(AgentSpec.model_fields) - {"schema_"} == set(COMPARED)


# One change per kind of field: (what the second version sets, the field listed, its label, the
# values before and after as a French page shows them).
EVERY_KIND = [
    ({"name": "Accueil"}, "name", "Nom", "Guichet", "Accueil"),
    ({"icon": "🏛️"}, "icon", "Icône", "🤖", "🏛️"),
    (
        {"description": "Pour les usagers"},
        "description",
        "Description",
        "(vide)",
        "Pour les usagers",
    ),
    (
        {"category": "Communication"},
        "category",
        "Catégorie dans le catalogue",
        "(vide)",
        "Communication",
    ),
    (
        {"conversation_starters": ["Horaires ?", "Adresse ?"]},
        "conversation_starters",
        "Suggestions de conversation",
        "(aucun)",
        "Horaires ?\nAdresse ?",
    ),
    (
        {"opening_form": [{"id": "ville", "label": "Ville", "required": True}]},
        "opening_form",
        "Formulaire d'ouverture",
        "(aucun)",
        "Ville (texte court, obligatoire)",
    ),
    (
        {"model": {"provider": "offline"}},
        "model",
        "Modèle de langage",
        "Par défaut de l'espace",
        "offline",
    ),
    (
        {"model": {"provider": "offline", "temperature": 0.9}},
        "model.temperature",
        "Température",
        "(par défaut)",
        "0.9",
    ),
    (
        {"model": {"provider": "offline", "max_tokens": 500}},
        "model.max_tokens",
        "Longueur maximale d'une réponse (en jetons)",
        "(par défaut)",
        "500",
    ),
    (
        {"limits": {"max_tool_steps": 3}},
        "limits.max_tool_steps",
        "Étapes d'outils par réponse (au plus)",
        "6",
        "3",
    ),
    (
        {"knowledge": {"bases": ["kb-rh", "kb-faq"]}},
        "knowledge.bases",
        "Bases de connaissances",
        "(aucun)",
        "kb-rh\nkb-faq",
    ),
    (
        {"knowledge": {"mode": "tool"}},
        "knowledge.mode",
        "Quand chercher dans les documents",
        "Chercher avant chaque réponse",
        "Laisser l'assistant chercher quand il le juge utile",
    ),
    (
        {"knowledge": {"top_k": 8}},
        "knowledge.top_k",
        "Nombre de passages donnés à l'assistant",
        "5",
        "8",
    ),
    (
        {"knowledge": {"min_score": 0.5}},
        "knowledge.min_score",
        "Proximité minimale avec la question (0 à 1)",
        None,
        "0.5",
    ),
    (
        {"tools": [{"id": "calculator"}]},
        "tools.calculator",
        "Outils › Calculatrice",
        "non utilisé",
        "utilisé",
    ),
    (
        {"guardrails": {"data_class": "sensitive"}},
        "guardrails.data_class",
        "Classe des données",
        "internes",
        "sensibles",
    ),
    (
        {"guardrails": {"pii": "pseudonymise"}},
        "guardrails.pii",
        "Données personnelles",
        "transmises telles quelles",
        "pseudonymisées avant d'être envoyées au modèle",
    ),
    (
        {"oversight": {"review_before_send": True}},
        "oversight.mode",
        "Relecture humaine avant envoi",
        "non",
        "oui",
    ),
    (
        {"workflow": [{"step": "rédiger"}]},
        "workflow",
        "Étapes du processus",
        "(aucun)",
        '{"step": "rédiger"}',
    ),
    (
        {"tests": [{"message": "Bonjour", "expect_contains": ["guichet"]}]},
        "tests",
        "Cas de test",
        "(aucun)",
        "Bonjour (attendu : guichet)",
    ),
]


@pytest.mark.parametrize(("changes", "field", "label", "before", "after"), EVERY_KIND)
def test_each_kind_of_field_is_listed_in_words(
    changes: dict[str, object], field: str, label: str, before: str | None, after: str
) -> None:
    found = by_field(diff_specs(spec(), spec(**changes)))
    change = found[field]
    assert change.label == label
    if before is not None:
        assert change.before == before
    assert change.after == after
    unrelated = set(found) - {field, "model"}  # setting a model's temperature sets the model
    assert not unrelated, f"only {field} changed, but {unrelated} were listed"


def test_every_top_level_field_has_a_case() -> None:
    covered = {field.split(".")[0] for _, field, *_ in EVERY_KIND}
    assert covered | {"instructions"} == set(COMPARED)


def test_tool_settings_and_approval_are_named_by_the_tool_and_its_setting() -> None:
    old = spec(tools=[{"id": "current_datetime", "config": {"timezone": "Europe/Paris"}}])
    new = spec(
        tools=[
            {
                "id": "current_datetime",
                "config": {"timezone": "Europe/London"},
                "approval": "always_ask",
            }
        ]
    )
    found = by_field(diff_specs(old, new))
    assert set(found) == {
        "tools.current_datetime.approval",
        "tools.current_datetime.config.timezone",
    }
    approval = found["tools.current_datetime.approval"]
    assert approval.label == "Outils › Date et heure › Validation avant utilisation"
    assert approval.after == "Toujours demander"
    timezone = found["tools.current_datetime.config.timezone"]
    assert timezone.label == "Outils › Date et heure › Fuseau horaire"
    assert (timezone.before, timezone.after) == ("Europe/Paris", "Europe/London")


def test_a_removed_tool_lists_its_settings_but_not_a_default_approval() -> None:
    old = spec(tools=[{"id": "current_datetime", "config": {"timezone": "Europe/Paris"}}])
    found = by_field(diff_specs(old, spec()))
    assert set(found) == {"tools.current_datetime", "tools.current_datetime.config.timezone"}
    assert found["tools.current_datetime.config.timezone"].after == "(vide)"


def test_labels_are_words_in_the_page_language_never_field_paths() -> None:
    old = spec(tools=[{"id": "current_datetime", "config": {"timezone": "Europe/Paris"}}])
    new = spec(
        name="Accueil",
        tools=[{"id": "current_datetime", "config": {"timezone": "UTC"}}],
        guardrails={"pii": "pseudonymise"},
    )
    for lang, words in (("fr", "Fuseau horaire"), ("en", "Time zone")):
        changes = diff_specs(old, new, lang)
        labels = [change.label for change in changes]
        assert any(words in label for label in labels), labels
        for change in changes:
            assert not FIELD_PATH.search(change.label), change.label
    english = by_field(diff_specs(old, new, "en"))
    assert english["name"].label == "Name"
    assert english["guardrails.pii"].after == "pseudonymised before being sent to the model"


def test_a_tool_outside_the_catalogue_is_named_by_the_registry_title() -> None:
    found = diff_specs(spec(), spec(tools=[{"id": "plugin_tool"}]), tool_title=lambda _: "Météo")
    assert [change.label for change in found] == ["Outils › Météo"]


def test_instructions_come_as_a_line_diff_with_signs() -> None:
    lines = [f"Ligne {n}" for n in range(1, 11)]
    old = spec(instructions="\n".join(lines))
    changed = [*lines[:4], "Ligne quatre bis", *lines[5:9]]  # line 5 replaced, line 10 removed
    change = by_field(diff_specs(old, spec(instructions="\n".join(changed))))["instructions"]
    assert change.label == "Instructions"
    kinds = [(line.kind, line.text) for line in change.lines]
    assert ("removed", "Ligne 5") in kinds and ("added", "Ligne quatre bis") in kinds
    assert ("removed", "Ligne 10") in kinds
    assert kinds[0] == ("gap", "")  # lines 1 and 2 are left out
    assert ("same", "Ligne 3") in kinds and ("same", "Ligne 1") not in kinds
    text = diff_text(change.lines)
    assert "- Ligne 5\n+ Ligne quatre bis" in text
    assert text.startswith("…\n  Ligne 3")


def test_line_diff_of_identical_texts_is_empty_and_of_new_text_all_added() -> None:
    assert line_diff("a\nb", "a\nb") == []
    assert line_diff("", "a\nb") == [LineChange("added", "a"), LineChange("added", "b")]


# --- compare and restore through the services ----------------------------------------------------


@pytest.fixture
def services() -> Services:
    return Services.open()


def three_versions(services: Services) -> str:
    agent = services.save_agent(None, spec(), "premier").record.agent_id
    services.save_agent(agent, spec(instructions="Tu réponds en anglais."), "anglais")
    services.save_agent(agent, spec(name="Accueil", instructions="Tu réponds en anglais."))
    return agent


def test_compare_two_versions_of_an_agent(services: Services) -> None:
    agent = three_versions(services)
    comparison = services.compare_versions("Accueil", 1, 3)
    assert (comparison.first.number, comparison.second.number) == (1, 3)
    assert [change.field for change in comparison.changes] == ["name", "instructions"]
    assert services.compare_versions(agent, 2, 2).same


def test_restore_makes_a_new_version_and_keeps_history(services: Services) -> None:
    agent = three_versions(services)
    restored = services.restore_version(agent, 1)
    assert restored.changed and restored.record.number == 4
    assert restored.record.message == "Restauration de la version 1"
    assert services.version(agent).spec.to_data() == spec().to_data()
    assert [v.number for v in services.versions(agent)] == [4, 3, 2, 1]
    assert services.version(agent, 2).spec.instructions == "Tu réponds en anglais."  # untouched
    assert services.find_agent(agent).name == "Guichet"
    assert restored.summary("fr") == (
        "Version 1 restaurée : elle est enregistrée comme version 4. "
        "Les versions précédentes sont conservées."
    )


def test_restoring_a_version_equal_to_the_latest_writes_nothing_and_says_so(
    services: Services,
) -> None:
    agent = three_versions(services)
    again = services.restore_version(agent, 3)
    assert (again.changed, again.record.number) == (False, 3)
    assert again.summary("fr") == (
        "La version 3 est identique à la dernière version (3) : rien n'a été enregistré."
    )
    first = services.restore_version(agent, 1)
    same = services.restore_version(agent, 1)  # version 1 is now the latest's spec
    assert (same.changed, same.record.number) == (False, first.record.number)
    assert len(services.versions(agent)) == 4


def test_simultaneous_restores_make_one_version(services: Services) -> None:
    agent = three_versions(services)
    shared = Installation.open()
    barrier = threading.Barrier(4)
    outcomes: list[bool] = []

    def restore() -> None:
        mine = Services.open(services.principal, shared=Installation.open())
        barrier.wait()
        outcomes.append(mine.restore_version(agent, 1).changed)

    threads = [threading.Thread(target=restore) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, False, True]
    assert [v.number for v in Services.open(shared=shared).versions(agent)] == [4, 3, 2, 1]


def test_an_unknown_version_is_not_found_naming_it(services: Services) -> None:
    agent = three_versions(services)
    with pytest.raises(NotFound) as caught:
        services.compare_versions(agent, 1, 9)
    assert "9" in caught.value.message()
    with pytest.raises(NotFound):
        services.restore_version(agent, 9)
    assert len(services.versions(agent)) == 3


def test_someone_else_cannot_compare_or_restore_my_versions(services: Services) -> None:
    agent = three_versions(services)
    enrol(open_catalogue(), "carl@example.fr")
    carl = Services.open("carl@example.fr")
    for attempt in (
        lambda: carl.compare_versions(agent, 1, 2),
        lambda: carl.restore_version(agent, 1),
    ):
        with pytest.raises(NotFound) as caught:
            attempt()
        assert caught.value.key == "agent.not_found"
    assert len(services.versions(agent)) == 3
