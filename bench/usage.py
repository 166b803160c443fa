"""Usage and quotas at the size of our largest user, in the embedded SQLite.

9,000 accounts, 500 teams, 10,000 agents (``bench.organisation.populate``) and 1,000,000 runs
over the last 90 days are written straight into a fresh catalogue (bulk SQL), and the usage
totals are built from the runs in SQL, as ``record_run`` would have added them one by one. Then
the product's own code answers, through ``Workspace(principal).usage``:

- the usage page of an administrator for the last full month, by agent, team, person and model
  (totals, breakdown with active people, every day of the month): target p95 <= 500 ms;
- a creator's page (her own agents) and a person's own page;
- the quota check made before every run (the person's and their teams' quotas, this month):
  target p95 <= 50 ms;
- recording one run (the run and its running totals, in one transaction);

each beside the same on an empty installation, in the same run.

    python bench/usage.py [--accounts N] [--teams N] [--agents N] [--runs N] [--samples N]
                          [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: the repository root on the import path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text

from bench.organisation import _bulk, _time, populate
from store.database import stamp, utc_now
from store.records import RunRecord
from store.sql_catalogue import SqlCatalogue
from store.tables import runs, team_members, teams
from store.usage import current_month, run_team
from store.usage_records import DIMENSIONS, QuotaRecord, month_of
from store.workspace import Workspace

TARGET_PAGE_P95_MS = 500.0
TARGET_QUOTA_P95_MS = 50.0
DAYS = 90
MODELS = ["openai:albert-large", "mistral:mistral-large", "anthropic:claude", "offline"]
PRICES = {MODELS[0]: (0.5, 1.5), MODELS[1]: (2.0, 6.0), MODELS[2]: (3.0, 15.0), MODELS[3]: (0, 0)}
CHUNK = 50_000
_COLUMN = {
    "all": "''",
    "agent": "agent_id",
    "team": "team",
    "person": "principal",
    "model": "model",
}


def fill_runs(catalogue: SqlCatalogue, people: list[str], n_agents: int, n_runs: int) -> None:
    """``n_runs`` runs over the last ``DAYS`` days by random people of random agents, each with
    its team (the person's first by name) and cost; then the usage totals built from them."""
    rng = random.Random(13)
    first_team = _first_teams(catalogue)
    now = utc_now()
    for start in range(0, n_runs, CHUNK):
        rows = []
        for i in range(start, min(n_runs, start + CHUNK)):
            who = rng.choice(people)
            model = rng.choice(MODELS)
            tokens_in, tokens_out = rng.randint(200, 4000), rng.randint(20, 800)
            price_in, price_out = PRICES[model]
            rows.append(
                {
                    "id": f"run-{i:09d}",
                    "agent_id": f"ag-{rng.randrange(n_agents):08d}",
                    "version": 1,
                    "thread_id": "",
                    "principal": who,
                    "model": model,
                    "outcome": "ok",
                    "input_tokens": tokens_in,
                    "output_tokens": tokens_out,
                    "latency_ms": 900.0,
                    "tool_calls": 0,
                    "error": "",
                    "created_at": stamp(now - timedelta(seconds=rng.randrange(DAYS * 86_400))),
                    "team": first_team.get(who, ""),
                    "cost": (tokens_in * price_in + tokens_out * price_out) / 1_000_000,
                }
            )
        _bulk(catalogue, runs, rows)
    catalogue._db.write(_build_totals)


def _first_teams(catalogue: SqlCatalogue) -> dict[str, str]:
    query = (
        select(team_members.c.account_id, teams.c.id)
        .join(teams, teams.c.id == team_members.c.team_id)
        .order_by(team_members.c.account_id, teams.c.name_key.desc())
    )
    rows = catalogue._db.read(lambda conn: list(conn.execute(query)))
    return {account: team for account, team in rows}  # the last written is the first by name


def _build_totals(conn: Any) -> None:
    """What ``store.sql_usage.add_usage`` adds run by run, in a few statements."""
    for width in (7, 10):  # the month, the day
        period = f"substr(created_at, 1, {width})"
        for dimension in DIMENSIONS:
            key = _COLUMN[dimension]
            people = "1" if dimension == "person" else "count(DISTINCT principal)"
            conn.execute(
                text(
                    "INSERT INTO usage_totals (period, dimension, key, runs, input_tokens, "
                    f"output_tokens, cost, people) SELECT {period}, '{dimension}', {key}, "
                    f"count(*), sum(input_tokens), sum(output_tokens), sum(cost), {people} "
                    f"FROM runs GROUP BY {period}, {key}"
                )
            )
            if dimension != "person":
                conn.execute(
                    text(
                        "INSERT INTO usage_people (period, dimension, key, principal) "
                        f"SELECT DISTINCT {period}, '{dimension}', {key}, principal FROM runs"
                    )
                )


def set_quotas(catalogue: SqlCatalogue, people: list[str], admin: str) -> None:
    """A quota on every team and on a tenth of the people, none of them reached."""
    now = utc_now()
    team_ids = catalogue._db.read(lambda conn: list(conn.execute(select(teams.c.id)).scalars()))
    for team in team_ids:
        catalogue.set_quota(QuotaRecord("team", team, "euros", 1_000_000.0, admin, now))
    for person in people[::10]:
        catalogue.set_quota(QuotaRecord("person", person, "tokens", 10.0**12, admin, now))


def last_full_month() -> str:
    first = utc_now().replace(day=1)
    return month_of(first - timedelta(days=1))


def measure(catalogue: SqlCatalogue, people: list[str], samples: int) -> dict[str, Any]:
    rng = random.Random(17)
    admin = people[0]
    creators = [p for p in people if catalogue.get_account(p).role in ("creator", "admin")]
    month = last_full_month()
    results: dict[str, Any] = {}
    page = Workspace(admin, catalogue).usage
    for by in ("agent", "team", "person", "model"):
        results[f"page_by_{by}"] = _time(lambda by=by: page.organisation(month, by), samples)
    results["page_my_agents"] = _time(
        lambda: Workspace(rng.choice(creators), catalogue).usage.my_agents(month), samples
    )
    results["page_mine"] = _time(
        lambda: Workspace(rng.choice(people), catalogue).usage.mine(month), samples
    )
    results["quota_check"] = _time(
        lambda: Workspace(rng.choice(people), catalogue).usage.check_quota(), samples * 5
    )
    agents = [a.id for a in catalogue.list_agents()[:200]]
    counter = iter(range(10**9))

    def record() -> None:
        who = rng.choice(people)
        catalogue.record_run(
            RunRecord(
                f"run-bench-{next(counter)}", rng.choice(agents), 1, "", who, MODELS[0], "ok",
                1000, 100, team=run_team(catalogue, who), cost=0.001,
            )
        )  # fmt: skip

    results["record_run"] = _time(record, samples)
    check = page.organisation(month, "agent")
    results["_month"] = {"month": month, "runs": check.total.runs, "lines": len(check.lines)}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=9_000)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "target_page_p95_ms": TARGET_PAGE_P95_MS,
        "target_quota_p95_ms": TARGET_QUOTA_P95_MS,
        "current_month": current_month(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ATELIER_HOME"] = tmp
        for label, sizes in (
            ("empty", (2, 1, 6, 20)),
            ("organisation", (args.accounts, args.teams, args.agents, args.runs)),
        ):
            catalogue = SqlCatalogue(Path(tmp) / f"{label}.sqlite3")
            start = time.perf_counter()
            people = populate(catalogue, *sizes[:3], 0)
            fill_runs(catalogue, people, sizes[2], sizes[3])
            set_quotas(catalogue, people, people[0])
            filled_s = time.perf_counter() - start
            calls = measure(catalogue, people, args.samples)
            report[label] = {
                "sizes": dict(zip(("accounts", "teams", "agents", "runs"), sizes, strict=True)),
                "fill_s": round(filled_s, 1),
                "month": calls.pop("_month"),
                "calls": calls,
            }
            catalogue.close()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    calls = report["organisation"]["calls"]
    page = max(c["p95_ms"] for name, c in calls.items() if name.startswith("page_"))
    ok = page <= TARGET_PAGE_P95_MS and calls["quota_check"]["p95_ms"] <= TARGET_QUOTA_P95_MS
    return 0 if ok else 1


def _print(report: dict[str, Any]) -> None:
    full = report["organisation"]
    sizes = full["sizes"]
    print(
        f"organisation: {sizes['accounts']:,} accounts, {sizes['teams']:,} teams, "
        f"{sizes['agents']:,} agents, {sizes['runs']:,} runs over {DAYS} days "
        f"(filled in {full['fill_s']} s); month measured: {full['month']['month']} "
        f"({full['month']['runs']:,} runs, {full['month']['lines']:,} agents used)"
    )
    print(f"{'call':<20}{'empty p50':>11}{'p95':>9}{'organisation p50':>19}{'p95':>9}")
    for name, calls in full["calls"].items():
        empty = report["empty"]["calls"][name]
        print(
            f"{name:<20}{empty['p50_ms']:>9.2f}ms{empty['p95_ms']:>7.2f}ms"
            f"{calls['p50_ms']:>17.2f}ms{calls['p95_ms']:>7.2f}ms"
        )
    print(
        f"targets: usage page p95 <= {report['target_page_p95_ms']:.0f} ms, "
        f"quota check p95 <= {report['target_quota_p95_ms']:.0f} ms, at full size"
    )


if __name__ == "__main__":
    sys.exit(main())
