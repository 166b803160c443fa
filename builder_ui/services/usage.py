"""Usage, cost and quotas: what ``atelier usage``, ``atelier quota`` and the "Utilisation" page
all call, so that they agree by construction.

What a person sees follows their role (``store.usage``): an administrator the whole
installation, by agent, team, person or model; a creator the agents they own; anyone their own
spending and quotas. A run's cost is priced here, from the organisation's models
(``OrgModelSettings.price_in``/``price_out``, euros per million tokens); a model the
organisation does not list (offline, scripted, the environment's) costs nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from agents.errors import UserError
from agents.i18n import t
from store.usage import QuotaState, UsageLine, UsageReport
from store.usage_records import BREAKDOWNS, Dimension, QuotaSubject, QuotaUnit

if TYPE_CHECKING:
    from store.admin_settings import OrgModelSettings
    from store.workspace import Workspace

MILLION = 1_000_000
COLUMNS = ("key", "name", "runs", "input_tokens", "output_tokens", "tokens", "cost_eur", "people")


def run_cost(
    model: str,
    input_tokens: int,
    output_tokens: int,
    models: Iterable[OrgModelSettings] | None = None,
) -> float:
    """Euros, from the prices of the organisation model ``model`` (``provider:name``)."""
    if models is None:
        from store.admin_settings import saved_admin_settings

        models = saved_admin_settings().models
    found = next((m for m in models if m.ref == model), None)
    if found is None:
        return 0.0
    return (input_tokens * found.price_in + output_tokens * found.price_out) / MILLION


def report(workspace: Workspace, month: str | None = None, by: str | None = None) -> UsageReport:
    """The report the person's role opens on: the installation's (administrators, ``by``
    agent by default), their own agents' (creators and reviewers), their own (users)."""
    me = workspace.me()
    if me.is_admin:
        return workspace.usage.organisation(month, _breakdown(by or "agent"))
    if by not in (None, "agent"):
        _breakdown(by)  # a wrong word first, then the right
        raise UserError("usage.by_admins_only", by=by)
    if me.can_build:
        return workspace.usage.my_agents(month)
    return workspace.usage.mine(month)


def _breakdown(by: str) -> Dimension:
    for choice in BREAKDOWNS:
        if by == choice:
            return choice
    raise UserError("usage.bad_breakdown", by=by, choices=", ".join(BREAKDOWNS))


def line_name(found: UsageReport, line: UsageLine, lang: str | None = None) -> str:
    """What a line is called: an agent's or team's name, a login, a model; what no longer
    exists (a deleted agent) or never did (no team) said in words."""
    if line.label:
        return line.label
    if found.by == "agent":
        return t("usage.deleted_agent", lang)
    if found.by == "team":
        return t("usage.no_team", lang) if not line.key else t("usage.deleted_team", lang)
    return line.key


def rows(found: UsageReport, lang: str | None = None) -> list[dict[str, Any]]:
    """The breakdown as plain rows (``COLUMNS``): for a table, JSON or CSV."""
    return [
        {
            "key": line.key,
            "name": line_name(found, line, lang),
            "runs": line.runs,
            "input_tokens": line.input_tokens,
            "output_tokens": line.output_tokens,
            "tokens": line.tokens,
            "cost_eur": round(line.cost, 6),
            "people": line.people,
        }
        for line in found.lines
    ]


def day_rows(found: UsageReport) -> list[dict[str, Any]]:
    return [
        {
            "day": day.day,
            "runs": day.runs,
            "tokens": day.tokens,
            "cost_eur": round(day.cost, 6),
            "people": day.people,
        }
        for day in found.days
    ]


def to_csv(found: UsageReport, lang: str | None = None) -> str:
    """The breakdown (or, for one's own usage, the days) as CSV with a header line. Cells
    that a spreadsheet would run as a formula are quoted with a leading apostrophe."""
    data = rows(found, lang) if found.by != "all" else day_rows(found)
    header = list(COLUMNS) if found.by != "all" else ["day", "runs", "tokens", "cost_eur", "people"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in data:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def euros(amount: float) -> str:
    return f"{amount:.2f}"


def recent_months(count: int = 12) -> list[str]:
    """The current month (UTC) and the ``count - 1`` before it, newest first."""
    from store.usage import current_month

    year, month = (int(part) for part in current_month().split("-"))
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found


# --- quotas ------------------------------------------------------------------------------------


def quota_subject(person: str | None, team: str | None) -> tuple[QuotaSubject, str]:
    """Exactly one of a person (login) or a team (name or id)."""
    if bool(person) == bool(team):
        raise UserError("usage.quota.one_subject")
    return ("person", person) if person else ("team", team or "")


def quota_amount(tokens: int | None, euros_limit: float | None) -> tuple[QuotaUnit, float]:
    """Exactly one of a number of tokens or an amount in euros."""
    if (tokens is None) == (euros_limit is None):
        raise UserError("usage.quota.one_unit")
    return ("tokens", float(tokens)) if tokens is not None else ("euros", float(euros_limit or 0))


def set_quota(
    workspace: Workspace,
    *,
    person: str | None = None,
    team: str | None = None,
    tokens: int | None = None,
    euros_limit: float | None = None,
) -> QuotaState:
    kind, subject = quota_subject(person, team)
    unit, limit = quota_amount(tokens, euros_limit)
    return workspace.usage.set_quota(kind, subject, unit, limit)


def remove_quota(
    workspace: Workspace,
    *,
    person: str | None = None,
    team: str | None = None,
    unit: QuotaUnit | None = None,
) -> int:
    kind, subject = quota_subject(person, team)
    return workspace.usage.remove_quota(kind, subject, unit)


def quota_rows(states: Iterable[QuotaState], lang: str | None = None) -> list[dict[str, Any]]:
    found = []
    for state in states:
        quota = state.quota
        tokens = quota.unit == "tokens"
        found.append(
            {
                "subject": t(f"usage.quota.kind.{quota.subject_kind}", lang),
                "name": state.label,
                "unit": t(f"usage.quota.unit.{quota.unit}", lang),
                "limit": int(quota.monthly_limit) if tokens else euros(quota.monthly_limit),
                "used": int(state.used) if tokens else euros(state.used),
                "state": t(
                    "usage.quota.state.over" if state.exceeded else "usage.quota.state.ok", lang
                ),
                "resets_on": state.resets_on.isoformat(),
            }
        )
    return found
