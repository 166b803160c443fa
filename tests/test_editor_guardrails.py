"""The editor's "Données et supervision" (issue 11): the data class, personal data, AI Act use
and human review chosen in the form go into the spec on saving; a class the agent's model may
not receive is refused, the form keeping what was chosen."""

from __future__ import annotations

from people import organisation
from streamlit.testing.v1 import AppTest
from test_editor_catalogue import in_editor, run
from web_driver import open_app

from agents.spec import AgentSpec
from builder_ui.services import models_admin
from builder_ui.services.installation import Services
from builder_ui.web import state

CLAIRE = "claire@exemple.fr"


def select(at: AppTest, label: str, value: str) -> None:
    (box,) = [s for s in at.selectbox if s.label == label]
    box.set_value(value)
    run(at)


def test_the_section_writes_the_spec() -> None:
    open_app(CLAIRE, "creator")
    claire = Services.open(CLAIRE)
    agent = claire.create_agent(AgentSpec(name="Réponses", instructions="Réponds.")).agent_id
    at = in_editor(CLAIRE, agent)
    select(at, "Classe des données", "sensitive")
    select(at, "Données personnelles", "pseudonymise")
    select(at, "Usage à haut risque (AI Act, annexe III)", "public_services")
    (review,) = [t for t in at.toggle if t.label.startswith("Relecture humaine")]
    review.set_value(True)
    run(at)
    (who,) = [t for t in at.text_input if t.label.startswith("Relecteurs")]
    who.input("team:Usagers, rita@exemple.fr")
    run(at)
    at.button(key=state.SAVE).click()
    run(at)
    spec = claire.version(agent).spec
    assert spec.guardrails is not None and spec.oversight is not None
    assert (spec.guardrails.data_class, spec.guardrails.pii) == ("sensitive", "pseudonymise")
    assert spec.guardrails.high_risk_area == "public_services"
    assert spec.oversight.review and spec.oversight.reviewers == ["team:Usagers", "rita@exemple.fr"]


def test_a_class_the_model_may_not_receive_is_refused_and_kept_in_the_form() -> None:
    open_app("ada@exemple.fr", "admin")
    models_admin.add_model(
        organisation("ada@exemple.fr"), "nuage", provider="openai", name="gpt-nuage",
        display_name="Nuage", base_url="http://127.0.0.1:9/v1", key="k",
    )  # fmt: skip
    open_app(CLAIRE, "creator")
    claire = Services.open(CLAIRE)
    spec = AgentSpec.from_yaml(
        "schema: atelier/agent@1\nname: Dossiers\nmodel: {provider: openai, name: gpt-nuage}\n"
    )
    agent = claire.create_agent(spec).agent_id
    at = in_editor(CLAIRE, agent)
    select(at, "Classe des données", "sensitive")
    at.button(key=state.SAVE).click()
    run(at)
    shown = " ".join(e.value for e in [*at.error, *at.warning])
    assert "données sensibles" in shown and "openai:gpt-nuage" in shown
    assert claire.version(agent).number == 1  # nothing saved
    (box,) = [s for s in at.selectbox if s.label == "Classe des données"]
    assert box.value == "sensitive"
