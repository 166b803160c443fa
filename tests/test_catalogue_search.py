"""The catalogue's search (``Workspace.catalogue.search``), on both backends: French-aware
matching, filters, sorts, and what it never shows (someone else's private agent, a deprecated
one)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from people import enrol

from agents.errors import UserError
from agents.spec import AgentSpec, KnowledgeSettings, ModelSettings, ToolUse
from store.accounts import TeamRecord
from store.agent_catalogue import Filters
from store.database import utc_now
from store.memory import MemoryCatalogue
from store.records import Catalogue, RunRecord
from store.sharing import ORGANISATION, Grant
from store.sql_catalogue import SqlCatalogue
from store.workspace import Workspace

OLGA, CARL, URSULA = "olga@example.fr", "carl@example.fr", "ursula@example.fr"
_ids = itertools.count()


@pytest.fixture(params=["memory", "sqlite"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    made: Catalogue
    if request.param == "memory":
        made = MemoryCatalogue()
    else:
        made = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        made.uses_refresh_s = 0.0  # every run counts at once in tests
    enrol(made, OLGA, CARL)
    enrol(made, URSULA, role="user")
    made.add_team(TeamRecord("tm-com", "Communication", utc_now()))
    made.add_team(TeamRecord("tm-rh", "Ressources humaines", utc_now()))
    made.add_member("tm-com", OLGA)
    made.add_member("tm-rh", CARL)
    yield made
    if isinstance(made, SqlCatalogue):
        made.close()


def make(catalogue: Catalogue, owner: str, published: bool = True, **fields: object) -> str:
    """An agent of ``owner``'s, published to the whole organisation unless ``published`` is
    False (then private)."""
    data: dict[str, object] = {"name": "Agent", "instructions": "Réponds."}
    data.update(fields)
    agent_id = catalogue.create_agent(AgentSpec(**data), owner).agent_id  # type: ignore[arg-type]
    if published:
        organisation(catalogue, agent_id, owner)
    return agent_id


def organisation(catalogue: Catalogue, agent_id: str, owner: str) -> None:
    catalogue.set_grant(
        Grant("agent", agent_id, "organisation", ORGANISATION, "use", owner, utc_now())
    )
    catalogue.set_published_version(agent_id, catalogue.get_agent(agent_id).latest_version)


def names(cards: list) -> list[str]:  # type: ignore[type-arg]
    return [c.name for c in cards]


def search(catalogue: Catalogue, who: str, text: str = "", **kwargs: object) -> list[str]:
    return names(Workspace(who, catalogue).catalogue.search(text, **kwargs))  # type: ignore[arg-type]


def test_accents_plurals_and_words_being_typed_are_found(catalogue: Catalogue) -> None:
    make(catalogue, OLGA, name="Congé", description="Poser ses jours de repos")
    make(catalogue, OLGA, name="Revue de presse", description="Lit les journaux du matin")
    make(catalogue, OLGA, name="Assistant", description="Rédige une réponse aux usagers")
    make(catalogue, OLGA, name="Calcul", category="Comptabilité")
    make(catalogue, OLGA, name="Posts", description="Un post par réseau social")
    assert search(catalogue, URSULA, "réseaux sociaux") == ["Posts"]
    assert search(catalogue, URSULA, "congés") == ["Congé"]
    assert search(catalogue, URSULA, "CONGE") == ["Congé"]
    assert search(catalogue, URSULA, "journal") == ["Revue de presse"]
    assert search(catalogue, URSULA, "journaux") == ["Revue de presse"]
    assert search(catalogue, URSULA, "matins") == ["Revue de presse"]
    assert search(catalogue, URSULA, "réponses") == ["Assistant"]
    assert search(catalogue, URSULA, "reponse usager") == ["Assistant"]
    assert search(catalogue, URSULA, "compta") == ["Calcul"]  # the category, being typed
    assert search(catalogue, URSULA, "congés journal") == []  # every word must match
    assert sorted(search(catalogue, URSULA, "")) == [
        "Assistant",
        "Calcul",
        "Congé",
        "Posts",
        "Revue de presse",
    ]


def test_someone_elses_private_agent_is_never_shown(catalogue: Catalogue) -> None:
    make(catalogue, OLGA, published=False, name="Congé secret")
    shared = make(catalogue, OLGA, published=False, name="Congé d'équipe")
    catalogue.set_grant(Grant("agent", shared, "team", "tm-rh", "use", OLGA, utc_now()))
    catalogue.set_published_version(shared, 1)
    assert search(catalogue, CARL, "congé") == ["Congé d'équipe"]  # his team's
    assert search(catalogue, URSULA, "congé") == []  # neither his team nor public
    assert search(catalogue, OLGA, "congé") == ["Congé d'équipe"]  # hers, once shared


def test_a_deprecated_agent_leaves_search_but_stays_usable(catalogue: Catalogue) -> None:
    agent = make(catalogue, OLGA, name="Ancien")
    make(catalogue, OLGA, name="Nouveau")
    if isinstance(catalogue, MemoryCatalogue):
        catalogue._change_agent(agent, deprecated=True)
    else:
        from sqlalchemy import update

        from store.tables import agents

        query = update(agents).where(agents.c.id == agent).values(deprecated=1)
        catalogue._write(lambda conn: conn.execute(query))
    assert search(catalogue, URSULA) == ["Nouveau"]
    assert Workspace(URSULA, catalogue).get_agent(agent).name == "Ancien"


def test_filters(catalogue: Catalogue) -> None:
    make(catalogue, OLGA, name="Posts", category="Communication", tools=[ToolUse(id="calculator")])
    make(
        catalogue,
        CARL,
        name="FAQ RH",
        category="Ressources humaines",
        knowledge=KnowledgeSettings(bases=["procedures"]),
        model=ModelSettings(provider="mistral", name="mistral-small"),
    )
    assert search(catalogue, URSULA, filters=Filters(category="communication")) == ["Posts"]
    assert search(catalogue, URSULA, filters=Filters(team="Ressources humaines")) == ["FAQ RH"]
    assert search(catalogue, URSULA, filters=Filters(team="tm-com")) == ["Posts"]
    assert search(catalogue, URSULA, filters=Filters(team="Inconnue")) == []
    assert search(catalogue, URSULA, filters=Filters(model="mistral")) == ["FAQ RH"]
    assert search(catalogue, URSULA, filters=Filters(uses_documents=True)) == ["FAQ RH"]
    assert search(catalogue, URSULA, filters=Filters(uses_tools=True)) == ["Posts"]
    assert search(catalogue, URSULA, filters=Filters(uses_tools=False)) == ["FAQ RH"]
    facets = Workspace(URSULA, catalogue).catalogue.facets()
    assert facets.categories == ["Communication", "Ressources humaines"]
    assert facets.teams == ["Communication", "Ressources humaines"]
    assert facets.models == ["mistral:mistral-small"]


def runs(catalogue: Catalogue, agent_id: str, count: int, days_ago: int = 0) -> None:
    for _ in range(count):
        when = utc_now() - timedelta(days=days_ago)
        catalogue.record_run(
            RunRecord(
                f"run-{next(_ids)}", agent_id, 1, "", URSULA, "offline", "ok", created_at=when
            )
        )


def test_sorts_by_popularity_recency_and_rating(catalogue: Catalogue) -> None:
    old = make(catalogue, OLGA, name="Ancien")
    used = make(catalogue, OLGA, name="Très utilisé")
    liked = make(catalogue, OLGA, name="Apprécié")
    runs(catalogue, used, 3)
    runs(catalogue, old, 5, days_ago=45)  # long ago: not in the last 30 days
    runs(catalogue, liked, 1)
    ursula = Workspace(URSULA, catalogue)
    for agent_id, rating in ((liked, "up"), (liked, "up"), (used, "down"), (used, "up")):
        thread = ursula.start_thread(agent_id)
        ursula.feedback.give(agent_id, thread.id, rating)
    cards = ursula.catalogue.search(sort="popularity")
    assert names(cards) == ["Très utilisé", "Apprécié", "Ancien"]
    assert [c.uses_30_days for c in cards] == [3, 1, 0]
    assert names(ursula.catalogue.search(sort="recent")) == ["Apprécié", "Très utilisé", "Ancien"]
    cards = ursula.catalogue.search(sort="rating")
    assert names(cards) == ["Apprécié", "Très utilisé", "Ancien"]
    assert (cards[0].rating, cards[0].ratings, cards[1].rating, cards[2].rating) == (
        1.0,
        2,
        0.5,
        None,
    )
    with pytest.raises(UserError):
        ursula.catalogue.search(sort="alphabet")


def test_cards_say_who_made_it_and_what_people_get(catalogue: Catalogue) -> None:
    agent = make(catalogue, OLGA, name="Posts", icon="📣", category="Communication")
    catalogue.save_version(agent, AgentSpec(name="Posts v2", icon="📣"), OLGA)  # a draft
    (card,) = Workspace(URSULA, catalogue).catalogue.search()
    assert (card.name, card.icon, card.owner, card.teams, card.version) == (
        "Posts v2",  # names are the agent record's (its draft's); facts the published version's
        "📣",
        OLGA,
        ("Communication",),
        1,
    )
    assert card.category == "Communication"


def test_a_search_result_is_open_to_whoever_found_it(catalogue: Catalogue) -> None:
    make(catalogue, OLGA, name="Posts")
    ursula = Workspace(URSULA, catalogue)
    (card,) = ursula.catalogue.search("post")
    assert ursula.get_version(card.agent_id).number == card.version
    assert replace(ursula.catalogue.card(card.agent_id), lineage=None).name == "Posts"
