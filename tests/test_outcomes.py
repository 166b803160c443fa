"""A run's outcome is one closed type (issue 8, "the house"): the runtime that decides it and
the store that keeps it with each run use the same ``Literal``, from the kernel, so that a word
outside it is a type error on both sides and the store still never imports the runtime."""

from __future__ import annotations

from typing import get_args, get_type_hints

from agents import outcomes, runtime
from store import records


def test_the_runtime_and_the_store_share_one_closed_outcome_type() -> None:
    kept = get_type_hints(records.RunRecord)["outcome"]
    decided = get_type_hints(runtime.RunResult)["outcome"]
    assert kept == decided == outcomes.Outcome
    assert get_args(kept) == outcomes.OUTCOMES
    assert set(outcomes.OUTCOMES) >= {"ok", "awaiting_approval", "model_error"}


def test_every_outcome_a_note_names_is_in_the_type() -> None:
    for outcome in outcomes.OUTCOMES:
        assert runtime.outcome_of(outcome) == outcome
    assert runtime.outcome_of("something else") == "model_error"


def test_the_outcome_type_lives_in_the_kernel() -> None:
    """Listed with the kernel in the import contract: it imports nothing else of ours."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    contracts = tomllib.loads(pyproject.read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    kernel = next(c for c in contracts if c["name"].startswith("the kernel"))
    assert "agents.outcomes" in kernel["source_modules"]
    assert "agents.outcomes" in (pyproject.parent / "ARCHITECTURE.md").read_text("utf-8")
