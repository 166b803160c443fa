"""Retention (issue 11, item 6): what is past the time an administrator set is erased for real.

Canary words put in an old conversation (its title, its messages), a file attached to it and a
file a tool made in it are looked for in every byte of every file of the data directory (the
SQLite files with their -wal and -shm, Chroma's folder) after the sweep: found nowhere. A newer
conversation, its file and the file made in it are untouched. Real SQLite, real Chroma, real
LangGraph checkpointer; the clock is the sweep's ``now``: things made before a moment noted in
the test are "old" once ``now`` is that moment plus the days kept (no sleeping, no back-dating).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from people import enrol

from agents.errors import NotFound, Refused
from agents.spec import AgentSpec
from agents.thread_lock import locks_for
from builder_ui.services.installation import Installation, Services
from builder_ui.services.retention import Sweeper, keep_sweeping
from store.config import data_dir
from store.database import utc_now
from store.files import personal_files
from store.knowledge.service import close_knowledge_stores
from store.secrets import close_secret_stores, open_secret_store

ADMIN = "ada@example.fr"
ALICE = "alice@example.fr"
BOB = "bob@example.fr"


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(installation._catalogue, ADMIN, role="admin")
    enrol(installation._catalogue, ALICE, BOB, role="creator")
    yield installation
    close_knowledge_stores()
    close_secret_stores()


def canary() -> str:
    return "CANARI" + secrets.token_hex(6).upper()


def files_holding(needle: str) -> list[str]:
    """Every file under the data directory whose bytes hold ``needle``."""
    root = data_dir()
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    )


def agent(services: Services, tmp_path: Path, **extra: object) -> str:
    spec = AgentSpec.from_data(
        {
            "schema": "atelier/agent@1",
            "name": "Assistant",
            "instructions": "Réponds.",
            "tools": [{"id": "create_document"}],
            **extra,
        }
    )
    return services.create_agent(spec).agent_id


def conversation(services: Services, agent_id: str, word: str, tmp_path: Path) -> str:
    """A conversation holding ``word`` in its title, its messages, a file attached to it and a
    file a tool made in it."""
    script = tmp_path / f"script-{word}.yaml"
    script.write_text(
        "- tool_calls: [{name: create_document, args: "
        f'{{title: Note, content: "{word}-FILE", format: markdown}}}}]\n'
        f'- text: "Vous avez dit {word}-CHAT, c\'est noté."\n'
    )
    thread = services.start_conversation(agent_id, title=f"Sujet {word}-TITLE").id
    note = f"# Note\n\nLe code du local est {word}-ATTACHED.\n".encode()
    (done,) = services.attach_to_conversation(thread, [(f"{word}-NAME.md", note)], timeout=60)
    assert done.status == "ready", done.error
    model = f"scripted:{script}"
    result = services.run(agent_id, f"Retenez {word}-CHAT", thread=thread, model=model)
    assert result.outcome == "ok", result
    return thread


def moment_between() -> datetime:
    """A moment after everything made so far and before anything made next."""
    return utc_now()


def admin(installation: Installation) -> Services:
    return Services.open(ADMIN, shared=installation)


def test_past_its_time_a_conversation_and_its_files_are_in_no_file_any_more(
    installation: Installation, tmp_path: Path
) -> None:
    alice = Services.open(ALICE, shared=installation)
    assistant = agent(alice, tmp_path)
    old_word, new_word = canary(), canary()
    old = conversation(alice, assistant, old_word, tmp_path)
    for part in ("TITLE", "CHAT", "ATTACHED", "FILE"):
        assert files_holding(f"{old_word}-{part}"), part  # there before the sweep
    between = moment_between()
    new = conversation(alice, assistant, new_word, tmp_path)

    ada = admin(installation)
    ada.set_retention(conversations=90, drafts=None, uploads=90)
    report = ada.apply_retention(now=between + timedelta(days=90))
    # the attached file went with its conversation; the file the tool made, as an upload
    assert report.counts == {"conversations": 1, "uploads": 1}  # the new ones are not due yet
    ada.workspace.settle_knowledge(timeout=60)
    close_knowledge_stores()

    for part in ("TITLE", "CHAT", "ATTACHED", "FILE", "NAME"):
        assert files_holding(f"{old_word}-{part}") == [], part
    with pytest.raises(NotFound):
        alice.history(old)
    assert [c.thread.id for c in alice.conversations()] == [new]
    assert any(f"{new_word}-CHAT" in str(m.content) for m in alice.history(new))
    assert [d.filename for d in alice.attachments(new)] == [f"{new_word}-NAME.md"]
    made = [personal_files(ALICE).read(f.file_id) for f in personal_files(ALICE).list()]
    assert len(made) == 1 and f"{new_word}-FILE".encode() in made[0]

    entry = ada.workspace.audit.entries(action="retention.applied")[0]
    assert entry.actor == ADMIN
    assert dict(entry.details) == {"conversations": 1, "uploads": 1}  # counts, never what


def test_uploads_go_by_their_own_time_and_the_conversation_stays(
    installation: Installation, tmp_path: Path
) -> None:
    alice = Services.open(ALICE, shared=installation)
    assistant = agent(alice, tmp_path)
    word = canary()
    thread = conversation(alice, assistant, word, tmp_path)
    between = moment_between()
    alice.run(assistant, "Encore une question", thread=thread, model="offline")  # active since

    ada = admin(installation)
    ada.set_retention(conversations=30, drafts=None, uploads=7)
    report = ada.apply_retention(now=between + timedelta(days=10))
    assert report.counts == {"conversations": 0, "uploads": 2}
    ada.workspace.settle_knowledge(timeout=60)
    close_knowledge_stores()
    assert alice.attachments(thread) == []
    assert personal_files(ALICE).list() == []
    # what the conversation said of them (the answer quoting the file) stays with it, until
    # the conversation goes: the files themselves are in no other file
    for part in ("ATTACHED", "NAME", "FILE"):
        found = files_holding(f"{word}-{part}")
        assert [p for p in found if not p.startswith("threads.sqlite3")] == [], part
    assert any(f"{word}-CHAT" in str(m.content) for m in alice.history(thread))  # kept


def test_with_no_retention_set_nothing_is_erased(
    installation: Installation, tmp_path: Path
) -> None:
    alice = Services.open(ALICE, shared=installation)
    assistant = agent(alice, tmp_path)
    word = canary()
    thread = conversation(alice, assistant, word, tmp_path)
    ada = admin(installation)
    report = ada.apply_retention(now=utc_now() + timedelta(days=36_600))
    assert report.counts == {}
    assert alice.history(thread)
    assert len(alice.attachments(thread)) == 1
    assert len(personal_files(ALICE).list()) == 1
    assert dict(ada.workspace.audit.entries(action="retention.applied")[0].details) == {}


def test_a_conversation_waiting_on_an_approval_past_its_time_is_erased(
    installation: Installation, tmp_path: Path
) -> None:
    alice = Services.open(ALICE, shared=installation)
    spec = AgentSpec.from_data(
        {
            "schema": "atelier/agent@1",
            "name": "Prudent",
            "tools": [{"id": "calculator", "approval": "always_ask"}],
        }
    )
    prudent = alice.create_agent(spec).agent_id
    script = tmp_path / "call.yaml"
    script.write_text('- tool_calls: [{name: calculator, args: {expression: "6*7"}}]\n')
    paused = alice.run(prudent, "Combien font 6*7 ?", model=f"scripted:{script}")
    assert paused.outcome == "awaiting_approval"
    assert [c.thread.id for c in alice.waiting_conversations()] == [paused.thread]
    between = moment_between()

    ada = admin(installation)
    ada.set_retention(conversations=30, drafts=None, uploads=None)
    assert ada.apply_retention(now=between + timedelta(days=30)).counts == {"conversations": 1}
    assert alice.waiting_conversations() == []
    with pytest.raises(NotFound):
        alice.pending_approval(paused.thread)


def test_a_conversation_being_answered_is_left_for_the_next_sweep(
    installation: Installation, tmp_path: Path
) -> None:
    alice = Services.open(ALICE, shared=installation)
    assistant = agent(alice, tmp_path)
    thread = conversation(alice, assistant, canary(), tmp_path)
    between = moment_between()
    ada = admin(installation)
    ada.set_retention(conversations=1, drafts=None, uploads=None)
    later = between + timedelta(days=1)
    with locks_for(installation.checkpointer).hold(thread):  # a turn holds it
        report = ada.apply_retention(now=later)
    assert (report.counts, report.skipped) == ({"conversations": 0}, 1)
    assert alice.history(thread)
    assert dict(ada.workspace.audit.entries(action="retention.applied")[0].details) == {
        "conversations": 0,
        "skipped": 1,
    }
    assert ada.apply_retention(now=later).counts == {"conversations": 1}  # once it is free


def test_sweeping_twice_erases_nothing_more(installation: Installation, tmp_path: Path) -> None:
    alice = Services.open(ALICE, shared=installation)
    conversation(alice, agent(alice, tmp_path), canary(), tmp_path)
    between = moment_between()
    ada = admin(installation)
    ada.set_retention(conversations=5, drafts=None, uploads=5)
    assert ada.apply_retention(now=between + timedelta(days=5)).total == 2
    assert ada.apply_retention(now=between + timedelta(days=5)).total == 0


def test_only_an_administrator_sets_or_applies_it(installation: Installation) -> None:
    alice = Services.open(ALICE, shared=installation)
    with pytest.raises(Refused):
        alice.set_retention(conversations=1, drafts=None, uploads=None)
    with pytest.raises(Refused):
        alice.apply_retention()
    with pytest.raises(Refused):
        alice.workspace.organisation.retention()
    assert alice.retention_rules().conversations_days is None  # everyone reads the rules


def test_setting_it_is_recorded_with_its_numbers(installation: Installation) -> None:
    ada = admin(installation)
    ada.set_retention(conversations=90, drafts=365, uploads=30)
    assert ada.retention_rules().model_dump() == {
        "conversations_days": 90,
        "drafts_days": 365,
        "uploads_days": 30,
    }
    changed = ada.workspace.audit.entries(action="retention.changed")[0]
    assert dict(changed.details) == {"conversations": 90, "drafts": 365, "uploads": 30}
    sections = ada.workspace.audit.entries(action="admin.settings_changed")[0]
    assert sections.details["sections"] == "retention"
    ada.set_retention(conversations=90, drafts=365, uploads=30)  # no change: nothing new
    assert len(ada.workspace.audit.entries(action="retention.changed")) == 1


# --- the builder's sweep ----------------------------------------------------------------------


def test_the_builder_sweeps_at_most_once_an_hour_for_every_process(
    installation: Installation, tmp_path: Path
) -> None:
    alice = Services.open(ALICE, shared=installation)
    assistant = agent(alice, tmp_path)
    first = conversation(alice, assistant, canary(), tmp_path)
    between = moment_between()
    admin(installation).set_retention(conversations=2, drafts=None, uploads=None)
    now = [between + timedelta(days=2)]
    home = data_dir().resolve()
    one = Sweeper(installation, home, clock=lambda: now[0])
    other = Sweeper(installation, home, clock=lambda: now[0])  # another process, say

    report = one.run_once()
    assert report is not None and report.counts == {"conversations": 1}
    assert [c.thread.id for c in alice.conversations()] == []
    entry = admin(installation).workspace.audit.entries(action="retention.applied")[0]
    assert (entry.actor, entry.origin) == ("", "builder")

    second = conversation(alice, assistant, canary(), tmp_path)
    now[0] = utc_now() + timedelta(days=2, minutes=30)
    assert other.run_once() is None  # swept 30 minutes ago (in the sweep's time)
    assert [c.thread.id for c in alice.conversations()] == [second]
    now[0] += timedelta(minutes=31)
    assert other.run_once() is not None
    assert alice.conversations() == [] and first != second


def test_the_builder_sweeps_when_it_starts(installation: Installation, tmp_path: Path) -> None:
    alice = Services.open(ALICE, shared=installation)
    conversation(alice, agent(alice, tmp_path), canary(), tmp_path)
    ada = admin(installation)
    ada.set_retention(conversations=1, drafts=None, uploads=None)
    long_ago = "2000-01-01T00:00:00+00:00"
    open_secret_store().update_setting("retention.swept", lambda _: long_ago, "test")
    later = utc_now() + timedelta(days=2)
    sweeper = Sweeper(installation, data_dir().resolve(), clock=lambda: later)
    sweeper.start()
    try:
        deadline = utc_now() + timedelta(seconds=60)
        while sweeper.rounds == 0 and utc_now() < deadline:
            sweeper._stop.wait(0.05)
    finally:
        sweeper.stop()
    assert alice.conversations() == []


def test_with_nothing_set_the_builder_writes_nothing(installation: Installation) -> None:
    sweeper = keep_sweeping(installation)
    assert keep_sweeping(installation) is sweeper  # once per process and data directory
    assert sweeper.run_once() is None
    assert open_secret_store().setting("retention.swept") is None
