"""``atelier usage`` and ``atelier quota …``: an administrator reads a month's usage by agent,
team, person or model and exports it as CSV; sets, lists and removes quotas; a creator sees her
own agents only; a user reads her own quotas; over quota, ``atelier run`` says so and stops."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cli_driver import as_json, atelier, ok
from people import enrol

from agents.spec import AgentSpec
from store.records import RunRecord
from store.sql_catalogue import open_catalogue
from store.usage import run_team
from store.workspace import Workspace

OLGA, URSULA = "olga@example.fr", "ursula@example.fr"


def a_month_of_use() -> str:
    """Alice (the administrator) puts Olga in Communication; Olga's agent is used by Olga and
    Ursula. Returns the agent's id."""
    ok("user", "list")  # the data directory's owner, alice, becomes the first administrator
    catalogue = open_catalogue()
    enrol(catalogue, OLGA)
    enrol(catalogue, URSULA, role="user")
    ok("team", "add", "Communication")
    ok("team", "add-member", "Communication", OLGA)
    agent = Workspace(OLGA, catalogue).create_agent(AgentSpec(name="Rédacteur")).agent_id
    for n, (who, tokens, cost) in enumerate([(OLGA, 300, 1.5), (URSULA, 100, 0.5)]):
        catalogue.record_run(
            RunRecord(
                f"run-{n}", agent, 1, "", who, "openai:albert", "ok", tokens, 0,
                team=run_team(catalogue, who), cost=cost,
            )
        )  # fmt: skip
    catalogue.close()
    return agent


def test_the_administrator_reads_usage_by_every_dimension_and_exports_it(tmp_path: Path) -> None:
    agent = a_month_of_use()
    report = as_json("usage")
    assert report["scope"] == "organisation" and report["by"] == "agent"
    assert report["total"]["runs"] == 2 and report["total"]["people"] == 2
    assert report["total"]["cost_eur"] == 2.0
    assert [(r["key"], r["name"], r["tokens"]) for r in report["lines"]] == [
        (agent, "Rédacteur", 400)
    ]
    teams = {r["name"]: r["tokens"] for r in as_json("usage", "--by", "team")["lines"]}
    assert teams == {"Communication": 300, "(sans équipe)": 100}
    people = as_json("usage", "--by", "person")["lines"]
    assert [r["key"] for r in people] == [OLGA, URSULA]
    shown = ok("usage", "--by", "model").stdout
    assert "openai:albert" in shown and "2.00" in shown and "EXÉCUTIONS" in shown
    out = tmp_path / "usage.csv"
    ok("usage", "--by", "team", "--csv", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["name"], r["runs"], r["cost_eur"]) for r in rows] == [
        ("Communication", "1", "1.5"),
        ("(sans équipe)", "1", "0.5"),
    ]
    past = as_json("usage", "--month", "2020-01")
    assert past["total"]["runs"] == 0 and len(past["days"]) == 31


def test_bad_input_says_what_to_write() -> None:
    a_month_of_use()
    result = atelier("usage", "--month", "juin")
    assert result.exit_code == 2 and "AAAA-MM" in result.stderr
    result = atelier("usage", "--by", "couleur")
    assert result.exit_code == 2 and "agent, team, person, model" in result.stderr
    result = atelier("quota", "set", "--person", OLGA)
    assert result.exit_code == 2 and "--tokens N" in result.stderr
    result = atelier("quota", "set", "--tokens", "5")
    assert result.exit_code == 2 and "--person" in result.stderr
    result = atelier("quota", "set", "--person", "inconnu@example.fr", "--tokens", "5")
    assert result.exit_code == 3


def test_a_creator_sees_her_agents_and_a_user_her_own_usage() -> None:
    agent = a_month_of_use()
    mine = as_json("--as", OLGA, "usage")
    assert mine["scope"] == "my_agents"
    assert [(r["key"], r["people"]) for r in mine["lines"]] == [(agent, 2)]
    refused = atelier("--as", OLGA, "usage", "--by", "person")
    assert refused.exit_code == 2 and "administrateur" in refused.stderr
    own = as_json("--as", URSULA, "usage")
    assert own["scope"] == "mine" and own["total"]["tokens"] == 100 and own["lines"] == []
    assert atelier("--as", URSULA, "quota", "list").exit_code == 2


def test_quotas_are_set_listed_read_and_removed() -> None:
    a_month_of_use()
    done = ok("quota", "set", "--team", "communication", "--tokens", "250")
    assert "Communication" in done.stderr and "250 jetons" in done.stderr
    ok("quota", "set", "--person", URSULA, "--euros", "2.5")
    listed = as_json("quota", "list")
    assert [(q["name"], q["limit"], q["used"], q["state"]) for q in listed] == [
        (URSULA, "2.50", "0.50", "en dessous"),
        ("Communication", 250, 300, "atteint"),
    ]
    assert all(q["resets_on"].endswith("-01") for q in listed)
    olgas = as_json("--as", OLGA, "quota", "mine")
    assert [(q["name"], q["state"]) for q in olgas] == [("Communication", "atteint")]
    refused = atelier("--as", OLGA, "run", "Rédacteur", "-m", "Bonjour", "--model", "offline")
    assert refused.exit_code == 2
    assert "Communication" in refused.stderr and "300 jetons" in refused.stderr
    assert "repart de zéro le" in refused.stderr
    ok("quota", "rm", "--team", "Communication")
    assert [q["name"] for q in as_json("quota", "list")] == [URSULA]
    assert atelier("quota", "rm", "--team", "Communication").exit_code == 3
    ok("quota", "rm", "--person", URSULA, "--unit", "euros")
    assert "Aucun quota" in ok("quota", "list").stderr
