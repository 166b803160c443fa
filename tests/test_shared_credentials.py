"""Credentials are personal, team or organisation credentials (issue 10, item 1): an agent used
by someone else never spends its creator's personal credential. It uses the person's own, else
one of their teams', else the organisation's; without any, the person is asked for their own.
Driven through the services with a scripted model, a real SQLite catalogue and a real secret
store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from people import enrol
from test_secrets import AuthConfig, CallArgs, canary_registry  # the same call's shapes

from agents.checkpoints import sqlite_checkpointer
from agents.errors import Refused
from agents.models.registry import default_registry as default_providers
from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from store import config
from store.secrets import close_secret_stores
from store.sql_catalogue import SqlCatalogue, open_catalogue
from store.workspace import Workspace
from tools.registry import ToolContext

CLAIRE, KARIM, ADA = "claire@exemple.fr", "karim@exemple.fr", "ada@exemple.fr"
SPEC = """\
schema: atelier/agent@1
name: Météo
instructions: Tu donnes la météo en appelant le service météo.
tools:
  - id: weather_call
    config: {credential: meteo-key}
"""


def _call(args: CallArgs, config: AuthConfig, context: ToolContext) -> Any:
    """Stands for an HTTP action that authenticates with the credential: it tells which one
    (the test's values are labels, not secrets)."""
    assert context.secret is not None
    return {"credential": context.secret(config.credential)}


@pytest.fixture
def catalogue() -> SqlCatalogue:
    catalogue = open_catalogue()
    enrol(catalogue, CLAIRE)
    enrol(catalogue, KARIM, role="user")
    enrol(catalogue, ADA, role="admin")
    yield catalogue
    close_secret_stores()


def services(catalogue: SqlCatalogue, login: str) -> Services:
    return Services(
        workspace=Workspace(login, catalogue),
        tools=canary_registry(_call),
        providers=default_providers(),
        checkpointer=sqlite_checkpointer(config.threads_path()),
    )


def used(catalogue: SqlCatalogue, login: str, agent: str, replies: Path) -> str:
    result = services(catalogue, login).run(agent, "Météo ?", model=f"scripted:{replies}")
    (call,) = result.tool_calls
    return str(call.result["credential"]) if call.ok else f"error: {call.error}"


def test_a_shared_agent_never_spends_its_creators_personal_credential(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    replies = tmp_path / "replies.yaml"
    replies.write_text(
        '- tool_calls: [{name: weather_call, args: {city: Lyon}}]\n- text: "Il fait beau."\n',
        "utf-8",
    )
    claire = services(catalogue, CLAIRE)
    claire.workspace.set_secret("meteo-key", "de Claire")
    agent = claire.create_agent(AgentSpec.from_yaml(SPEC)).agent_id
    claire.share(agent, f"user:{KARIM}", "use")
    assert used(catalogue, CLAIRE, agent, replies) == "de Claire"

    # Karim has no credential of that name, nor his teams, nor the organisation: he is asked
    # for his own, and Claire's is not spent.
    asked = used(catalogue, KARIM, agent, replies)
    assert "de Claire" not in asked
    assert "atelier secret set meteo-key" in asked

    organisation = Workspace(ADA, catalogue).organisation
    organisation.set_shared_secret("meteo-key", "de l'organisation")
    assert used(catalogue, KARIM, agent, replies) == "de l'organisation"

    people = Workspace(ADA, catalogue).people
    team = people.add_team("Communication")
    people.add_member(team.id, KARIM)
    organisation.set_shared_secret("meteo-key", "de l'équipe", team="Communication")
    assert used(catalogue, KARIM, agent, replies) == "de l'équipe"
    assert [s.name for s in organisation.shared_secrets(team="Communication")] == ["meteo-key"]

    services(catalogue, KARIM).workspace.set_secret("meteo-key", "de Karim")
    assert used(catalogue, KARIM, agent, replies) == "de Karim"
    assert used(catalogue, CLAIRE, agent, replies) == "de Claire"

    organisation.delete_shared_secret("meteo-key", team="Communication")
    assert organisation.shared_secrets(team="Communication") == []


def test_only_an_administrator_sets_team_and_organisation_credentials(
    catalogue: SqlCatalogue,
) -> None:
    for login in (CLAIRE, KARIM):
        with pytest.raises(Refused):
            Workspace(login, catalogue).organisation.set_shared_secret("k", "v")
        with pytest.raises(Refused):
            Workspace(login, catalogue).organisation.shared_secrets()
