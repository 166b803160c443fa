"""The knowledge store: knowledge bases, their documents, search. Unscoped, like a catalogue
backend: the interfaces reach it only through ``store.workspace.Workspace``, which checks who
may see what.

Search is hybrid by default: the base's Chroma collection (dense, by the query's embedding),
BM25 over its chunks' texts, and the vectors of its documents' titles and headings
(``titles``), fused by reciprocal rank with each embedder's weights (``fusion``), one result per
document by default (``ranking``). The BM25 index of each
base is built on first search and kept in memory until the base's version changes (a document
became ready or was deleted, here or in another process).

Scores. ``Passage.score`` is the fused RRF score: it orders one result list and means nothing
across lists. ``Passage.scores`` holds ``dense`` (cosine similarity between the query and the
passage, -1..1; in hybrid mode also for passages only BM25 found) and ``bm25`` (when BM25 found
the passage). ``min_score`` is a threshold on that cosine similarity: in ``hybrid`` and
``dense`` modes a passage below it is left out, even one BM25 ranks first; 0 (the default) or
less keeps every passage; in ``bm25`` mode there is no similarity and it is ignored.

Erasure. Deleting a document deletes its chunk rows (overwritten on disk), its uploaded bytes,
and its vectors: the base's collection is rebuilt without them and the old one dropped and
purged (``rebuild``). Deleting a base drops its collections.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from agents.errors import NotFound, UserError
from store.config import data_dir
from store.database import utc_now
from store.knowledge import ranking
from store.knowledge.db import KnowledgeDb
from store.knowledge.embedders import (
    ENV_EMBEDDER,
    Embedder,
    EmbedderError,
    EmbedderInfo,
    EmbedderRegistry,
    UnknownEmbedder,
    default_embedder_id,
    default_embedders,
)
from store.knowledge.embedding import model_of
from store.knowledge.erasure import Eraser
from store.knowledge.fusion import CANDIDATES, DEFAULT_K, fusion_for
from store.knowledge.ingestion import Ingestion, document_of_chunk
from store.knowledge.lexical_cache import LexicalIndexes
from store.knowledge.rebuild import Progress, Rebuilder
from store.knowledge.records import (
    Chunk,
    DocumentRecord,
    KnowledgeBaseRecord,
    Limits,
    Passage,
)
from store.knowledge.schema import KbState
from store.knowledge.titles import is_title_record, passage_of
from store.knowledge.vectors import VectorIndex

log = logging.getLogger(__name__)

SearchMode = Literal["hybrid", "dense", "bm25"]
MODES = ("hybrid", "dense", "bm25")
MAX_OTHERS = 4  # other passages of a document shown under its best one
SPARE = 5  # results read beyond k, for those whose document turns out not to be ready


class KnowledgeStore:
    """Thread-safe. One per process and data directory (``open_knowledge_store``)."""

    def __init__(
        self,
        db: KnowledgeDb,
        vectors: VectorIndex,
        uploads: Path,
        *,
        embedders: EmbedderRegistry | None = None,
        limits: Limits | None = None,
        recover: bool = True,
    ) -> None:
        self._db = db
        self._vectors = vectors
        self._embedders = embedders or default_embedders()
        self._rebuilder = Rebuilder(db, vectors, self.embedder)
        self.ingestion = Ingestion(
            db,
            vectors,
            self.embedder,
            uploads,
            limits,
            on_abandoned=self._abandoned,
            on_ready=self._replaced,
        )
        self._lexical = LexicalIndexes(db)
        self._eraser = Eraser(self._rebuilder.erase)
        self.closed = False
        if recover:
            self.ingestion.recover()
            self._finish_erasures()

    @classmethod
    def open(
        cls,
        home: Path,
        *,
        embedders: EmbedderRegistry | None = None,
        limits: Limits | None = None,
        recover: bool = True,
    ) -> KnowledgeStore:
        """The store kept in the data directory ``home`` (Chroma: see ``vectors.open_client``)."""
        db = KnowledgeDb(home / "knowledge.sqlite3")
        vectors = VectorIndex.open(home / "chroma")
        return cls(
            db, vectors, home / "uploads", embedders=embedders, limits=limits, recover=recover
        )

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._lexical.closed = True
        self.ingestion.close()
        self._eraser.close()
        self._eraser.idle(30.0)  # let a rebuild under way finish rather than cut it in two
        self._vectors.close()
        self._db.close()

    def embedder(self, embedder_id: str) -> Embedder:
        try:
            return self._embedders.get(embedder_id)
        except UnknownEmbedder:
            known = ", ".join(self._embedders.ids())
            raise UserError("kb.embedder_unknown", embedder=embedder_id, known=known) from None
        except EmbedderError as exc:
            raise UserError("kb.embedder_unavailable", embedder=embedder_id, reason=exc) from exc

    def embedder_choices(self) -> list[EmbedderInfo]:
        """The embedders people may pick for a base."""
        return [info for info in self._embedders.infos() if info.shown]

    # --- knowledge bases -------------------------------------------------------------------

    def create_kb(
        self,
        name: str,
        owner: str,
        embedder: str | None = None,
        description: str = "",
        thread_id: str = "",
        data_class: str = "internal",
    ) -> KnowledgeBaseRecord:
        """``thread_id``: the base of that conversation's attached files (see ``list_kbs``)."""
        if not name.strip():
            raise UserError("kb.name_empty")
        try:
            embedder_id = embedder or default_embedder_id(self._embedders)
        except UnknownEmbedder:
            chosen = os.environ.get(ENV_EMBEDDER, "")
            known = ", ".join(self._embedders.ids())
            raise UserError("kb.embedder_env_unknown", embedder=chosen, known=known) from None
        record = KnowledgeBaseRecord(
            id="kb-" + secrets.token_hex(6),
            name=name.strip(),
            owner=owner,
            embedder=embedder_id,
            created_at=utc_now(),
            description=description.strip(),
            thread_id=thread_id,
            data_class=data_class,
        )
        try:
            collection = self._rebuilder.new_collection(record.id, embedder_id)
        except EmbedderError as exc:  # its dimension could not be known (a remote service)
            raise UserError("kb.embedder_unavailable", embedder=embedder_id, reason=exc) from exc
        try:
            self._db.insert_kb(record, collection)
        except Exception:
            self._vectors.drop(collection)
            raise
        return self.get_kb(record.id)

    def set_kb_class(self, kb_id: str, data_class: str) -> KnowledgeBaseRecord:
        self.get_kb(kb_id)
        self._db.set_kb_class(kb_id, data_class)
        return self.get_kb(kb_id)

    def get_kb(self, kb_id: str) -> KnowledgeBaseRecord:
        found = self._db.kb_records(kb_id=kb_id)
        if not found:
            raise kb_not_found(kb_id)
        return found[0]

    def list_kbs(
        self, owner: str | None = None, attachments: bool = False
    ) -> list[KnowledgeBaseRecord]:
        """The knowledge bases; with ``attachments``, the bases of conversations' attached
        files too (erasing a person's data), which are otherwise listed nowhere."""
        return self._db.kb_records(owner=owner, attachments=attachments)

    def delete_kb(self, kb_id: str) -> None:
        self._state(kb_id)
        for doc_id in self._db.delete_kb(kb_id):
            self.ingestion.forget_upload(doc_id)
        for name in self._vectors.names(kb_id + "-"):
            self._vectors.drop(name)
        self._lexical.forget(kb_id)

    def model_changed(self, kb_id: str) -> tuple[str, str] | None:
        """``(recorded, configured)`` when the base's vectors were made by another model than
        its embedder uses now (an embeddings service whose model was changed): it must be
        re-indexed. ``None`` when they agree, or when the embedder cannot be built."""
        state = self._state(kb_id)
        try:
            now = model_of(self._embedders.get(state.embedder))
        except EmbedderError:
            return None
        recorded = self._vectors.other_model(state.collection, now)
        return None if recorded is None else (recorded, now)

    def set_embedder(
        self, kb_id: str, embedder_id: str, on_progress: Progress | None = None
    ) -> KnowledgeBaseRecord:
        """Re-index the base, with another embedder or its own, into a new collection; the old
        one is dropped once the new one is complete. Chunks are embedded again when the model
        differs from the one that built the collection (another embedder, or the service's
        model changed), else their vectors are copied. Runs in the caller's thread (minutes
        for a large base with a slow model)."""
        self._state(kb_id)
        self.embedder(embedder_id)
        try:
            self._rebuilder.rebuild(kb_id, embedder_id, on_progress)
        except EmbedderError as exc:
            raise UserError("kb.embedder_unavailable", embedder=embedder_id, reason=exc) from exc
        return self.get_kb(kb_id)

    # --- documents -------------------------------------------------------------------------

    def add_documents(
        self, kb_id: str, files: Sequence[tuple[str, bytes]], replace: bool = False
    ) -> list[DocumentRecord]:
        """Queue the files for indexing and return at once (see ``ingestion``); with
        ``replace``, a file replaces the base's documents of the same name once it is ready."""
        self._state(kb_id)
        return self.ingestion.submit(kb_id, files, replace)

    def settle(self, timeout: float = 3600.0) -> bool:
        """Wait until this process's worker is done and the documents deleted or replaced are
        erased (a command about to exit)."""
        return self.ingestion.idle(timeout) and self._eraser.idle(timeout)

    def erasing(self, kb_id: str) -> bool:
        """Whether deleted documents of the base still have vectors in Chroma's files (being
        erased in the background). Their text is already gone, and they are never found."""
        return kb_id in self._db.unfinished_erasures()

    def wait(
        self,
        doc_ids: Sequence[str],
        timeout: float | None = None,
        on_progress: Callable[[list[DocumentRecord]], None] | None = None,
    ) -> list[DocumentRecord]:
        return self.ingestion.wait(doc_ids, timeout, on_progress)

    def list_documents(self, kb_id: str) -> list[DocumentRecord]:
        self._state(kb_id)
        return self._db.list_documents(kb_id=kb_id)

    def get_document(self, doc_id: str) -> DocumentRecord:
        document = self._db.get_document(doc_id)
        if document is None:
            raise document_not_found(doc_id)
        return document

    def document_passages(self, doc_id: str) -> list[Chunk]:
        """What was read from the document, passage by passage (empty until it is ready)."""
        return self._db.document_chunks(self.get_document(doc_id).id)

    def delete_document(self, doc_id: str, wait: bool = True) -> None:
        """Erase the document: chunk rows, uploaded bytes, and vectors (see the module doc).
        The vectors are erased from Chroma's files by rebuilding the base's collection: now,
        or in the background (``wait=False``: the builder; see ``erasure``)."""
        document = self.get_document(doc_id)
        self._state(document.kb_id)
        self._db.delete_document(doc_id)
        self._erase(document.kb_id, [doc_id], wait)

    def _replaced(self, document: DocumentRecord) -> None:
        """``document`` is ready, and the documents it replaces were deleted with it."""
        self._erase(document.kb_id, document.replaces, wait=False)

    def _erase(self, kb_id: str, doc_ids: Sequence[str], wait: bool) -> None:
        """What remains of documents whose rows are deleted: their terms in memory, their
        uploads, and their vectors (unfindable at once, even if the rebuild fails; erased
        from Chroma's files by the rebuild, now or in the background)."""
        state = self._db.kb_state(kb_id)
        if state is None:
            return
        self._lexical.forget(kb_id)
        for doc_id in doc_ids:
            self.ingestion.forget_upload(doc_id)
            self._vectors.remove_document(state.collection, doc_id)
        if wait:
            self._rebuilder.rebuild(kb_id)
        else:
            self._eraser.schedule(kb_id)

    def _finish_erasures(self) -> None:
        """Rebuild, in the background, the bases whose erasure a stopped process left half done
        (their deleted documents' text is gone; vectors may remain in Chroma's files)."""
        pending = self._db.unfinished_erasures()
        if pending:
            log.info("finishing the erasure of %d knowledge base(s)", len(pending))
        for kb_id in pending:
            self._eraser.schedule(kb_id)

    def _abandoned(self, kb_id: str, doc_id: str) -> None:
        """A worker dropped a document it was indexing: if it was deleted meanwhile, vectors
        written after the deletion's rebuild must be erased too."""
        if self._db.get_document(doc_id) is None:
            self._rebuilder.rebuild(kb_id)

    # --- search ----------------------------------------------------------------------------

    def search(
        self,
        kb_ids: Iterable[str],
        query: str,
        k: int = 5,
        min_score: float = 0.0,
        mode: SearchMode = "hybrid",
        per_document: bool = True,
    ) -> list[Passage]:
        """The ``k`` best results of the bases for ``query`` (scores: see the module doc).

        ``per_document`` (the default): ``k`` different documents, each by its best passage
        with its other matching passages in ``Passage.others``; otherwise the ``k`` best
        passages, several of one document side by side (long documents)."""
        if mode not in MODES:
            raise UserError("kb.bad_mode", mode=mode, modes=", ".join(MODES))
        states = [self._state(kb_id) for kb_id in dict.fromkeys(kb_ids)]
        if not query.strip() or k <= 0:
            return []
        wanted = max(CANDIDATES, 2 * k)
        lists, dense, bm25, vectors = self._retrieve(states, query, mode, wanted)
        rrf_k = fusion_for(states[0].embedder).k if states else DEFAULT_K
        fused = ranking.passages(lists, rrf_k)
        document_of = self._documents_of([i for i, _ in fused[: 3 * wanted]])
        if min_score > 0 and mode != "bm25":
            self._score_dense(vectors, dense, [i for i, _ in fused[:wanted]], document_of)
            kept = {i for i, _ in fused[:wanted] if dense.get(i, -1.0) >= min_score}
            lists = [ranking.kept(r, kept) for r in lists]
            fused = ranking.passages(lists, rrf_k)
        found: list[tuple[str, float, list[str]]]
        if per_document:
            hits = ranking.documents(lists, rrf_k, document_of, fused)[: k + SPARE]
            found = [(h.passages[0], h.score, h.passages[1 : 1 + MAX_OTHERS]) for h in hits]
        else:
            alone: list[str] = []
            found = [(i, score, alone) for i, score in fused if i in document_of][: k + SPARE]
        rows = self._db.chunk_rows([i for first, _, others in found for i in (first, *others)])
        # A passage of a document not ready yet (being indexed, or just deleted) is left out.
        found = [(i, score, others) for i, score, others in found if i in rows][:k]
        if mode != "bm25":  # the cosine of what is shown, when only BM25 or a title found it
            self._score_dense(vectors, dense, [i for i, _, _ in found], rows)
        scores = (("dense", dense), ("bm25", bm25))

        def passage(chunk_id: str, score: float, others: Sequence[str] = ()) -> Passage:
            row = rows[chunk_id]
            return Passage(
                chunk_id=chunk_id,
                kb_id=row.kb_id,
                document_id=row.document_id,
                document=row.filename,
                text=row.chunk.text,
                score=score,
                page=row.chunk.page,
                heading_path=row.chunk.heading_path,
                start=row.chunk.start,
                end=row.chunk.end,
                scores={name: got[chunk_id] for name, got in scores if chunk_id in got},
                title=row.title,
                others=tuple(passage(i, score) for i in others if i in rows),
            )

        return [passage(chunk_id, score, others) for chunk_id, score, others in found]

    def _retrieve(
        self, states: Sequence[KbState], query: str, mode: SearchMode, wanted: int
    ) -> tuple[list[ranking.Ranked], dict[str, float], dict[str, float], dict[str, Any]]:
        """Each base's ranked lists, with the dense and BM25 scores found, and the query's
        vector with the collection of each passage found (to score the others later)."""
        lists: list[ranking.Ranked] = []
        dense: dict[str, float] = {}
        bm25: dict[str, float] = {}
        vectors: dict[str, Any] = {}  # passage id -> (collection, query vector)
        for state in states:
            fusion = fusion_for(state.embedder)
            found_bm25: list[str] = []
            if mode != "dense":
                scored = self._lexical.get(state.id, state.version).search(query, wanted)
                bm25.update(scored)
                found_bm25 = [i for i, _ in scored]
                lists.append(ranking.Ranked("bm25", found_bm25, fusion.bm25))
            if mode == "bm25":
                continue
            embedder = self.embedder(state.embedder)
            self._vectors.check_model(state.collection, model_of(embedder))
            vector = embedder.embed_query(query)
            # Titles and passages share the collection: ask for both, then tell them apart.
            hits = self._vectors.query(state.collection, vector, 2 * wanted)
            found_dense = [(i, s) for i, s in hits if not is_title_record(i)][:wanted]
            dense.update(found_dense)
            lists.append(ranking.Ranked("dense", [i for i, _ in found_dense], fusion.dense))
            title_hits: dict[str, float] = {}
            for record_id, similarity in hits:
                if is_title_record(record_id):
                    title_hits.setdefault(passage_of(record_id), similarity)
            titles = list(title_hits)
            if mode == "hybrid" and titles:
                ranks = ranking.tied_ranks(list(title_hits.values()))
                lists.append(ranking.Ranked("titles", titles, fusion.titles, ranks))
            for chunk_id in (*found_bm25, *titles):
                vectors.setdefault(chunk_id, (state.collection, vector))
        return lists, dense, bm25, vectors

    def _documents_of(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """Each chunk's document: from its id (``ingestion.chunk_ids``), else from the
        database. Whether the document is ready is checked on the results shown."""
        found: dict[str, str] = {}
        unknown: list[str] = []
        for chunk_id in chunk_ids:
            document = document_of_chunk(chunk_id)
            if document is None:
                unknown.append(chunk_id)
            else:
                found[chunk_id] = document
        return found | (self._db.chunk_documents(unknown) if unknown else {})

    def _score_dense(
        self,
        vectors: dict[str, Any],
        dense: dict[str, float],
        ids: Sequence[str],
        known: Mapping[str, Any],
    ) -> None:
        """Add to ``dense`` the cosine of the passages of ``ids`` it lacks: fetching vectors by
        id is the slow part of a search, so only for what is shown or must pass ``min_score``."""
        by_collection: dict[str, tuple[Any, list[str]]] = {}
        for chunk_id in ids:
            if chunk_id in dense or chunk_id not in vectors or chunk_id not in known:
                continue
            collection, vector = vectors[chunk_id]
            by_collection.setdefault(collection, (vector, []))[1].append(chunk_id)
        for collection, (vector, missing) in by_collection.items():
            dense.update(self._vectors.similarities(collection, vector, missing))

    def _state(self, kb_id: str) -> KbState:
        state = self._db.kb_state(kb_id)
        if state is None:
            raise kb_not_found(kb_id)
        return state


def kb_not_found(ref: str) -> NotFound:
    return NotFound("kb.not_found", ref=ref)


def document_not_found(ref: str) -> NotFound:
    return NotFound("kb.document_not_found", ref=ref)


_stores: dict[Path, KnowledgeStore] = {}
_stores_lock = threading.Lock()


def open_knowledge_store() -> KnowledgeStore:
    """This installation's knowledge store, shared by the process (one ingestion worker, one
    Chroma client per data directory)."""
    home = data_dir().resolve()
    with _stores_lock:
        store = _stores.get(home)
        if store is None or store.closed:
            store = KnowledgeStore.open(home)
            _stores[home] = store
        return store


def close_knowledge_stores() -> None:
    """Close every store this process opened (tests; a clean shutdown)."""
    with _stores_lock:
        stores = list(_stores.values())
        _stores.clear()
    for store in stores:
        store.close()
