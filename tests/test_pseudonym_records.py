"""A conversation's sealed pseudonyms in the catalogue (``store.pseudonym_records``), asked of
every backend: kept and replaced, and gone with their conversation, their agent (previews
included) or their owner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.spec import AgentSpec
from store.memory import MemoryCatalogue
from store.pseudonym_records import SealedPseudonyms
from store.records import Catalogue, ThreadRecord
from store.sql_catalogue import SqlCatalogue

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "memory":
        yield MemoryCatalogue()
    else:
        sql = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        yield sql
        sql.close()


def conversation(catalogue: Catalogue, agent_id: str, thread_id: str, owner: str = "alice") -> str:
    catalogue.add_thread(ThreadRecord(thread_id, agent_id, owner, "Titre", START))
    catalogue.keep_sealed_pseudonyms(SealedPseudonyms(thread_id, owner, f"scellé-{thread_id}"))
    return thread_id


def test_kept_read_and_replaced(catalogue: Catalogue) -> None:
    agent = catalogue.create_agent(AgentSpec(name="FAQ"), "alice").agent_id
    conversation(catalogue, agent, "th-1")
    assert catalogue.sealed_pseudonyms("th-1") == SealedPseudonyms("th-1", "alice", "scellé-th-1")
    catalogue.keep_sealed_pseudonyms(SealedPseudonyms("th-1", "alice", "autre"))
    assert catalogue.sealed_pseudonyms("th-1") == SealedPseudonyms("th-1", "alice", "autre")
    assert catalogue.sealed_pseudonyms("th-inconnue") is None


def test_gone_with_the_conversation(catalogue: Catalogue) -> None:
    agent = catalogue.create_agent(AgentSpec(name="FAQ"), "alice").agent_id
    conversation(catalogue, agent, "th-1")
    conversation(catalogue, agent, "th-2")
    catalogue.delete_thread("th-1")
    assert catalogue.sealed_pseudonyms("th-1") is None
    assert catalogue.sealed_pseudonyms("th-2") is not None


def test_gone_with_the_agent_previews_included(catalogue: Catalogue) -> None:
    agent = catalogue.create_agent(AgentSpec(name="FAQ"), "alice").agent_id
    other = catalogue.create_agent(AgentSpec(name="RH"), "alice").agent_id
    conversation(catalogue, agent, "th-1")
    conversation(catalogue, other, "th-2")
    catalogue.add_preview_thread(agent, "preview-1", "alice")
    catalogue.keep_sealed_pseudonyms(SealedPseudonyms("preview-1", "alice", "aperçu"))
    catalogue.delete_agent(agent)
    assert catalogue.sealed_pseudonyms("th-1") is None
    assert catalogue.sealed_pseudonyms("preview-1") is None
    assert catalogue.sealed_pseudonyms("th-2") is not None


def test_erased_by_owner_and_by_ids(catalogue: Catalogue) -> None:
    agent = catalogue.create_agent(AgentSpec(name="FAQ"), "alice").agent_id
    conversation(catalogue, agent, "th-a", "alice")
    conversation(catalogue, agent, "th-b", "bob")
    catalogue.keep_sealed_pseudonyms(SealedPseudonyms("preview-x", "alice", "aperçu"))
    catalogue.erase_pseudonyms_of("alice")
    assert catalogue.sealed_pseudonyms("th-a") is None
    assert catalogue.sealed_pseudonyms("preview-x") is None
    assert catalogue.sealed_pseudonyms("th-b") is not None
    catalogue.erase_pseudonyms(["th-b", "th-inconnue"])
    assert catalogue.sealed_pseudonyms("th-b") is None
