"""Usage, cost and quotas (issue 10, item 5): what each role sees, what a run costs, and the
quota test: over a monthly quota, a person gets a clear message and no model is called."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openai_server import (
    OpenAiServer,
    openai_server_fixture,  # noqa: F401 (the `openai_server` fixture)
)
from people import enrol, organisation

from agents.errors import NotFound, Refused, UserError
from agents.models.scripted import ScriptedChatModel
from agents.spec import AgentSpec
from builder_ui.services import models_admin
from builder_ui.services import usage as usage_service
from builder_ui.services.installation import Installation, Services
from store.admin_settings import OrgModelSettings
from store.memory import MemoryCatalogue
from store.records import Catalogue, RunRecord
from store.sql_catalogue import SqlCatalogue
from store.usage import QuotaExceeded, current_month
from store.workspace import Workspace

ADA, OLGA, CARL, URSULA = (
    "ada@example.fr",
    "olga@example.fr",
    "carl@example.fr",
    "ursula@example.fr",
)
SPEC = AgentSpec(name="Rédacteur", instructions="Réponds poliment.")
REPLIES = "- text: Bonjour à vous.\n- text: Encore bonjour.\n- text: Et encore.\n"


@pytest.fixture(params=["memory", "sqlite"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    found: Catalogue = (
        MemoryCatalogue() if request.param == "memory" else SqlCatalogue(tmp_path / "c.sqlite3")
    )
    enrol(found, ADA, role="admin")
    enrol(found, OLGA, CARL)
    enrol(found, URSULA, role="user")
    yield found
    if isinstance(found, SqlCatalogue):
        found.close()


def spend(catalogue: Catalogue, who: str, agent_id: str, tokens: int, cost: float) -> None:
    """A run by ``who`` of someone's agent (shared agents come with sharing), straight into the
    catalogue, with the team the workspace would give it."""
    from store.usage import run_team

    catalogue.record_run(
        RunRecord(
            id=f"run-{who}-{tokens}-{cost}",
            agent_id=agent_id,
            version=1,
            thread_id="",
            principal=who,
            model="openai:albert",
            outcome="ok",
            input_tokens=tokens,
            output_tokens=0,
            team=run_team(catalogue, who),
            cost=cost,
        )
    )


def world(catalogue: Catalogue) -> dict[str, str]:
    admin = Workspace(ADA, catalogue).people
    com = admin.add_team("Communication")
    rh = admin.add_team("Ressources humaines")
    admin.add_member(com.id, OLGA)
    admin.add_member(rh.id, OLGA)  # Olga's runs count for Communication, first by name
    admin.add_member(rh.id, URSULA)
    olga_agent = Workspace(OLGA, catalogue).create_agent(SPEC).agent_id
    carl_agent = (
        Workspace(CARL, catalogue).create_agent(SPEC.model_copy(update={"name": "Secret"})).agent_id
    )
    spend(catalogue, OLGA, olga_agent, 100, 1.0)
    spend(catalogue, URSULA, olga_agent, 50, 0.5)
    spend(catalogue, URSULA, carl_agent, 10, 0.25)
    spend(catalogue, CARL, carl_agent, 1, 0.0)
    return {"olga_agent": olga_agent, "carl_agent": carl_agent, "com": com.id, "rh": rh.id}


def test_the_administrator_sees_everything_by_every_dimension(catalogue: Catalogue) -> None:
    things = world(catalogue)
    usage = Workspace(ADA, catalogue).usage
    report = usage.organisation(by="agent")
    assert report.month == current_month()
    assert (report.total.runs, report.total.tokens, report.total.people) == (4, 161, 3)
    assert report.total.cost == pytest.approx(1.75)
    assert [(line.key, line.label, line.runs, line.people) for line in report.lines] == [
        (things["olga_agent"], "Rédacteur", 2, 2),
        (things["carl_agent"], "Secret", 2, 2),
    ]
    teams = {line.label: line.tokens for line in usage.organisation(by="team").lines}
    assert teams == {"Communication": 100, "Ressources humaines": 60, "": 1}  # Carl: no team
    people = {line.key: line.cost for line in usage.organisation(by="person").lines}
    assert people == pytest.approx({OLGA: 1.0, URSULA: 0.75, CARL: 0.0})
    [model] = usage.organisation(by="model").lines
    assert (model.key, model.runs) == ("openai:albert", 4)
    today = datetime.now(UTC).date().isoformat()
    [day] = [d for d in report.days if d.day == today]
    assert (day.runs, day.tokens, day.people) == (4, 161, 3)
    assert sum(d.runs for d in report.days) == 4 and len(report.days) >= 28


def test_a_creator_sees_counts_of_her_own_agents_only(catalogue: Catalogue) -> None:
    things = world(catalogue)
    report = Workspace(OLGA, catalogue).usage.my_agents()
    assert [(line.key, line.runs, line.tokens, line.people) for line in report.lines] == [
        (things["olga_agent"], 2, 150, 2)
    ]
    assert (report.total.runs, report.total.people) == (2, 2)
    assert report.total.cost == pytest.approx(1.5)
    assert things["carl_agent"] not in str(report)  # nothing of another's agent
    assert URSULA not in str(report)  # how many people, never who
    with pytest.raises(Refused):
        Workspace(OLGA, catalogue).usage.organisation()
    with pytest.raises(UserError, match="administrateur"):
        usage_service.report(Workspace(OLGA, catalogue), by="person")


def test_a_user_sees_her_own_usage_and_quotas_only(catalogue: Catalogue) -> None:
    world(catalogue)
    admin = Workspace(ADA, catalogue).usage
    admin.set_quota("team", "ressources humaines", "euros", 0.5)
    admin.set_quota("person", CARL, "tokens", 10)
    ursula = Workspace(URSULA, catalogue).usage
    mine = ursula.mine()
    assert (mine.total.runs, mine.total.tokens, mine.lines) == (2, 60, [])
    assert mine.total.cost == pytest.approx(0.75)
    [state] = ursula.quota_state()
    assert (state.label, state.quota.unit, state.used, state.exceeded) == (
        "Ressources humaines",
        "euros",
        pytest.approx(0.75),
        True,
    )
    for refused in (ursula.my_agents, ursula.organisation, ursula.list_quotas):
        with pytest.raises(Refused):
            refused()
    assert usage_service.report(Workspace(URSULA, catalogue)).scope == "mine"
    assert all(s.quota.subject_id != CARL for s in ursula.quota_state())


def test_quotas_name_real_people_and_teams_and_sensible_limits(catalogue: Catalogue) -> None:
    world(catalogue)
    admin = Workspace(ADA, catalogue).usage
    with pytest.raises(NotFound):
        admin.set_quota("person", "personne@example.fr", "tokens", 10)
    with pytest.raises(NotFound):
        admin.set_quota("team", "Inconnue", "tokens", 10)
    with pytest.raises(UserError):
        admin.set_quota("person", OLGA, "tokens", -1)
    with pytest.raises(UserError):
        admin.set_quota("person", OLGA, "dollars", 1)  # type: ignore[arg-type]
    state = admin.set_quota("team", "communication", "tokens", 1000.7)
    assert (state.label, state.quota.monthly_limit, state.used) == ("Communication", 1000, 100)
    assert state.resets_on.day == 1
    assert [s.label for s in admin.list_quotas()] == ["Communication"]
    assert admin.remove_quota("team", "Communication") == 1
    with pytest.raises(NotFound):
        admin.remove_quota("team", "Communication")


def test_check_quota_names_the_quota_the_use_and_the_reset(catalogue: Catalogue) -> None:
    world(catalogue)
    admin = Workspace(ADA, catalogue).usage
    olga = Workspace(OLGA, catalogue).usage
    olga.check_quota()  # no quota: nothing to say
    admin.set_quota("person", OLGA, "tokens", 101)
    olga.check_quota()  # 100 of 101
    admin.set_quota("team", "Communication", "tokens", 100)
    with pytest.raises(QuotaExceeded) as caught:
        olga.check_quota()
    message = caught.value.message("fr")
    assert "Communication" in message and "100 jetons" in message
    assert caught.value.params["resets"].endswith("-01")
    assert "repart de zéro le" in message and "Aucun modèle n'a été appelé" in message
    assert "Communication" in caught.value.message("en")
    admin.remove_quota("team", "Communication")
    admin.set_quota("person", OLGA, "euros", 1)
    with pytest.raises(QuotaExceeded, match=r"1\.00 €"):
        olga.check_quota()


# --- through the services: cost from the model's prices, and the quota test -------------------


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(installation._catalogue, ADA, role="admin")
    enrol(installation._catalogue, OLGA)
    yield installation


def test_quota_exceeded_no_model_is_called(installation: Installation, tmp_path: Path) -> None:
    """The quota test: a run spends tokens; once the person's monthly quota is reached, the
    next turn (chat, preview, approval) is refused with a message saying which quota, how much
    is used and when it resets, and the scripted model is not called again."""
    script = tmp_path / "replies.yaml"
    script.write_text(REPLIES)
    olga = Services.open(OLGA, shared=installation)
    agent = olga.create_agent(SPEC).agent_id
    model = f"scripted:{script}"
    first = olga.run(agent, "Bonjour", model=model)
    [scripted] = [m for m in olga._models.values() if isinstance(m, ScriptedChatModel)]
    assert scripted.calls == 1
    spent = first.input_tokens + first.output_tokens
    assert spent > 0
    [run] = olga.workspace.list_runs(agent)
    assert (run.cost, run.team) == (0.0, "")  # a scripted model is not the organisation's
    admin = Workspace(ADA, installation._catalogue)
    admin.usage.set_quota("person", OLGA, "tokens", spent)
    with pytest.raises(QuotaExceeded) as caught:
        olga.run(agent, "Encore", model=model)
    message = caught.value.message("fr")
    assert "Votre quota mensuel est atteint" in message and f"{spent} jetons" in message
    with pytest.raises(QuotaExceeded):
        list(olga.preview(SPEC, "onglet", "Encore", model=model))
    with pytest.raises(QuotaExceeded):
        list(olga.approve(first.thread, "approve", model=model))
    assert scripted.calls == 1  # no model was called
    assert len(olga.workspace.list_runs(agent)) == 1
    admin.usage.set_quota("person", OLGA, "tokens", spent + 10_000)  # raised: she goes on
    olga.run(agent, "Encore", model=model)
    assert scripted.calls == 2


def test_a_run_costs_what_the_organisation_model_charges(
    installation: Installation, openai_server: OpenAiServer
) -> None:
    """2 € per million tokens in, 10 € out; the server reports 5 in and 1 out per call."""
    models_admin.add_model(
        organisation(ADA),
        "albert",
        provider="openai",
        name="albert-large",
        display_name="Albert",
        base_url=openai_server.url,
        price_in=2.0,
        price_out=10.0,
    )
    admin = Workspace(ADA, installation._catalogue)
    team = admin.people.add_team("Communication")
    admin.people.add_member(team.id, OLGA)
    olga = Services.open(OLGA, shared=installation)
    agent = olga.create_agent(SPEC).agent_id
    result = olga.run(agent, "Bonjour", model="openai:albert-large")
    assert (result.input_tokens, result.output_tokens) > (0, 0)
    expected = (result.input_tokens * 2.0 + result.output_tokens * 10.0) / 1_000_000
    [run] = olga.workspace.list_runs(agent)
    assert run.cost == pytest.approx(expected) and run.cost > 0
    assert run.team == team.id
    report = admin.usage.organisation(by="team")
    assert [(line.label, line.cost) for line in report.lines] == [
        ("Communication", pytest.approx(expected))
    ]


def test_run_cost_from_prices() -> None:
    model = OrgModelSettings(
        id="m", provider="mistral", name="large", display_name="L", price_in=1.5, price_out=4.0
    )
    assert usage_service.run_cost("mistral:large", 1_000_000, 500_000, [model]) == 3.5
    assert usage_service.run_cost("offline", 1_000_000, 1_000_000, [model]) == 0.0
    assert usage_service.run_cost("scripted:/tmp/x.yaml", 10, 10, [model]) == 0.0


def test_the_csv_export_has_a_header_and_defuses_formulas(catalogue: Catalogue) -> None:
    world(catalogue)
    Workspace(ADA, catalogue).people.add_team("=HYPERLINK(1)")
    report = Workspace(ADA, catalogue).usage.organisation(by="person")
    text = usage_service.to_csv(report)
    lines = text.splitlines()
    assert lines[0] == ",".join(usage_service.COLUMNS)
    assert lines[1].startswith(f"{OLGA},{OLGA},1,100,0,100,1.0,1")
    assert len(lines) == 4
    assert "'=" not in text
    mine = usage_service.to_csv(Workspace(URSULA, catalogue).usage.mine())
    assert mine.splitlines()[0] == "day,runs,tokens,cost_eur,people"
    assert usage_service._cell("=SUM(A1)") == "'=SUM(A1)"


def test_months_are_checked(catalogue: Catalogue) -> None:
    usage = Workspace(ADA, catalogue).usage
    assert usage.organisation("2020-01").total.runs == 0
    for bad in ("2026-13", "juin", "2026-6"):
        with pytest.raises(UserError, match="AAAA-MM"):
            usage.organisation(bad)
    with pytest.raises(UserError, match="répartir"):
        usage_service.report(Workspace(ADA, catalogue), by="couleur")


def test_erasing_a_person_erases_her_usage_lines_and_quotas(catalogue: Catalogue) -> None:
    world(catalogue)
    admin = Workspace(ADA, catalogue)
    admin.usage.set_quota("person", URSULA, "tokens", 10)
    admin.people.erase_person(URSULA, lambda ids: None)
    people = [line.key for line in admin.usage.organisation(by="person").lines]
    assert URSULA not in people and OLGA in people
    assert admin.usage.organisation().total.runs == 4  # what was spent stays spent
    assert admin.usage.list_quotas() == []
