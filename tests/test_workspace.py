"""The workspace is the only access layer: one person never sees, loads or changes another's
agents or conversations, and cannot even learn that they exist."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from people import enrol

from agents.errors import NotFound, UserError
from agents.spec import AgentSpec
from store import config
from store.memory import MemoryCatalogue
from store.records import RunRecord
from store.workspace import Workspace, open_workspace


@pytest.fixture
def catalogue() -> MemoryCatalogue:
    catalogue = MemoryCatalogue()
    enrol(catalogue, "alice", "bob")
    return catalogue


@pytest.fixture
def alice(catalogue: MemoryCatalogue) -> Workspace:
    return Workspace("alice", catalogue)


@pytest.fixture
def bob(catalogue: MemoryCatalogue) -> Workspace:
    return Workspace("bob", catalogue)


def spec(name: str = "Rédacteur SEO") -> AgentSpec:
    return AgentSpec(name=name, instructions="Réécris les titres.")


def run(agent_id: str, thread_id: str = "", principal: str = "alice") -> RunRecord:
    return RunRecord("run-" + agent_id, agent_id, 1, thread_id, principal, "offline", "ok")


# --- scoping -------------------------------------------------------------------------------


def test_each_person_lists_only_their_own_agents(alice: Workspace, bob: Workspace) -> None:
    mine = alice.create_agent(spec("Mien")).agent_id
    theirs = bob.create_agent(spec("Sien")).agent_id
    assert [a.id for a in alice.list_agents()] == [mine]
    assert [a.id for a in bob.list_agents()] == [theirs]
    assert alice.get_agent(mine).owner == "alice"


BOB_TRIES: dict[str, Callable[[Workspace, str, str], object]] = {
    "get_agent": lambda ws, agent, _: ws.get_agent(agent),
    "save_agent": lambda ws, agent, _: ws.save_agent(agent, spec("Volé")),
    "delete_agent": lambda ws, agent, _: ws.delete_agent(agent),
    "resolve_agent by id": lambda ws, agent, _: ws.resolve_agent(agent),
    "resolve_agent by name": lambda ws, _, __: ws.resolve_agent("Rédacteur SEO"),
    "get_version": lambda ws, agent, _: ws.get_version(agent, 1),
    "list_versions": lambda ws, agent, _: ws.list_versions(agent),
    "start_thread": lambda ws, agent, _: ws.start_thread(agent),
    "list_threads": lambda ws, agent, _: ws.list_threads(agent),
    "get_thread": lambda ws, _, thread: ws.get_thread(thread),
    "record_run": lambda ws, agent, _: ws.record_run(run(agent, principal="bob")),
    "list_runs": lambda ws, agent, _: ws.list_runs(agent),
}


@pytest.mark.parametrize("attempt", list(BOB_TRIES))
def test_someone_elses_agent_looks_exactly_like_a_missing_one(
    alice: Workspace, bob: Workspace, attempt: str
) -> None:
    created = alice.create_agent(spec())
    thread = alice.start_thread(created.agent_id, "Ma conversation")

    with pytest.raises(NotFound) as on_alices:
        BOB_TRIES[attempt](bob, created.agent_id, thread.id)
    # The same call on things that do not exist at all says the same thing.
    with pytest.raises(NotFound) as on_missing:
        BOB_TRIES[attempt](bob, created.agent_id.replace("ag-", "ag-x"), thread.id + "x")
    assert on_alices.value.key == on_missing.value.key
    assert on_alices.value.params.keys() == on_missing.value.params.keys()
    assert "alice" not in str(on_alices.value)

    # Nothing of Alice's changed.
    assert alice.get_agent(created.agent_id).latest_version == 1
    assert alice.get_version(created.agent_id).spec.name == "Rédacteur SEO"
    assert alice.list_threads(created.agent_id) == [thread]
    assert alice.list_runs() == []


def test_bob_sees_his_own_threads_only(alice: Workspace, bob: Workspace) -> None:
    agent_id = alice.create_agent(spec()).agent_id
    thread = alice.start_thread(agent_id, "Titre")
    assert thread.id.startswith("th-") and len(thread.id) == 19
    assert (thread.owner, thread.title) == ("alice", "Titre")
    assert alice.get_thread(thread.id) == thread
    assert alice.list_threads(agent_id) == [thread]
    with pytest.raises(NotFound):
        bob.get_thread(thread.id)


def test_save_and_versions_through_the_workspace(alice: Workspace) -> None:
    first = alice.create_agent(spec(), "premier jet")
    second = alice.save_agent(first.agent_id, spec("Rédacteur SEO v2"), "titres")
    assert (second.number, second.author, second.message) == (2, "alice", "titres")
    assert [v.number for v in alice.list_versions(first.agent_id)] == [2, 1]
    assert alice.get_version(first.agent_id, 1).spec.name == "Rédacteur SEO"
    assert alice.get_version(first.agent_id).spec.name == "Rédacteur SEO v2"
    alice.delete_agent(first.agent_id)
    assert alice.list_agents() == []


# --- resolving what a person typed ---------------------------------------------------------


def test_resolve_by_id_or_by_name_in_any_case(alice: Workspace) -> None:
    agent_id = alice.create_agent(spec("Rédacteur SEO")).agent_id
    alice.create_agent(spec("Autre"))
    assert alice.resolve_agent(agent_id).id == agent_id
    assert alice.resolve_agent("rédacteur seo").id == agent_id
    assert alice.resolve_agent("  RÉDACTEUR SEO ").id == agent_id


def test_resolve_ignores_other_peoples_agents_of_the_same_name(
    alice: Workspace, bob: Workspace
) -> None:
    agent_id = alice.create_agent(spec("FAQ")).agent_id
    bob.create_agent(spec("FAQ"))
    assert alice.resolve_agent("faq").id == agent_id


def test_resolve_an_unknown_ref_names_it(alice: Workspace) -> None:
    alice.create_agent(spec())
    with pytest.raises(NotFound) as caught:
        alice.resolve_agent("Inconnu")
    assert caught.value.params == {"ref": "Inconnu"}
    assert "Inconnu" in str(caught.value)


def test_two_agents_with_one_name_ask_for_an_id(alice: Workspace) -> None:
    ids = sorted(alice.create_agent(spec("FAQ")).agent_id for _ in range(2))
    with pytest.raises(UserError) as caught:
        alice.resolve_agent("faq")
    assert not isinstance(caught.value, NotFound)
    assert caught.value.key == "agent.ambiguous"
    message = str(caught.value)
    assert all(agent_id in message for agent_id in ids)
    assert alice.resolve_agent(ids[0]).id == ids[0]  # the id still works


# --- runs ----------------------------------------------------------------------------------


def test_runs_are_recorded_as_the_workspaces_principal(alice: Workspace) -> None:
    agent_id = alice.create_agent(spec()).agent_id
    thread = alice.start_thread(agent_id)
    alice.record_run(run(agent_id, thread.id, principal="mallory"))
    [stored] = alice.list_runs(agent_id)
    assert (stored.principal, stored.thread_id) == ("alice", thread.id)


def test_a_run_cannot_point_at_someone_elses_thread(alice: Workspace, bob: Workspace) -> None:
    alices_agent = alice.create_agent(spec()).agent_id
    alices_thread = alice.start_thread(alices_agent)
    bobs_agent = bob.create_agent(spec()).agent_id
    with pytest.raises(NotFound):
        bob.record_run(run(bobs_agent, alices_thread.id, principal="bob"))
    other_agent = alice.create_agent(spec("Autre")).agent_id
    with pytest.raises(NotFound):  # a thread of another agent does not fit either
        alice.record_run(run(other_agent, alices_thread.id))


def test_list_runs_covers_only_the_principals_agents(alice: Workspace, bob: Workspace) -> None:
    a1 = alice.create_agent(spec("A1")).agent_id
    a2 = alice.create_agent(spec("A2")).agent_id
    b1 = bob.create_agent(spec("B1")).agent_id
    for agent_id in (a1, a2):
        alice.record_run(run(agent_id))
    bob.record_run(run(b1, principal="bob"))
    assert {r.agent_id for r in alice.list_runs()} == {a1, a2}
    assert len(alice.list_runs(limit=1)) == 1
    assert [r.agent_id for r in bob.list_runs()] == [b1]


# --- opening the installation's workspace --------------------------------------------------


def test_open_workspace_uses_the_data_dir_and_the_configured_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "atelier-home"
    monkeypatch.setenv("ATELIER_HOME", str(home))
    monkeypatch.setenv("ATELIER_USER", "claire")
    workspace = open_workspace()
    assert workspace.principal == "claire"
    agent_id = workspace.create_agent(spec()).agent_id
    assert (home / "catalogue.sqlite3").is_file()
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert open_workspace("claire").get_agent(agent_id).name == "Rédacteur SEO"
    open_workspace("claire").people.add_account("david@example.fr", role="creator")
    with pytest.raises(NotFound):
        open_workspace("david@example.fr").get_agent(agent_id)


def test_config_paths_and_principal_fallbacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_HOME", str(tmp_path / "h"))
    assert config.catalogue_path() == tmp_path / "h" / "catalogue.sqlite3"
    assert config.threads_path() == tmp_path / "h" / "threads.sqlite3"
    monkeypatch.setenv("ATELIER_USER", "  ")
    monkeypatch.setattr(config.getpass, "getuser", lambda: "sysuser")
    assert config.default_principal() == "sysuser"

    def no_user() -> str:
        raise OSError("no user")

    monkeypatch.setattr(config.getpass, "getuser", no_user)
    assert config.default_principal() == "local"


def test_a_workspace_needs_a_principal(catalogue: MemoryCatalogue) -> None:
    with pytest.raises(ValueError):
        Workspace(" ", catalogue)
