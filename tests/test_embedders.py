"""Embedders: the registry, the deterministic test embedder, the local models offline, the
OpenAI-compatible client against a local server, and the Chroma adapter."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from store.knowledge.embedders import (
    DEFAULT_EMBEDDER,
    ChromaEmbeddingFunction,
    Embedder,
    EmbedderInfo,
    EmbedderRegistry,
    EmbedderUnavailable,
    HashingEmbedder,
    OpenAICompatibleEmbedder,
    UnknownEmbedder,
    default_embedder_id,
    default_embedders,
)

QUESTION = "Quand faut-il poser ses congés payés ?"
PARAPHRASE = "Les vacances annuelles se prennent de préférence entre mai et octobre."
UNRELATED = "La tour Eiffel mesure environ trois cents mètres de haut."


def assert_unit_rows(vectors: np.ndarray, dimension: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape[-1] == dimension
    assert np.allclose(np.linalg.norm(vectors, axis=-1), 1.0, atol=1e-5)


# ---------------------------------------------------------------- hashing and registry


def test_hashing_is_deterministic_normalised_and_folds_accents() -> None:
    one, two = HashingEmbedder(), HashingEmbedder()
    texts = ["L'été à Paris", "Le budget de l'État", "la formation continue"]
    a, b = one.embed_documents(texts), two.embed_documents(texts)
    assert np.array_equal(a, b)
    assert_unit_rows(a, 256)
    assert np.allclose(one.embed_query("L'ÉTÉ À PARIS"), a[0])
    assert one.embed_documents([]).shape == (0, 256)
    assert float(one.embed_query("formations continues") @ a[2]) > float(
        one.embed_query("formations continues") @ a[1]
    )


def test_the_builtins_are_registered_through_the_public_call() -> None:
    registry = default_embedders()
    assert {"usem3", "e5-small", "hashing", "openai"} <= set(registry.ids())
    assert registry.info("usem3").offline and registry.info("e5-small").offline
    assert not registry.info("openai").offline
    assert isinstance(registry.get("hashing"), Embedder)
    assert registry.get("hashing") is registry.get("hashing")


def test_unknown_ids_are_refused_with_the_known_ones() -> None:
    registry = EmbedderRegistry()
    registry.register(EmbedderInfo("fake", "Fake", HashingEmbedder, offline=True))
    with pytest.raises(UnknownEmbedder, match=r"'nope'.*known embedders: fake"):
        registry.get("nope")
    with pytest.raises(ValueError, match="already registered"):
        registry.register(EmbedderInfo("fake", "Fake", HashingEmbedder, offline=True))
    registry.register(
        EmbedderInfo("fake", "Fake 128", lambda: HashingEmbedder(128), offline=True),
        replace=True,
    )
    assert registry.get("fake").dimension == 128


def test_default_embedder_id_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATELIER_EMBEDDER", raising=False)
    assert default_embedder_id() == DEFAULT_EMBEDDER
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    assert default_embedder_id() == "hashing"
    monkeypatch.setenv("ATELIER_EMBEDDER", "word2vec")
    with pytest.raises(UnknownEmbedder, match=r"ATELIER_EMBEDDER='word2vec'.*usem3"):
        default_embedder_id()


# ---------------------------------------------------------------- local models, offline


def ranks_paraphrase_first(embedder: Embedder) -> None:
    passages = embedder.embed_documents([UNRELATED, PARAPHRASE])
    query = embedder.embed_query(QUESTION)
    assert_unit_rows(passages, embedder.dimension)
    assert_unit_rows(query, embedder.dimension)
    assert float(query @ passages[1]) > float(query @ passages[0]) + 0.05


def test_usem3_runs_offline_and_understands_a_french_paraphrase() -> None:
    # conftest refuses every non-loopback connection: a download would fail this test.
    ranks_paraphrase_first(default_embedders().get("usem3"))


def test_e5_runs_offline_and_understands_a_french_paraphrase() -> None:
    ranks_paraphrase_first(default_embedders().get("e5-small"))


# ---------------------------------------------------------------- OpenAI-compatible


def three_d(texts: list[str]) -> list[list[float]]:
    return [[len(text), 1.0, 0.0] for text in texts]


class FakeEmbeddingsServer:
    """A tiny OpenAI-compatible ``/embeddings`` endpoint on 127.0.0.1. ``replies`` queues
    HTTP statuses (or "slow"); when empty it answers 200 with ``embed(texts)`` (3-d vectors by
    default). ``requests`` keeps every request (path, auth, model, input)."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]] = three_d) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: list[int | str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), **body}
                )
                reply = server.replies.pop(0) if server.replies else 200
                if reply == "slow":
                    time.sleep(0.5)
                    reply = 200
                if reply != 200:
                    self.send_response(int(reply))
                    self.end_headers()
                    return
                # Shuffled order: the client must sort by "index".
                vectors = embed(body["input"])
                data = [{"index": i, "embedding": v} for i, v in enumerate(vectors)][::-1]
                payload = json.dumps({"object": "list", "data": data}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeEmbeddingsServer]:
    fake = FakeEmbeddingsServer()
    yield fake
    fake.close()


def test_openai_client_batches_sorts_and_normalises(server: FakeEmbeddingsServer) -> None:
    embedder = OpenAICompatibleEmbedder(server.url, "bge-m3", "secret", batch_size=2)
    vectors = embedder.embed_documents(["a", "bbb", "cc"])
    assert_unit_rows(vectors, 3)
    expected = np.array([[1, 1, 0], [3, 1, 0], [2, 1, 0]], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(vectors, expected)
    assert [r["input"] for r in server.requests] == [["a", "bbb"], ["cc"]]
    assert all(r["model"] == "bge-m3" and r["path"] == "/v1/embeddings" for r in server.requests)
    assert server.requests[0]["auth"] == "Bearer secret"
    assert embedder.dimension == 3
    assert_unit_rows(embedder.embed_query("dddd"), 3)


def test_openai_client_is_configured_from_the_environment(
    server: FakeEmbeddingsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_EMBEDDINGS_BASE_URL", server.url + "/")
    monkeypatch.setenv("ATELIER_EMBEDDINGS_MODEL", "albert-embed")
    monkeypatch.delenv("ATELIER_EMBEDDINGS_API_KEY", raising=False)
    registry = EmbedderRegistry()
    from store.knowledge.embedders import register_builtins

    register_builtins(registry)
    embedder = registry.get("openai")
    assert embedder.dimension == 3  # one probe request
    assert server.requests[0]["model"] == "albert-embed"
    assert server.requests[0]["auth"] is None


def test_openai_client_says_what_to_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATELIER_EMBEDDINGS_BASE_URL", raising=False)
    with pytest.raises(EmbedderUnavailable, match="ATELIER_EMBEDDINGS_BASE_URL"):
        OpenAICompatibleEmbedder.from_env()
    with pytest.raises(EmbedderUnavailable, match="ATELIER_EMBEDDINGS_MODEL"):
        OpenAICompatibleEmbedder("http://127.0.0.1:1/v1", "")


def test_openai_client_retries_server_errors_then_gives_up(server: FakeEmbeddingsServer) -> None:
    embedder = OpenAICompatibleEmbedder(server.url, "m", retries=2, retry_delay=0)
    server.replies = [503, 429]
    assert embedder.embed_documents(["ok"]).shape == (1, 3)
    assert len(server.requests) == 3
    server.replies = [500, 500, 500]
    with pytest.raises(EmbedderUnavailable, match="HTTP 500"):
        embedder.embed_query("x")
    server.replies = [401]
    with pytest.raises(EmbedderUnavailable, match=r"refused.*HTTP 401"):
        embedder.embed_query("x")


def test_openai_client_times_out(server: FakeEmbeddingsServer) -> None:
    embedder = OpenAICompatibleEmbedder(server.url, "m", timeout=0.1, retries=0)
    server.replies = ["slow"]
    with pytest.raises(EmbedderUnavailable, match=r"no answer within 0.1 s"):
        embedder.embed_query("x")


def test_openai_client_reports_an_unreachable_server() -> None:
    embedder = OpenAICompatibleEmbedder("http://127.0.0.1:9/v1", "m", retries=0, timeout=1)
    with pytest.raises(EmbedderUnavailable, match="cannot reach"):
        embedder.embed_query("x")


# ---------------------------------------------------------------- Chroma


def test_chroma_collections_use_our_embedder_and_never_download(tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=settings)
    collection = client.get_or_create_collection(
        "kb-test", embedding_function=ChromaEmbeddingFunction("hashing")
    )
    collection.add(
        ids=["ete", "budget"],
        documents=["L'été indien en Bretagne", "Le budget de l'État pour 2024"],
    )
    found = collection.query(query_texts=["ÉTÉ breton"], n_results=1)
    assert found["ids"] == [["ete"]]

    # Opened again without an embedding function, Chroma rebuilds ours from its config.
    reopened = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=settings)
    collection = reopened.get_collection("kb-test")
    assert collection.configuration["embedding_function"].get_config() == {"embedder": "hashing"}
    assert collection.query(query_texts=["budget de l'Etat"], n_results=1)["ids"] == [["budget"]]
