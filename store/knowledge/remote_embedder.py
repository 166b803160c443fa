"""The ``openai`` embedder: any OpenAI-compatible ``/embeddings`` endpoint (vLLM, Ollama,
LiteLLM, Albert…), configured by ``ATELIER_EMBEDDINGS_BASE_URL``, ``ATELIER_EMBEDDINGS_MODEL``
and ``ATELIER_EMBEDDINGS_API_KEY``. Texts leave the machine: admins choose it deliberately.

``httpx`` is imported on the first request only.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from store.knowledge.embedding import EmbedderUnavailable, Vectors, normalise

ENV_BASE_URL = "ATELIER_EMBEDDINGS_BASE_URL"
ENV_MODEL = "ATELIER_EMBEDDINGS_MODEL"
ENV_API_KEY = "ATELIER_EMBEDDINGS_API_KEY"
ENV_DIMENSION = "ATELIER_EMBEDDINGS_DIMENSION"


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
    def model_id(self) -> str:
        """Recorded with each collection: a base indexed with another model must be re-indexed."""
        return f"openai:{self.model}"

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
