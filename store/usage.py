"""Usage, cost and quotas as the workspace offers them (``Workspace.usage``).

- An administrator sees everything (by agent, team, person or model) and sets monthly quotas.
- A creator sees the usage of the agents they own: runs, tokens, cost and how many people used
  them; never who, never what was said, never another person's agents.
- Everyone sees their own usage and where they stand against their quotas, and is refused a run
  once over one of them (``check_quota``, called before any model is).

Everything here reads the running totals of ``store.usage_records``: a few rows by primary key,
however many runs the installation holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from agents.errors import NotFound, Refused, UserError
from store.accounts import check_login
from store.database import utc_now
from store.usage_records import (
    BREAKDOWNS,
    QUOTA_UNITS,
    Dimension,
    QuotaRecord,
    QuotaSubject,
    QuotaUnit,
    UsageTotal,
    days_of,
    month_of,
    next_month,
)

if TYPE_CHECKING:
    from store.accounts import Principal
    from store.records import Catalogue
    from store.workspace import Workspace

Scope = Literal["organisation", "my_agents", "mine"]
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_TOKENS_QUOTA = 10**15
MAX_EUROS_QUOTA = 10**9


class QuotaExceeded(Refused):
    """The person, or one of their teams, has spent its monthly quota: no model is called."""


@dataclass(frozen=True)
class UsageLine:
    """What was spent under one key (an agent, a team, a person, a model; or the total, key
    ""). ``label`` is the agent's or team's name, "" when it no longer exists."""

    key: str
    label: str
    runs: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    people: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class UsageDay:
    day: str  # YYYY-MM-DD (UTC)
    runs: int = 0
    tokens: int = 0
    cost: float = 0.0
    people: int = 0


@dataclass(frozen=True)
class UsageReport:
    month: str
    scope: Scope
    by: Dimension  # what ``lines`` break the total down by ("all": not broken down)
    total: UsageLine
    lines: list[UsageLine]  # most expensive first, then most tokens, then by key
    days: list[UsageDay]  # every day of the month, in order, days without use included


@dataclass(frozen=True)
class QuotaState:
    quota: QuotaRecord
    label: str  # the person's login, or the team's name
    month: str
    used: float  # tokens or euros spent this month

    @property
    def exceeded(self) -> bool:
        return self.used >= self.quota.monthly_limit

    @property
    def resets_on(self) -> date:
        return next_month(self.month)


def current_month() -> str:
    return month_of(utc_now())


def check_month(month: str | None) -> str:
    """``YYYY-MM``, or the current month (UTC) when None."""
    if month is None:
        return current_month()
    wanted = month.strip()
    if not _MONTH.match(wanted):
        raise UserError("usage.bad_month", month=month)
    return wanted


def run_team(catalogue: Catalogue, account_id: str) -> str:
    """The team a run of this person counts for: their first team by name, "" without one."""
    teams = catalogue.account_teams(account_id)
    return teams[0].id if teams else ""


class Usage:
    def __init__(self, workspace: Workspace, catalogue: Catalogue) -> None:
        self._workspace = workspace
        self._catalogue = catalogue

    # --- reports ---------------------------------------------------------------------------

    def organisation(self, month: str | None = None, by: Dimension = "agent") -> UsageReport:
        """The whole installation's month, broken down ``by`` agent, team, person or model."""
        self._workspace.require_admin()
        month = check_month(month)
        if by not in BREAKDOWNS:
            raise UserError("usage.bad_breakdown", by=by, choices=", ".join(BREAKDOWNS))
        total = self._line(self._catalogue.usage_totals([month], "all", [""]), "")
        lines = self._catalogue.usage_totals([month], by)
        labels = self._labels(by, [line.key for line in lines])
        days = self._catalogue.usage_totals(days_of(month), "all", [""])
        return UsageReport(
            month=month,
            scope="organisation",
            by=by,
            total=total,
            lines=_sorted([_line(u, labels.get(u.key, "")) for u in lines]),
            days=_days(month, days),
        )

    def my_agents(self, month: str | None = None) -> UsageReport:
        """The agents the principal owns, one line each: counts, never people's names."""
        me = self._workspace.require_builder()
        month = check_month(month)
        mine = {a.id: a.name for a in self._catalogue.list_agents(owner=me.id)}
        keys = list(mine)
        lines = self._catalogue.usage_totals([month], "agent", keys)
        found = _sum(lines, "")
        total = UsageLine(
            "",
            "",
            found.runs,
            found.input_tokens,
            found.output_tokens,
            found.cost,
            self._catalogue.count_people([month], "agent", keys),
        )
        daily = self._catalogue.usage_totals(days_of(month), "agent", keys)
        people = {
            day: self._catalogue.count_people([day], "agent", keys)
            for day in sorted({u.period for u in daily})
        }
        return UsageReport(
            month=month,
            scope="my_agents",
            by="agent",
            total=total,
            lines=_sorted([_line(u, mine.get(u.key, "")) for u in lines]),
            days=_days(month, daily, people),
        )

    def mine(self, month: str | None = None) -> UsageReport:
        """The principal's own spending, whatever agents it went to."""
        me = self._workspace.me()
        month = check_month(month)
        total = self._line(self._catalogue.usage_totals([month], "person", [me.id]), "")
        days = self._catalogue.usage_totals(days_of(month), "person", [me.id])
        return UsageReport(
            month=month, scope="mine", by="all", total=total, lines=[], days=_days(month, days)
        )

    # --- quotas ----------------------------------------------------------------------------

    def quota_state(self) -> list[QuotaState]:
        """The principal's quotas and their teams', with what is spent this month."""
        me = self._workspace.me()
        return self._states(self._catalogue.quotas_for(me.id, sorted(me.teams)), current_month())

    def check_quota(self) -> None:
        """Raises ``QuotaExceeded`` when the principal or one of their teams has spent a
        quota this month: before any model is called."""
        me = self._workspace.me()
        for state in self._states(
            self._catalogue.quotas_for(me.id, sorted(me.teams)), current_month()
        ):
            if state.exceeded:
                raise _exceeded(state, me)

    def list_quotas(self) -> list[QuotaState]:
        """Every quota, with what its subject spent this month."""
        self._workspace.require_admin()
        return self._states(self._catalogue.list_quotas(), current_month())

    def set_quota(
        self, subject_kind: QuotaSubject, subject: str, unit: QuotaUnit, limit: float
    ) -> QuotaState:
        """A monthly limit for a person (by login) or a team (by id or name)."""
        me = self._workspace.require_admin()
        subject_id = self._subject(subject_kind, subject)
        if unit not in QUOTA_UNITS:
            raise UserError("usage.quota.bad_unit", unit=unit)
        highest = MAX_TOKENS_QUOTA if unit == "tokens" else MAX_EUROS_QUOTA
        if not 0 <= limit <= highest or limit != limit:  # NaN too
            raise UserError("usage.quota.bad_limit", limit=limit, highest=highest)
        if unit == "tokens":
            limit = float(int(limit))
        quota = QuotaRecord(subject_kind, subject_id, unit, float(limit), me.id, utc_now())
        self._catalogue.set_quota(quota)
        return self._states([quota], current_month())[0]

    def remove_quota(
        self, subject_kind: QuotaSubject, subject: str, unit: QuotaUnit | None = None
    ) -> int:
        """The subject's quota in ``unit`` (both: None); raises ``NotFound`` without one."""
        self._workspace.require_admin()
        subject_id = self._subject(subject_kind, subject)
        removed = self._catalogue.delete_quota(subject_kind, subject_id, unit)
        if not removed:
            raise NotFound("usage.quota.none", subject=subject)
        return removed

    # --- helpers ---------------------------------------------------------------------------

    def _subject(self, kind: QuotaSubject, subject: str) -> str:
        if kind == "person":
            return self._catalogue.get_account(check_login(subject, system=True)).id
        if kind == "team":
            return self._catalogue.get_team(subject.strip()).id
        raise UserError("usage.quota.bad_subject", kind=kind)

    def _states(self, quotas: list[QuotaRecord], month: str) -> list[QuotaState]:
        used: dict[tuple[str, str], UsageTotal] = {}
        for kind in ("person", "team"):
            ids = [q.subject_id for q in quotas if q.subject_kind == kind]
            for total in self._catalogue.usage_totals([month], kind, ids) if ids else []:
                used[(kind, total.key)] = total
        names = self._labels("team", [q.subject_id for q in quotas if q.subject_kind == "team"])
        states = []
        for quota in quotas:
            spent = used.get((quota.subject_kind, quota.subject_id))
            amount = 0.0
            if spent is not None:
                amount = spent.tokens if quota.unit == "tokens" else spent.cost
            label = names.get(quota.subject_id, "") if quota.subject_kind == "team" else ""
            states.append(QuotaState(quota, label or quota.subject_id, month, float(amount)))
        return states

    def _labels(self, by: Dimension, keys: list[str]) -> dict[str, str]:
        """Agents' and teams' names by id (what no longer exists has none)."""
        if not keys:
            return {}
        if by == "agent" or by == "team":
            return self._catalogue.names_of(by)
        return {key: key for key in keys}

    @staticmethod
    def _line(totals: list[UsageTotal], label: str) -> UsageLine:
        return _line(totals[0], label) if totals else UsageLine("", label)


def _line(total: UsageTotal, label: str) -> UsageLine:
    return UsageLine(
        total.key,
        label,
        total.runs,
        total.input_tokens,
        total.output_tokens,
        total.cost,
        total.people,
    )


def _sum(totals: list[UsageTotal], key: str) -> UsageLine:
    return UsageLine(
        key,
        "",
        sum(u.runs for u in totals),
        sum(u.input_tokens for u in totals),
        sum(u.output_tokens for u in totals),
        sum(u.cost for u in totals),
    )


def _sorted(lines: list[UsageLine]) -> list[UsageLine]:
    return sorted(lines, key=lambda line: (-line.cost, -line.tokens, line.key))


def _days(
    month: str, totals: list[UsageTotal], people: dict[str, int] | None = None
) -> list[UsageDay]:
    """One entry per day of the month; totals of several keys on one day are added up (their
    people then come from ``people``, which counts each person once)."""
    by_day: dict[str, list[UsageTotal]] = {}
    for total in totals:
        by_day.setdefault(total.period, []).append(total)
    days = []
    for day in days_of(month):
        found = by_day.get(day, [])
        summed = _sum(found, "")
        count = people.get(day, 0) if people is not None else sum(u.people for u in found)
        days.append(UsageDay(day, summed.runs, summed.tokens, summed.cost, count))
    return days


def _exceeded(state: QuotaState, me: Principal) -> QuotaExceeded:
    quota = state.quota
    if quota.unit == "tokens":
        used, limit = _tokens(state.used), _tokens(quota.monthly_limit)
    else:
        used, limit = f"{state.used:.2f}", f"{quota.monthly_limit:.2f}"
    return QuotaExceeded(
        f"usage.quota.exceeded.{quota.subject_kind}.{quota.unit}",
        login=me.id,
        team=state.label,
        used=used,
        limit=limit,
        resets=state.resets_on.isoformat(),
    )


def _tokens(amount: float) -> str:
    return f"{int(amount):,}".replace(",", " ")
