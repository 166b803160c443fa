"""The templates shipped in the catalogue: valid, portable, French, and honest: a template says
only what Atelier does today (its tools, and no protection that is not active yet)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from agents.errors import NotFound
from agents.i18n import catalogue, t
from agents.spec import SCHEMA_V1, AgentSpec, spec_json_schema
from agents.spec_effects import inactive_fields, is_active
from agents.template_catalogue import list_templates, load_template, template_ids
from tools.registry import default_registry

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "agents" / "templates"
TEMPLATE_FILES = sorted(TEMPLATES_DIR.glob("*.yaml"))

# The tools that exist today: those the registry holds.
AVAILABLE_TOOLS = {tool.id for tool in default_registry().all()}

# The templates DESIGN.md requires the catalogue to ship.
REQUIRED_TEMPLATES = {
    "community-manager",
    "seo-rewriter",
    "hr-assistant",
    "citizen-reply",
    "internal-faq",
}

# Templates whose answers a person must review before they leave (EU AI Act, citizen replies).
# Until review before sending is active, they say that the person reviews and sends.
HUMAN_REVIEWED = {"hr-assistant", "citizen-reply"}

# Words that claim something Atelier does not do yet, with the field that would make it true.
CLAIMS = {
    r"pseudonymi": "guardrails.pii",
    r"donn[ée]es personnelles (sont|seront) (masqu|retir|prot)": "guardrails.pii",
    r"approuv": "oversight.mode",
    r"valid[ée]e? avant (l')?envoi": "oversight.mode",
}
# Words that announce a tool or a feature for later: a template speaks of today.
LATER = r"bient[ôo]t|[àa] venir|existera|existeront|prochainement|coming soon"
# Mentions of a web address, which only url_fetch can open.
ADDRESS = r"adresse (d'une|de la|web)|\burl\b|lien vers la page"

FRENCH_WORDS = {
    "le", "la", "les", "de", "des", "du", "un", "une", "et", "ou", "en", "pour", "avec", "dans",
    "sur", "ne", "pas", "jamais", "tu", "vous", "est", "que", "qui", "au", "aux",
}  # fmt: skip
ENGLISH_WORDS = {"the", "and", "of", "you", "with", "your", "is", "are", "never", "this"}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = spec_json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_the_required_templates_are_shipped() -> None:
    missing = REQUIRED_TEMPLATES - set(_ids(TEMPLATE_FILES))
    assert not missing, missing


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=_ids(TEMPLATE_FILES))
class TestEachTemplate:
    def test_loads_with_schema_v1(self, path: Path) -> None:
        spec = AgentSpec.load(path)
        assert spec.schema_ == SCHEMA_V1
        raw = yaml.safe_load(path.read_text("utf-8"))
        assert raw["schema"] == SCHEMA_V1

    def test_validates_against_published_json_schema(
        self, path: Path, validator: Draft202012Validator
    ) -> None:
        raw = yaml.safe_load(path.read_text("utf-8"))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(raw)]
        assert errors == []
        validator.validate(AgentSpec.load(path).to_data())

    def test_round_trips(self, path: Path) -> None:
        spec = AgentSpec.load(path)
        assert AgentSpec.from_yaml(spec.to_yaml()) == spec

    def test_instructions_are_french_and_substantial(self, path: Path) -> None:
        instructions = AgentSpec.load(path).instructions
        lines = [line for line in instructions.strip().splitlines() if line.strip()]
        assert 25 <= len(lines) <= 70, len(lines)
        words = re.findall(r"[a-zàâäçéèêëîïôöùûüÿœæ']+", instructions.lower())
        french = sum(w in FRENCH_WORDS for w in words)
        english = sum(w in ENGLISH_WORDS for w in words)
        assert french / len(words) > 0.15
        assert english <= 2
        assert re.search(r"[éèêàçù]", instructions)

    def test_has_what_a_catalogue_card_needs(self, path: Path) -> None:
        spec = AgentSpec.load(path)
        assert spec.description.strip()
        assert spec.icon and spec.icon != "🤖"
        assert 3 <= len(spec.conversation_starters) <= 4
        assert 1 <= len(spec.tests) <= 2
        assert all(case.expect_contains for case in spec.tests)

    def test_leaves_the_model_to_the_workspace(self, path: Path) -> None:
        assert AgentSpec.load(path).model is None

    def test_names_only_available_tools(self, path: Path) -> None:
        tool_ids = {tool.id for tool in AgentSpec.load(path).tools}
        assert tool_ids <= AVAILABLE_TOOLS, tool_ids - AVAILABLE_TOOLS

    def test_tool_configs_are_accepted_by_the_registry(self, path: Path) -> None:
        from tools.registry import default_registry

        registry = default_registry()
        for tool in AgentSpec.load(path).tools:
            registry.get(tool.id).validate_config(tool.config)

    def test_opening_form_is_well_formed(self, path: Path) -> None:
        form = AgentSpec.load(path).opening_form
        assert len({field.id for field in form}) == len(form)
        for field in form:
            assert bool(field.choices) == (field.kind == "choice"), field.id


@pytest.mark.parametrize("template_id", sorted(HUMAN_REVIEWED))
def test_human_review_where_design_requires_it(template_id: str) -> None:
    """The person reviews and sends: said in the card, since Atelier does not enforce it yet."""
    spec = AgentSpec.load(TEMPLATES_DIR / f"{template_id}.yaml")
    assert "n'envoie rien" in spec.description
    assert re.search(r"relis|relit", spec.description)
    if is_active("oversight.mode"):  # once it lands, templates ask for it
        assert spec.oversight is not None and spec.oversight.review


# --- honesty: a template says only what Atelier does today --------------------------------------


def _texts(spec: AgentSpec) -> str:
    """Everything of a template a person or the model reads."""
    parts = [spec.name, spec.description, spec.instructions, *spec.conversation_starters]
    parts += [f.label for f in spec.opening_form]
    return "\n".join(parts)


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=_ids(TEMPLATE_FILES))
def test_a_template_sets_no_protection_that_has_no_effect(path: Path) -> None:
    """Guardrails, oversight and workflow do nothing yet: a template that set them would show
    a protection that does not exist. Test cases and the opening form are kept for later; the
    editor says they do nothing yet."""
    flagged = {field.path for field in inactive_fields(AgentSpec.load(path))}
    assert flagged <= {"tests", "opening_form"}, flagged


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=_ids(TEMPLATE_FILES))
def test_a_template_claims_nothing_that_is_not_active(path: Path) -> None:
    text = path.read_text("utf-8").lower()  # comments included: they are read too
    for claim, field in CLAIMS.items():
        if not is_active(field):
            assert not re.search(claim, text), f"{claim!r} while {field} has no effect"
    assert not re.search(LATER, text), re.search(LATER, text)


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=_ids(TEMPLATE_FILES))
def test_a_template_that_speaks_of_an_address_can_open_it(path: Path) -> None:
    spec = AgentSpec.load(path)
    tools = {tool.id for tool in spec.tools}
    text = _texts(spec).lower()
    asks_address = bool(re.search(ADDRESS, text)) or any(f.kind == "url" for f in spec.opening_form)
    if asks_address:
        assert "url_fetch" in tools
    if "url_fetch" in tools:
        assert not re.search(r"ne (peux|peut) pas ouvrir", text), "says it cannot open a page"


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=_ids(TEMPLATE_FILES))
def test_a_template_has_the_tools_its_instructions_name(path: Path) -> None:
    spec = AgentSpec.load(path)
    tools = {tool.id for tool in spec.tools}
    text = spec.instructions.lower()
    for words, tool in {
        "calculatrice": "calculator",
        "document word": "create_document",
        "lecture de page": "url_fetch",
    }.items():
        if words in text:
            assert tool in tools, (words, tool)


def test_template_names_are_unique() -> None:
    names = [AgentSpec.load(path).name for path in TEMPLATE_FILES]
    assert len(names) == len(set(names))


# --- the catalogue module -------------------------------------------------------------------


def test_list_templates_reads_the_package_data_sorted_by_id() -> None:
    listed = list_templates()
    ids = [template_id for template_id, _ in listed]
    assert ids == sorted(ids) == _ids(TEMPLATE_FILES) == template_ids()
    for template_id, spec in listed:
        assert spec == AgentSpec.load(TEMPLATES_DIR / f"{template_id}.yaml")


def test_list_templates_uses_importlib_resources() -> None:
    folder = resources.files("agents").joinpath("templates")
    names = sorted(e.name for e in folder.iterdir() if e.name.endswith(".yaml"))
    assert [f"{template_id}.yaml" for template_id, _ in list_templates()] == names


def test_load_template_returns_the_spec() -> None:
    spec = load_template("internal-faq")
    assert spec == AgentSpec.load(TEMPLATES_DIR / "internal-faq.yaml")


def test_load_template_returns_a_fresh_copy() -> None:
    first = load_template("hr-assistant")
    first.name = "modifié"
    assert load_template("hr-assistant").name != "modifié"


@pytest.mark.parametrize("bad_id", ["inconnu", "", "../spec", "internal-faq.yaml", "INTERNAL-FAQ"])
def test_load_template_unknown_raises_not_found(bad_id: str) -> None:
    with pytest.raises(NotFound) as info:
        load_template(bad_id)
    err = info.value
    assert err.key == "template.not_found"
    assert err.exit_code == 3
    assert err.params["ref"] == bad_id
    assert "internal-faq" in err.params["known"]


def test_not_found_message_in_both_languages() -> None:
    with pytest.raises(NotFound) as info:
        load_template("inconnu")
    french = info.value.message("fr")
    english = info.value.message("en")
    assert "introuvable" in french and "inconnu" in french and "citizen-reply" in french
    assert "not found" in english and "inconnu" in english and "citizen-reply" in english


def test_template_messages_exist_in_every_language() -> None:
    keys = {}
    for lang in ("fr", "en"):
        path = resources.files("agents").joinpath("locales", lang, "templates.yaml")
        keys[lang] = set(yaml.safe_load(path.read_text("utf-8")))
        for key in keys[lang]:
            assert key in catalogue(lang)
            assert t(key, lang) != key
    assert keys["fr"] == keys["en"] == {"template.not_found"}
