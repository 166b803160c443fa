"""The usage part of the catalogue contract (``store.usage_records``): running totals per month,
day and dimension, distinct people, quotas. Every backend must pass it; the in-memory one adds
up its ledger on demand, the SQL one keeps running totals, and they must agree."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.spec import AgentSpec
from store.memory import MemoryCatalogue
from store.records import Catalogue, RunRecord
from store.sql_catalogue import SqlCatalogue
from store.usage_records import QuotaRecord, days_of, next_month

BACKENDS = ["memory", "sqlite"]
JUNE = datetime(2026, 6, 14, 10, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    if request.param == "memory":
        yield MemoryCatalogue()
    else:
        sql = SqlCatalogue(tmp_path / "catalogue.sqlite3")
        yield sql
        sql.close()


_n = iter(range(10**6))


def spend(
    catalogue: Catalogue,
    agent: str,
    who: str,
    *,
    team: str = "tm-com",
    model: str = "openai:albert",
    tokens: tuple[int, int] = (100, 20),
    cost: float = 0.5,
    at: datetime = JUNE,
) -> None:
    catalogue.record_run(
        RunRecord(
            id=f"run-{next(_n)}",
            agent_id=agent,
            version=1,
            thread_id="",
            principal=who,
            model=model,
            outcome="ok",
            input_tokens=tokens[0],
            output_tokens=tokens[1],
            created_at=at,
            team=team,
            cost=cost,
        )
    )


def agent(catalogue: Catalogue, name: str = "Rédacteur") -> str:
    return catalogue.create_agent(AgentSpec(name=name, instructions="Réponds."), "olga").agent_id


def test_a_run_adds_to_its_month_and_day_under_every_dimension(catalogue: Catalogue) -> None:
    a = agent(catalogue)
    spend(catalogue, a, "alice", cost=0.25)
    spend(catalogue, a, "alice", tokens=(10, 5), cost=0.75)
    spend(catalogue, a, "bob", team="", model="offline", cost=0.0)
    [month] = catalogue.usage_totals(["2026-06"], "all")
    assert (month.key, month.runs, month.input_tokens, month.output_tokens) == ("", 3, 210, 45)
    assert month.cost == pytest.approx(1.0) and month.people == 2 and month.tokens == 255
    [day] = catalogue.usage_totals(["2026-06-14"], "all")
    assert (day.runs, day.people) == (3, 2)
    people = {
        u.key: (u.runs, u.people, u.tokens) for u in catalogue.usage_totals(["2026-06"], "person")
    }
    assert people == {"alice": (2, 1, 135), "bob": (1, 1, 120)}
    teams = {u.key: (u.runs, u.people) for u in catalogue.usage_totals(["2026-06"], "team")}
    assert teams == {"": (1, 1), "tm-com": (2, 1)}
    models = {u.key: u.cost for u in catalogue.usage_totals(["2026-06"], "model")}
    assert models == {"offline": 0.0, "openai:albert": pytest.approx(1.0)}
    [by_agent] = catalogue.usage_totals(["2026-06"], "agent", [a])
    assert (by_agent.runs, by_agent.people) == (3, 2)


def test_periods_are_kept_apart_and_empty_ones_have_no_row(catalogue: Catalogue) -> None:
    a = agent(catalogue)
    spend(catalogue, a, "alice", at=datetime(2026, 5, 31, 23, 59, tzinfo=UTC))
    spend(catalogue, a, "alice", at=datetime(2026, 6, 1, 0, 0, tzinfo=UTC))
    spend(catalogue, a, "alice", at=datetime(2026, 6, 1, 1, 0, tzinfo=UTC))
    found = catalogue.usage_totals(["2026-05", "2026-06", "2026-07"], "person", ["alice"])
    assert [(u.period, u.runs) for u in found] == [("2026-05", 1), ("2026-06", 2)]
    days = catalogue.usage_totals(days_of("2026-06"), "all")
    assert [(u.period, u.runs) for u in days] == [("2026-06-01", 2)]
    assert catalogue.usage_totals([], "all") == []
    assert catalogue.usage_totals(["2026-06"], "agent", []) == []


def test_distinct_people_across_keys_and_periods(catalogue: Catalogue) -> None:
    a, b = agent(catalogue, "A"), agent(catalogue, "B")
    spend(catalogue, a, "alice")
    spend(catalogue, b, "alice")
    spend(catalogue, b, "bob", at=datetime(2026, 6, 15, tzinfo=UTC))
    assert catalogue.count_people(["2026-06"], "agent", [a, b]) == 2
    assert catalogue.count_people(["2026-06-14"], "agent", [a, b]) == 1
    assert catalogue.count_people(["2026-06-14", "2026-06-15"], "agent", [b]) == 2
    assert catalogue.count_people(["2026-06"], "agent", []) == 0
    assert catalogue.count_people(["2026-07"], "agent", [a]) == 0


def test_the_totals_outlive_a_deleted_agent(catalogue: Catalogue) -> None:
    """What was spent stays spent: deleting an agent does not give a quota back."""
    a = agent(catalogue)
    spend(catalogue, a, "alice", cost=2.0)
    catalogue.delete_agent(a)
    assert catalogue.list_runs() == []
    [mine] = catalogue.usage_totals(["2026-06"], "person", ["alice"])
    assert mine.cost == pytest.approx(2.0)
    [gone] = catalogue.usage_totals(["2026-06"], "agent", [a])
    assert gone.runs == 1


def test_the_run_keeps_its_team_and_cost(catalogue: Catalogue) -> None:
    a = agent(catalogue)
    spend(catalogue, a, "alice", team="tm-rh", cost=0.125)
    [run] = catalogue.list_runs(a)
    assert (run.team, run.cost) == ("tm-rh", 0.125)


def quota(kind: str, subject: str, unit: str, limit: float) -> QuotaRecord:
    return QuotaRecord(kind, subject, unit, limit, "ada", JUNE)  # type: ignore[arg-type]


def test_quotas_are_set_replaced_found_and_removed(catalogue: Catalogue) -> None:
    catalogue.set_quota(quota("person", "alice", "tokens", 1000))
    catalogue.set_quota(quota("person", "alice", "euros", 5))
    catalogue.set_quota(quota("team", "tm-com", "euros", 50))
    catalogue.set_quota(quota("team", "tm-rh", "tokens", 10))
    catalogue.set_quota(quota("person", "alice", "tokens", 2000))  # replaces
    listed = [
        (q.subject_kind, q.subject_id, q.unit, q.monthly_limit) for q in catalogue.list_quotas()
    ]
    assert listed == [
        ("person", "alice", "euros", 5),
        ("person", "alice", "tokens", 2000),
        ("team", "tm-com", "euros", 50),
        ("team", "tm-rh", "tokens", 10),
    ]
    found = catalogue.quotas_for("alice", ["tm-com"])
    assert [(q.subject_id, q.unit) for q in found] == [
        ("alice", "euros"),
        ("alice", "tokens"),
        ("tm-com", "euros"),
    ]
    assert catalogue.quotas_for("bob", []) == []
    assert catalogue.delete_quota("person", "alice", "euros") == 1
    assert catalogue.delete_quota("person", "alice", "euros") == 0
    assert catalogue.delete_quota("team", "tm-com") == 1
    assert [q.subject_id for q in catalogue.list_quotas()] == ["alice", "tm-rh"]


def test_month_helpers() -> None:
    assert next_month("2026-06").isoformat() == "2026-07-01"
    assert next_month("2026-12").isoformat() == "2027-01-01"
    assert len(days_of("2026-02")) == 28 and len(days_of("2028-02")) == 29
    assert days_of("2026-06")[0] == "2026-06-01" and days_of("2026-06")[-1] == "2026-06-30"


def test_forgetting_a_person_keeps_the_spending_but_not_the_name(catalogue: Catalogue) -> None:
    a = agent(catalogue)
    spend(catalogue, a, "alice", cost=1.0)
    spend(catalogue, a, "bob", cost=2.0)
    catalogue.set_quota(quota("person", "alice", "tokens", 10))
    catalogue.set_quota(quota("team", "tm-com", "tokens", 10))
    catalogue.forget_usage_of("alice")
    assert [u.key for u in catalogue.usage_totals(["2026-06"], "person")] == ["bob"]
    [whole] = catalogue.usage_totals(["2026-06"], "all")
    assert (whole.runs, whole.people, whole.cost) == (2, 2, pytest.approx(3.0))
    assert catalogue.count_people(["2026-06"], "agent", [a]) == 1  # bob: alice is named nowhere
    assert [q.subject_id for q in catalogue.list_quotas()] == ["tm-com"]


def test_a_scripted_models_file_is_named_nowhere_in_the_totals(catalogue: Catalogue) -> None:
    a = agent(catalogue)
    spend(catalogue, a, "alice", model="scripted:/home/alice/réponses-de-alice.yaml")
    assert [u.key for u in catalogue.usage_totals(["2026-06"], "model")] == ["scripted"]


def test_names_of_agents_and_teams(catalogue: Catalogue) -> None:
    from store.accounts import TeamRecord

    a = agent(catalogue, "Rédacteur RH")
    catalogue.add_team(TeamRecord("tm-com", "Communication", JUNE))
    assert catalogue.names_of("agent") == {a: "Rédacteur RH"}
    assert catalogue.names_of("team") == {"tm-com": "Communication"}
