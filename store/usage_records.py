"""What the catalogue keeps of usage: running totals per period and dimension, and quotas.

Each run adds to the totals of its month (``2026-06``) and its day (``2026-06-14``, UTC) under
five dimensions: the whole organisation (``all``, key ""), its agent, its team, its person and
its model, in the same transaction as the run itself. Pages and quota checks then read a few
rows by primary key instead of adding up every run: the usage page stays fast at a million runs,
and a quota check is one indexed lookup per subject.

"Active people" are distinct people, which do not add up across days or keys: the catalogue
keeps who was seen per period, dimension and key (``usage_people``), counted as they first
appear. The totals outlive the runs: deleting an agent erases its runs (and their errors) but
not what was spent.

The team of a run is the person's first team by name at the time of the run ("" without one):
a person in several teams spends on one of them, so that team totals add up to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, Protocol

Dimension = Literal["all", "agent", "team", "person", "model"]
DIMENSIONS: tuple[Dimension, ...] = ("all", "agent", "team", "person", "model")
BREAKDOWNS: tuple[Dimension, ...] = ("agent", "team", "person", "model")
QuotaSubject = Literal["person", "team"]
QuotaUnit = Literal["tokens", "euros"]
QUOTA_UNITS: tuple[QuotaUnit, ...] = ("tokens", "euros")


@dataclass(frozen=True)
class UsageTotal:
    """What was spent in ``period`` (a month ``YYYY-MM`` or a day ``YYYY-MM-DD``) under one
    key of one dimension. ``people``: how many distinct people ran something there."""

    period: str
    dimension: Dimension
    key: str
    runs: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0  # euros
    people: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class QuotaRecord:
    """A monthly limit on what a person, or the members of a team together, may spend."""

    subject_kind: QuotaSubject
    subject_id: str  # an account id, or a team id
    unit: QuotaUnit
    monthly_limit: float  # tokens, or euros
    set_by: str
    updated_at: datetime


class UsageLedger(Protocol):
    """The usage part of the catalogue (``store.records.Catalogue``); ``record_run`` feeds it."""

    def usage_totals(
        self, periods: Sequence[str], dimension: Dimension, keys: Sequence[str] | None = None
    ) -> list[UsageTotal]:
        """The totals of ``dimension`` in each of ``periods`` (all keys, or only ``keys``),
        sorted by period then key; a period or key with no run has no row."""
        ...

    def count_people(
        self, periods: Sequence[str], dimension: Dimension, keys: Sequence[str]
    ) -> int:
        """Distinct people who ran something under any of ``keys`` of ``dimension`` in any of
        ``periods`` (``person`` is not a dimension this counts)."""
        ...

    def names_of(self, dimension: Literal["agent", "team"]) -> dict[str, str]:
        """Every agent's (or team's) name by id: the labels of a breakdown, in one read."""
        ...

    def set_quota(self, quota: QuotaRecord) -> None:
        """Adds or replaces the quota of that subject in that unit."""
        ...

    def list_quotas(self) -> list[QuotaRecord]:
        """By subject kind, subject id and unit."""
        ...

    def quotas_for(self, account_id: str, team_ids: Sequence[str]) -> list[QuotaRecord]:
        """The quotas of the person and of those teams (by primary key)."""
        ...

    def delete_quota(
        self, subject_kind: QuotaSubject, subject_id: str, unit: QuotaUnit | None = None
    ) -> int:
        """Removes the subject's quota in ``unit`` (both units: None); returns how many."""
        ...

    def forget_usage_of(self, account_id: str) -> None:
        """A person erased: their own totals, their quotas and every trace of who they are in
        the counts of distinct people go, leaving them in no file. What they spent stays in
        the totals of the agents, teams, models and the whole installation, as numbers."""
        ...


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def day_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def next_month(month: str) -> date:
    """The first day of the month after ``month`` (``YYYY-MM``): when its quotas reset."""
    year, number = (int(part) for part in month.split("-"))
    return date(year + number // 12, number % 12 + 1, 1)


def days_of(month: str) -> list[str]:
    """Every day of ``month``, as periods."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    count = (next_month(month) - first).days
    return [date(year, number, day).isoformat() for day in range(1, count + 1)]


def run_keys(agent_id: str, team: str, principal: str, model: str) -> dict[Dimension, str]:
    """The key of one run under each dimension. A scripted model is named by a file of the
    person's machine: its usage is kept as ``scripted``, so that no path (which may name a
    person) outlives the run in the totals."""
    if model.startswith("scripted:"):
        model = "scripted"
    return {"all": "", "agent": agent_id, "team": team, "person": principal, "model": model}
