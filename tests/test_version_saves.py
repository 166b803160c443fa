"""Saving with nothing changed makes no new version, decided inside the catalogue's write
transaction: identical saves racing from several threads (each with its own connection to one
SQLite file, as several processes would) make exactly one version. Run on every backend."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.errors import NotFound
from agents.spec import AgentSpec, ToolUse
from store.memory import MemoryCatalogue
from store.records import Catalogue, VersionRecord
from store.sql_catalogue import SqlCatalogue

BACKENDS = ["memory", "sqlite"]
RACERS = 8


@pytest.fixture(params=BACKENDS)
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "memory":
        yield MemoryCatalogue()
    else:
        sql = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        yield sql
        sql.close()


def spec(instructions: str = "Réponds en français.") -> AgentSpec:
    return AgentSpec(name="Rédacteur", instructions=instructions)


def test_an_identical_spec_returns_the_latest_version_unchanged(catalogue: Catalogue) -> None:
    first = catalogue.create_agent(spec(), "alice", "premier")
    same, changed = catalogue.save_version_if_changed(first.agent_id, spec(), "bob", "encore")
    assert not changed
    assert same == first  # the latest version as it was: its author, message and time
    assert catalogue.get_agent(first.agent_id).latest_version == 1
    assert [v.number for v in catalogue.list_versions(first.agent_id)] == [1]


def test_a_changed_spec_makes_the_next_version(catalogue: Catalogue) -> None:
    first = catalogue.create_agent(spec(), "alice")
    saved, changed = catalogue.save_version_if_changed(
        first.agent_id, spec("Réponds en anglais."), "alice", "anglais"
    )
    assert changed and (saved.number, saved.message) == (2, "anglais")
    assert catalogue.get_version(first.agent_id) == saved
    back, changed = catalogue.save_version_if_changed(first.agent_id, spec(), "alice")
    assert changed and back.number == 3  # back to version 1's spec is still a new version


def test_equal_as_stored_is_what_counts(catalogue: Catalogue) -> None:
    """A default written out (``approval: default``) is the same spec as one left out."""
    plain = AgentSpec(name="Calcul", tools=[ToolUse(id="calculator")])
    explicit = AgentSpec.from_data(
        {
            "schema": "atelier/agent@1",
            "name": "Calcul",
            "tools": [{"id": "calculator", "approval": "default", "config": {}}],
        }
    )
    first = catalogue.create_agent(plain, "alice")
    _, changed = catalogue.save_version_if_changed(first.agent_id, explicit, "alice")
    assert not changed


def test_plain_save_version_still_always_writes(catalogue: Catalogue) -> None:
    first = catalogue.create_agent(spec(), "alice")
    assert catalogue.save_version(first.agent_id, spec(), "alice").number == 2


def test_unknown_agent_is_not_found(catalogue: Catalogue) -> None:
    with pytest.raises(NotFound):
        catalogue.save_version_if_changed("ag-missing", spec(), "alice")


def race(save: list[object], agent_id: str, instructions: str) -> list[tuple[VersionRecord, bool]]:
    """Every racer saves the same spec at the same moment; each its own catalogue object."""
    barrier = threading.Barrier(len(save))
    results: list[tuple[VersionRecord, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def racer(catalogue: object) -> None:
        assert isinstance(catalogue, MemoryCatalogue | SqlCatalogue)
        barrier.wait()
        try:
            outcome = catalogue.save_version_if_changed(agent_id, spec(instructions), "alice")
        except BaseException as exc:  # reported below, not lost in a thread
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=racer, args=(c,)) for c in save]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_identical_saves_racing_on_sqlite_make_one_version(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.sqlite3"
    catalogues = [SqlCatalogue(path) for _ in range(RACERS)]
    try:
        first = catalogues[0].create_agent(spec(), "alice")
        for round_number, text in enumerate(["Version deux.", "Version trois."], start=2):
            results = race(list(catalogues), first.agent_id, text)
            written = [record for record, changed in results if changed]
            assert len(written) == 1, results
            assert {record.number for record, _ in results} == {round_number}
            numbers = [v.number for v in catalogues[0].list_versions(first.agent_id)]
            assert numbers == list(range(round_number, 0, -1))
    finally:
        for catalogue in catalogues:
            catalogue.close()


def test_identical_saves_racing_in_memory_make_one_version() -> None:
    catalogue = MemoryCatalogue()
    first = catalogue.create_agent(spec(), "alice")
    results = race([catalogue] * RACERS, first.agent_id, "Version deux.")
    assert sum(changed for _, changed in results) == 1
    assert [v.number for v in catalogue.list_versions(first.agent_id)] == [2, 1]
