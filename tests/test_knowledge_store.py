"""The knowledge store end to end: real SQLite and real (embedded) Chroma in the test's data
directory, the deterministic ``hashing`` embedder. Includes the erasure check: after a deletion,
no file under the data directory holds the deleted text or vectors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from people import enrol

from agents.errors import NotFound, UserError
from store.config import data_dir
from store.database import utc_now
from store.knowledge import ingestion
from store.knowledge.embedders import EmbedderInfo, EmbedderRegistry, HashingEmbedder
from store.knowledge.ingestion import chunk_ids, content_hash
from store.knowledge.records import DocumentRecord, Limits
from store.knowledge.service import KnowledgeStore, close_knowledge_stores, open_knowledge_store
from store.memory import MemoryCatalogue
from store.workspace import Workspace

# Long enough to be cut at its headings (a document under 1,500 characters is one passage).
FILLER = "La direction des ressources humaines répond aux questions par écrit. " * 25
CONGES = f"""# Congés

## Report des congés

Les congés non pris peuvent être reportés jusqu'au 31 mars de l'année suivante,
avec l'accord écrit du responsable.

{FILLER}

## Télétravail

Le télétravail est possible deux jours par semaine après la période d'essai.
""".encode()

CANTINE = "La cantine ouvre à midi. Le parking du personnel est gratuit le samedi.".encode()


class SmallHashing(HashingEmbedder):
    """A second embedder, with another dimension, to re-index with."""

    id = "hashing-small"

    def __init__(self) -> None:
        super().__init__(dimension=128)


def registry() -> EmbedderRegistry:
    found = EmbedderRegistry()
    found.register(EmbedderInfo("hashing", "test", HashingEmbedder, offline=True))
    found.register(EmbedderInfo("hashing-small", "test", SmallHashing, offline=True))
    return found


def open_store() -> KnowledgeStore:
    return KnowledgeStore.open(data_dir(), embedders=registry())


@pytest.fixture(autouse=True)
def _hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_CHROMA_URL", raising=False)
    yield
    close_knowledge_stores()


@pytest.fixture
def store() -> Iterator[KnowledgeStore]:
    opened = open_store()
    yield opened
    opened.close()


def ready(store: KnowledgeStore, documents: list[DocumentRecord]) -> list[DocumentRecord]:
    final = store.wait([d.id for d in documents], timeout=30)
    assert all(d.status in ("ready", "failed") for d in final), final
    return final


def make_pdf(pages: list[str]) -> bytes:
    """A minimal PDF with one line of Helvetica text per page."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for text in pages:
        content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        number = len(objects) + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {number + 1} 0 R"
            " /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
            " >> >> >> >>"
        )
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
        kids.append(f"{number} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


# --- indexing ------------------------------------------------------------------------------


def test_documents_are_queued_then_indexed_with_progress(store: KnowledgeStore) -> None:
    kb = store.create_kb("RH", "alice", description="ressources humaines")
    assert kb.embedder == "hashing" and kb.documents == 0
    started = time.monotonic()
    added = store.add_documents(kb.id, [("conges.md", CONGES), ("cantine.txt", CANTINE)])
    assert time.monotonic() - started < 2
    assert [d.filename for d in added] == ["conges.md", "cantine.txt"]
    assert all(d.status in ("queued", "indexing", "ready") for d in added)

    seen: dict[str, list[float]] = {}

    def watch(documents: list[DocumentRecord]) -> None:
        for d in documents:
            seen.setdefault(d.id, []).append(d.progress)

    final = store.wait([d.id for d in added], timeout=30, on_progress=watch)
    assert [(d.status, d.progress, d.error) for d in final] == [("ready", 1.0, "")] * 2
    assert all(d.chunks >= 1 for d in final)
    for progress in seen.values():
        assert progress == sorted(progress) and 0 <= progress[0] <= progress[-1] == 1.0
    kb = store.get_kb(kb.id)
    assert kb.documents == 2 and kb.chunks == sum(d.chunks for d in final)
    assert not list((data_dir() / "uploads").iterdir()), "uploads are kept only until indexed"


def test_search_cites_document_heading_and_page(store: KnowledgeStore) -> None:
    kb = store.create_kb("RH", "alice")
    filler = "Ce paragraphe decrit le contexte general du rapport annuel du service. " * 8
    pdf = make_pdf([filler, "Le budget de la cantine municipale atteint 42000 euros. " * 30])
    ready(store, store.add_documents(kb.id, [("conges.md", CONGES), ("rapport.pdf", pdf)]))

    best = store.search([kb.id], "reporter les congés non pris", k=3)[0]
    assert best.document == "conges.md" and best.kb_id == kb.id
    assert best.heading_path == ("Congés", "Report des congés")
    assert "31 mars" in best.text
    assert set(best.scores) == {"dense", "bm25"} and best.score > 0

    found = store.search([kb.id], "budget de la cantine", k=5)
    assert found[0].document == "rapport.pdf" and "42000" in found[0].text
    assert any(p.page == 2 for p in found), "a passage on page 2 cites page 2"
    assert {p.page for p in found if p.document == "rapport.pdf"} <= {1, 2}
    assert store.list_documents(kb.id)[1].pages == 2


def test_search_modes_and_min_score(store: KnowledgeStore) -> None:
    kb = store.create_kb("RH", "alice")
    ready(store, store.add_documents(kb.id, [("conges.md", CONGES), ("cantine.txt", CANTINE)]))

    hybrid = store.search([kb.id], "télétravail", k=2)
    dense = store.search([kb.id], "télétravail", k=2, mode="dense")
    bm25 = store.search([kb.id], "télétravail", k=2, mode="bm25")
    for found in (hybrid, dense, bm25):
        assert found[0].heading_path == ("Congés", "Télétravail")
    assert "dense" in hybrid[0].scores and "bm25" in hybrid[0].scores
    assert set(dense[0].scores) == {"dense"} and set(bm25[0].scores) == {"bm25"}
    assert len(bm25) == 1, "BM25 leaves out passages that share no word with the query"

    # A word in no document: BM25 finds nothing, dense still ranks by similarity.
    assert store.search([kb.id], "zygomatique", mode="bm25") == []
    assert store.search([kb.id], "zygomatique", mode="dense")
    # min_score is a threshold on the dense cosine similarity.
    assert store.search([kb.id], "zygomatique", min_score=0.9) == []
    kept = store.search([kb.id], "télétravail", min_score=0.1, k=5)
    assert kept and all(p.scores["dense"] >= 0.1 for p in kept)
    assert store.search([kb.id], "   ") == []
    with pytest.raises(UserError):
        store.search([kb.id], "congés", mode="semantic")  # type: ignore[arg-type]


def test_same_content_is_not_indexed_twice(store: KnowledgeStore) -> None:
    kb = store.create_kb("RH", "alice")
    first = ready(store, store.add_documents(kb.id, [("conges.md", CONGES)]))[0]
    again = store.add_documents(kb.id, [("copie de conges.md", CONGES)])[0]
    assert again.id == first.id and again.status == "ready"
    assert [d.id for d in store.list_documents(kb.id)] == [first.id]
    assert first.content_hash == content_hash(CONGES)
    # The same file in another base is another document.
    other = store.create_kb("Autre", "alice")
    assert store.add_documents(other.id, [("conges.md", CONGES)])[0].id != first.id


def test_a_bad_file_fails_alone_with_its_reason(store: KnowledgeStore) -> None:
    kb = store.create_kb("RH", "alice")
    earlier = ready(store, store.add_documents(kb.id, [("conges.md", CONGES)]))[0]
    batch = store.add_documents(
        kb.id, [("image.bin", b"\x89PNG\x00\x01\x02\xff"), ("cantine.txt", CANTINE)]
    )
    bad, good = ready(store, batch)
    assert bad.status == "failed" and "image.bin" in bad.error and bad.chunks == 0
    assert good.status == "ready" and good.error == ""
    assert store.get_document(earlier.id) == earlier
    assert [p.document for p in store.search([kb.id], "cantine parking", k=5)].count(
        "image.bin"
    ) == 0
    assert not list((data_dir() / "uploads").iterdir())
    # A failed document can be uploaded again: it is queued as a new try.
    retried = store.add_documents(kb.id, [("image.bin", b"\x89PNG\x00\x01\x02\xff")])[0]
    assert retried.id == bad.id and retried.status in ("queued", "indexing", "failed")
    assert ready(store, [retried])[0].status == "failed"


def test_changing_the_embedder_reindexes_into_a_new_collection(store: KnowledgeStore) -> None:
    kb = store.create_kb("RH", "alice")
    ready(store, store.add_documents(kb.id, [("conges.md", CONGES), ("cantine.txt", CANTINE)]))
    vectors = store._vectors
    (before,) = vectors.names(kb.id + "-")
    assert "-hashing-" in before

    steps: list[tuple[int, int]] = []
    changed = store.set_embedder(
        kb.id, "hashing-small", on_progress=lambda d, n: steps.append((d, n))
    )
    assert changed.embedder == "hashing-small"
    (after,) = vectors.names(kb.id + "-")
    assert after != before and "-hashing-small-" in after
    assert steps and steps[-1][0] == steps[-1][1]
    stored = vectors.vectors_of(after, chunk_ids(store.list_documents(kb.id)[0].id, 1))
    assert [v.shape for v in stored.values()] == [(128,)]

    best = store.search([kb.id], "télétravail", k=1, mode="dense")[0]
    assert best.heading_path == ("Congés", "Télétravail")
    # New documents are indexed with the new embedder.
    extra = ready(store, store.add_documents(kb.id, [("plus.txt", "Réunion le lundi.".encode())]))
    assert extra[0].status == "ready"
    assert store.search([kb.id], "réunion lundi", k=1)[0].document == "plus.txt"
    with pytest.raises(UserError):
        store.set_embedder(kb.id, "nope")


def test_each_base_has_its_own_collection_that_never_embeds_by_itself(
    store: KnowledgeStore,
) -> None:
    kb = store.create_kb("RH", "alice")
    (name,) = store._vectors.names(kb.id + "-")
    expected = {"embedder": "hashing", "dimension": 256, "model": "hashing"}
    assert store._vectors.metadata(name) == expected
    collection = store._vectors._client.get_collection(name, embedding_function=None)
    with warnings.catch_warnings():  # Chroma calls a collection without a function "legacy"
        warnings.simplefilter("ignore", DeprecationWarning)
        assert collection.configuration["embedding_function"] is None
    assert 3 <= len(name) <= 512


class SlowHashing(HashingEmbedder):
    """Takes its time, so that a test can act while a document is being indexed."""

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        time.sleep(0.2)
        return super().embed_documents(texts)


def slow_store(monkeypatch: pytest.MonkeyPatch, **options: Any) -> KnowledgeStore:
    monkeypatch.setattr(ingestion, "EMBED_BATCH", 1)
    slow = EmbedderRegistry()
    slow.register(EmbedderInfo("hashing", "slow", SlowHashing, offline=True))
    return KnowledgeStore.open(data_dir(), embedders=slow, **options)


def long_text(paragraphs: int, word: str = "") -> bytes:
    line = "Règle {i} du service {w}, avec assez de mots pour un passage entier. "
    return "\n\n".join((line.format(i=i, w=word) * 14) for i in range(paragraphs)).encode()


def test_the_time_limit_covers_embedding(monkeypatch: pytest.MonkeyPatch) -> None:
    store = slow_store(monkeypatch, limits=Limits(max_seconds=0.5))
    try:
        kb = store.create_kb("RH", "alice")
        (doc,) = ready(store, store.add_documents(kb.id, [("long.txt", long_text(8))]))
        assert doc.status == "failed" and "ATELIER_KB_MAX_SECONDS" in doc.error
        assert vectors_of_document(store, kb.id, doc.id) == {}
    finally:
        store.close()


def test_a_document_deleted_while_indexed_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    store = slow_store(monkeypatch)
    try:
        kb = store.create_kb("RH", "alice")
        canary = uuid.uuid4().hex
        (doc,) = store.add_documents(kb.id, [("long.txt", long_text(10, canary))])
        deadline = time.monotonic() + 10
        while store.get_document(doc.id).progress <= ingestion.PARSED:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        store.delete_document(doc.id)
        assert store.ingestion.idle()  # the worker noticed at its next batch and cleaned up
        assert store.list_documents(kb.id) == []
        (name,) = store._vectors.names(kb.id + "-")
        assert store._vectors.ids(name) == set()
        assert files_holding(canary.encode(), data_dir()) == []
    finally:
        store.close()


# --- crash recovery ------------------------------------------------------------------------


def test_closing_the_store_hands_unfinished_documents_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = slow_store(monkeypatch)
    kb = store.create_kb("RH", "alice")
    first, second = store.add_documents(
        kb.id, [("long.txt", long_text(10)), ("cantine.txt", CANTINE)]
    )
    while store.get_document(first.id).progress <= ingestion.PARSED:
        time.sleep(0.05)
    store.close()
    # The short one may have been taken with the long one and finished first: never half done.
    assert store._db.get_document(first.id).status == "queued"  # type: ignore[union-attr]
    assert store._db.get_document(second.id).status in ("queued", "ready")  # type: ignore[union-attr]

    monkeypatch.setattr(ingestion, "EMBED_BATCH", 64)
    reopened = open_store()
    try:
        assert [d.status for d in ready(reopened, [first, second])] == ["ready", "ready"]
    finally:
        reopened.close()


def test_documents_left_by_a_dead_process_are_cleaned_and_requeued(tmp_path: Path) -> None:
    store = open_store()
    kb = store.create_kb("RH", "alice")
    ready(store, store.add_documents(kb.id, [("cantine.txt", CANTINE)]))
    collection = store._db.kb_state(kb.id).collection  # type: ignore[union-attr]
    store.close()

    # A process that died while indexing two documents: one whose upload is still on disk, one
    # whose upload is lost. Each left a vector behind.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    worker = f"{socket.gethostname()}:{dead.pid}:dead"
    store = open_store()
    store.ingestion.close()  # keep this store from indexing while the scene is set
    db, vectors = store._db, store._vectors
    left = {}
    for name, data in (("conges.md", CONGES), ("perdu.txt", b"Document perdu.")):
        now = utc_now()
        record = DocumentRecord(
            "doc-" + uuid.uuid4().hex[:16], kb.id, name, content_hash(data), len(data),
            "queued", now, now,
        )  # fmt: skip
        db.add_document(record, worker)
        assert db.claim(record.id, worker)
        vectors.write(collection, chunk_ids(record.id, 1), np.ones((1, 256), "f4"), [record.id])
        left[name] = record.id
    uploads = data_dir() / "uploads"
    (uploads / left["conges.md"]).write_bytes(CONGES)
    store.close()

    store = open_store()
    try:
        requeued, lost = store.wait([left["conges.md"], left["perdu.txt"]], timeout=30)
        assert requeued.status == "ready" and requeued.chunks >= 2
        assert lost.status == "failed" and "interrompue" in lost.error
        assert not vectors_of_document(store, kb.id, lost.id)
        best = store.search([kb.id], "reporter les congés", k=1)[0]
        assert best.document_id == requeued.id
        assert not list(uploads.iterdir())
    finally:
        store.close()


def vectors_of_document(store: KnowledgeStore, kb_id: str, doc_id: str) -> dict[str, np.ndarray]:
    collection = store._db.kb_state(kb_id).collection  # type: ignore[union-attr]
    return store._vectors.vectors_of(collection, chunk_ids(doc_id, 3))


# --- access control ------------------------------------------------------------------------


def test_someone_elses_knowledge_base_is_reported_like_a_missing_one(
    store: KnowledgeStore,
) -> None:
    catalogue = MemoryCatalogue()
    enrol(catalogue, "alice", "bob")
    alice = Workspace("alice", catalogue, knowledge=store)
    bob = Workspace("bob", catalogue, knowledge=lambda: store)
    kb = alice.create_kb("Dossiers RH")
    doc = ready(store, alice.add_documents("dossiers rh", [("conges.md", CONGES)]))[0]
    assert [k.id for k in alice.list_kbs()] == [kb.id]
    assert alice.search(["Dossiers RH"], "congés")[0].document_id == doc.id
    with pytest.raises(UserError):
        alice.create_kb("dossiers RH")

    assert bob.list_kbs() == []
    missing = "kb-000000000000"
    for ref in (kb.id, "Dossiers RH"):
        for attempt in (
            lambda: bob.resolve_kb(ref),
            lambda: bob.list_documents(ref),
            lambda: bob.search([ref], "congés"),
            lambda: bob.add_documents(ref, [("x.txt", b"intrus")]),
            lambda: bob.delete_document(ref, doc.id),
            lambda: bob.delete_kb(ref),
        ):
            with pytest.raises(NotFound) as refused:
                attempt()
            assert str(refused.value) == str(NotFound("kb.not_found", ref=ref))
    with pytest.raises(NotFound) as absent:
        bob.resolve_kb(missing)
    assert str(absent.value).replace(missing, kb.id) == str(NotFound("kb.not_found", ref=kb.id))

    # Bob's own base does not open Alice's documents either.
    mine = bob.create_kb("Dossiers RH")
    with pytest.raises(NotFound):
        bob.delete_document(mine.id, doc.id)
    assert alice.list_documents(kb.id)[0].status == "ready"
    assert bob.search([mine.id], "congés") == []


# --- erasure -------------------------------------------------------------------------------


def files_holding(needle: bytes, home: Path) -> list[str]:
    found = []
    for folder, _, names in os.walk(home):
        for name in names:
            path = Path(folder) / name
            if needle in path.read_bytes():
                found.append(str(path.relative_to(home)))
    return found


def files_holding_vector(vector: np.ndarray, home: Path) -> list[str]:
    """Files that hold ``vector``: 16 of its components in a row, from its first non-zero
    one, as float32 at any byte offset, within 1e-6."""
    values = np.asarray(vector, dtype=np.float32)
    first = int(np.flatnonzero(values)[0])
    probe = values[first : first + 16]
    found = []
    for folder, _, names in os.walk(home):
        for name in names:
            path = Path(folder) / name
            data = path.read_bytes()
            for shift in range(4 if len(data) >= 4 * len(probe) + 4 else 0):
                usable = (len(data) - shift) // 4
                values = np.frombuffer(data, dtype="<f4", count=usable, offset=shift)
                with np.errstate(invalid="ignore"):
                    starts = np.nonzero(np.abs(values - probe[0]) < 1e-6)[0]
                if any(
                    s + 16 <= usable and np.allclose(values[s : s + 16], probe, atol=1e-6)
                    for s in starts
                ):
                    found.append(str(path.relative_to(home)))
                    break
    return found


def test_deleting_a_document_or_a_base_erases_its_text_and_vectors(
    store: KnowledgeStore,
) -> None:
    home = data_dir()
    kb = store.create_kb("RH", "alice")
    ready(store, store.add_documents(kb.id, [("cantine.txt", CANTINE)]))
    canary = uuid.uuid4().hex
    text = f"# Dossier\n\nLe code confidentiel du dossier est {canary}.\n".encode()
    doc = ready(store, store.add_documents(kb.id, [(f"secret-{canary}.md", text)]))[0]
    assert store.search([kb.id], canary, k=1, mode="bm25")[0].document_id == doc.id
    vector = vectors_of_document(store, kb.id, doc.id)[chunk_ids(doc.id, 1)[0]]
    assert files_holding(canary.encode(), home), "the walk must see the indexed text"
    assert files_holding_vector(vector, home), "the walk must see the stored vector"

    store.delete_document(doc.id)
    assert files_holding(canary.encode(), home) == []
    assert files_holding_vector(vector, home) == []
    assert all(p.document_id != doc.id for p in store.search([kb.id], canary, k=5))
    assert store.search([kb.id], "cantine", k=1)[0].document == "cantine.txt"

    # A whole base.
    other = store.create_kb("Secret", "alice")
    canary = uuid.uuid4().hex
    doc = ready(store, store.add_documents(other.id, [("note.txt", f"Mot {canary}.".encode())]))[0]
    vector = vectors_of_document(store, other.id, doc.id)[chunk_ids(doc.id, 1)[0]]
    assert store.search([other.id], canary, k=1)[0].document_id == doc.id
    store.delete_kb(other.id)
    assert store._vectors.names(other.id) == []
    assert files_holding(canary.encode(), home) == []
    assert files_holding_vector(vector, home) == []
    with pytest.raises(NotFound):
        store.get_kb(other.id)
    # Still erased once everything is closed and opened again.
    store.close()
    reopened = open_store()
    try:
        assert files_holding(canary.encode(), home) == []
        assert reopened.search([kb.id], "cantine", k=1)[0].document == "cantine.txt"
    finally:
        reopened.close()


def test_erasure_also_covers_chroma_index_files(store: KnowledgeStore) -> None:
    """Past about 1,000 records Chroma persists an HNSW index in a folder of its own, where
    deleted records also stay: the rebuild must leave no copy there either."""
    home = data_dir()
    kb = store.create_kb("Gros", "alice")
    line = "Paragraphe {i} sur les règles internes du service, assez long pour un passage. "
    big = "\n\n".join(line.format(i=i) * 4 for i in range(2200)).encode()
    canary = uuid.uuid4().hex
    secret = f"Le mot de passe du coffre est {canary}.".encode()
    # The secret first: Chroma writes its index files every 1,000 records or so, and the
    # secret's vector must be in them.
    doc, big_doc = ready(store, store.add_documents(kb.id, [("s.txt", secret), ("big.txt", big)]))
    assert big_doc.chunks > 1000 and doc.status == "ready"
    vector = vectors_of_document(store, kb.id, doc.id)[chunk_ids(doc.id, 1)[0]]
    holding = files_holding_vector(vector, home)
    assert any(path.endswith("data_level0.bin") for path in holding), holding

    store.delete_document(doc.id)
    assert files_holding(canary.encode(), home) == []
    assert files_holding_vector(vector, home) == []
    assert store.get_kb(kb.id).chunks == big_doc.chunks
    assert store.search([kb.id], "paragraphe 1234", k=1, mode="bm25")[0].document == "big.txt"
    store.close()  # nothing comes back when Chroma writes its state out
    assert files_holding_vector(vector, home) == []


# --- several bases -------------------------------------------------------------------------


def test_search_across_several_bases(store: KnowledgeStore) -> None:
    rh = store.create_kb("RH", "alice")
    vie = store.create_kb("Vie pratique", "alice")
    ready(store, store.add_documents(rh.id, [("conges.md", CONGES)]))
    ready(store, store.add_documents(vie.id, [("cantine.txt", CANTINE)]))
    found = store.search([rh.id, vie.id, rh.id], "congés et cantine", k=4)
    assert {p.kb_id for p in found} == {rh.id, vie.id}
    assert store.search([vie.id], "cantine", k=1)[0].kb_id == vie.id
    assert all(p.kb_id == rh.id for p in store.search([rh.id], "cantine congés", k=4))
    with pytest.raises(NotFound):
        store.search([rh.id, "kb-000000000000"], "congés")


def test_unknown_embedders_are_refused_with_the_choices(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UserError) as refused:
        store.create_kb("RH", "alice", embedder="word2vec")
    assert "word2vec" in str(refused.value) and "hashing-small" in str(refused.value)
    monkeypatch.setenv("ATELIER_EMBEDDER", "word2vec")
    with pytest.raises(UserError) as refused:
        store.create_kb("RH", "alice")
    assert "ATELIER_EMBEDDER" in str(refused.value)
    with pytest.raises(UserError):
        store.create_kb("  ", "alice", embedder="hashing")
    assert store.list_kbs() == []


def test_open_knowledge_store_is_shared_and_workspace_opens_it_lazily() -> None:
    first = open_knowledge_store()
    assert open_knowledge_store() is first
    catalogue = MemoryCatalogue()
    enrol(catalogue, "alice")
    workspace = Workspace("alice", catalogue)
    kb = workspace.create_kb("RH")
    assert workspace._knowledge_store is first and first.get_kb(kb.id).owner == "alice"
