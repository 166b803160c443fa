"""``bench/organisation.py`` at a tiny size: keeps the bench in step with the catalogue's
schema and the workspace's API (the full size runs with ``make bench``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(ROOT))

from bench.organisation import main  # noqa: E402


def test_the_bench_fills_a_catalogue_and_times_every_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sizes = ["--accounts", "40", "--teams", "4", "--agents", "30", "--conversations", "200"]
    sizes += ["--runs", "300"]
    code = main([*sizes, "--samples", "5", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["organisation"]["sizes"]["accounts"] == 40
    calls = report["organisation"]["calls"]
    assert {
        "list_agents",
        "model_choices",
        "check_own_agent",
        "check_someone_elses_agent",
        "open_agents",
        "catalogue_search",
        "catalogue_search_filtered",
    } <= set(calls)
    assert report["organisation"]["sizes"]["runs"] == 300
    assert report["organisation"]["recent_uses_refresh"]["p95_ms"] > 0
    assert all(c["p95_ms"] >= c["p50_ms"] > 0 for c in calls.values())
    assert set(report["empty"]["calls"]) == set(calls)
