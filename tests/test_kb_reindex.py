"""Re-indexing a knowledge base, and the guard that makes it necessary: an OpenAI-compatible
embeddings service whose model changed under the same embedder id. A collection records the
model that made its vectors; searching or indexing with another model is refused with the way
out (``atelier kb reindex``), never mixed. Driven through the CLI in-process, against a real
knowledge store and a small embeddings server on 127.0.0.1 (``test_embedders``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_driver import atelier, ok
from test_embedders import FakeEmbeddingsServer

from store.knowledge import embedders
from store.knowledge.embedders import HashingEmbedder
from store.knowledge.service import close_knowledge_stores
from store.workspace import open_workspace

CONGES = "# Congés\n\nLes congés non pris peuvent être reportés jusqu'au 31 mars.\n"
CANTINE = "La cantine ouvre à midi. Le parking du personnel est gratuit le samedi.\n"


def hashing_vectors(texts: list[str]) -> list[list[float]]:
    """256-d whatever the model, so that nothing but the recorded model tells two apart."""
    return [v.tolist() for v in HashingEmbedder().embed_documents(texts)]


def texts_sent(server: FakeEmbeddingsServer, model: str) -> int:
    return sum(len(r["input"]) for r in server.requests if r["model"] == model)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEmbeddingsServer]:
    fake = FakeEmbeddingsServer(hashing_vectors)
    monkeypatch.setenv("ATELIER_EMBEDDER", "openai")
    monkeypatch.setenv("ATELIER_EMBEDDINGS_BASE_URL", fake.url)
    monkeypatch.setenv("ATELIER_EMBEDDINGS_MODEL", "modele-a")
    monkeypatch.delenv("ATELIER_EMBEDDINGS_API_KEY", raising=False)
    monkeypatch.setattr(embedders, "_default_registry", None)  # built afresh from this env
    yield fake
    close_knowledge_stores()
    fake.close()


def restart_with_model(monkeypatch: pytest.MonkeyPatch, model: str) -> None:
    """What an administrator does: change the configured model and restart Atelier."""
    close_knowledge_stores()
    monkeypatch.setenv("ATELIER_EMBEDDINGS_MODEL", model)
    monkeypatch.setattr(embedders, "_default_registry", None)


def hits(query: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(ok("kb", "search", "RH", query, "--json").stdout)[
        "hits"
    ]
    return found


def test_a_changed_model_is_refused_until_the_base_is_reindexed(
    server: FakeEmbeddingsServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "conges.md").write_text(CONGES, "utf-8")
    (tmp_path / "cantine.txt").write_text(CANTINE, "utf-8")
    ok("kb", "create", "RH")
    ok("kb", "add", "RH", str(tmp_path / "conges.md"))
    assert hits("report des congés")[0]["document"] == "conges.md"

    restart_with_model(monkeypatch, "modele-b")
    assert open_workspace().kb_model_changed("RH") == ("openai:modele-a", "openai:modele-b")
    refused = atelier("kb", "search", "RH", "report des congés")
    assert refused.exit_code == 2
    assert "openai:modele-a" in refused.stderr and "openai:modele-b" in refused.stderr
    assert "atelier kb reindex" in refused.stderr
    added = atelier("kb", "add", "RH", str(tmp_path / "cantine.txt"))
    assert added.exit_code != 0 and "réindexez" in added.stderr

    before = texts_sent(server, "modele-b")
    ok("kb", "reindex", "RH")
    assert open_workspace().kb_model_changed("RH") is None
    assert texts_sent(server, "modele-b") > before  # embedded again, not copied
    assert hits("report des congés")[0]["document"] == "conges.md"
    ok("kb", "add", "RH", str(tmp_path / "cantine.txt"))  # upload again: it works now
    assert hits("parking gratuit le samedi")[0]["document"] == "cantine.txt"


def test_reindex_can_switch_to_another_embedder(
    server: FakeEmbeddingsServer, tmp_path: Path
) -> None:
    (tmp_path / "conges.md").write_text(CONGES, "utf-8")
    ok("kb", "create", "RH")
    ok("kb", "add", "RH", str(tmp_path / "conges.md"))
    done = json.loads(ok("kb", "reindex", "RH", "--embedder", "hashing", "--json").stdout)
    assert done["embedder"] == "hashing"
    listed = json.loads(ok("kb", "list", "--json").stdout)
    assert [b["embedder"] for b in listed] == ["hashing"]
    assert hits("report des congés")[0]["document"] == "conges.md"
    unknown = atelier("kb", "reindex", "RH", "--embedder", "nope")
    assert unknown.exit_code == 2 and "hashing" in unknown.stderr
