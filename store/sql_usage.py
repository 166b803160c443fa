"""Usage totals and quotas in SQL: the usage part of ``SqlCatalogue`` (``store.usage_records``).

``add_usage`` runs inside the transaction that inserts the run: a crash leaves both or neither.
Upserts are ``INSERT ... ON CONFLICT ... DO UPDATE``, which SQLite (3.24+) and PostgreSQL both
accept; a person is counted in ``people`` the first time ``usage_people`` takes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, func, select, text, tuple_

from store.database import stamp
from store.tables import agents, quotas, teams, usage_people, usage_totals
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

_SEEN = text(
    "INSERT INTO usage_people (period, dimension, key, principal) "
    "VALUES (:period, :dimension, :key, :principal) ON CONFLICT DO NOTHING"
)
_ADD = text(
    "INSERT INTO usage_totals "
    "(period, dimension, key, runs, input_tokens, output_tokens, cost, people) "
    "VALUES (:period, :dimension, :key, 1, :input_tokens, :output_tokens, :cost, 1) "
    "ON CONFLICT (period, dimension, key) DO UPDATE SET "
    "runs = usage_totals.runs + 1, "
    "input_tokens = usage_totals.input_tokens + excluded.input_tokens, "
    "output_tokens = usage_totals.output_tokens + excluded.output_tokens, "
    "cost = usage_totals.cost + excluded.cost, "
    "people = usage_totals.people + :new_person"
)
_SET_QUOTA = text(
    "INSERT INTO quotas (subject_kind, subject_id, unit, monthly_limit, set_by, updated_at) "
    "VALUES (:subject_kind, :subject_id, :unit, :monthly_limit, :set_by, :updated_at) "
    "ON CONFLICT (subject_kind, subject_id, unit) DO UPDATE SET "
    "monthly_limit = excluded.monthly_limit, set_by = excluded.set_by, "
    "updated_at = excluded.updated_at"
)


def add_usage(
    conn: Connection,
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
    """One run's spending, added to its month's and its day's totals under every dimension."""
    spent = {"input_tokens": input_tokens, "output_tokens": output_tokens, "cost": cost}
    for period in (month_of(at), day_of(at)):
        for dimension, key in run_keys(agent_id, team, principal, model).items():
            where = {"period": period, "dimension": dimension, "key": key}
            new_person = 0
            if dimension != "person":  # a person's own totals count one person
                seen = conn.execute(_SEEN, {**where, "principal": principal})
                new_person = 1 if seen.rowcount else 0
            conn.execute(_ADD, {**where, **spent, "new_person": new_person})


class SqlUsage:
    """Mixed into ``SqlCatalogue``: it provides ``_read`` and ``_write``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _write: Callable[[Callable[[Connection], Any]], Any]
    _forget: Callable[[], None]  # empties the write-ahead log after an erasure

    def usage_totals(
        self, periods: Sequence[str], dimension: Dimension, keys: Sequence[str] | None = None
    ) -> list[UsageTotal]:
        if not periods or (keys is not None and not keys):
            return []
        query = select(usage_totals).where(
            usage_totals.c.period.in_(list(periods)), usage_totals.c.dimension == dimension
        )
        if keys is not None:
            query = query.where(usage_totals.c.key.in_(list(dict.fromkeys(keys))))
        query = query.order_by(usage_totals.c.period, usage_totals.c.key)

        def work(conn: Connection) -> list[UsageTotal]:
            # The columns are the record's fields, in order: thousands of rows are read
            # for a breakdown, so without a field-by-field copy.
            return [UsageTotal(*row) for row in conn.execute(query).all()]

        result: list[UsageTotal] = self._read(work)
        return result

    def count_people(
        self, periods: Sequence[str], dimension: Dimension, keys: Sequence[str]
    ) -> int:
        if not periods or not keys:
            return 0
        query = select(func.count(func.distinct(usage_people.c.principal))).where(
            usage_people.c.period.in_(list(periods)),
            usage_people.c.dimension == dimension,
            usage_people.c.key.in_(list(dict.fromkeys(keys))),
        )
        return int(self._read(lambda conn: conn.execute(query).scalar_one()))

    def names_of(self, dimension: Literal["agent", "team"]) -> dict[str, str]:
        kind = agents if dimension == "agent" else teams
        query = select(kind.c.id, kind.c.name)
        result: dict[str, str] = self._read(lambda conn: dict(conn.execute(query).all()))
        return result

    def set_quota(self, quota: QuotaRecord) -> None:
        row = {
            "subject_kind": quota.subject_kind,
            "subject_id": quota.subject_id,
            "unit": quota.unit,
            "monthly_limit": quota.monthly_limit,
            "set_by": quota.set_by,
            "updated_at": stamp(quota.updated_at),
        }
        self._write(lambda conn: conn.execute(_SET_QUOTA, row))

    def list_quotas(self) -> list[QuotaRecord]:
        query = select(quotas).order_by(quotas.c.subject_kind, quotas.c.subject_id, quotas.c.unit)
        result: list[QuotaRecord] = self._read(
            lambda conn: [_quota(row) for row in conn.execute(query)]
        )
        return result

    def quotas_for(self, account_id: str, team_ids: Sequence[str]) -> list[QuotaRecord]:
        subjects = [("person", account_id), *(("team", t) for t in team_ids)]
        query = (
            select(quotas)
            .where(tuple_(quotas.c.subject_kind, quotas.c.subject_id).in_(subjects))
            .order_by(quotas.c.subject_kind, quotas.c.subject_id, quotas.c.unit)
        )
        result: list[QuotaRecord] = self._read(
            lambda conn: [_quota(row) for row in conn.execute(query)]
        )
        return result

    def delete_quota(
        self, subject_kind: QuotaSubject, subject_id: str, unit: QuotaUnit | None = None
    ) -> int:
        query = delete(quotas).where(
            quotas.c.subject_kind == subject_kind, quotas.c.subject_id == subject_id
        )
        if unit is not None:
            query = query.where(quotas.c.unit == unit)
        return int(self._write(lambda conn: conn.execute(query).rowcount))

    def forget_usage_of(self, account_id: str) -> None:
        def work(conn: Connection) -> None:
            conn.execute(
                delete(usage_totals).where(
                    usage_totals.c.dimension == "person", usage_totals.c.key == account_id
                )
            )
            conn.execute(delete(usage_people).where(usage_people.c.principal == account_id))
            conn.execute(
                delete(quotas).where(
                    quotas.c.subject_kind == "person", quotas.c.subject_id == account_id
                )
            )

        self._write(work)
        self._forget()


def _quota(row: Any) -> QuotaRecord:
    return QuotaRecord(
        subject_kind=row.subject_kind,
        subject_id=row.subject_id,
        unit=row.unit,
        monthly_limit=float(row.monthly_limit),
        set_by=row.set_by,
        updated_at=datetime.fromisoformat(row.updated_at),
    )
