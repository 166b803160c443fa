"""The vectors of every knowledge base, in Chroma: ids, embeddings and a document id, no text.

One collection per knowledge base and embedder; its metadata records which embedder and which
dimension built it, so vectors of two embedders are never mixed. Chroma never embeds anything
itself (its default function downloads a model and fails offline): every write and query
passes vectors, and collections are opened with ``embedding_function=None``.

Erasure. Deleting records from a collection only marks them: their vectors stay in Chroma's
SQLite file (its log, then free pages) and in the HNSW files. A collection that lost records is
therefore rebuilt without them (``rebuild``) and the old one dropped; ``purge`` then removes
what Chroma leaves behind a dropped collection on disk: its segment folder, and the free pages
of ``chroma.sqlite3`` (``VACUUM``). A Chroma server (``ATELIER_CHROMA_URL``) keeps its files to
itself: its operator runs ``chroma vacuum`` there.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from agents.errors import UserError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")
_SEGMENT_FOLDER = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def collection_name(kb_id: str, embedder_id: str, generation: str) -> str:
    """``kb-<hex>-<embedder>-<generation>``, kept within Chroma's rules (3 to 512 characters
    among letters, digits, ``_`` and ``-``, starting and ending with a letter or digit)."""
    embedder = _UNSAFE.sub("-", embedder_id).strip("-_") or "embedder"
    name = f"{kb_id}-{embedder[:200]}-{generation}"
    return name[:512]


def open_client(path: Path) -> ClientAPI:
    """A Chroma server when ``ATELIER_CHROMA_URL`` names one, else Chroma embedded in ``path``.
    Telemetry is off: nothing leaves the machine."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    url = os.environ.get("ATELIER_CHROMA_URL", "").strip()
    if url:
        from urllib.parse import urlparse

        parts = urlparse(url)
        return chromadb.HttpClient(
            host=parts.hostname or "localhost",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=settings,
        )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class VectorIndex:
    """Thread-safe. ``path`` is the embedded store's folder (``None`` for a server)."""

    def __init__(self, client: ClientAPI, path: Path | None = None) -> None:
        self._client = client
        self._path = path
        # Embedded Chroma: one Chroma call at a time in this process, so that ``purge`` (which
        # locks Chroma's file to vacuum it) never meets a write half-way.
        self._lock: AbstractContextManager[Any] = threading.RLock() if path else nullcontext()
        self._batch = max(1, min(1000, client.get_max_batch_size() - 1))
        # Opened collections by name: asking Chroma for one costs milliseconds per search at
        # 100k records. Names carry a generation, so a name never comes back after ``drop``.
        self._open: dict[str, Collection] = {}

    @classmethod
    def open(cls, path: Path) -> VectorIndex:
        embedded = not os.environ.get("ATELIER_CHROMA_URL", "").strip()
        return cls(open_client(path), path if embedded else None)

    def close(self) -> None:
        close = getattr(self._client, "close", None)
        if callable(close):
            close()

    # --- collections -----------------------------------------------------------------------

    def create(self, name: str, embedder_id: str, dimension: int, model: str = "") -> None:
        metadata = {"embedder": embedder_id, "dimension": dimension, "model": model or embedder_id}
        with self._lock:
            self._client.get_or_create_collection(
                name,
                metadata=metadata,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )

    def metadata(self, name: str) -> dict[str, Any]:
        """What the collection records about itself: its embedder and dimension."""
        return dict(self._collection(name).metadata or {})

    def model(self, name: str) -> str:
        """The model that made the collection's vectors (see ``embedding.model_of``); its
        embedder id for collections made before models were recorded."""
        recorded = self.metadata(name)
        return str(recorded.get("model") or recorded.get("embedder") or "")

    def other_model(self, name: str, model: str) -> str | None:
        """The model that made the collection's vectors, if it is not ``model``."""
        recorded = self.model(name)
        return None if recorded == model else recorded

    def check_model(self, name: str, model: str) -> None:
        """Refuse to mix vectors of two models in one collection, or to compare a query
        embedded by one model with passages embedded by another."""
        recorded = self.other_model(name, model)
        if recorded is not None:
            raise UserError("kb.model_changed", was=recorded, now=model)

    def _collection(self, name: str) -> Collection:
        with self._lock:
            found = self._open.get(name)
            if found is None:
                found = self._client.get_collection(name, embedding_function=None)
                self._open[name] = found
            return found

    def exists(self, name: str) -> bool:
        with self._lock:
            return name in {c.name for c in self._client.list_collections()}

    def drop(self, name: str) -> bool:
        """Delete the collection, then what Chroma leaves of it on disk; ``False`` when Chroma's
        file could not be purged (the vectors may still be in its free pages)."""
        with self._lock:
            self._open.pop(name, None)
            try:
                self._client.delete_collection(name)
            except Exception as exc:  # already gone: nothing to erase
                if self.exists(name):
                    raise
                log.debug("collection %s was already dropped (%s)", name, exc)
            return self.purge()

    # --- records ---------------------------------------------------------------------------

    def write(
        self, name: str, ids: Sequence[str], vectors: np.ndarray, document_ids: Sequence[str]
    ) -> None:
        """Upsert ``ids`` with their vectors; ``document_ids`` gives each one's document."""
        collection = self._collection(name)
        for start in range(0, len(ids), self._batch):
            end = start + self._batch
            with self._lock:
                collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                    metadatas=[{"document_id": d} for d in document_ids[start:end]],
                )

    def remove_document(self, name: str, document_id: str) -> None:
        """Make the document's vectors unfindable. They stay on disk until ``rebuild``."""
        try:
            collection = self._collection(name)
        except Exception:  # the collection is gone, and the vectors with it
            return
        with self._lock:
            collection.delete(where={"document_id": document_id})

    def ids(self, name: str) -> set[str]:
        found: set[str] = set()
        for ids, _, _ in self._records(name, with_vectors=False):
            found.update(ids)
        return found

    def query(self, name: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """The ``n`` nearest records as ``(id, cosine similarity)``, best first."""
        if n <= 0:
            return []
        collection = self._collection(name)
        with self._lock:  # Chroma returns fewer than ``n`` when the collection holds fewer
            found = collection.query(
                query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
                n_results=n,
                include=["distances"],
            )
        distances = (found.get("distances") or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(found["ids"][0], distances, strict=True)]

    def vectors_of(self, name: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of ``ids`` (those found)."""
        if not ids:
            return {}
        with self._lock:
            found = self._collection(name).get(ids=list(ids), include=["embeddings"])
        stored = found.get("embeddings")
        if stored is None:
            return {}
        return {
            i: np.asarray(v, dtype=np.float32) for i, v in zip(found["ids"], stored, strict=True)
        }

    def similarities(self, name: str, vector: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of ``vector`` with the stored vectors of ``ids`` (those found)."""
        stored = self.vectors_of(name, ids)
        if not stored:
            return {}
        matrix = np.stack(list(stored.values()))
        query = np.asarray(vector, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        sims = matrix @ query / np.where(norms == 0, 1.0, norms)
        return {i: float(s) for i, s in zip(stored, sims, strict=True)}

    def copy(self, source: str, target: str, documents: set[str]) -> int:
        """Copy the records of ``documents`` (vectors and metadata) from ``source`` into
        ``target``; returns how many."""
        destination = self._collection(target)
        copied = 0
        for ids, vectors, metadatas in self._records(source, with_vectors=True):
            keep = [i for i, meta in enumerate(metadatas) if meta.get("document_id") in documents]
            if not keep:
                continue
            with self._lock:
                destination.upsert(
                    ids=[ids[i] for i in keep],
                    embeddings=np.asarray(vectors, dtype=np.float32)[keep],
                    metadatas=[metadatas[i] for i in keep],
                )
            copied += len(keep)
        return copied

    def names(self, prefix: str) -> list[str]:
        with self._lock:
            return [c.name for c in self._client.list_collections() if c.name.startswith(prefix)]

    def _records(self, name: str, with_vectors: bool) -> Iterator[tuple[list[str], Any, list[Any]]]:
        collection = self._collection(name)
        offset = 0
        include: Any = ["embeddings", "metadatas"] if with_vectors else []
        while True:
            with self._lock:
                page = collection.get(limit=self._batch, offset=offset, include=include)
            ids = list(page["ids"])
            if not ids:
                return
            yield ids, page.get("embeddings"), list(page.get("metadatas") or [{}] * len(ids))
            offset += len(ids)

    # --- erasure ---------------------------------------------------------------------------

    def purge(self) -> bool:
        """Erase from disk what dropped collections left: segment folders no collection uses
        any more, and the free pages of Chroma's SQLite file. Embedded Chroma only. ``False``
        when the file could not be vacuumed."""
        if self._path is None:
            return True
        database = self._path / "chroma.sqlite3"
        with self._lock:
            # Folders first, then the segments that exist: a folder created after the listing
            # cannot be taken for an orphan.
            folders = [
                p for p in self._path.iterdir() if p.is_dir() and _SEGMENT_FOLDER.match(p.name)
            ]
            connection = sqlite3.connect(database, timeout=30)
            try:
                live = {row[0] for row in connection.execute("SELECT id FROM segments")}
                for folder in folders:
                    if folder.name not in live:
                        shutil.rmtree(folder, ignore_errors=True)
                connection.execute("VACUUM")
            except sqlite3.Error:
                log.exception("Chroma's file %s could not be vacuumed", database)
                return False
            finally:
                connection.close()
            return True
