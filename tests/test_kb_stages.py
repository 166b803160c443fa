"""A document shows where its indexing is, not 0 % until it jumps to ready (issue 8, defect 7).

The stage is recorded in the database as the worker goes (queued, reading, splitting,
embedding, saving, ready or failed) and read through the ordinary document listing, by any
process. Real SQLite and embedded Chroma; the embedder holds its call at a gate so that the
test sees the document mid-way, without sleeping.
"""

from __future__ import annotations

import pytest
from test_ingestion_batches import GatedEmbedder, gated  # noqa: F401 (a fixture)

from store.knowledge.records import DOCUMENT_STAGES
from store.knowledge.service import KnowledgeStore
from store.knowledge.stages import stage_text


def test_a_document_shows_its_stage_while_it_is_indexed(
    gated: tuple[KnowledgeStore, GatedEmbedder],  # noqa: F811
) -> None:
    store, embedder = gated
    kb = store.create_kb("Notes", "alice")
    (doc,) = store.add_documents(kb.id, [("note.txt", "La cantine ouvre à midi.".encode())])
    assert doc.stage == "queued" and stage_text(doc, "fr") == "En attente"

    assert embedder.entered.wait(10)  # the worker is computing the vectors, held at the gate
    (seen,) = store.list_documents(kb.id)
    assert (seen.status, seen.stage) == ("indexing", "embedding")
    assert seen.progress > 0, "a small document must not show 0 % while it is indexed"
    assert stage_text(seen, "fr") == "Analyse du sens des passages (10 %)"
    assert stage_text(seen, "en") == "Analysing the meaning of the passages (10%)"

    embedder.gate.set()
    (final,) = store.wait([doc.id], timeout=30)
    assert (final.status, final.stage, final.progress) == ("ready", "ready", 1.0)
    assert stage_text(final, "en") == "Ready"


def test_a_failed_document_shows_the_failed_stage(
    gated: tuple[KnowledgeStore, GatedEmbedder],  # noqa: F811
) -> None:
    store, embedder = gated
    embedder.gate.set()
    kb = store.create_kb("Notes", "alice")
    (doc,) = store.add_documents(kb.id, [("vide.txt", b"   ")])
    (final,) = store.wait([doc.id], timeout=30)
    assert (final.status, final.stage) == ("failed", "failed")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_stage_has_words_in_both_languages(lang: str) -> None:
    from agents.i18n import catalogue

    assert DOCUMENT_STAGES == (
        "queued",
        "reading",
        "splitting",
        "embedding",
        "saving",
        "ready",
        "failed",
    )
    for stage in DOCUMENT_STAGES:
        assert f"kb.stage.{stage}" in catalogue(lang)
