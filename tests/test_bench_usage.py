"""``bench/usage.py`` at a tiny size: keeps the bench in step with the schema and the usage API,
and checks that the totals it builds in bulk are the ones ``record_run`` keeps run by run (the
full size runs with ``make bench``)."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(ROOT))

from bench.organisation import populate  # noqa: E402
from bench.usage import fill_runs, main  # noqa: E402
from store.sql_catalogue import SqlCatalogue  # noqa: E402
from store.usage_records import DIMENSIONS, day_of, month_of, run_keys  # noqa: E402


def test_the_bench_fills_runs_and_times_every_call(capsys: pytest.CaptureFixture[str]) -> None:
    sizes = ["--accounts", "40", "--teams", "4", "--agents", "30", "--runs", "600"]
    code = main([*sizes, "--samples", "3", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["organisation"]["sizes"]["runs"] == 600
    calls = report["organisation"]["calls"]
    expected = {f"page_by_{by}" for by in ("agent", "team", "person", "model")}
    assert expected | {"page_my_agents", "page_mine", "quota_check", "record_run"} == set(calls)
    assert all(c["p95_ms"] >= c["p50_ms"] > 0 for c in calls.values())
    assert set(report["empty"]["calls"]) == set(calls)
    assert report["organisation"]["month"]["runs"] > 0


def test_the_bulk_totals_are_those_of_the_runs(tmp_path: Path) -> None:
    catalogue = SqlCatalogue(tmp_path / "c.sqlite3")
    people = populate(catalogue, 30, 3, 20, 0)
    fill_runs(catalogue, people, 20, 500)
    runs = catalogue.list_runs(limit=10_000)
    assert len(runs) == 500
    for dimension in DIMENSIONS:
        spent: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        who: dict[tuple[str, str], set[str]] = defaultdict(set)
        for run in runs:
            key = run_keys(run.agent_id, run.team, run.principal, run.model)[dimension]
            for period in (month_of(run.created_at), day_of(run.created_at)):
                spent[(period, key)].update(runs=1, tokens=run.input_tokens + run.output_tokens)
                who[(period, key)].add(run.principal)
        periods = sorted({p for p, _ in spent})
        found = {(u.period, u.key): u for u in catalogue.usage_totals(periods, dimension)}
        assert set(found) == set(spent), dimension
        for where, counted in spent.items():
            total = found[where]
            assert (total.runs, total.tokens) == (counted["runs"], counted["tokens"])
            assert total.people == len(who[where]), (dimension, where)
    catalogue.close()
