"""The pure helpers behind the builder's knowledge page, editor section and preview sources
(``builder_ui.web.models.knowledge``, the editor's form model, the session's widget state): no page
is run here."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.knowledge import Citation
from agents.runtime import Finished, RunResult
from agents.spec import AgentSpec
from agents.template_catalogue import load_template
from builder_ui.web import state
from builder_ui.web.models.editor import (
    KnowledgeChoice,
    blank_values,
    spec_from_values,
    values_from_spec,
)
from builder_ui.web.models.knowledge import (
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
from builder_ui.web.models.transcript import ChatTurn
from store.knowledge.records import DocumentRecord, KnowledgeBaseRecord, Passage

ROOT = Path(__file__).resolve().parents[1]


def tr(key: str, **params: Any) -> str:
    from agents.i18n import t

    return t(key, "fr", **params)


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
    embedding = doc("indexing", progress=0.426, stage="embedding")
    assert status_label(embedding, tr, "fr") == "Analyse du sens des passages (43 %)"
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
    assert score_line(0.71, "fr", tr) == "Similarité 0,71 : très proche de la question"
    assert score_line(0.05, "en", tr).startswith("Similarity 0.05")
    assert score_line(None, "fr", tr) == "Trouvé par les mots de la question"
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


def test_one_passage_per_document_is_a_setting_kept_through_the_form() -> None:
    spec = AgentSpec.from_yaml(
        "schema: atelier/agent@1\nname: Guide\nknowledge:\n  bases: [kb-1]\n  per_document: false\n"
    )
    values = values_from_spec(spec, ["knowledge_search"])
    assert values.knowledge.per_document is False
    assert spec_from_values(values) == spec
    assert (
        AgentSpec.from_yaml("schema: atelier/agent@1\nname: FAQ\n").model_copy().knowledge is None
    )
    blank = blank_values()
    blank.name = "FAQ"
    blank.knowledge = KnowledgeChoice(bases=["kb-9"])
    assert spec_from_values(blank).knowledge.per_document is True  # type: ignore[union-attr]
