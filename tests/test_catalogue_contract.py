"""The catalogue contract: every backend must pass this one suite.

A new backend (PostgreSQL, say) is added to the ``catalogue`` fixture's parameters and is done
when everything here passes. Tests use only the ``Catalogue`` protocol, never a backend's insides.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from agents.errors import NotFound
from agents.spec import AgentSpec, ModelSettings, ToolUse
from store.memory import MemoryCatalogue
from store.records import Catalogue, RunRecord, ThreadRecord
from store.sql_catalogue import SqlCatalogue

BACKENDS = ["memory", "sqlite"]


@pytest.fixture(params=BACKENDS)
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "memory":
        yield MemoryCatalogue()
    else:
        sql = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        yield sql
        sql.close()


def spec(name: str = "Rédacteur", instructions: str = "Réponds en français.") -> AgentSpec:
    return AgentSpec(name=name, instructions=instructions)


def thread(agent_id: str, owner: str = "alice", minutes: int = 0, id: str = "") -> ThreadRecord:
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return ThreadRecord(id or f"th-{agent_id}-{minutes}", agent_id, owner, "Titre", when)


def run(agent_id: str, minutes: int = 0, id: str = "") -> RunRecord:
    return RunRecord(
        id=id or f"run-{agent_id}-{minutes}",
        agent_id=agent_id,
        version=1,
        thread_id="",
        principal="alice",
        model="offline",
        outcome="ok",
        input_tokens=12,
        output_tokens=34,
        latency_ms=5.5,
        tool_calls=2,
        created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
    )


# --- agents and versions -------------------------------------------------------------------


def test_create_makes_version_one(catalogue: Catalogue) -> None:
    created = catalogue.create_agent(
        AgentSpec(name="FAQ", description="Répond aux questions", icon="📚"), "alice", "premier"
    )
    assert created.number == 1
    assert (created.author, created.message) == ("alice", "premier")
    assert created.agent_id.startswith("ag-")
    agent = catalogue.get_agent(created.agent_id)
    assert (agent.name, agent.owner, agent.latest_version) == ("FAQ", "alice", 1)
    assert (agent.description, agent.icon) == ("Répond aux questions", "📚")
    assert agent.created_at == agent.updated_at == created.created_at
    assert agent.created_at.tzinfo is not None
    assert catalogue.get_version(created.agent_id) == created


def test_each_agent_gets_its_own_id(catalogue: Catalogue) -> None:
    ids = {catalogue.create_agent(spec(), "alice").agent_id for _ in range(20)}
    assert len(ids) == 20


def test_saves_are_numbered_and_never_rewrite_history(catalogue: Catalogue) -> None:
    draft = spec(instructions="v1")
    first = catalogue.create_agent(draft, "alice")
    agent_id = first.agent_id
    draft.instructions = "changed after saving"  # the caller keeps editing its object
    second = catalogue.save_version(agent_id, spec("Rédacteur SEO", "v2"), "bob", "titre")
    third = catalogue.save_version(agent_id, spec("Rédacteur SEO", "v3"), "alice")

    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert catalogue.get_version(agent_id, 1).spec.instructions == "v1"
    assert catalogue.get_version(agent_id, 2).spec.instructions == "v2"
    assert catalogue.get_version(agent_id, 2) == second
    agent = catalogue.get_agent(agent_id)
    assert (agent.latest_version, agent.name) == (3, "Rédacteur SEO")
    assert agent.updated_at == third.created_at >= agent.created_at


def test_get_version_defaults_to_latest(catalogue: Catalogue) -> None:
    agent_id = catalogue.create_agent(spec(instructions="v1"), "alice").agent_id
    catalogue.save_version(agent_id, spec(instructions="v2"), "alice")
    latest = catalogue.get_version(agent_id)
    assert (latest.number, latest.spec.instructions) == (2, "v2")
    assert catalogue.get_version(agent_id, 1).spec.instructions == "v1"


def test_list_versions_newest_first(catalogue: Catalogue) -> None:
    agent_id = catalogue.create_agent(spec(), "alice", "m1").agent_id
    catalogue.save_version(agent_id, spec(), "bob", "m2")
    catalogue.save_version(agent_id, spec(), "carol", "m3")
    listed = catalogue.list_versions(agent_id)
    assert [(v.number, v.author, v.message) for v in listed] == [
        (3, "carol", "m3"),
        (2, "bob", "m2"),
        (1, "alice", "m1"),
    ]


def test_list_agents_most_recently_updated_first(catalogue: Catalogue) -> None:
    a = catalogue.create_agent(spec("A"), "alice").agent_id
    b = catalogue.create_agent(spec("B"), "alice").agent_id
    c = catalogue.create_agent(spec("C"), "bob").agent_id
    catalogue.save_version(a, spec("A"), "alice")
    assert [x.id for x in catalogue.list_agents()] == [a, c, b]
    assert [x.id for x in catalogue.list_agents(owner="alice")] == [a, b]
    assert catalogue.list_agents(owner="nobody") == []


def test_specs_round_trip_unicode_and_multiline(catalogue: Catalogue) -> None:
    original = AgentSpec(
        name="Assistant « citoyen » 🇫🇷",
        description="Rédige des réponses — avec accents, guillemets et 中文",
        icon="🏛️",
        instructions=(
            "Tu es l'assistant du ministère.\n\n"
            "  - Réponds poliment ; vouvoie toujours.\n"
            "\tIndentation avec tabulation\n"
            "Ligne qui finit par des espaces   \n"
            "# pas un commentaire\n"
            "clé: valeur qui ressemble à du YAML\n"
            "---\n"
            "Fin : « merci » 😊"
        ),
        conversation_starters=["Répondre à un avis négatif", "Résumer : ce texte"],
        model=ModelSettings(provider="offline", temperature=0.1),
        tools=[ToolUse(id="calculator", config={"précision": 3, "liste": ["a", "ß"]})],
    )
    agent_id = catalogue.create_agent(original, "alice").agent_id
    catalogue.save_version(agent_id, original, "alice")
    for number in (1, 2):
        loaded = catalogue.get_version(agent_id, number).spec
        assert loaded == original
        assert loaded.to_yaml() == original.to_yaml()
    assert catalogue.get_agent(agent_id).name == "Assistant « citoyen » 🇫🇷"


def test_concurrent_saves_from_threads_never_share_a_number(catalogue: Catalogue) -> None:
    agent_id = catalogue.create_agent(spec(), "alice").agent_id
    errors: list[BaseException] = []

    def save_ten(author: str) -> None:
        try:
            for i in range(10):
                catalogue.save_version(agent_id, spec(instructions=f"{author} {i}"), author)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    workers = [threading.Thread(target=save_ten, args=(f"w{n}",)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    numbers = sorted(v.number for v in catalogue.list_versions(agent_id))
    assert numbers == list(range(1, 42))
    assert catalogue.get_agent(agent_id).latest_version == 41


# --- what is missing -----------------------------------------------------------------------


MISSING: dict[str, Callable[[Catalogue, str], object]] = {
    "get_agent": lambda c, _: c.get_agent("ag-missing"),
    "save_version": lambda c, _: c.save_version("ag-missing", spec(), "alice"),
    "get_version of a missing agent": lambda c, _: c.get_version("ag-missing"),
    "get_version of a missing number": lambda c, agent_id: c.get_version(agent_id, 9),
    "list_versions": lambda c, _: c.list_versions("ag-missing"),
    "delete_agent": lambda c, _: c.delete_agent("ag-missing"),
    "add_thread": lambda c, _: c.add_thread(thread("ag-missing")),
    "get_thread": lambda c, _: c.get_thread("th-missing"),
    "list_threads": lambda c, _: c.list_threads("ag-missing", "alice"),
    "record_run": lambda c, _: c.record_run(run("ag-missing")),
    "list_runs": lambda c, _: c.list_runs("ag-missing"),
    "add_preview_thread": lambda c, _: c.add_preview_thread("ag-missing", "preview-x", "alice"),
    "conversation_ids": lambda c, _: c.conversation_ids("ag-missing"),
    "rename_thread": lambda c, _: c.rename_thread("th-missing", "Titre"),
    "delete_thread": lambda c, _: c.delete_thread("th-missing"),
}


@pytest.mark.parametrize("case", list(MISSING))
def test_missing_things_raise_not_found(catalogue: Catalogue, case: str) -> None:
    agent_id = catalogue.create_agent(spec(), "alice").agent_id
    with pytest.raises(NotFound) as caught:
        MISSING[case](catalogue, agent_id)
    expected_key = {
        "get_version of a missing number": "version.not_found",
        "get_thread": "thread.not_found",
        "rename_thread": "thread.not_found",
        "delete_thread": "thread.not_found",
    }.get(case, "agent.not_found")
    assert caught.value.key == expected_key
    assert caught.value.message() != caught.value.key  # a sentence, not a bare key


# --- deletion ------------------------------------------------------------------------------


def test_delete_removes_versions_threads_and_runs(catalogue: Catalogue) -> None:
    doomed = catalogue.create_agent(spec("Doomed"), "alice").agent_id
    kept = catalogue.create_agent(spec("Kept"), "alice").agent_id
    catalogue.save_version(doomed, spec("Doomed"), "alice")
    for agent_id in (doomed, kept):
        catalogue.add_thread(thread(agent_id))
        catalogue.record_run(run(agent_id))

    catalogue.delete_agent(doomed)

    with pytest.raises(NotFound):
        catalogue.get_agent(doomed)
    with pytest.raises(NotFound):
        catalogue.get_version(doomed, 1)
    with pytest.raises(NotFound):
        catalogue.get_thread(f"th-{doomed}-0")
    assert [a.id for a in catalogue.list_agents()] == [kept]
    assert [r.agent_id for r in catalogue.list_runs()] == [kept]
    assert catalogue.get_thread(f"th-{kept}-0").agent_id == kept
    assert len(catalogue.list_versions(kept)) == 1
    # A new agent never inherits anything of the deleted one.
    again = catalogue.create_agent(spec("Doomed"), "alice").agent_id
    assert catalogue.list_threads(again, "alice") == []


def test_an_agents_conversations_include_its_previews_until_it_is_deleted(
    catalogue: Catalogue,
) -> None:
    doomed = catalogue.create_agent(spec("Doomed"), "alice").agent_id
    kept = catalogue.create_agent(spec("Kept"), "alice").agent_id
    catalogue.add_thread(thread(doomed, id="th-b"))
    catalogue.add_thread(thread(doomed, owner="bob", id="th-c"))
    catalogue.add_preview_thread(doomed, "preview-a", "alice")
    catalogue.add_preview_thread(doomed, "preview-a", "alice")  # again: no change
    catalogue.add_preview_thread(kept, "preview-k", "alice")
    assert catalogue.conversation_ids(doomed) == ["preview-a", "th-b", "th-c"]
    # A preview is not one of the conversations a person lists.
    assert [t.id for t in catalogue.list_threads(doomed, "alice")] == ["th-b"]
    catalogue.delete_agent(doomed)
    assert catalogue.conversation_ids(kept) == ["preview-k"]
    again = catalogue.create_agent(spec("Doomed"), "alice").agent_id
    assert catalogue.conversation_ids(again) == []


def test_sql_delete_leaves_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.sqlite3"
    sql = SqlCatalogue(path)
    agent_id = sql.create_agent(spec(), "alice").agent_id
    sql.save_version(agent_id, spec(), "alice")
    sql.add_thread(thread(agent_id))
    sql.record_run(run(agent_id))
    sql.add_preview_thread(agent_id, "preview-a", "alice")
    sql.delete_agent(agent_id)
    sql.close()
    with sqlite3.connect(path) as db:
        for table in ("agents", "versions", "threads", "runs", "preview_threads"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


# --- threads and runs ----------------------------------------------------------------------


def test_threads_are_stored_and_listed_per_owner_newest_first(catalogue: Catalogue) -> None:
    agent_id = catalogue.create_agent(spec(), "alice").agent_id
    old, new = thread(agent_id, minutes=1), thread(agent_id, minutes=2)
    other = thread(agent_id, owner="bob", minutes=3)
    for record in (old, new, other):
        catalogue.add_thread(record)
    assert catalogue.get_thread(old.id) == old
    assert catalogue.list_threads(agent_id, "alice") == [new, old]
    assert catalogue.list_threads(agent_id, "bob") == [other]
    assert catalogue.list_threads(agent_id, "carol") == []


def test_runs_are_recorded_and_listed_newest_first(catalogue: Catalogue) -> None:
    a = catalogue.create_agent(spec("A"), "alice").agent_id
    b = catalogue.create_agent(spec("B"), "alice").agent_id
    runs = [run(a, 1), run(b, 2), run(a, 3)]
    for record in runs:
        catalogue.record_run(record)
    assert catalogue.list_runs() == [runs[2], runs[1], runs[0]]
    assert catalogue.list_runs(a) == [runs[2], runs[0]]
    assert catalogue.list_runs(limit=2) == [runs[2], runs[1]]
    assert catalogue.list_runs(limit=0) == []
    stored = catalogue.list_runs(b)[0]
    assert (stored.input_tokens, stored.output_tokens, stored.tool_calls) == (12, 34, 2)
    assert stored.latency_ms == 5.5


def test_run_times_keep_their_instant_whatever_the_zone(catalogue: Catalogue) -> None:
    agent_id = catalogue.create_agent(spec(), "alice").agent_id
    paris = datetime(2026, 7, 14, 12, 0, 0, 123456, tzinfo=UTC).astimezone()
    catalogue.record_run(
        RunRecord("run-1", agent_id, 1, "", "alice", "offline", "ok", created_at=paris)
    )
    assert catalogue.list_runs(agent_id)[0].created_at == paris


# --- a person's conversations across their agents ------------------------------------------


def test_a_persons_conversations_across_agents_most_recently_active_first(
    catalogue: Catalogue,
) -> None:
    a = catalogue.create_agent(spec("Agent A"), "alice").agent_id
    b = catalogue.create_agent(spec("Agent B"), "bob").agent_id
    first, second = thread(a, minutes=1), thread(b, minutes=2)
    third = thread(a, minutes=3)
    for record in (first, second, third, thread(a, owner="bob", minutes=4)):
        catalogue.add_thread(record)
    # the first conversation was used last: it comes first
    used = replace(run(a, 10), thread_id=first.id, outcome="awaiting_approval")
    catalogue.record_run(replace(run(a, 5), thread_id=first.id))
    catalogue.record_run(used)

    listed = catalogue.list_person_threads("alice")
    assert [c.thread for c in listed] == [first, third, second]
    assert [c.agent_name for c in listed] == ["Agent A", "Agent A", "Agent B"]
    assert listed[0].last_activity == used.created_at
    assert listed[0].last_outcome == "awaiting_approval"
    assert (listed[1].last_activity, listed[1].last_outcome) == (third.created_at, "")
    assert [c.thread.id for c in catalogue.list_person_threads("alice", limit=2)] == [
        first.id,
        third.id,
    ]
    assert catalogue.list_person_threads("alice", limit=0) == []
    assert [c.thread.owner for c in catalogue.list_person_threads("bob")] == ["bob"]
    assert catalogue.list_person_threads("carol") == []


def test_a_conversation_is_renamed_and_deleted_alone(catalogue: Catalogue) -> None:
    agent_id = catalogue.create_agent(spec(), "alice").agent_id
    doomed, kept = thread(agent_id, minutes=1), thread(agent_id, minutes=2)
    catalogue.add_thread(doomed)
    catalogue.add_thread(kept)
    catalogue.record_run(replace(run(agent_id, 3), thread_id=doomed.id))

    renamed = catalogue.rename_thread(doomed.id, "Congés d'été")
    assert renamed == replace(doomed, title="Congés d'été")
    assert catalogue.get_thread(doomed.id).title == "Congés d'été"

    catalogue.delete_thread(doomed.id)
    with pytest.raises(NotFound):
        catalogue.get_thread(doomed.id)
    assert [c.thread for c in catalogue.list_person_threads("alice")] == [kept]
    # the agent's usage stays, no longer linked to the conversation
    assert [r.thread_id for r in catalogue.list_runs(agent_id)] == [""]


def test_sql_lists_a_persons_conversations_by_index(tmp_path: Path) -> None:
    """The query filters in SQL, by the owner's index, and finds each last run by index."""
    path = tmp_path / "catalogue.sqlite3"
    sql = SqlCatalogue(path)
    seen: list[tuple[str, Any]] = []

    def note(*args: Any) -> None:
        seen.append((args[2], args[3]))  # statement, parameters

    event.listen(sql._db._engine, "before_cursor_execute", note)
    sql.list_person_threads("alice", 10)
    sql.close()
    statement, parameters = seen[-1]
    with sqlite3.connect(path) as db:
        plan = " ".join(
            str(step) for step in db.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        )
    assert "threads_by_owner" in plan and "runs_by_thread" in plan, plan
    assert "SCAN threads" not in plan and "SCAN runs" not in plan, plan


def test_sql_delete_thread_leaves_its_title_in_no_file(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.sqlite3"
    sql = SqlCatalogue(path)
    agent_id = sql.create_agent(spec(), "alice").agent_id
    secret = "TITRE-CANARI-4d2e"
    sql.add_thread(replace(thread(agent_id), title=secret))
    sql.rename_thread(thread(agent_id).id, "autre " + secret)
    sql.delete_thread(thread(agent_id).id)
    holding = [p.name for p in tmp_path.iterdir() if secret.encode() in p.read_bytes()]
    sql.close()
    assert holding == []
