"""Usage totals and quotas in memory: the reference for ``SqlUsage`` (``store.usage_records``).

It keeps every run's spending in a ledger that deleting an agent leaves alone, and adds it up
on demand, in the plainest code: the SQL running totals must agree with it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from store.usage_records import (
    Dimension,
    QuotaRecord,
    QuotaSubject,
    QuotaUnit,
    UsageTotal,
    day_of,
    month_of,
    run_keys,
)


@dataclass(frozen=True)
class _Spent:
    periods: tuple[str, str]  # month, day
    keys: dict[Dimension, str]
    principal: str
    input_tokens: int
    output_tokens: int
    cost: float
    erased: bool = False  # the person was erased: counted in no list of people any more


class MemoryUsage:
    """Mixed into ``MemoryCatalogue``, which calls ``add_usage`` from ``record_run``."""

    def __init__(self) -> None:
        self._usage_lock = threading.RLock()
        self._ledger: list[_Spent] = []
        self._quotas: dict[tuple[str, str, str], QuotaRecord] = {}

    def add_usage(
        self,
        *,
        agent_id: str,
        team: str,
        principal: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cost: float,
        at: datetime,
    ) -> None:
        spent = _Spent(
            (month_of(at), day_of(at)),
            run_keys(agent_id, team, principal, model),
            principal,
            input_tokens,
            output_tokens,
            cost,
        )
        with self._usage_lock:
            self._ledger.append(spent)

    def usage_totals(
        self, periods: Sequence[str], dimension: Dimension, keys: Sequence[str] | None = None
    ) -> list[UsageTotal]:
        wanted = set(keys) if keys is not None else None
        groups: dict[tuple[str, str], list[_Spent]] = {}
        with self._usage_lock:
            for spent in self._ledger:
                if spent.erased and dimension == "person":
                    continue
                key = spent.keys[dimension]
                if wanted is not None and key not in wanted:
                    continue
                for period in spent.periods:
                    if period in periods:
                        groups.setdefault((period, key), []).append(spent)
        return [
            UsageTotal(
                period=period,
                dimension=dimension,
                key=key,
                runs=len(found),
                input_tokens=sum(s.input_tokens for s in found),
                output_tokens=sum(s.output_tokens for s in found),
                cost=sum(s.cost for s in found),
                people=len({s.principal for s in found}),
            )
            for (period, key), found in sorted(groups.items())
        ]

    def count_people(
        self, periods: Sequence[str], dimension: Dimension, keys: Sequence[str]
    ) -> int:
        with self._usage_lock:
            return len(
                {
                    s.principal
                    for s in self._ledger
                    if not s.erased
                    and s.keys[dimension] in keys
                    and any(p in periods for p in s.periods)
                }
            )

    def names_of(self, dimension: Literal["agent", "team"]) -> dict[str, str]:
        catalogue: Any = self  # a MemoryCatalogue: its agents and teams are its own
        found = catalogue.list_agents() if dimension == "agent" else catalogue.list_teams()
        return {item.id: item.name for item in found}

    def set_quota(self, quota: QuotaRecord) -> None:
        with self._usage_lock:
            self._quotas[(quota.subject_kind, quota.subject_id, quota.unit)] = quota

    def list_quotas(self) -> list[QuotaRecord]:
        with self._usage_lock:
            return [self._quotas[k] for k in sorted(self._quotas)]

    def quotas_for(self, account_id: str, team_ids: Sequence[str]) -> list[QuotaRecord]:
        subjects = {("person", account_id), *(("team", t) for t in team_ids)}
        return [q for q in self.list_quotas() if (q.subject_kind, q.subject_id) in subjects]

    def delete_quota(
        self, subject_kind: QuotaSubject, subject_id: str, unit: QuotaUnit | None = None
    ) -> int:
        with self._usage_lock:
            gone = [
                k
                for k in self._quotas
                if k[:2] == (subject_kind, subject_id) and (unit is None or k[2] == unit)
            ]
            for key in gone:
                del self._quotas[key]
        return len(gone)

    def forget_usage_of(self, account_id: str) -> None:
        """As in SQL: the person's own totals go, and they are named in no count of people to
        come; the people already counted in a total stay counted (a number, nobody's name)."""
        with self._usage_lock:
            ghost = f"\0erased-{len(self._ledger)}-{id(self)}"
            self._ledger = [
                replace(s, principal=ghost, erased=True) if s.principal == account_id else s
                for s in self._ledger
            ]
        self.delete_quota("person", account_id)
