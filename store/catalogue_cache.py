"""What every catalogue search and every "agents open to me" list needs, kept in this process.

At 10,000 agents, reading the agents, their grants and their published versions' facts for each
search or list costs hundreds of milliseconds, most of it turning rows into records. So each
process keeps them, once, in a ``CatalogueCache`` per catalogue object (shared by every session
of that process), and answers each person from memory: their own agents, and those granted to
them, their teams or the whole organisation, by dictionary look-ups.

Kept answers are never stale: the catalogue keeps a counter per part (``Generation``), moved in
the same write transaction as every change that alters an answer (see ``CatalogueCacheSource``),
and read at the start of every call. Each move notes the agent it was about: when a counter
moved, from this process or another one sharing the file, only those agents (their record,
grants, published facts and lineage; or, for feedback, their ratings) are read again before
answering, and the kept indexes are copied with them changed (copy on write: a call still
holding the previous state is not disturbed). Everything is read again ("a rebuild") on the
first call, after a change about many agents at once (``ANY``: an account deleted, a person's
feedback erased), or when more than ``CHANGES_KEPT`` changes were missed. Runs move neither
counter: the cards' "uses in the last 30 days" stay the catalogue's own kept figure
(``SqlCatalogueIndex.recent_uses``). Owners' names and teams are not kept here either: they are
read for the cards shown, in one query.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol, TypeVar

from store.catalogue_index import CatalogueEntry, Lineage, VersionFacts
from store.catalogue_text import terms
from store.sharing import ORGANISATION, Access, OpenAgent, Permission, stronger

if TYPE_CHECKING:
    from store.records import AgentRecord, Catalogue

AGENTS = "agents"  # agents, versions, grants, publication, deprecation, lineage
FEEDBACK = "feedback"  # thumbs up and down
ANY = "*"  # a change about many agents at once: everything of that part is read again
CHANGES_KEPT = 1_000  # moves whose agent is remembered, per part
_PREFIXES_KEPT = 2_000  # words being typed, and the agents they find, per rebuild
_PARTIAL_AT_MOST = 200  # agents changed: more than that, everything is read again
_K = TypeVar("_K")
_V = TypeVar("_V")


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

    def catalogue_changes(self, part: str, since: int) -> list[str] | None:
        """The agents each move of ``part`` after ``since`` was about, oldest first; None
        when some are no longer remembered or one was about many agents (``ANY``)."""
        ...

    def agents_snapshot(self, agent_ids: Collection[str] | None = None) -> AgentsSnapshot:
        """Everything, or what there is now of the agents ``agent_ids`` (a deleted one is
        absent)."""
        ...

    def ratings_of(self, agent_ids: Collection[str]) -> dict[str, tuple[int, int]]:
        """``ratings()`` of those agents only."""
        ...


class _Kept:
    """One state of the kept answers: never changed once made; ``updated`` makes the next
    one, copying only what the changed agents touch (the memo dicts only gain equal
    values)."""

    def __init__(self) -> None:
        self.agents: dict[str, AgentRecord] = {}
        self.keys: list[tuple[datetime, str]] = []  # (updated_at, id), oldest first
        self.rank: dict[str, int] = {}  # most recently updated first
        self.owned: dict[str, frozenset[str]] = {}
        self.grants_of: dict[str, tuple[AgentGrant, ...]] = {}
        self.granted: dict[tuple[str, str], dict[str, Permission]] = {}  # grantee -> agents
        self.listed: dict[str, CatalogueEntry] = {}  # what search looks through
        self.listed_to_all: frozenset[str] = frozenset()
        self.shared_own: dict[str, frozenset[str]] = {}  # one's own listed, shared agents
        self.terms_of: dict[str, tuple[str, ...]] = {}
        self.words: dict[str, frozenset[str]] = {}  # stem -> listed agents
        self.vocabulary: list[str] = []
        self.lineage: dict[str, Lineage] = {}
        self.forks: dict[str, int] = {}
        self._opened: dict[tuple[str, Access], OpenAgent] = {}
        self._prefixes: dict[str, frozenset[str]] = {}

    def updated(self, snapshot: AgentsSnapshot, ids: Collection[str]) -> _Kept:
        """The next state: ``snapshot`` holds what there is now of the agents ``ids``."""
        ids = frozenset(ids)
        new = _Kept()
        records = {a.id: a for a in snapshot.agents if a.id in ids}
        new.agents = {i: a for i, a in self.agents.items() if i not in ids} if ids else {}
        new.agents.update(records)
        new.keys = self._keys(records, ids, new)
        count = len(new.keys)
        new.rank = {agent_id: count - 1 - at for at, (_, agent_id) in enumerate(new.keys)}
        by_owner: dict[str, set[str]] = {}
        for agent in records.values():
            by_owner.setdefault(agent.owner, set()).add(agent.id)
        owners = {self.agents[i].owner for i in ids if i in self.agents} | set(by_owner)
        new.owned = dict(self.owned)
        for owner in owners:
            mine = (self.owned.get(owner, frozenset()) - ids) | by_owner.get(owner, set())
            _put(new.owned, owner, frozenset(mine))
        self._update_grants(new, snapshot, ids)
        new.listed = {i: e for i, e in self.listed.items() if i not in ids}
        for agent_id, agent in records.items():
            if agent.published_version and not agent.deprecated:
                facts = snapshot.facts.get(agent_id, VersionFacts())
                new.listed[agent_id] = CatalogueEntry(agent, facts)
        organisation = new.granted.get(("organisation", ORGANISATION), {})
        new.listed_to_all = frozenset(i for i in organisation if i in new.listed)
        new.shared_own = dict(self.shared_own)
        for owner in owners:
            shared = (i for i in new.owned.get(owner, ()) if i in new.listed)
            _put(new.shared_own, owner, frozenset(i for i in shared if i in new.grants_of))
        self._update_words(new, ids)
        self._update_lineage(new, snapshot, ids)
        new._opened = {k: o for k, o in self._opened.items() if k[0] not in ids}
        return new

    def _keys(
        self, records: dict[str, AgentRecord], ids: frozenset[str], new: _Kept
    ) -> list[tuple[datetime, str]]:
        if not self.keys or len(ids) > _PARTIAL_AT_MOST:
            return sorted((a.updated_at, a.id) for a in new.agents.values())
        keys = list(self.keys)
        for agent_id in ids:
            old = self.agents.get(agent_id)
            if old is not None:
                del keys[bisect.bisect_left(keys, (old.updated_at, agent_id))]
        for agent in records.values():
            bisect.insort(keys, (agent.updated_at, agent.id))
        return keys

    def _update_grants(self, new: _Kept, snapshot: AgentsSnapshot, ids: frozenset[str]) -> None:
        new.grants_of = {i: g for i, g in self.grants_of.items() if i not in ids}
        fresh: dict[str, list[AgentGrant]] = {}
        to: dict[tuple[str, str], list[AgentGrant]] = {}
        for grant in snapshot.grants:
            if grant.agent_id in ids and grant.agent_id in new.agents:
                fresh.setdefault(grant.agent_id, []).append(grant)
                to.setdefault((grant.grantee_kind, grant.grantee_id), []).append(grant)
        new.grants_of.update((i, tuple(g)) for i, g in fresh.items())
        grantees = {(g.grantee_kind, g.grantee_id) for i in ids for g in self.grants_of.get(i, ())}
        new.granted = dict(self.granted)
        for grantee in grantees | set(to):
            given = {i: p for i, p in self.granted.get(grantee, {}).items() if i not in ids}
            for grant in to.get(grantee, ()):
                if given.get(grant.agent_id) != "edit":
                    given[grant.agent_id] = grant.permission
            _put(new.granted, grantee, given)

    def _update_words(self, new: _Kept, ids: frozenset[str]) -> None:
        new.terms_of = {i: t for i, t in self.terms_of.items() if i not in ids}
        added: dict[str, set[str]] = {}
        for agent_id in ids:
            entry = new.listed.get(agent_id)
            if entry is None:
                continue
            agent = entry.agent
            found = terms(f"{agent.name} {agent.description} {entry.facts.category}")
            new.terms_of[agent_id] = found
            for word in found:
                added.setdefault(word, set()).add(agent_id)
        stems = {w for i in ids for w in self.terms_of.get(i, ())} | set(added)
        new.words = dict(self.words)
        for word in stems:
            kept = (self.words.get(word, frozenset()) - ids) | added.get(word, set())
            _put(new.words, word, frozenset(kept))
        same = len(new.words) == len(self.words) and all(w in self.words for w in stems)
        new.vocabulary = self.vocabulary if same else sorted(new.words)

    def _update_lineage(self, new: _Kept, snapshot: AgentsSnapshot, ids: frozenset[str]) -> None:
        new.lineage = {i: f for i, f in self.lineage.items() if i not in ids}
        new.forks = dict(self.forks)
        for agent_id in ids:
            old = self.lineage.get(agent_id)
            if old is not None:
                new.forks[old.forked_from] -= 1
                if not new.forks[old.forked_from]:
                    del new.forks[old.forked_from]
            fork = snapshot.lineage.get(agent_id)
            if fork is not None and agent_id in new.agents:
                new.lineage[agent_id] = fork
                new.forks[fork.forked_from] = new.forks.get(fork.forked_from, 0) + 1

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


def _put(into: dict[_K, _V], key: _K, value: _V) -> None:
    """``into[key] = value``, or no ``key`` at all for an empty value."""
    if value:
        into[key] = value
    else:
        into.pop(key, None)


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
        self.rebuilds = 0  # everything read again, since this process opened the catalogue
        self.updates = 0  # only the agents changed read again

    def view(self) -> View:
        """The kept answers, brought up to date first if the catalogue changed since."""
        with self._lock:  # the counters are read under the lock: no older state wins
            now = self._catalogue.catalogue_generation()
            kept, at = self._kept, self._at
            if kept is None or at is None:
                kept = self._read_all()
            elif now.agents != at.agents:
                changed = self._changed(AGENTS, at.agents, now.agents)
                if changed is None:
                    kept = self._read_all()
                else:
                    kept = kept.updated(self._catalogue.agents_snapshot(changed), changed)
                    self.updates += 1
            if at is None or now.feedback != at.feedback:
                rated = None if at is None else self._changed(FEEDBACK, at.feedback, now.feedback)
                if rated is None:
                    self._ratings = self._catalogue.ratings()
                else:
                    ratings = {i: r for i, r in self._ratings.items() if i not in rated}
                    ratings.update(self._catalogue.ratings_of(rated))
                    self._ratings = ratings
            self._kept, self._at = kept, now
            return View(kept, self._ratings)

    def _read_all(self) -> _Kept:
        snapshot = self._catalogue.agents_snapshot()
        self.rebuilds += 1
        return _Kept().updated(snapshot, [a.id for a in snapshot.agents])

    def _changed(self, part: str, since: int, now: int) -> set[str] | None:
        """The agents changed, when few enough to read only them."""
        if now < since:  # another file in its place: read everything
            return None
        found = self._catalogue.catalogue_changes(part, since)
        if found is None or len(set(found)) > _PARTIAL_AT_MOST:
            return None
        return set(found)


_caches: weakref.WeakKeyDictionary[object, CatalogueCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def catalogue_cache(catalogue: Catalogue) -> CatalogueCache:
    """The one cache of this catalogue object in this process."""
    with _caches_lock:
        cache = _caches.get(catalogue)
        if cache is None:
            cache = _caches[catalogue] = CatalogueCache(catalogue)
        return cache
