"""What every catalogue search and every "agents open to me" list needs, kept in this process.

At 10,000 agents, reading the agents, their grants and their published versions' facts for each
search or list costs hundreds of milliseconds, most of it turning rows into records. So each
process keeps them, once, in a ``CatalogueCache`` per catalogue object (shared by every session
of that process), and answers each person from memory: their own agents, and those granted to
them, their teams or the whole organisation, by dictionary look-ups.

Kept answers are never stale: the catalogue keeps a counter per part (``Generation``), moved in
the same write transaction as every change that alters an answer (see ``CatalogueCacheSource``),
and read at the start of every call. When the ``agents`` counter moved, from this process or
another one sharing the file, everything is read again before answering ("a rebuild"); when only
the ``feedback`` counter moved, only the ratings are. Runs move neither: the cards' "uses in the
last 30 days" stay the catalogue's own kept figure (``SqlCatalogueIndex.recent_uses``). Owners'
names and teams are not kept here either: they are read for the cards shown, in one query.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol

from store.catalogue_index import CatalogueEntry, Lineage, VersionFacts
from store.catalogue_text import terms
from store.sharing import ORGANISATION, Access, OpenAgent, Permission, stronger

if TYPE_CHECKING:
    from store.records import AgentRecord, Catalogue

AGENTS = "agents"  # agents, versions, grants, publication, deprecation, lineage
FEEDBACK = "feedback"  # thumbs up and down
_PREFIXES_KEPT = 2_000  # words being typed, and the agents they find, per rebuild


class Generation(NamedTuple):
    """Where the catalogue's counters stand; each only ever grows."""

    agents: int
    feedback: int


@dataclass(frozen=True)
class AgentGrant:
    """A grant of an agent, as kept: the rest of ``store.sharing.Grant`` is not needed."""

    agent_id: str
    grantee_kind: str
    grantee_id: str
    permission: Permission


@dataclass(frozen=True)
class AgentsSnapshot:
    """Every agent, the grants of agents, the facts of each agent's published version (by
    agent id) and every lineage (by the fork's id): what a rebuild reads."""

    agents: list[AgentRecord]
    grants: list[AgentGrant]
    facts: dict[str, VersionFacts]
    lineage: dict[str, Lineage]


class CatalogueCacheSource(Protocol):
    """The part of ``store.records.Catalogue`` the cache reads; both backends implement it.

    The ``agents`` counter moves on: an agent created, saved as a new version or deleted; a
    grant of an agent set or removed (sharing, unsharing, review approval, unpublishing, an
    account deleted with its grants); a published version set; deprecation set; a lineage
    written. The ``feedback`` counter moves on feedback given or erased."""

    def catalogue_generation(self) -> Generation: ...

    def agents_snapshot(self) -> AgentsSnapshot: ...


class _Kept:
    """One rebuild's worth: read-only once built (the memo dicts only gain equal values)."""

    def __init__(self, snapshot: AgentsSnapshot) -> None:
        records = sorted(snapshot.agents, key=lambda a: (a.updated_at, a.id), reverse=True)
        self.agents = {a.id: a for a in records}
        self.rank = {a.id: i for i, a in enumerate(records)}  # most recently updated first
        self.owned: dict[str, list[str]] = {}
        for agent in records:
            self.owned.setdefault(agent.owner, []).append(agent.id)
        self.granted: dict[tuple[str, str], dict[str, Permission]] = {}
        shared: set[str] = set()
        for grant in snapshot.grants:
            if grant.agent_id not in self.agents:
                continue
            shared.add(grant.agent_id)
            given = self.granted.setdefault((grant.grantee_kind, grant.grantee_id), {})
            if given.get(grant.agent_id) != "edit":
                given[grant.agent_id] = grant.permission
        # What search looks through: published, not deprecated.
        self.listed = {
            a.id: CatalogueEntry(a, snapshot.facts.get(a.id, VersionFacts()))
            for a in records
            if a.published_version and not a.deprecated
        }
        organisation = self.granted.get(("organisation", ORGANISATION), {})
        self.listed_to_all = frozenset(i for i in organisation if i in self.listed)
        self.shared_own: dict[str, set[str]] = {}  # one's own agents shared with someone
        for agent_id in shared:
            if agent_id in self.listed:
                owner = self.agents[agent_id].owner
                self.shared_own.setdefault(owner, set()).add(agent_id)
        self.words: dict[str, set[str]] = {}
        for agent_id, entry in self.listed.items():
            agent = entry.agent
            for word in terms(f"{agent.name} {agent.description} {entry.facts.category}"):
                self.words.setdefault(word, set()).add(agent_id)
        self.vocabulary = sorted(self.words)
        self.lineage = dict(snapshot.lineage)
        self.forks: dict[str, int] = {}
        for fork in self.lineage.values():
            self.forks[fork.forked_from] = self.forks.get(fork.forked_from, 0) + 1
        self._opened: dict[tuple[str, Access], OpenAgent] = {}
        self._prefixes: dict[str, frozenset[str]] = {}

    def open_agents(self, account_id: str, team_ids: Collection[str]) -> list[OpenAgent]:
        found: dict[str, Access] = {}
        found.update(self.granted.get(("organisation", ORGANISATION), {}))
        for grantee in _personal(account_id, team_ids):
            for agent_id, permission in self.granted.get(grantee, {}).items():
                access = stronger(found.get(agent_id), permission)
                assert access is not None
                found[agent_id] = access
        for agent_id in self.owned.get(account_id, ()):
            found[agent_id] = "owner"
        return [self._open(i, found[i]) for i in sorted(found, key=self.rank.__getitem__)]

    def _open(self, agent_id: str, access: Access) -> OpenAgent:
        key = (agent_id, access)
        opened = self._opened.get(key)
        if opened is None:
            opened = self._opened[key] = OpenAgent(self.agents[agent_id], access)
        return opened

    def entries(
        self,
        account_id: str,
        team_ids: Collection[str],
        wanted: Iterable[str],
        owners: Collection[str] | None,
    ) -> list[CatalogueEntry]:
        personal = set(self.shared_own.get(account_id, ()))
        for grantee in _personal(account_id, team_ids):
            personal.update(i for i in self.granted.get(grantee, {}) if i in self.listed)
        found: set[str] | None = None
        for word in wanted:
            beginning = self._beginning(word)
            found = set(beginning) if found is None else found & beginning
            if not found:
                return []
        if found is None:
            found = personal | self.listed_to_all
        else:
            found = {i for i in found if i in self.listed_to_all or i in personal}
        chosen = [self.listed[i] for i in found]
        if owners is not None:
            chosen = [e for e in chosen if e.agent.owner in owners]
        return chosen

    def _beginning(self, word: str) -> frozenset[str]:
        """The listed agents with a word that begins with ``word``."""
        kept = self._prefixes.get(word)
        if kept is not None:
            return kept
        found: set[str] = set()
        at = bisect.bisect_left(self.vocabulary, word)
        while at < len(self.vocabulary) and self.vocabulary[at].startswith(word):
            found |= self.words[self.vocabulary[at]]
            at += 1
        kept = frozenset(found)
        if len(self._prefixes) < _PREFIXES_KEPT:
            self._prefixes[word] = kept
        return kept


def _personal(account_id: str, team_ids: Collection[str]) -> list[tuple[str, str]]:
    """The grantees that are the account or one of its teams."""
    return [("account", account_id), *(("team", t) for t in team_ids)]


@dataclass(frozen=True)
class View:
    """The kept answers at one moment, for one call: one consistent state."""

    kept: _Kept
    ratings: dict[str, tuple[int, int]]

    def open_agents(self, account_id: str, team_ids: Collection[str]) -> list[OpenAgent]:
        """As ``Sharing.open_agents``: own agents and those granted to the account, one of its
        teams or the organisation, most recently updated first."""
        return self.kept.open_agents(account_id, team_ids)

    def entries(
        self,
        account_id: str,
        team_ids: Collection[str],
        wanted: Iterable[str] = (),
        owners: Collection[str] | None = None,
    ) -> list[CatalogueEntry]:
        """As ``CatalogueIndex.catalogue_entries`` (owners: the accounts of the owner team
        wanted, None for any), narrowed to those matching every stem of ``wanted``
        (``store.catalogue_text``), in no order."""
        return self.kept.entries(account_id, team_ids, wanted, owners)

    @property
    def forks(self) -> dict[str, int]:
        return self.kept.forks

    def lineage(self, agent_id: str) -> Lineage | None:
        return self.kept.lineage.get(agent_id)


class CatalogueCache:
    """Thread-safe: one rebuild at a time, and every call sees a whole state."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._lock = threading.Lock()
        self._kept: _Kept | None = None
        self._at: Generation | None = None
        self._ratings: dict[str, tuple[int, int]] = {}
        self.rebuilds = 0  # of the agents part, since this process opened the catalogue

    def view(self) -> View:
        """The kept answers, read again first if the catalogue changed since."""
        with self._lock:  # the counters are read under the lock: no older state wins
            now = self._catalogue.catalogue_generation()
            kept, at = self._kept, self._at
            if kept is None or at is None or now.agents != at.agents:
                kept = self._kept = _Kept(self._catalogue.agents_snapshot())
                self.rebuilds += 1
            if at is None or now.feedback != at.feedback:
                self._ratings = self._catalogue.ratings()
            self._at = now
            return View(kept, self._ratings)


_caches: weakref.WeakKeyDictionary[object, CatalogueCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def catalogue_cache(catalogue: Catalogue) -> CatalogueCache:
    """The one cache of this catalogue object in this process."""
    with _caches_lock:
        cache = _caches.get(catalogue)
        if cache is None:
            cache = _caches[catalogue] = CatalogueCache(catalogue)
        return cache
