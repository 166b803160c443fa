"""``ChromaEmbeddingFunction`` adapts any Atelier embedder to Chroma's ``EmbeddingFunction``
so that no collection ever falls back on Chroma's default (which downloads a model and fails
offline). ``chromadb`` is imported on first construction only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from store.knowledge.embedding import Vectors

if TYPE_CHECKING:
    from store.knowledge.embedders import EmbedderRegistry


class ChromaEmbeddingFunction:
    """Chroma's view of an Atelier embedder (Chroma's ``EmbeddingFunction`` protocol; not a
    subclass, so that importing this module does not import chromadb, which is slow).

    The collection's configuration records it as ``{"name": "atelier", "config": {"embedder":
    id}}``; the class is registered with Chroma on first construction so that Chroma can
    rebuild it from that record when a collection is opened without an embedding function.
    """

    _registered = False

    def __init__(self, embedder_id: str, registry: EmbedderRegistry | None = None) -> None:
        # Imported here: ``store.knowledge.embedders`` re-exports this class.
        from store.knowledge.embedders import default_embedders

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
