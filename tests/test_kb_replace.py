"""A new version of a document replaces the old one (same file name) once it is ready, and the
old version is erased for real; an erasure a stopped process left half done is finished at the
next start. Real SQLite and embedded Chroma, the ``hashing`` embedder, the CLI in-process."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_knowledge_store import (
    files_holding,
    files_holding_vector,
    open_store,
    ready,
    vectors_of_document,
)
from typer.testing import CliRunner

from builder_ui.cli.main import app
from store.config import data_dir
from store.knowledge.ingestion import chunk_ids
from store.knowledge.service import KnowledgeStore


@pytest.fixture(autouse=True)
def _hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_CHROMA_URL", raising=False)


@pytest.fixture
def store() -> Iterator[KnowledgeStore]:
    opened = open_store()
    yield opened
    opened.close()


def version(canary: str, days: int) -> bytes:
    return (
        f"# Congés\n\nUne demande de congé se fait {days} jours avant le départ.\n\n"
        f"Référence du document : {canary}.\n"
    ).encode()


def test_a_new_version_replaces_the_old_one_once_ready_and_erases_it(
    store: KnowledgeStore,
) -> None:
    kb = store.create_kb("RH", "alice")
    old_canary, new_canary = uuid.uuid4().hex, uuid.uuid4().hex
    (old,) = ready(store, store.add_documents(kb.id, [("conges.md", version(old_canary, 15))]))
    old_vector = vectors_of_document(store, kb.id, old.id)[chunk_ids(old.id, 1)[0]]
    assert files_holding(old_canary.encode(), data_dir())

    (new,) = store.add_documents(kb.id, [("conges.md", version(new_canary, 30))], replace=True)
    assert new.replaces == (old.id,)
    ready(store, [new])
    assert store.settle(30)

    assert [d.id for d in store.list_documents(kb.id)] == [new.id]
    best = store.search([kb.id], "combien de jours avant le départ", k=3)
    assert [p.document_id for p in best] == [new.id] and "30 jours" in best[0].text
    assert files_holding(old_canary.encode(), data_dir()) == []
    assert files_holding_vector(old_vector, data_dir()) == []
    assert files_holding(new_canary.encode(), data_dir())


def test_without_replace_both_versions_stay(store: KnowledgeStore) -> None:
    kb = store.create_kb("RH", "alice")
    ready(store, store.add_documents(kb.id, [("conges.md", version("a", 15))]))
    ready(store, store.add_documents(kb.id, [("conges.md", version("b", 30))]))
    assert [d.filename for d in store.list_documents(kb.id)] == ["conges.md", "conges.md"]


def test_a_new_version_that_fails_leaves_the_old_one(store: KnowledgeStore) -> None:
    kb = store.create_kb("RH", "alice")
    (old,) = ready(store, store.add_documents(kb.id, [("conges.md", version("a", 15))]))
    (broken,) = ready(store, store.add_documents(kb.id, [("conges.md", b"")], replace=True))
    assert broken.status == "failed" and broken.replaces == (old.id,)
    assert store.settle(30)
    assert {d.id: d.status for d in store.list_documents(kb.id)} == {
        old.id: "ready",
        broken.id: "failed",
    }
    assert store.search([kb.id], "jours avant le départ", k=1)[0].document_id == old.id


def test_an_erasure_left_half_done_is_finished_at_the_next_start(store: KnowledgeStore) -> None:
    kb = store.create_kb("RH", "alice")
    canary = uuid.uuid4().hex
    (doc,) = ready(store, store.add_documents(kb.id, [("secret.md", version(canary, 15))]))
    vector = vectors_of_document(store, kb.id, doc.id)[chunk_ids(doc.id, 1)[0]]
    # The process stops between the deletion of the text and the rebuild of the vectors.
    store._db.delete_document(doc.id)
    store._vectors.remove_document(store._db.kb_state(kb.id).collection, doc.id)  # type: ignore[union-attr]
    store.close()
    assert files_holding(canary.encode(), data_dir()) == []  # the text went with the rows
    assert files_holding_vector(vector, data_dir()), "the vector must still be on disk here"

    reopened = open_store()
    try:
        deadline = time.monotonic() + 30
        while reopened._db.unfinished_erasures():
            assert time.monotonic() < deadline, "the erasure was never finished"
            time.sleep(0.05)
        assert files_holding_vector(vector, data_dir()) == []
    finally:
        reopened.close()


def test_a_stop_between_the_switch_and_the_drop_leaves_the_erasure_unfinished(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = store.create_kb("RH", "alice")
    canary = uuid.uuid4().hex
    ready(store, store.add_documents(kb.id, [("cantine.md", version("cantine", 10))]))
    (doc,) = ready(store, store.add_documents(kb.id, [("secret.md", version(canary, 15))]))
    vector = vectors_of_document(store, kb.id, doc.id)[chunk_ids(doc.id, 1)[0]]
    before = store._db.kb_state(kb.id).collection  # type: ignore[union-attr]
    drop = store._vectors.drop

    def stopped_before_dropping(name: str) -> None:
        if name == before:  # the rebuilt collection is in place; the process stops here
            raise RuntimeError("stopped")
        drop(name)

    monkeypatch.setattr(store._vectors, "drop", stopped_before_dropping)
    store.delete_document(doc.id, wait=False)
    assert store.settle(30)
    assert store._db.kb_state(kb.id).collection != before  # type: ignore[union-attr]
    assert files_holding_vector(vector, data_dir()), "the old collection is still on disk"
    assert store._db.unfinished_erasures() == [kb.id]
    assert store.erasing(kb.id)
    store.close()

    reopened = open_store()
    try:
        deadline = time.monotonic() + 30
        while reopened._db.unfinished_erasures():
            assert time.monotonic() < deadline, "the erasure was never finished"
            time.sleep(0.05)
        assert files_holding_vector(vector, data_dir()) == []
        assert reopened._vectors.names(kb.id + "-") == [
            reopened._db.kb_state(kb.id).collection  # type: ignore[union-attr]
        ]
        assert [d.filename for d in reopened.list_documents(kb.id)] == ["cantine.md"]
    finally:
        reopened.close()


def test_the_cli_replaces_with_replace(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "conges.md"
    path.write_bytes(version("a", 15))
    assert runner.invoke(app, ["kb", "create", "RH"]).exit_code == 0
    assert runner.invoke(app, ["kb", "add", "RH", str(path)]).exit_code == 0
    path.write_bytes(version("b", 30))
    added = runner.invoke(app, ["kb", "add", "RH", str(path), "--replace"])
    assert added.exit_code == 0, added.stderr
    assert "remplace l'ancienne version" in added.stdout
    listed = json.loads(runner.invoke(app, ["kb", "docs", "RH", "--json"]).stdout)
    assert len(listed) == 1 and listed[0]["filename"] == "conges.md"
    found = json.loads(runner.invoke(app, ["kb", "search", "RH", "jours", "--json"]).stdout)
    assert "30 jours" in found["hits"][0]["text"]


def test_a_document_deleted_without_waiting_is_erased_in_the_background(
    store: KnowledgeStore,
) -> None:
    kb = store.create_kb("RH", "alice")
    canary = uuid.uuid4().hex
    ready(store, store.add_documents(kb.id, [("cantine.md", version("cantine", 10))]))
    (doc,) = ready(store, store.add_documents(kb.id, [("secret.md", version(canary, 15))]))
    vector = vectors_of_document(store, kb.id, doc.id)[chunk_ids(doc.id, 1)[0]]

    store.delete_document(doc.id, wait=False)
    # At once: gone from the list, from searches, and its text from every file.
    assert [d.filename for d in store.list_documents(kb.id)] == ["cantine.md"]
    assert all(p.document_id != doc.id for p in store.search([kb.id], canary, k=5))
    assert files_holding(canary.encode(), data_dir()) == []
    # Then its vectors, in the background.
    assert store.settle(30)
    assert not store.erasing(kb.id)
    assert files_holding_vector(vector, data_dir()) == []
