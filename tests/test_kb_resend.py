"""A document sent again after a failure is never lost (issue 8, defect 1).

A file fails (a page limit); the cause is fixed (the limit raised, the store opened again);
the person sends the identical file again with "replace the documents of the same name"
ticked, as the builder's upload does by default. The document must end up ready, or failed
with a visible reason: never gone from the base. Real SQLite, embedded Chroma, the ``hashing``
embedder; the store API the builder and the CLI call.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_knowledge_store import make_pdf, ready, registry

from store.config import data_dir
from store.knowledge.records import Limits
from store.knowledge.service import KnowledgeStore

TWO_PAGES = make_pdf(["Les conges se demandent quinze jours avant.", "Le parking est gratuit."])


@pytest.fixture(autouse=True)
def _hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_CHROMA_URL", raising=False)


def open_with(max_pages: int) -> KnowledgeStore:
    return KnowledgeStore.open(data_dir(), embedders=registry(), limits=Limits(max_pages=max_pages))


@pytest.fixture
def strict() -> Iterator[KnowledgeStore]:
    opened = open_with(max_pages=1)
    yield opened
    opened.close()


def failed_once(store: KnowledgeStore) -> tuple[str, str]:
    kb = store.create_kb("RH", "alice")
    (doc,) = ready(store, store.add_documents(kb.id, [("guide.pdf", TWO_PAGES)], replace=True))
    assert doc.status == "failed" and "ATELIER_KB_MAX_PAGES" in doc.error
    return kb.id, doc.id


def test_the_same_file_sent_again_once_the_cause_is_fixed_becomes_ready(
    strict: KnowledgeStore,
) -> None:
    kb_id, failed_id = failed_once(strict)
    strict.close()

    store = open_with(max_pages=10)  # the administrator raised the limit, the app restarted
    try:
        (again,) = store.add_documents(kb_id, [("guide.pdf", TWO_PAGES)], replace=True)
        assert again.status == "queued"
        (final,) = ready(store, [again])
        assert store.settle(30)
        listed = store.list_documents(kb_id)
        assert [(d.filename, d.status) for d in listed] == [("guide.pdf", "ready")], listed
        assert final.status == "ready" and final.replaces == ()
        assert listed[0].id in (failed_id, again.id)
        assert store.search([kb_id], "parking gratuit", k=1)
    finally:
        store.close()


def test_the_same_file_failing_again_stays_visible_with_its_reason(
    strict: KnowledgeStore,
) -> None:
    kb_id, _ = failed_once(strict)
    (again,) = strict.add_documents(kb_id, [("guide.pdf", TWO_PAGES)], replace=True)
    assert again.status == "queued"
    (final,) = ready(strict, [again])
    assert strict.settle(30)
    listed = strict.list_documents(kb_id)
    assert [(d.filename, d.status) for d in listed] == [("guide.pdf", "failed")], listed
    assert "ATELIER_KB_MAX_PAGES" in listed[0].error
    assert final.status == "failed"


def test_a_failed_version_is_replaced_by_a_new_one_that_works(strict: KnowledgeStore) -> None:
    kb_id, failed_id = failed_once(strict)
    one_page = make_pdf(["Les conges se demandent trente jours avant."])
    (new,) = strict.add_documents(kb_id, [("guide.pdf", one_page)], replace=True)
    assert new.replaces == (failed_id,)
    ready(strict, [new])
    assert strict.settle(30)
    listed = strict.list_documents(kb_id)
    assert [(d.id, d.status) for d in listed] == [(new.id, "ready")]
