"""Background indexing that people can watch: upload, then parse, chunk, embed and write.

``submit`` records each file as a ``queued`` document, keeps its bytes in
``uploads/<document id>`` and returns at once. One worker thread per process (started on first
use, fed by a bounded queue) indexes documents and records ``status`` and ``progress`` in the
database, where any process can watch them (``wait``). Small documents queued together are
embedded and written together (``index_many``).

A document becomes ``ready`` only once all its vectors are in Chroma: its chunk rows and the
``ready`` status are then written in one transaction, which also checks that the document is
still this worker's and that its base still uses the collection the vectors went to (a rebuild
may have switched it meanwhile: then the vectors are written again). Until then search ignores
its vectors, since a passage is only shown when its chunk row exists. A failure marks only
that document ``failed``, with a reason a person can act on, and removes its partial vectors.

Crash recovery: each document records the worker that holds it (``host:pid:token``). When a
store opens, documents held by a worker that is gone (same host, process dead; or silent for
longer than the time limit allows) have their partial vectors removed and are queued again if
their bytes are still in ``uploads/``, else marked failed ("interrupted, upload again").
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import queue
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from agents.errors import UserError
from store.database import utc_now
from store.knowledge.chunking import chunk_document, search_text
from store.knowledge.db import KnowledgeDb
from store.knowledge.embedders import Embedder, EmbedderError
from store.knowledge.embedding import model_of
from store.knowledge.failures import failure, failure_of
from store.knowledge.parsing import parse_document, too_slow
from store.knowledge.records import DocumentRecord, Limits
from store.knowledge.schema import Indexed, KbState
from store.knowledge.titles import title_records
from store.knowledge.vectors import VectorIndex

log = logging.getLogger(__name__)

EMBED_BATCH = 64  # chunks per embedding call and Chroma write
BATCH_DOCUMENTS = 32  # queued documents the worker takes at once
SMALL_FILE = 256 * 1024  # bytes: a larger upload may be slow to parse, so it is never grouped
READ = 0.05  # progress once the file is read (stage ``splitting``)
PARSED = 0.1  # once it is split into passages (``embedding``); embedding fills the rest
SAVING = 0.99  # vectors written, passages being saved (``saving``); then ready
FINISHED = ("ready", "failed")
_T = TypeVar("_T")
_STOP = ""


def content_hash(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def new_document_id() -> str:
    return "doc-" + secrets.token_hex(8)


def chunk_ids(doc_id: str, count: int) -> list[str]:
    """Stable per document, so indexing again overwrites the same vectors."""
    return [f"ch-{doc_id.removeprefix('doc-')}-{i:05d}" for i in range(count)]


_CHUNK_ID = re.compile(r"ch-([0-9a-f]{16})-\d{5}")


def document_of_chunk(chunk_id: str) -> str | None:
    """The document ``chunk_ids`` made ``chunk_id`` for, when its id is one ``new_document_id``
    makes (a search groups results by document without reading the database)."""
    found = _CHUNK_ID.fullmatch(chunk_id)
    return "doc-" + found.group(1) if found else None


@dataclass(frozen=True)
class _Prepared:
    """A document parsed and chunked, its vectors not yet written."""

    document: DocumentRecord
    ids: list[str]  # of its vectors: its passages, then its title and headings (``titles``)
    texts: list[str]  # what is embedded for each
    done: Indexed
    deadline: float


class _Abandoned(Exception):
    """The document was deleted, or handed to another worker, while being indexed."""


class _Stopping(Exception):
    """The store is closing: the document goes back to the queue for whoever opens it next."""


class Ingestion:
    def __init__(
        self,
        db: KnowledgeDb,
        vectors: VectorIndex,
        embedder: Callable[[str], Embedder],
        uploads: Path,
        limits: Limits | None = None,
        queue_size: int = 1000,
        on_abandoned: Callable[[str, str], None] | None = None,
        on_ready: Callable[[DocumentRecord], None] | None = None,
    ) -> None:
        self._db = db
        self._vectors = vectors
        self._embedder = embedder
        self._uploads = uploads
        self._limits = limits or Limits.from_env()
        self._queue: queue.Queue[str] = queue.Queue(maxsize=queue_size)
        self._backlog = threading.Event()  # some queued documents did not fit in the queue
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._on_abandoned = on_abandoned
        self._on_ready = on_ready
        self._stopping = threading.Event()
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

    # --- the caller's side -----------------------------------------------------------------

    def submit(
        self, kb_id: str, files: Sequence[tuple[str, bytes]], replace: bool = False
    ) -> list[DocumentRecord]:
        """Record each file and queue it; a file already in the base (same content) gives
        back the existing document instead. With ``replace``, the base's documents of the same
        file name are deleted once the new one is ready (a new version of a procedure)."""
        self._uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
        by_name: dict[str, list[str]] = {}
        if replace:
            for existing in self._db.list_documents(kb_id=kb_id):
                by_name.setdefault(existing.filename, []).append(existing.id)
        found: list[DocumentRecord] = []
        for filename, data in files:
            now = utc_now()
            record = DocumentRecord(
                id=new_document_id(),
                kb_id=kb_id,
                filename=filename,
                content_hash=content_hash(data),
                size=len(data),
                status="queued",
                created_at=now,
                updated_at=now,
                replaces=tuple(by_name.get(filename, ())),
            )
            document, fresh = self._db.add_document(record, self.worker)
            if fresh:
                self._keep_upload(document.id, data)
                self._enqueue(document.id)
            found.append(document)
        return found

    def wait(
        self,
        doc_ids: Sequence[str],
        timeout: float | None = None,
        on_progress: Callable[[list[DocumentRecord]], None] | None = None,
        interval: float = 0.2,
    ) -> list[DocumentRecord]:
        """Poll the database until every document is ready or failed, or ``timeout`` passes;
        returns the documents as last seen (a deleted one is left out). Works whichever
        process indexes them."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            current = self._db.list_documents(ids=doc_ids)
            if on_progress is not None:
                on_progress(current)
            done = all(d.status in FINISHED for d in current)
            if done or (deadline is not None and time.monotonic() >= deadline):
                return current
            time.sleep(interval)

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until this process's worker has nothing queued or in hand."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self._queue.unfinished_tasks

    def forget_upload(self, doc_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self._uploads / doc_id).unlink()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the worker; a document it was indexing is queued again, with no worker, so
        that the next store to open takes it over."""
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._queue.put(_STOP, timeout=timeout)
            thread.join(timeout)
        for document, worker in self._db.held(("queued",)):
            if worker == self.worker:
                self._db.requeue(document.id, "", ("queued",))

    def _keep_upload(self, doc_id: str, data: bytes) -> None:
        """Written whole under a temporary name, then renamed: recovery never finds half a file."""
        target = self._uploads / doc_id
        partial = target.with_suffix(".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        partial.replace(target)

    def _enqueue(self, doc_id: str) -> None:
        self._start()
        try:
            self._queue.put_nowait(doc_id)
        except queue.Full:
            self._backlog.set()  # it stays queued in the database; the worker comes back for it

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="atelier-ingestion", daemon=True
                )
                self._thread.start()

    # --- crash recovery --------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Take over the documents that a dead worker left queued or indexing; returns their
        ids."""
        stale_after = timedelta(seconds=2 * self._limits.max_seconds + 60)
        taken: list[str] = []
        for document, worker in self._db.held(("queued", "indexing")):
            silent = utc_now() - document.updated_at > stale_after
            if worker == self.worker or not _worker_gone(worker, document.status, silent):
                continue
            self._remove_vectors(document)
            if (self._uploads / document.id).is_file():
                if self._db.requeue(document.id, self.worker, ("queued", "indexing")):
                    self._enqueue(document.id)
            else:
                self._db.fail(document.id, failure("kb.interrupted"))
            taken.append(document.id)
        if taken:
            log.info("took over %d document(s) left by a stopped worker", len(taken))
        return taken

    # --- the worker ------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                taken = [self._queue.get(timeout=1.0)]
            except queue.Empty:
                self._refill()
                continue
            while len(taken) < BATCH_DOCUMENTS and _STOP not in taken:
                try:
                    taken.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self.index_many([doc_id for doc_id in taken if doc_id != _STOP])
            except Exception:  # the worker must outlive any one document
                log.exception("indexing %s failed unexpectedly", ", ".join(taken))
            finally:
                for _ in taken:
                    self._queue.task_done()
            if _STOP in taken:
                return

    def _refill(self) -> None:
        """Queue again the documents left out while the queue was full."""
        if not self._backlog.is_set():
            return
        self._backlog.clear()
        for document, worker in self._db.held(("queued",)):
            if worker == self.worker:
                try:
                    self._queue.put_nowait(document.id)
                except queue.Full:
                    self._backlog.set()
                    return

    def index(self, doc_id: str) -> None:
        """Index one queued document, start to finish (the worker's job; callable directly)."""
        self.index_many([doc_id])

    def index_many(self, doc_ids: Sequence[str]) -> None:
        """Index queued documents, in order. Small ones (a page, a FAQ entry) are embedded and
        written together, up to ``EMBED_BATCH`` chunks of one base per call: one Chroma write
        costs about as much for one vector as for sixty. Each is still marked ready on its own,
        and if writing them together fails, each is tried again alone, so that a failure names
        its own document. A large file (slow to parse, many chunks) is never made to wait for
        others, nor they for it: the group is written before it is read."""
        group: list[_Prepared] = []
        for doc_id in doc_ids:
            if self._stopping.is_set():
                break  # the rest stay queued; ``close`` hands them to the next store
            if not self._db.claim(doc_id, self.worker):
                continue  # deleted, or another worker took it
            document = self._db.get_document(doc_id)
            if document is None:
                continue
            if document.size > SMALL_FILE:
                group = self._write_group(group)
            deadline = time.monotonic() + self._limits.max_seconds
            item = self._guarded(document, functools.partial(self._prepare, document, deadline))
            if item is None:
                continue
            if len(item.texts) > EMBED_BATCH:
                group = self._write_group(group)
                self._write_alone(item)
                continue
            size = sum(len(i.texts) for i in group) + len(item.texts)
            if group and (size > EMBED_BATCH or group[0].document.kb_id != document.kb_id):
                group = self._write_group(group)
            group.append(item)
        self._write_group(group)

    def _write_group(self, group: list[_Prepared]) -> list[_Prepared]:
        """Write the documents of ``group``; returns a new, empty group."""
        if group:
            for item in self._store_together(group):
                self._write_alone(item)
        return []

    def _write_alone(self, item: _Prepared) -> None:
        if self._guarded(item.document, functools.partial(self._store, item)):
            self._ready(item.document)

    def _ready(self, document: DocumentRecord) -> None:
        self.forget_upload(document.id)
        if document.replaces and self._on_ready is not None:
            try:
                self._on_ready(document)
            except Exception:  # the next start finishes the erasure (``unfinished_erasures``)
                log.exception("erasing what %s replaces failed", document.id)

    def _guarded(self, document: DocumentRecord, step: Callable[[], _T]) -> _T | None:
        """Run one step of indexing ``document``; on failure, record why and clean up."""
        try:
            return step()
        except _Abandoned:
            if self._db.get_document(document.id) is None:  # deleted (a taker-over keeps them)
                self._remove_vectors(document)
                if self._on_abandoned is not None:
                    self._on_abandoned(document.kb_id, document.id)
        except _Stopping:
            self._db.requeue(document.id, "", ("indexing",))
        except UserError as exc:  # DocumentRejected among them: the reason is for people
            self._failed(document, failure_of(exc))
        except EmbedderError as exc:
            log.warning("indexing %s: the embedder failed: %s", document.id, exc)
            self._failed(document, failure("kb.embedder_failed", reason=str(exc)))
        except Exception as exc:
            log.exception("indexing %s (%s) failed", document.filename, document.id)
            self._failed(document, failure("kb.failed_internal", error=type(exc).__name__))
        return None

    def _prepare(self, document: DocumentRecord, deadline: float) -> _Prepared:
        try:
            data = (self._uploads / document.id).read_bytes()
        except FileNotFoundError:
            raise UserError("kb.interrupted") from None
        parsed = parse_document(document.filename, data, self._limits)
        self._progress(document.id, READ, "splitting")
        chunks = chunk_document(parsed)
        ids = chunk_ids(document.id, len(chunks))
        titles = title_records(ids, chunks, parsed.title)
        texts = [search_text(chunk, parsed.title) for chunk in chunks] + [t for _, t in titles]
        done = Indexed(ids, chunks, parsed.title, parsed.pages)
        return _Prepared(document, ids + [i for i, _ in titles], texts, done, deadline)

    def _store_together(self, group: list[_Prepared]) -> list[_Prepared]:
        """Embed and write the chunks of a few small documents of one base at once, then mark
        each ready; returns those that still need writing alone."""
        state = self._db.kb_state(group[0].document.kb_id)
        if state is None or self._stopping.is_set():
            return group  # alone, each one meets the reason and acts on it
        texts = [text for item in group for text in item.texts]
        ids = [record_id for item in group for record_id in item.ids]
        owners = [item.document.id for item in group for _ in item.texts]
        self._stage(group, PARSED, "embedding")
        try:
            embedder = self._embedder(state.embedder)
            self._vectors.check_model(state.collection, model_of(embedder))
            vectors = embedder.embed_documents(texts) if texts else None
            if vectors is not None:
                self._vectors.write(state.collection, ids, vectors, owners)
        except Exception as exc:
            log.info("writing %d documents together failed (%s); one at a time", len(group), exc)
            return group
        self._stage(group, SAVING, "saving")
        rest: list[_Prepared] = []
        for item in group:
            if self._db.finish(item.document.id, self.worker, state.collection, item.done):
                self._ready(item.document)
            else:  # deleted, taken over, or the base switched collections: sorted out alone
                rest.append(item)
        return rest

    def _store(self, item: _Prepared) -> bool:
        """Embed and write one document's chunks, batch by batch, with progress."""
        document, done = item.document, item.done
        self._progress(document.id, PARSED, "embedding")
        for _ in range(3):
            state = self._db.kb_state(document.kb_id)
            if state is None:
                raise _Abandoned
            if self._write_vectors(
                document, state, item.texts, item.ids, item.deadline
            ) and self._db.finish(document.id, self.worker, state.collection, done):
                return True
            # The base switched collections (rebuild, new embedder) while we wrote, or the
            # document is no longer ours: clean up, and write again if it is still ours.
            self._vectors.remove_document(state.collection, document.id)
            self._progress(document.id, PARSED, "embedding")
        raise UserError("kb.busy_rebuilding")

    def _write_vectors(
        self,
        document: DocumentRecord,
        state: KbState,
        texts: list[str],
        ids: list[str],
        deadline: float,
    ) -> bool:
        """Embed and write in batches; ``False`` if the base left ``state.collection``."""
        embedder = self._embedder(state.embedder)
        self._vectors.check_model(state.collection, model_of(embedder))
        for start in range(0, len(texts), EMBED_BATCH):
            if time.monotonic() > deadline:
                raise too_slow(self._limits.max_seconds)
            batch = slice(start, start + EMBED_BATCH)
            vectors = embedder.embed_documents(texts[batch])
            try:
                self._vectors.write(
                    state.collection, ids[batch], vectors, [document.id] * len(vectors)
                )
            except Exception:
                current = self._db.kb_state(document.kb_id)
                if current is None or self._db.get_document(document.id) is None:
                    raise _Abandoned from None
                if current.collection != state.collection:
                    return False  # dropped by a rebuild
                raise
            self._progress(
                document.id,
                PARSED + (SAVING - PARSED) * min(1.0, (start + len(vectors)) / len(texts)),
            )
        self._progress(document.id, SAVING, "saving")
        return True

    def _progress(self, doc_id: str, progress: float, stage: str | None = None) -> None:
        if self._stopping.is_set():
            raise _Stopping
        if not self._db.progress(doc_id, round(progress, 3), self.worker, stage):
            raise _Abandoned

    def _stage(self, group: list[_Prepared], progress: float, stage: str) -> None:
        """Record the stage of documents written together (one that is gone is sorted out
        when it is marked ready)."""
        for item in group:
            self._db.progress(item.document.id, progress, self.worker, stage)

    def _failed(self, document: DocumentRecord, reason: str) -> None:
        """``reason``: a stored message reference (``failures.failure``)."""
        if self._db.fail(document.id, reason, self.worker):
            self._remove_vectors(document)
            self.forget_upload(document.id)

    def _remove_vectors(self, document: DocumentRecord) -> None:
        state = self._db.kb_state(document.kb_id)
        if state is None:
            return
        try:
            self._vectors.remove_document(state.collection, document.id)
        except Exception:
            log.exception("partial vectors of %s could not be removed", document.id)


def _worker_gone(worker: str, status: str, silent: bool) -> bool:
    """Whether the worker ``host:pid:token`` that holds a document is gone. A worker of this
    host is alive while its process is (another token in this very process is a closed store);
    one of another host is presumed gone once it has been silent too long while indexing."""
    host, _, rest = worker.partition(":")
    pid_text, _, _token = rest.partition(":")
    if not worker or not pid_text.isdigit():
        return True
    if host != socket.gethostname():
        return status == "indexing" and silent
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
