"""The French interface speaks French: tool argument labels, problems in the form's words."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from agents.i18n import catalogue
from builder_ui.web.models.editor import Problem
from builder_ui.web.panels.fields import problem_lines
from builder_ui.web.panels.forms import described, form_fields
from tools.registry import default_registry


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_built_in_tool_names_its_arguments_and_settings(lang: str) -> None:
    """Not "Url", "Query", "Max results" made from field names: the catalogue's words."""
    messages = catalogue(lang)
    missing = []
    for tool in default_registry().all():
        for kind, model in (("args", tool.args_model), ("config", tool.config_model)):
            for name in model.model_fields if model is not None else {}:
                if f"tool.{tool.id}.{kind}.{name}" not in messages:
                    missing.append(f"tool.{tool.id}.{kind}.{name}")
    assert not missing, f"labels missing from agents/locales/{lang}: {missing}"


class PluginArgs(BaseModel):
    url: str = Field(description="Adresse complète de la page (https://...).")
    max_results: int = Field(5, description="Nombre de résultats voulus.")
    zone: str = Field("", title="Fuseau horaire", description="Un fuseau IANA.")
    raw_name: str = ""
    long_one: str = Field(
        "", description="Une description bien trop longue pour un libellé de champ"
    )


def test_a_plug_in_field_without_catalogue_entry_is_labelled_from_its_description() -> None:
    labels = {f.name: f.label for f in form_fields(PluginArgs)}
    assert labels == {
        "url": "Adresse complète de la page",
        "max_results": "Nombre de résultats voulus",
        "zone": "Fuseau horaire",
        "raw_name": "Raw name",  # the last resort
        "long_one": "Long one",
    }
    assert described(None) == ""


def test_problems_are_placed_in_the_form_words_without_field_paths() -> None:
    found = [
        Problem("Outils › Action HTTP › Document", "tools[3].config.document", "fichier *absent*"),
        Problem("Nom", "name", "obligatoire"),
    ]
    text = problem_lines(found)
    assert "tools[3]" not in text and "config.document" not in text
    assert text == (
        "- **Outils › Action HTTP › Document** : fichier \\*absent\\*\n- **Nom** : obligatoire"
    )


def test_the_preview_names_the_offline_model_in_words() -> None:
    from builder_ui.web.panels.preview import model_label

    assert model_label("offline") == "Hors ligne (aucun modèle de langage)"
    assert model_label("mistral:mistral-small-latest") == "Mistral AI — mistral-small-latest"
    assert model_label("inconnu:x") == "inconnu — x"
