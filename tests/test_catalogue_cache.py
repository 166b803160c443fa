"""The catalogue cache (``store.catalogue_cache``) never serves a stale answer: after each kind
of change that alters a search or an "agents open to me" list, the next call answers with it.

Each test warms the reader's cache first, changes the catalogue through a writer, then asks the
reader again. Three set-ups: the memory backend, one SQLite catalogue, and two ``SqlCatalogue``
objects on one file (as the app and the CLI in two processes: each keeps its own cache).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from people import enrol

from agents.errors import NotFound
from agents.spec import AgentSpec
from store.accounts import TeamRecord
from store.catalogue_cache import View, catalogue_cache
from store.catalogue_index import FeedbackRecord, Lineage
from store.database import utc_now
from store.memory import MemoryCatalogue
from store.records import Catalogue, RunRecord
from store.sharing import ORGANISATION, Grant
from store.sql_catalogue import SqlCatalogue
from store.workspace import Workspace

OLGA, CARL, URSULA = "olga@example.fr", "carl@example.fr", "ursula@example.fr"
RITA, ADA = "rita@example.fr", "ada@example.fr"  # a reviewer, an administrator


@dataclass
class World:
    writer: Catalogue
    reader: Catalogue

    def ws(self, login: str, reading: bool = False) -> Workspace:
        return Workspace(login, self.reader if reading else self.writer)

    def open_to(self, login: str) -> dict[str, str]:
        """Name -> access of the agents open to ``login``, as the reader answers."""
        return {o.agent.name: o.access for o in self.ws(login, reading=True).open_agents()}

    def found(self, login: str, text: str = "") -> list[str]:
        return [c.name for c in self.ws(login, reading=True).catalogue.search(text)]

    def card(self, login: str, text: str) -> object:
        (card,) = self.ws(login, reading=True).catalogue.search(text)
        return card

    def make(self, name: str, owner: str = OLGA, everyone: bool = True) -> str:
        """An agent of ``owner``'s, published to the whole organisation unless not
        ``everyone``."""
        spec = AgentSpec(name=name, description="Un assistant", instructions="Réponds.")
        agent_id = self.ws(owner).create_agent(spec).agent_id
        if everyone:
            grant = Grant("agent", agent_id, "organisation", ORGANISATION, "use", owner, utc_now())
            self.writer.set_grant(grant)
            self.writer.set_published_version(agent_id, 1)
        return agent_id


@pytest.fixture(params=["memory", "sqlite", "two-sqlite"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    opened: list[SqlCatalogue] = []
    if request.param == "memory":
        writer: Catalogue = MemoryCatalogue()
        reader = writer
    else:
        opened.append(SqlCatalogue(tmp_path / "catalogue.sqlite3"))
        if request.param == "two-sqlite":
            opened.append(SqlCatalogue(tmp_path / "catalogue.sqlite3"))
        writer, reader = opened[0], opened[-1]
    enrol(writer, OLGA, CARL)
    enrol(writer, URSULA, role="user")
    enrol(writer, RITA, role="reviewer")
    enrol(writer, ADA, role="admin")
    writer.add_team(TeamRecord("tm-com", "Communication", utc_now()))
    writer.add_member("tm-com", URSULA)
    yield World(writer, reader)
    for catalogue in opened:
        catalogue.close()


def test_an_agent_created_is_open_to_its_owner(world: World) -> None:
    assert world.open_to(OLGA) == {}
    world.make("Congés", everyone=False)
    assert world.open_to(OLGA) == {"Congés": "owner"}


def test_an_agent_saved_is_found_by_its_new_name(world: World) -> None:
    agent = world.make("Congés")
    assert world.found(URSULA, "congés") == ["Congés"]
    world.ws(OLGA).save_agent(agent, AgentSpec(name="Notes de frais", instructions="Réponds."))
    assert world.found(URSULA, "congés") == []
    assert world.found(URSULA, "frais") == ["Notes de frais"]
    assert world.open_to(OLGA) == {"Notes de frais": "owner"}


def test_an_agent_deleted_leaves_every_list(world: World) -> None:
    agent = world.make("Congés")
    assert world.found(URSULA) == ["Congés"] and "Congés" in world.open_to(URSULA)
    world.ws(OLGA).delete_agent(agent)
    assert world.found(URSULA) == [] and world.open_to(URSULA) == {} and world.open_to(OLGA) == {}


def test_sharing_with_a_person_or_a_team_opens_the_agent_to_them(world: World) -> None:
    agent = world.make("Congés", everyone=False)
    assert world.open_to(CARL) == {} and world.found(CARL) == []
    world.ws(OLGA).sharing.share_agent(agent, f"user:{CARL}", "edit")
    assert world.open_to(CARL) == {"Congés": "edit"} and world.found(CARL) == ["Congés"]
    assert world.open_to(URSULA) == {}
    world.ws(OLGA).sharing.share_agent(agent, "team:Communication", "use")
    assert world.open_to(URSULA) == {"Congés": "use"} and world.found(URSULA) == ["Congés"]
    assert world.found(OLGA) == ["Congés"]  # her own, shared: in her catalogue too


def test_unsharing_closes_the_agent_again(world: World) -> None:
    agent = world.make("Congés", everyone=False)
    world.ws(OLGA).sharing.share_agent(agent, f"user:{CARL}", "use")
    assert world.open_to(CARL) == {"Congés": "use"}
    world.ws(OLGA).sharing.unshare_agent(agent, f"user:{CARL}")
    assert world.open_to(CARL) == {} and world.found(CARL) == []


def test_an_approved_review_puts_the_agent_in_everyones_catalogue(world: World) -> None:
    agent = world.make("Congés", everyone=False)
    world.ws(OLGA).reviews.request_publication(agent)
    assert world.found(URSULA) == []
    world.ws(RITA).reviews.approve(agent)
    assert world.found(URSULA) == ["Congés"] and world.open_to(URSULA) == {"Congés": "use"}


def test_unpublishing_takes_the_agent_out_of_the_catalogue(world: World) -> None:
    agent = world.make("Congés")
    assert world.found(URSULA) == ["Congés"]
    world.ws(ADA).reviews.unpublish(agent)
    assert world.found(URSULA) == [] and world.open_to(URSULA) == {}


def test_a_published_version_set_is_the_one_the_card_shows(world: World) -> None:
    agent = world.make("Congés", everyone=False)
    world.ws(OLGA).sharing.share_agent(agent, f"user:{CARL}", "use")
    assert world.card(CARL, "congés").version == 1  # type: ignore[attr-defined]
    world.ws(OLGA).save_agent(agent, AgentSpec(name="Congés", instructions="Mieux."))
    assert world.card(CARL, "congés").version == 1  # type: ignore[attr-defined]
    world.ws(OLGA).sharing.publish(agent)
    assert world.card(CARL, "congés").version == 2  # type: ignore[attr-defined]
    (opened,) = world.ws(CARL, reading=True).open_agents()
    assert opened.agent.published_version == 2


def test_a_deprecated_agent_leaves_search_and_comes_back(world: World) -> None:
    agent = world.make("Congés")
    assert world.found(URSULA) == ["Congés"]
    world.ws(ADA).reviews.set_deprecated(agent)
    assert world.found(URSULA) == []
    assert world.open_to(URSULA) == {"Congés": "use"}  # still usable by whoever has it
    world.ws(ADA).reviews.set_deprecated(agent, False)
    assert world.found(URSULA) == ["Congés"]


def test_a_fork_is_counted_on_the_original_and_shows_its_lineage(world: World) -> None:
    agent = world.make("Congés")
    assert world.card(URSULA, "congés").forks == 0  # type: ignore[attr-defined]
    made = world.ws(CARL).catalogue.fork(agent, name="Mes congés")
    assert world.card(URSULA, "congés").forks == 1  # type: ignore[attr-defined]
    lineage = world.ws(CARL, reading=True).catalogue.card(made.version.agent_id).lineage
    assert lineage is not None and lineage.forked_from == agent


def test_feedback_given_and_erased_moves_the_ratings(world: World) -> None:
    agent = world.make("Congés")
    assert world.card(URSULA, "congés").thumbs_up == 0  # type: ignore[attr-defined]
    thread = world.ws(CARL).start_thread(agent)
    world.ws(CARL).feedback.give(agent, thread.id, "up")
    assert world.card(URSULA, "congés").thumbs_up == 1  # type: ignore[attr-defined]
    world.writer.erase_feedback_of(CARL)
    assert world.card(URSULA, "congés").thumbs_up == 0  # type: ignore[attr-defined]


def test_an_account_deleted_takes_its_grants_with_it(world: World) -> None:
    agent = world.make("Congés", everyone=False)
    world.ws(OLGA).sharing.share_agent(agent, f"user:{CARL}", "use")
    view = catalogue_cache(world.reader).view()
    assert [o.agent.id for o in view.open_agents(CARL, ())] == [agent]
    world.writer.delete_account(CARL)
    assert catalogue_cache(world.reader).view().open_agents(CARL, ()) == []


def test_nothing_is_read_again_while_nothing_changed(world: World) -> None:
    """Runs and conversations move no counter: the cards' uses are kept apart."""
    agent = world.make("Congés")
    world.found(URSULA)
    cache = catalogue_cache(world.reader)
    before = cache.rebuilds
    world.ws(CARL).record_run(
        RunRecord("run-1", agent, 1, "", CARL, "offline", "ok", created_at=utc_now())
    )
    world.ws(CARL).start_thread(agent)
    assert world.found(URSULA) == ["Congés"] and world.open_to(URSULA) == {"Congés": "use"}
    assert cache.rebuilds == before


def test_a_refused_change_moves_no_counter(world: World) -> None:
    before = world.writer.catalogue_generation()
    with pytest.raises(NotFound):
        world.writer.set_lineage(Lineage("ag-missing", "ag-other", 1, "X", utc_now()))
    with pytest.raises(NotFound):
        world.writer.set_published_version("ag-missing", 1)
    assert world.writer.remove_grant("agent", "ag-missing", "account", CARL) is False
    assert world.reader.catalogue_generation() == before


def test_the_cache_answers_as_the_catalogue_does(world: World) -> None:
    """On a random catalogue changed a step at a time, with the cache asked between steps
    (so that it reads only the agents changed), its answers equal the backend's own queries
    and those of a cache that reads everything."""
    rng = random.Random(5)
    people = [OLGA, CARL, URSULA, RITA]
    grantees = [("organisation", ORGANISATION), ("team", "tm-com")]
    grantees += [("account", p) for p in people]
    words = ["congés", "presse", "frais", "journaux", "procédure"]
    cache = catalogue_cache(world.reader)
    agents: list[tuple[str, str]] = []
    for step in range(120):
        choice = rng.random()
        if choice < 0.25 or not agents:
            owner = rng.choice([OLGA, CARL])
            name = f"Agent {step} {rng.choice(words)}"
            agents.append((world.make(name, owner, everyone=rng.random() < 0.5), owner))
        else:
            agent, owner = rng.choice(agents)
            if choice < 0.45:
                kind, grantee = rng.choice(grantees)
                permission = rng.choice(["use", "edit"])
                world.writer.set_grant(
                    Grant("agent", agent, kind, grantee, permission, owner, utc_now())  # type: ignore[arg-type]
                )
            elif choice < 0.55:
                kind, grantee = rng.choice(grantees)
                world.writer.remove_grant("agent", agent, kind, grantee)
            elif choice < 0.65:
                spec = AgentSpec(name=f"Renommé {step} {rng.choice(words)}", instructions="R.")
                world.writer.save_version(agent, spec, owner)
            elif choice < 0.72:
                world.writer.set_published_version(agent, 1 if rng.random() < 0.7 else 0)
            elif choice < 0.8:
                world.writer.set_deprecated(agent, rng.random() < 0.5)
            elif choice < 0.88:
                made = world.make(f"Copie {step}", CARL, everyone=rng.random() < 0.5)
                agents.append((made, CARL))
                world.writer.set_lineage(Lineage(made, agent, 1, "Original", utc_now()))
            elif choice < 0.94:
                world.writer.delete_agent(agent)
                agents.remove((agent, owner))
            else:
                world.writer.add_feedback(
                    FeedbackRecord(f"fb-{step}", agent, 1, "", CARL, "up", "", "", utc_now())
                )
        if step % 3 == 0:
            _same_answers(world, cache.view(), people)
    assert cache.rebuilds == 1 and cache.updates > 10  # read once, then only what changed
    _same_answers(world, cache.view(), people)


def _same_answers(world: World, view: View, people: list[str]) -> None:
    from store.catalogue_cache import _Kept

    snapshot = world.reader.agents_snapshot()
    whole = _Kept().updated(snapshot, [a.id for a in snapshot.agents])
    assert view.ratings == world.reader.ratings()
    assert view.forks == world.reader.fork_counts() == whole.forks
    for person in people:
        teams = frozenset(t.id for t in world.reader.account_teams(person))
        expected = world.reader.open_agents(person, teams)
        assert view.open_agents(person, teams) == expected == whole.open_agents(person, teams)
        listed = sorted(world.reader.catalogue_entries(person, teams), key=lambda e: e.agent.id)
        for wanted in [(), ("cong",), ("renomm", "frai"), ("journal",)]:
            found = sorted(view.entries(person, teams, wanted), key=lambda e: e.agent.id)
            again = sorted(whole.entries(person, teams, wanted, None), key=lambda e: e.agent.id)
            assert found == again
            if not wanted:
                assert found == listed


def test_sessions_of_one_process_share_one_cache_and_see_each_change(world: World) -> None:
    agent = world.make("Congés")
    world.found(URSULA)
    world.ws(OLGA).save_agent(agent, AgentSpec(name="Notes de frais", instructions="Réponds."))
    answers: list[list[str]] = []
    lock = threading.Lock()

    def search() -> None:
        found = world.found(URSULA, "frais")
        with lock:
            answers.append(found)

    threads = [threading.Thread(target=search) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [["Notes de frais"]] * 8
    assert catalogue_cache(world.reader) is catalogue_cache(world.reader)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_cache_too_far_behind_reads_everything_again(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which agents changed is remembered for the last moves only; a process further behind
    than that cannot know them, and reads everything."""
    import store.memory_catalogue_cache
    import store.sql_catalogue_cache

    monkeypatch.setattr(store.memory_catalogue_cache, "CHANGES_KEPT", 5)
    monkeypatch.setattr(store.sql_catalogue_cache, "CHANGES_KEPT", 5)
    monkeypatch.setattr(store.sql_catalogue_cache, "_PRUNE_EVERY", 1)
    catalogue: Catalogue = (
        MemoryCatalogue() if backend == "memory" else SqlCatalogue(tmp_path / "c.sqlite3")
    )
    enrol(catalogue, OLGA, CARL)
    world = World(catalogue, catalogue)
    agents = [world.make(f"Agent {i}", everyone=False) for i in range(8)]
    cache = catalogue_cache(catalogue)
    assert world.open_to(CARL) == {}
    before = catalogue.catalogue_generation().agents
    for agent in agents:
        world.ws(OLGA).sharing.share_agent(agent, f"user:{CARL}", "use")
    assert catalogue.catalogue_changes("agents", before) is None
    assert catalogue.catalogue_changes("agents", before + 14) is not None
    assert len(world.open_to(CARL)) == 8
    assert cache.rebuilds == 2
