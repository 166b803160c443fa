"""The "Brouillons" and "Supervision" pages with ``AppTest``: a batch drafted by a scripted model
waits in the queue; the reviewer reads each message beside its draft, approves one edited,
rejects one with a reason; the batch's progress, counts and export are shown; the measures page
shows the decisions. (The file picker itself is driven in Chromium: tests/test_browser_drafts.)"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest
from web_driver import APP, signed_in

from agents.checkpoints import sqlite_checkpointer
from agents.models.registry import default_registry as default_providers
from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from builder_ui.web.state import keys
from store import config
from store.sql_catalogue import open_catalogue
from store.workspace import Workspace
from tools.registry import default_registry as default_tools

AGNES = "agnes@exemple.fr"


def a_drafted_batch(tmp_path: Path) -> tuple[str, list[str]]:
    replies = tmp_path / "replies.yaml"
    replies.write_text('- {text: "Bonjour, merci pour votre avis.", repeat: true}\n', "utf-8")
    catalogue = open_catalogue()
    services = Services(
        workspace=Workspace(AGNES, catalogue),
        tools=default_tools(),
        providers=default_providers(),
        checkpointer=sqlite_checkpointer(config.threads_path()),
    )
    spec = AgentSpec.from_yaml(
        "schema: atelier/agent@1\nname: Réponses aux usagers\n"
        f"model: {{provider: scripted, name: '{replies}'}}\noversight: review\n"
    )
    agent = services.create_agent(spec).agent_id
    data = "message;service\nAccueil glacial.;Mairie\nDossier perdu.;CAF\nMerci !;Préfecture\n"
    batch = services.start_batch(agent, "avis.csv", data.encode(), "message", ["service"])
    services.draft_batch(batch.id)
    ids = [d.id for d in services.batch_drafts(batch.id)]
    catalogue.close()
    return batch.id, ids


def drafts_page(lang: str = "fr") -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), AGNES, "creator").run()
    assert not at.exception, at.exception
    at.switch_page("views/drafts.py").run()
    assert not at.exception, at.exception
    return at


def test_the_reviewer_decides_each_draft_beside_its_message(tmp_path: Path) -> None:
    drafts_page()  # Agnès's account exists once she signed in
    batch, (first, second, third) = a_drafted_batch(tmp_path)
    at = drafts_page()
    text = " ".join(m.value for m in at.markdown)
    assert "Accueil glacial." in text and "Bonjour, merci pour votre avis." in text
    reply = at.text_area(key=keys.draft_key(first, "reply"))
    assert reply.value == "Bonjour, merci pour votre avis."
    reply.set_value("Bonjour, nous sommes désolés de cet accueil.")
    at.button(key=keys.draft_key(first, "approve")).click().run()
    assert not at.exception, at.exception
    assert "Réponse approuvée avec vos corrections." in [s.value for s in at.success]
    # The next one comes: the second message, to reject with a reason.
    at.toggle(key=keys.draft_key(second, "rejecting")).set_value(True).run()
    at.text_input(key=keys.draft_key(second, "reason")).set_value("Doublon.")
    at.button(key=keys.draft_key(second, "reject")).click().run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.get("download_button")]
    assert len(labels) == 2 and all("CSV" in x or "XLSX" in x for x in labels)

    catalogue = open_catalogue()
    try:
        drafts = {d.id: d for d in Workspace(AGNES, catalogue).reply_drafts.batch_drafts(batch)}
    finally:
        catalogue.close()
    assert drafts[first].final == "Bonjour, nous sommes désolés de cet accueil."
    assert (drafts[second].status, drafts[second].reason) == ("rejected", "Doublon.")
    assert drafts[third].status == "to_review"

    at.switch_page("views/oversight.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value.to_dict("records")
    assert table[0]["Nom"] == "Réponses aux usagers"
    assert (table[0]["Décidés"], table[0]["Approuvés après correction (%)"]) == (2, 50.0)


def test_the_pages_speak_english_too(tmp_path: Path) -> None:
    drafts_page()
    a_drafted_batch(tmp_path)
    from builder_ui.web import state

    at = signed_in(AppTest.from_file(APP, default_timeout=60), AGNES, "creator").run()
    at.selectbox(key=state.LANGUAGE_PICKER).select("en").run()
    at.switch_page("views/drafts.py").run()
    assert not at.exception, at.exception
    assert any("Approve" in b.label for b in at.button)
