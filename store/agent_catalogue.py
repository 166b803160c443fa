"""The catalogue, the door for everyone: finding agents others made, and forking one. Opened for
one principal as ``Workspace.catalogue``; every method asks the workspace first.

- Search looks through the agents published to the whole organisation or shared with the person
  (and their own ones that they shared), never a private one of someone else's. Deprecated
  agents leave the results but stay usable by whoever has them.
- A card shows what people who use the agent get: its published version.
- Forking copies the version the person gets into their own agents, with its lineage; the
  knowledge bases they do not reach themselves are left out, and they are told which.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from agents.errors import NotFound, UserError
from store.catalogue_cache import catalogue_cache
from store.catalogue_index import CatalogueEntry, Lineage, Owner, VersionFacts, category_key
from store.catalogue_text import terms
from store.database import utc_now

if TYPE_CHECKING:
    from store.records import AgentRecord, Catalogue, VersionRecord
    from store.workspace import Workspace

Sort = Literal["popularity", "recent", "rating"]
SORTS: tuple[Sort, ...] = ("popularity", "recent", "rating")
SEARCH_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to; empty means any."""

    team: str = ""  # a team's name or id: agents whose owner is in it
    category: str = ""
    model: str = ""  # ``provider:name``, or a provider alone
    uses_documents: bool | None = None
    uses_tools: bool | None = None


@dataclass(frozen=True)
class Card:
    """An agent as the catalogue shows it."""

    agent_id: str
    name: str
    description: str
    icon: str
    category: str
    owner: str
    owner_name: str
    teams: tuple[str, ...]  # the owner's teams
    version: int  # the published one
    model: str
    uses_documents: bool
    uses_tools: bool
    thumbs_up: int
    thumbs_down: int
    uses_30_days: int
    forks: int
    lineage: Lineage | None
    updated_at: datetime

    @property
    def ratings(self) -> int:
        return self.thumbs_up + self.thumbs_down

    @property
    def rating(self) -> float | None:
        """The share of thumbs up, None before any feedback."""
        return self.thumbs_up / self.ratings if self.ratings else None


@dataclass(frozen=True)
class Facets:
    """The values the filters offer, from the agents the person may find."""

    categories: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Fork:
    """A forked agent's first version, and the knowledge bases left out of it."""

    version: VersionRecord
    dropped_bases: list[str]


class AgentCatalogue:
    def __init__(self, workspace: Workspace, catalogue: Catalogue) -> None:
        self._workspace = workspace
        self._catalogue = catalogue

    # --- finding ------------------------------------------------------------------------------

    def search(
        self,
        text: str = "",
        filters: Filters | None = None,
        sort: str = "popularity",
        limit: int = SEARCH_LIMIT,
    ) -> list[Card]:
        """The agents the person may find that match every word of ``text`` (in their name,
        description or category) and the filters, best first by ``sort``. From this
        process's kept answers (``store.catalogue_cache``), never stale."""
        me = self._workspace.me()
        if sort not in SORTS:
            raise UserError("catalogue.bad_sort", sort=sort, sorts=", ".join(SORTS))
        filters = filters or Filters()
        owners: Collection[str] | None = None
        if filters.team.strip():
            try:
                owner_team = self._catalogue.get_team(filters.team.strip()).id
            except NotFound:
                return []
            owners = {a.id for a in self._catalogue.team_members(owner_team)}
        view = catalogue_cache(self._catalogue).view()
        entries = view.entries(me.id, me.teams, terms(text), owners)
        entries = [e for e in entries if _kept(e, filters)]
        uses = self._catalogue.recent_uses()
        ratings = view.ratings
        forks = view.forks

        def order(entry: CatalogueEntry) -> tuple[float, ...]:
            agent = entry.agent
            up, down = ratings.get(agent.id, (0, 0))
            recent = agent.updated_at.timestamp()
            if sort == "popularity":
                return (-uses.get(agent.id, 0), -recent)
            if sort == "rating":
                share = up / (up + down) if up + down else -1.0
                return (-share, -(up + down), -uses.get(agent.id, 0))
            return (-recent,)

        entries.sort(key=lambda e: (*order(e), e.agent.name.casefold(), e.agent.id))
        chosen = entries[: max(0, min(limit, MAX_LIMIT))]
        found = self._catalogue.owners_of({e.agent.owner for e in chosen})
        return [
            self._card(e, found, uses, ratings, forks, view.lineage(e.agent.id)) for e in chosen
        ]

    def facets(self) -> Facets:
        """Categories, owners' teams and models of the agents the person may find."""
        me = self._workspace.me()
        entries = catalogue_cache(self._catalogue).view().entries(me.id, me.teams)
        categories: dict[str, str] = {}
        for entry in entries:
            if entry.facts.category:
                categories.setdefault(category_key(entry.facts.category), entry.facts.category)
        owners = self._catalogue.owners_of({e.agent.owner for e in entries})
        teams = sorted({t for o in owners.values() for t in o.teams}, key=str.casefold)
        models = sorted({e.facts.model for e in entries if e.facts.model})
        return Facets(sorted(categories.values(), key=str.casefold), teams, models)

    def card(self, agent_id: str) -> Card:
        """One agent the person reaches as a card, whether or not search finds it (their
        own draft, a deprecated one): the version they get."""
        agent, access = self._workspace._access(agent_id)
        version = self._workspace.get_version(agent.id)
        entry = CatalogueEntry(agent, VersionFacts.of(version.spec))
        owners = self._catalogue.owners_of({agent.owner})
        view = catalogue_cache(self._catalogue).view()
        card = self._card(
            entry,
            owners,
            self._catalogue.recent_uses(),
            view.ratings,
            view.forks,
            view.lineage(agent.id),
        )
        return card if access != "owner" else _with_version(card, version.number)

    def lineage(self, agent_id: str) -> Lineage | None:
        """Where the agent was forked from, for whoever reaches it."""
        agent = self._workspace.get_agent(agent_id)
        return self._catalogue.get_lineage(agent.id)

    # --- forking ------------------------------------------------------------------------------

    def fork(self, agent_id: str, name: str | None = None, message: str = "") -> Fork:
        """A new agent of the person's own from the version of ``agent_id`` they get, named
        ``name`` (default: the same), forked from it. Builders only."""
        self._workspace.require_builder()
        agent, _ = self._workspace._access(agent_id)
        version = self._workspace.get_version(agent.id)
        spec = version.spec
        kept, dropped = self._reachable_bases(agent, spec.knowledge.bases if spec.knowledge else [])
        if spec.knowledge is not None and dropped:
            spec = spec.model_copy(
                update={"knowledge": spec.knowledge.model_copy(update={"bases": kept})}
            )
        if name is not None and name.strip():
            spec = spec.model_copy(update={"name": name.strip()})
        made = self._workspace.create_agent(spec, message)
        self._catalogue.set_lineage(
            Lineage(made.agent_id, agent.id, version.number, agent.name, utc_now())
        )
        self._workspace._audit(
            "agent.forked", "agent", made.agent_id, agent=agent.id, from_version=version.number
        )
        return Fork(made, dropped)

    def _reachable_bases(
        self, agent: AgentRecord, refs: Sequence[str]
    ) -> tuple[list[str], list[str]]:
        """The bases the spec names, as its owner reaches them: those the person reaches
        too (by id, so that a base of theirs with the same name is not swapped in), and the
        names of the others."""
        owner_teams = frozenset(t.id for t in self._catalogue.account_teams(agent.owner))
        kept: list[str] = []
        dropped: list[str] = []
        for ref in refs:
            try:
                base = self._workspace._resolve_kb_for(agent.owner, owner_teams, ref)
            except (NotFound, UserError):
                dropped.append(ref)
                continue
            try:
                self._workspace.get_kb(base.id)
            except NotFound:
                dropped.append(base.name)
                continue
            kept.append(ref if agent.owner == self._workspace.principal else base.id)
        return kept, dropped

    # --- cards --------------------------------------------------------------------------------

    def _card(
        self,
        entry: CatalogueEntry,
        owners: dict[str, Owner],
        uses: dict[str, int],
        ratings: dict[str, tuple[int, int]],
        forks: dict[str, int],
        lineage: Lineage | None,
    ) -> Card:
        agent = entry.agent
        owner = owners.get(agent.owner, Owner(agent.owner, ()))
        up, down = ratings.get(agent.id, (0, 0))
        return Card(
            agent_id=agent.id,
            name=agent.name,
            description=agent.description,
            icon=agent.icon or "🤖",
            category=entry.facts.category,
            owner=agent.owner,
            owner_name=owner.name,
            teams=owner.teams,
            version=agent.published_version,
            model=entry.facts.model,
            uses_documents=entry.facts.uses_documents,
            uses_tools=entry.facts.uses_tools,
            thumbs_up=up,
            thumbs_down=down,
            uses_30_days=uses.get(agent.id, 0),
            forks=forks.get(agent.id, 0),
            lineage=lineage,
            updated_at=agent.updated_at,
        )


def _with_version(card: Card, number: int) -> Card:
    return replace(card, version=number)


def _kept(entry: CatalogueEntry, filters: Filters) -> bool:
    facts = entry.facts
    if filters.category.strip() and category_key(facts.category) != category_key(filters.category):
        return False
    if filters.model.strip():
        wanted = filters.model.strip()
        if facts.model != wanted and facts.model.split(":", 1)[0] != wanted:
            return False
    if filters.uses_documents is not None and facts.uses_documents != filters.uses_documents:
        return False
    return filters.uses_tools is None or facts.uses_tools == filters.uses_tools
