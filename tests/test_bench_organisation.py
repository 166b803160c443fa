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
    rebuilds = report["organisation"]["rebuilds"]
    assert rebuilds["during_warm_calls"] == 0  # warm calls read nothing again
    for name in ("first_search_of_process", "open_agents_after_share", "search_after_share"):
        assert rebuilds[name]["p95_ms"] >= rebuilds[name]["p50_ms"] > 0
    assert set(report["empty"]["rebuilds"]) == set(rebuilds)
    assert report["over_target"] == []


def test_over_target_names_every_call_over_its_target_and_a_warm_rebuild() -> None:
    from bench.organisation import over_target

    def timed(ms: float) -> dict[str, float]:
        return {"p50_ms": ms, "p95_ms": ms}

    measured = {
        "calls": {"open_agents": timed(51), "catalogue_search": timed(99), "list_agents": timed(1)},
        "recent_uses_refresh": timed(501),
        "rebuilds": {"during_warm_calls": 0, "search_after_share": timed(900)},
    }
    assert over_target(measured) == ["open_agents", "recent_uses_refresh"]
    measured["rebuilds"]["during_warm_calls"] = 1
    assert over_target(measured)[-1] == "rebuilds_during_warm_calls"
