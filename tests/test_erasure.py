"""Deleting an agent erases its conversations from every file of the data directory (previews
included), every SQLite connection overwrites what it deletes, and every data file is readable
by its owner only. Checked with a canary string read back from the bytes of every file."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from agents.checkpoints import erase_threads, sqlite_checkpointer
from agents.runtime import Finished
from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from store.config import data_dir
from store.sql_catalogue import SqlCatalogue

CANARY = "CANARI-7f3a9c-ne-doit-pas-rester"
SPEC = AgentSpec(name="Canari", description="Agent pour l'effacement", instructions="Réponds.")


def _files_holding(needle: str) -> list[str]:
    root = data_dir()
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    )


def _converse(services: Services) -> tuple[str, str]:
    """An agent with two saved conversations and one preview, each holding the canary."""
    agent_id = services.create_agent(SPEC).agent_id
    first = services.run(agent_id, f"Mon numéro est {CANARY}", model="offline")
    services.run(agent_id, f"Encore {CANARY}", thread=first.thread, model="offline")
    services.run(agent_id, f"Autre conversation {CANARY}", model="offline")
    preview = services.preview_thread_id("session-1")
    events = list(services.preview(SPEC, "session-1", f"Essai {CANARY}", model="offline"))
    assert isinstance(events[-1], Finished)
    # What the editor does when it previews a saved agent: the preview is the agent's too.
    services.workspace.note_preview(agent_id, preview)
    return agent_id, first.thread


def test_deleting_an_agent_erases_every_conversation_from_every_file() -> None:
    services = Services.open()
    agent_id, _ = _converse(services)
    assert _files_holding(CANARY)  # the canary is where it should be before

    services.workspace.delete_agent(
        agent_id, erase=lambda ids: erase_threads(services.checkpointer, ids)
    )

    assert _files_holding(CANARY) == []
    assert services.workspace.list_agents() == []


def test_the_builder_delete_erases_saved_conversations() -> None:
    """``Services.delete_agent`` as it is: the checkpointer's ``delete_thread`` erases."""
    services = Services.open()
    agent_id = services.create_agent(SPEC).agent_id
    services.run(agent_id, f"Mon numéro est {CANARY}", model="offline")
    services.delete_agent(agent_id)
    assert _files_holding(CANARY) == []


def test_the_builder_delete_erases_the_previews_of_a_saved_agent() -> None:
    services = Services.open()
    agent_id = services.create_agent(SPEC).agent_id
    events = services.preview(
        SPEC, "session-2", f"Essai {CANARY}", model="offline", agent_id=agent_id
    )
    assert isinstance(list(events)[-1], Finished)
    assert _files_holding(CANARY)
    services.delete_agent(agent_id)
    assert _files_holding(CANARY) == []


def test_a_new_preview_conversation_erases_the_previous_one() -> None:
    services = Services.open()
    turn = list(services.preview(SPEC, "session-3", CANARY, model="offline"))
    assert isinstance(turn[-1], Finished)
    assert _files_holding(CANARY)
    services.forget_preview("session-3")
    assert _files_holding(CANARY) == []


def test_every_data_file_is_private_after_a_run() -> None:
    services = Services.open()
    _converse(services)
    files = [p for p in data_dir().rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"catalogue.sqlite3", "threads.sqlite3"}
    loose = {
        str(p.relative_to(data_dir())): oct(stat.S_IMODE(p.stat().st_mode))
        for p in files
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    }
    assert loose == {}


def test_every_connection_overwrites_what_it_deletes(tmp_path: Path) -> None:
    catalogue = SqlCatalogue(tmp_path / "catalogue.sqlite3")
    saver = sqlite_checkpointer(tmp_path / "threads.sqlite3")
    with catalogue._db._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    assert saver.conn.execute("PRAGMA secure_delete").fetchone() == (1,)
    catalogue.close()


def test_a_database_created_by_the_catalogue_is_private(tmp_path: Path) -> None:
    SqlCatalogue(tmp_path / "catalogue.sqlite3").close()
    sqlite_checkpointer(tmp_path / "threads.sqlite3").conn.close()
    for name in ("catalogue.sqlite3", "threads.sqlite3"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    with sqlite3.connect(tmp_path / "threads.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
