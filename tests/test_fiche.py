"""The transparency sheet (issue 11, item 5) and the AI Act's rule for publishing: generated from
the agent's version and the installation's settings, in French and English, as Markdown and
PDF, for whoever may use the agent; a high-risk agent reaches nobody else without review of its
answers and six months of logs."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_driver import atelier, ok
from people import enrol, organisation

from agents.errors import NotFound, Refused
from agents.spec import AgentSpec
from builder_ui.services.fiche import sheet_markdown, transparency_sheet
from builder_ui.services.fiche_pdf import sheet_pdf
from builder_ui.services.installation import Installation, Services
from store.admin_settings import RetentionSettings
from store.knowledge.service import close_knowledge_stores

OLGA, KARIM, RITA, ADA = "olga@exemple.fr", "karim@exemple.fr", "rita@exemple.fr", "ada@exemple.fr"
HR = """\
schema: atelier/agent@1
name: Tri des candidatures
description: Prépare un premier tri des candidatures, que le recruteur relit.
category: Ressources humaines
guardrails: {pii: pseudonymise, high_risk_area: employment}
oversight: {mode: review, reviewers: [team:RH]}
tools:
  - id: create_document
"""


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(installation._catalogue, OLGA, KARIM)
    enrol(installation._catalogue, RITA, role="reviewer")
    enrol(installation._catalogue, ADA, role="admin")
    yield installation
    close_knowledge_stores()


def retention(days: int | None) -> None:
    organisation(ADA).update(
        lambda s: s.model_copy(
            update={"retention": RetentionSettings(conversations_days=days, drafts_days=days)}
        )
    )


def test_the_sheet_says_what_the_agent_does_in_plain_french(installation: Installation) -> None:
    olga = Services.open(OLGA, shared=installation)
    base = olga.workspace.create_kb("Fiches de poste", data_class="sensitive")
    spec = AgentSpec.from_yaml(HR + f"knowledge: {{bases: [{base.id}]}}\n")
    agent = olga.create_agent(spec).agent_id
    retention(200)
    sheet = transparency_sheet(olga, agent, "fr")
    assert (sheet.data_class, sheet.model_where, sheet.review) == ("sensitive", "none", True)
    assert sheet.bases == ["Fiches de poste"]
    text = sheet_markdown(sheet, "fr")
    for expected in (
        "# Fiche de transparence : Tri des candidatures (version 1)",
        "Ressources humaines",
        "Aucun modèle de langue",
        "données sensibles",
        "Fiches de poste",
        "remplacés par des repères",
        "team:RH",
        "effacés 200 jours après",
        "Haut risque (annexe III : emploi et recrutement)",
    ):
        assert expected in text, expected
    assert "Écrit un fichier" in text  # create_document's effect, in words
    for jargon in ("guardrails", "oversight", "high_risk", "pii", "{", "None", " the "):
        assert jargon not in text, jargon
    english = sheet_markdown(transparency_sheet(olga, agent, "en"), "en")
    assert "High risk (Annex III: employment and recruitment)" in english
    assert "Fiche de transparence" not in english


def test_a_limited_risk_agent_and_the_pdf(installation: Installation) -> None:
    olga = Services.open(OLGA, shared=installation)
    agent = olga.create_agent(AgentSpec(name="Foire aux questions")).agent_id
    sheet = transparency_sheet(olga, agent, "fr")
    assert "Risque limité" in sheet_markdown(sheet, "fr")
    assert "conservés jusqu'à leur suppression" in sheet_markdown(sheet, "fr")
    pdf = sheet_pdf(sheet, "fr")
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Fiche de transparence" in words and "données" in words and "Catégorie" in words


def test_whoever_cannot_use_the_agent_finds_no_sheet(installation: Installation) -> None:
    olga = Services.open(OLGA, shared=installation)
    agent = olga.create_agent(AgentSpec(name="Privé")).agent_id
    for login in (KARIM, RITA, ADA):
        with pytest.raises(NotFound):
            transparency_sheet(Services.open(login, shared=installation), agent)
    olga.share(agent, f"user:{KARIM}", "use")
    assert transparency_sheet(Services.open(KARIM, shared=installation), agent).name == "Privé"


def test_a_high_risk_agent_needs_review_and_logs_to_reach_anyone(
    installation: Installation,
) -> None:
    olga = Services.open(OLGA, shared=installation)
    unreviewed = AgentSpec.from_yaml(
        HR.replace("oversight: {mode: review, reviewers: [team:RH]}\n", "")
    )
    agent = olga.create_agent(unreviewed).agent_id
    with pytest.raises(Refused) as refused:
        olga.share(agent, f"user:{KARIM}", "use")
    assert refused.value.key == "ai_act.needs_review"
    with pytest.raises(Refused):
        olga.workspace.reviews.request_publication(agent)
    olga.save_agent(agent, AgentSpec.from_yaml(HR))
    retention(90)  # logs kept three months: not enough
    with pytest.raises(Refused) as short:
        olga.share(agent, f"user:{KARIM}", "use")
    assert short.value.key == "ai_act.needs_logs" and "183" in short.value.message()
    retention(None)  # kept until deleted
    olga.share(agent, f"user:{KARIM}", "use")
    olga.workspace.reviews.request_publication(agent)
    retention(30)  # lowered meanwhile: the reviewer cannot publish it
    with pytest.raises(Refused):
        Services.open(RITA, shared=installation).workspace.reviews.approve(agent)


def test_from_the_terminal(tmp_path: Path) -> None:
    spec = tmp_path / "faq.yaml"
    spec.write_text("schema: atelier/agent@1\nname: FAQ\ndescription: Répond.\n", "utf-8")
    ok("agent", "import", str(spec))
    assert "# Fiche de transparence : FAQ (version 1)" in ok("agent", "fiche", "FAQ").stdout
    pdf = tmp_path / "fiche.pdf"
    ok("agent", "fiche", "FAQ", "--format", "pdf", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    refused = atelier("agent", "fiche", "FAQ", "--format", "pdf")
    assert refused.exit_code != 0 and "-o" in refused.stderr
