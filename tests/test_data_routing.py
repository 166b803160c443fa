"""Data classes and model routing (issue 11, item 3): an agent handles data of a class (its own,
or its bases', whichever is higher); a model may receive data up to a class; an agent whose
class exceeds its model's is neither saved nor run with it, the refusal naming a model that
would do, unless it pseudonymises first and an administrator allowed that for the class.
Adding documents to a base, or raising its class, checks the agents that search it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_driver import atelier, ok
from people import enrol, organisation

from agents.errors import Refused
from agents.models.registry import default_registry
from agents.spec import AgentSpec, ModelSettings
from builder_ui.services import models_admin
from builder_ui.services.data_routing import allowed, model_class
from builder_ui.services.installation import Installation, Services
from store.admin_settings import AdminSettings, PrivacySettings
from store.knowledge.service import close_knowledge_stores

ADA, OLGA = "ada@exemple.fr", "olga@exemple.fr"


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    enrol(installation._catalogue, ADA, role="admin")
    enrol(installation._catalogue, OLGA)
    models_admin.add_model(
        organisation(ADA), "nuage", provider="openai", name="gpt-nuage", display_name="Nuage",
        base_url="http://127.0.0.1:9/v1", key="k",
    )  # fmt: skip
    models_admin.add_model(
        organisation(ADA), "maison", provider="openai", name="llm-maison",
        display_name="Maison", base_url="http://127.0.0.1:9/v1", key="k", self_hosted=True,
    )  # fmt: skip
    yield installation
    close_knowledge_stores()


def agent(data_class: str = "internal", model: str = "gpt-nuage", pii: str = "off") -> AgentSpec:
    return AgentSpec.from_yaml(
        f"schema: atelier/agent@1\nname: Dossiers\nmodel: {{provider: openai, name: {model}}}\n"
        f"guardrails: {{data_class: {data_class}, pii: {pii}}}\n"
    )


@pytest.mark.parametrize(
    ("needed", "model", "pii", "allowance", "ok_"),
    [
        ("public", "internal", "off", [], True),
        ("internal", "internal", "off", [], True),
        ("sensitive", "internal", "off", [], False),
        ("sensitive", "sensitive", "off", [], True),
        ("sensitive", "internal", "pseudonymise", [], False),
        ("sensitive", "internal", "pseudonymise", ["sensitive"], True),
        ("sensitive", "internal", "off", ["sensitive"], False),
        ("internal", "public", "pseudonymise", ["sensitive"], False),
    ],
)
def test_the_rule(needed: str, model: str, pii: str, allowance: list[str], ok_: bool) -> None:
    admin = AdminSettings(privacy=PrivacySettings(pseudonymised_may_exceed=allowance))  # type: ignore[arg-type]
    assert allowed(needed, model, agent(needed, pii=pii), admin) is ok_


def test_where_models_run_decides_their_default_class() -> None:
    admin = AdminSettings()
    providers = default_registry()
    for provider in ("offline", "scripted"):
        assert model_class(ModelSettings(provider=provider, name="x"), admin, providers) == (
            "sensitive"
        )
    assert model_class(ModelSettings(provider="openai", name="gpt-x"), admin, providers) == (
        "internal"
    )


def test_a_sensitive_agent_is_not_saved_with_an_external_model(
    installation: Installation,
) -> None:
    olga = Services.open(OLGA, shared=installation)
    with pytest.raises(Refused) as refused:
        olga.create_agent(agent("sensitive"))
    message = refused.value.message()
    assert "sensibles" in message and "openai:gpt-nuage" in message and "Maison" in message
    assert olga.list_agents() == []
    assert olga.create_agent(agent("sensitive", model="llm-maison")).number == 1


def test_pseudonymised_it_may_when_the_administrator_allows(installation: Installation) -> None:
    olga = Services.open(OLGA, shared=installation)
    with pytest.raises(Refused):
        olga.create_agent(agent("sensitive", pii="pseudonymise"))
    organisation(ADA).update(
        lambda s: s.model_copy(
            update={"privacy": PrivacySettings(pseudonymised_may_exceed=["sensitive"])}
        )
    )
    assert olga.create_agent(agent("sensitive", pii="pseudonymise")).number == 1


def test_a_base_raised_to_sensitive_stops_the_runs_before_any_model_call(
    installation: Installation,
) -> None:
    olga = Services.open(OLGA, shared=installation)
    base = olga.workspace.create_kb("Dossiers usagers")
    spec = AgentSpec.from_yaml(agent().to_yaml() + f"knowledge: {{bases: [{base.id}]}}\n")
    agent_id = olga.create_agent(spec).agent_id
    # Raising the base's class would expose it to the external model: refused, nothing changed.
    with pytest.raises(Refused) as refused:
        olga.set_kb_class(base.id, "sensitive")
    assert "Dossiers usagers" in refused.value.message()
    assert olga.workspace.get_kb(base.id).data_class == "internal"
    with pytest.raises(Refused):
        olga.check_base_route(base.id, "sensitive")
    # Changed behind the services' back (another tool), the run refuses before the model.
    olga.workspace.set_kb_class(base.id, "sensitive")
    with pytest.raises(Refused) as stopped:
        olga.run(agent_id, "Bonjour")
    assert stopped.value.key == "data.model_too_low"
    with pytest.raises(Refused):
        list(olga.preview(spec, "jeton", "Bonjour", agent_id=agent_id))


def test_from_the_terminal() -> None:
    ok("kb", "create", "Fiches publiques", "--class", "public")
    shown = ok("kb", "list", "--json").stdout
    assert '"data_class": "public"' in shown
    ok("kb", "set-class", "Fiches publiques", "sensitive")
    assert '"data_class": "sensitive"' in ok("kb", "list", "--json").stdout
    wrong = atelier("kb", "set-class", "Fiches publiques", "secret")
    assert wrong.exit_code != 0 and "public, internal, sensitive" in wrong.stderr


def test_the_administrator_allows_pseudonymised_data_from_the_terminal(
    installation: Installation,
) -> None:
    olga = Services.open(OLGA, shared=installation)
    with pytest.raises(Refused):
        olga.create_agent(agent("sensitive", pii="pseudonymise"))
    refused = atelier(
        "--as", OLGA, "admin", "set-privacy", "--pseudonymised-may-exceed", "sensitive"
    )
    assert refused.exit_code != 0  # administrators only
    ok("--as", ADA, "admin", "set-privacy", "--pseudonymised-may-exceed", "sensitive")
    assert olga.create_agent(agent("sensitive", pii="pseudonymise")).number == 1
    wrong = atelier("--as", ADA, "admin", "set-privacy", "--pseudonymised-may-exceed", "secret")
    assert wrong.exit_code != 0 and "public, internal, sensitive" in wrong.stderr
