"""What the catalogue page needs of the store, beside agents and grants: the facts of each
published version (category, model, documents, tools), forks' lineage, feedback, and how much
each agent was used lately. Plain records and the unscoped protocol both backends meet
(``store.sql_catalogue_index``, ``store.memory_catalogue_index``); who may see what is
``store.agent_catalogue``'s and ``store.feedback``'s to decide.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from store.knowledge.folding import fold

if TYPE_CHECKING:
    from agents.spec import AgentSpec
    from store.records import AgentRecord

Rating = Literal["up", "down"]
RATINGS: tuple[Rating, ...] = ("up", "down")
RECENT_DAYS = 30  # "uses in the last 30 days" on a card


def category_key(category: str) -> str:
    """How categories compare: "Ressources  Humaines" and "ressources humaines" are one."""
    return " ".join(fold(category).split())


def window_start(days: int, now: datetime | None = None) -> datetime:
    """The start of the day (UTC) ``days`` days ago: recent uses count from there."""
    now = now or datetime.now(UTC)
    day = (now - timedelta(days=days)).astimezone(UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class VersionFacts:
    """What a card shows and the filters ask of one version of an agent."""

    category: str = ""
    model: str = ""  # ``provider:name`` as the spec names it; "" for the installation's default
    uses_documents: bool = False
    uses_tools: bool = False

    @classmethod
    def of(cls, spec: AgentSpec) -> VersionFacts:
        bases = spec.knowledge.bases if spec.knowledge is not None else []
        return cls(
            category=" ".join(spec.category.split()),
            model=spec.model.ref if spec.model is not None else "",
            uses_documents=bool(bases),
            uses_tools=bool(spec.tools),
        )


@dataclass(frozen=True)
class CatalogueEntry:
    """An agent in the catalogue, with the facts of its published version."""

    agent: AgentRecord
    facts: VersionFacts


@dataclass(frozen=True)
class Lineage:
    """Where a fork comes from: the agent and version copied, and that agent's name then."""

    agent_id: str
    forked_from: str
    forked_version: int
    forked_name: str
    created_at: datetime


@dataclass(frozen=True)
class FeedbackRecord:
    """A thumbs up or down on one answer. ``exchange`` (the question and the answer) is there
    only when its author chose to give it."""

    id: str
    agent_id: str
    version: int
    thread_id: str
    author: str
    rating: Rating
    comment: str
    exchange: str
    created_at: datetime


@dataclass(frozen=True)
class Owner:
    """An agent's owner as a card names them."""

    name: str
    teams: tuple[str, ...]  # team names, sorted


class CatalogueIndex(Protocol):
    """The catalogue page's part of ``store.records.Catalogue``; unscoped."""

    def catalogue_entries(
        self, account_id: str, team_ids: Collection[str], owner_team: str | None = None
    ) -> list[CatalogueEntry]:
        """Agents with a published version, not deprecated, that are granted to the account,
        one of its teams or the organisation, or that are the account's own and granted to
        someone; with ``owner_team`` (a team id), only those whose owner is in that team."""
        ...

    def owners_of(self, account_ids: Collection[str]) -> dict[str, Owner]:
        """Names and teams of the accounts that exist, by id."""
        ...

    def set_lineage(self, lineage: Lineage) -> None:
        """Records where the agent ``lineage.agent_id`` was forked from (once)."""
        ...

    def get_lineage(self, agent_id: str) -> Lineage | None: ...

    def fork_counts(self) -> dict[str, int]:
        """How many agents were forked from each agent, by its id."""
        ...

    def recent_uses(self, days: int = RECENT_DAYS) -> dict[str, int]:
        """Runs of each agent since the start of the day ``days`` days ago (UTC), by agent id.
        May be a few minutes old: it is a card's figure, not an account."""
        ...

    def add_feedback(self, record: FeedbackRecord) -> None:
        """Raises ``NotFound`` for an unknown agent."""
        ...

    def list_feedback(self, agent_id: str, limit: int = 200) -> list[FeedbackRecord]:
        """Newest first."""
        ...

    def ratings(self) -> dict[str, tuple[int, int]]:
        """(thumbs up, thumbs down) of each agent with feedback, by its id."""
        ...

    def erase_feedback_of(self, author: str) -> int:
        """Every feedback the account gave, comments and exchanges with it; how many."""
        ...
