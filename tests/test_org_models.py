"""Models chosen by the organisation: the record, who may use which, the registry reaching an
organisation model with its own address and key, and "test the connection" against a real
OpenAI-compatible server on loopback."""

from __future__ import annotations

from typing import Any

import pytest
from openai_server import (
    ANSWER,
    OpenAiServer,
    closed_port_url,
    openai_server_fixture,  # noqa: F401 (the `openai_server` fixture)
)
from people import enrol, organisation

from agents.errors import NotFound, Refused, UserError
from agents.models.registry import Connection, default_registry
from agents.spec import ModelSettings
from builder_ui.services import models_admin
from builder_ui.services.installation import Services
from builder_ui.services.model_access import usable_models
from builder_ui.services.models_admin import ModelConnectionFailed
from store.admin_settings import (
    AdminSettings,
    InvalidSettings,
    OrgModelSettings,
    delete_installation_secret,
    installation_secret_resolver,
    list_installation_secrets,
    load_admin_settings,
    parse_admin_settings,
)
from store.secrets import open_secret_store, secrets_path
from store.sql_catalogue import open_catalogue

KEY = "sk-org-cle-9f8e7d6c5b4a"
ENV_KEY = "sk-env-cle-0011223344"


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "albert",
        "provider": "openai",
        "name": "albert-large",
        "display_name": "Albert (État)",
        "base_url": "https://albert.api.etalab.gouv.fr/v1",
    }
    return {**base, **changes}


def org(**changes: Any) -> OrgModelSettings:
    return OrgModelSettings.model_validate(record(**changes))


def add(server_url: str = "", **changes: Any) -> OrgModelSettings:
    values: dict[str, Any] = {
        "provider": "openai",
        "name": "albert-large",
        "display_name": "Albert (État)",
        "base_url": server_url,
    }
    values.update(changes)
    model_id = values.pop("model_id", "albert")
    return models_admin.add_model(organisation(), model_id, **values)


# --- the record -------------------------------------------------------------------------------


def test_a_model_record_keeps_what_the_admin_said() -> None:
    model = org(
        price_in=0.5,
        price_out=1.5,
        self_hosted=True,
        roles=["creator", "creator", "user"],
        teams=[" RH ", "RH", "Com"],
        credential="model-albert",
    )
    assert model.ref == "openai:albert-large"
    assert (model.price_in, model.price_out, model.self_hosted) == (0.5, 1.5, True)
    assert model.roles == ["creator", "user"] and model.teams == ["RH", "Com"]
    assert model.enabled is True


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"id": "Albert Large"}, "id", "identifiant de modèle"),
        ({"provider": "azure"}, "provider", ""),
        ({"name": "  "}, "name", ""),
        ({"display_name": ""}, "display_name", ""),
        ({"base_url": "ftp://x.org"}, "base_url", "http"),
        ({"base_url": "https://u:p@x.org/v1"}, "base_url", "mot de passe"),
        ({"credential": "Ma Clé"}, "credential", "nom de secret"),
        ({"price_in": -1}, "price_in", ""),
        ({"price_out": -0.01}, "price_out", ""),
        ({"roles": ["boss"]}, "roles", ""),
        ({"teams": [" "]}, "teams", "équipe"),
        ({"provider": "mistral", "name": "m"}, "", "adresse"),
        ({"api_key": KEY}, "api_key", ""),  # extra="forbid": no room for a key's value
    ],
)
def test_a_bad_record_is_refused_with_its_field(
    changes: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InvalidSettings) as caught:
        parse_admin_settings({"models": [record(**changes)]})
    paths = [path for path, _ in caught.value.problems]
    assert any(path.startswith("models[0]") and field in path for path in paths), paths
    assert words in caught.value.message("fr")


def test_provider_and_name_are_unique_and_so_is_the_id() -> None:
    with pytest.raises(InvalidSettings) as same_ref:
        parse_admin_settings({"models": [record(), record(id="albert-2")]})
    assert "déjà enregistré" in same_ref.value.message("fr")
    with pytest.raises(InvalidSettings) as same_id:
        parse_admin_settings({"models": [record(), record(name="albert-small")]})
    assert "« albert »" in same_id.value.message("fr")
    # the same name at another provider is another model
    fine = parse_admin_settings({"models": [record(), record(id="x", provider="ollama")]})
    assert [m.id for m in fine.models] == ["albert", "x"]


# --- who may use which ------------------------------------------------------------------------


def env_choices(env: dict[str, str]) -> list[Any]:
    return default_registry().choices(env)


def refs(models: list[Any]) -> list[str]:
    return [m.ref for m in models]


def test_usable_models_filter_by_role_and_team() -> None:
    models = [
        org(id="open", name="open"),
        org(id="creators", name="creators", roles=["creator", "admin"]),
        org(id="rh", name="rh", teams=["RH"]),
        org(id="rh-users", name="rh-users", roles=["user"], teams=["RH", "Paie"]),
        org(id="off", name="off", enabled=False),
    ]
    env: list[Any] = []
    assert refs(usable_models(models, env, "user", frozenset())) == ["openai:open"]
    assert refs(usable_models(models, env, "creator", frozenset({"Com"}))) == [
        "openai:open",
        "openai:creators",
    ]
    assert refs(usable_models(models, env, "user", frozenset({"Paie"}))) == [
        "openai:open",
        "openai:rh-users",
    ]
    assert refs(usable_models(models, env, "creator", frozenset({"RH"}))) == [
        "openai:open",
        "openai:creators",
        "openai:rh",
    ]
    # a disabled model is offered to nobody, administrators included
    everyone = usable_models(models, env, "admin", frozenset({"RH", "Paie"}))
    assert "openai:off" not in refs(everyone)
    named = usable_models(models, env, "user", frozenset())
    assert [m.display_name for m in named] == ["Albert (État)"]


def test_environment_models_stay_open_to_everyone_unless_the_organisation_lists_them() -> None:
    env = env_choices({"MISTRAL_API_KEY": ENV_KEY})
    assert "mistral:mistral-small-latest" in refs(env)
    only_env = usable_models([], env, "user", frozenset())
    assert refs(only_env) == refs(env)
    assert all(not m.organisation for m in only_env)
    assert [m.generates for m in only_env if m.provider == "offline"] == [False]

    restricted = org(
        id="small", provider="mistral", name="mistral-small-latest", base_url="", roles=["admin"]
    )
    for_user = refs(usable_models([restricted], env, "user", frozenset()))
    assert "mistral:mistral-small-latest" not in for_user, "the restriction is not bypassed"
    assert "mistral:mistral-large-latest" in for_user
    for_admin = usable_models([restricted], env, "admin", frozenset())
    assert for_admin[0].ref == "mistral:mistral-small-latest" and for_admin[0].organisation
    assert refs(for_admin).count("mistral:mistral-small-latest") == 1


def test_services_offer_the_models_of_the_settings() -> None:
    add(credential="", base_url="http://127.0.0.1:9/v1", roles=["creator"])
    enrol(open_catalogue(), "claire@example.fr", role="creator")
    enrol(open_catalogue(), "ugo@example.fr", role="user")
    creator = Services.open("claire@example.fr")
    user = Services.open("ugo@example.fr")
    assert "openai:albert-large" in refs(creator.model_choices())
    assert "openai:albert-large" not in refs(user.model_choices())
    assert [m.ref for m in user.model_choices()] == ["offline"]
    # Not only hidden: a run with it is refused to the user (a spec may name it anyway).
    with pytest.raises(Refused):
        user.model(ModelSettings(provider="openai", name="albert-large"))


# --- the key stays a secret -------------------------------------------------------------------


def test_the_key_is_stored_encrypted_and_never_in_the_settings(
    openai_server: OpenAiServer,
) -> None:
    added = add(openai_server.url, key=KEY)
    assert added.credential == "model-albert"
    assert installation_secret_resolver()("model-albert") == KEY
    stored = open_secret_store().setting("admin")
    assert stored is not None and KEY not in stored.value
    assert "model-albert" in stored.value
    assert KEY not in load_admin_settings().model_dump_json()
    assert KEY.encode() not in secrets_path().read_bytes()


def test_a_refused_model_stores_no_key() -> None:
    add(base_url="http://127.0.0.1:9/v1")
    with pytest.raises(InvalidSettings):
        add(model_id="albert-bis", base_url="http://127.0.0.1:9/v1", key=KEY)  # same ref
    assert [s.name for s in list_installation_secrets()] == []
    assert [m.id for m in models_admin.list_models(organisation())] == ["albert"]


def test_removing_a_model_removes_its_own_key_only() -> None:
    add("http://127.0.0.1:9/v1", key=KEY)
    add(model_id="autre", name="autre", credential="model-albert", base_url="http://x.org")
    models_admin.remove_model(organisation(), "albert")
    assert [s.name for s in list_installation_secrets()] == ["model-albert"], "still named"
    assert [m.id for m in models_admin.list_models(organisation())] == ["autre"]
    with pytest.raises(NotFound):
        models_admin.remove_model(organisation(), "albert")

    add(model_id="third", name="third", base_url="http://127.0.0.1:9/v1", key=KEY)
    models_admin.remove_model(organisation(), "third")
    assert [s.name for s in list_installation_secrets()] == ["model-albert"]


# --- the registry reaches an organisation model -------------------------------------------------


def test_the_registry_uses_the_org_models_address_and_key(openai_server: OpenAiServer) -> None:
    add(openai_server.url, key=KEY)
    services = Services.open()
    services.env = {"OPENAI_API_KEY": ENV_KEY}  # the installation's default, for other models
    chat = services.model(ModelSettings(provider="openai", name="albert-large"))
    assert chat.invoke("Bonjour").content == ANSWER
    assert openai_server.authorizations == [f"Bearer {KEY}"]
    assert openai_server.bodies[0]["model"] == "albert-large"


def test_an_org_model_with_its_own_address_never_gets_the_environments_key(
    openai_server: OpenAiServer,
) -> None:
    add(openai_server.url)  # a self-hosted server that needs no key
    services = Services.open()
    services.env = {"OPENAI_API_KEY": ENV_KEY}
    services.model(ModelSettings(provider="openai", name="albert-large")).invoke("Bonjour")
    assert openai_server.authorizations == ["Bearer not-needed"]


def test_environment_models_keep_working(openai_server: OpenAiServer) -> None:
    add("http://127.0.0.1:9/v1", key=KEY)  # another model: not this one
    services = Services.open()
    services.env = {"OPENAI_BASE_URL": openai_server.url, "OPENAI_API_KEY": ENV_KEY}
    chat = services.model(ModelSettings(provider="openai", name="gpt-4o-mini"))
    assert chat.invoke("Bonjour").content == ANSWER
    assert openai_server.authorizations == [f"Bearer {ENV_KEY}"]


def test_an_org_model_without_address_or_key_is_served_as_the_environment_says(
    openai_server: OpenAiServer,
) -> None:
    add("", name="gpt-4o-mini", display_name="GPT mini (admins)", roles=["admin"])
    services = Services.open()
    services.env = {"OPENAI_BASE_URL": openai_server.url, "OPENAI_API_KEY": ENV_KEY}
    services.model(ModelSettings(provider="openai", name="gpt-4o-mini")).invoke("Bonjour")
    assert openai_server.authorizations == [f"Bearer {ENV_KEY}"]


def test_a_disabled_org_model_is_refused_in_words() -> None:
    add("http://127.0.0.1:9/v1", enabled=False)
    with pytest.raises(UserError) as caught:
        Services.open().model(ModelSettings(provider="openai", name="albert-large"))
    assert "désactivé par l'administrateur" in caught.value.message("fr")


def test_a_key_deleted_since_is_reported_by_name() -> None:
    add("http://127.0.0.1:9/v1", key=KEY)
    delete_installation_secret("model-albert", "alice")
    with pytest.raises(UserError) as caught:
        Services.open().model(ModelSettings(provider="openai", name="albert-large"))
    message = caught.value.message("fr")
    assert "model-albert" in message and KEY not in message


def test_a_connection_overrides_the_environment_in_the_registry() -> None:
    registry = default_registry()
    settings = ModelSettings(provider="mistral", name="mistral-small-latest")
    with pytest.raises(UserError) as missing:
        registry.create(settings, {})
    assert "MISTRAL_API_KEY" in missing.value.message("fr")
    built = registry.create(settings, {}, Connection(api_key=KEY, timeout_s=3))
    assert built is not None
    with pytest.raises(UserError) as no_key:
        registry.create(settings, {}, Connection())
    assert "aucune clé" in no_key.value.message("fr")
    with pytest.raises(UserError):
        registry.create(ModelSettings(provider="offline"), {}, Connection())


# --- test the connection ----------------------------------------------------------------------


def test_a_working_model_answers_the_test(openai_server: OpenAiServer) -> None:
    add(openai_server.url, key=KEY)
    done = models_admin.try_connection(organisation(), "albert", timeout_s=10)
    assert done.display_name == "Albert (État)" and done.seconds >= 0
    assert openai_server.authorizations == [f"Bearer {KEY}"]
    body = openai_server.bodies[0]
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    assert limit == models_admin.TEST_MAX_TOKENS, "a tiny call"


def failure(model_id: str = "albert", **kwargs: Any) -> ModelConnectionFailed:
    with pytest.raises(ModelConnectionFailed) as caught:
        models_admin.try_connection(organisation(), model_id, **kwargs)
    assert "Traceback" not in caught.value.message("fr")
    return caught.value


def test_a_refused_key_is_said_plainly(openai_server: OpenAiServer) -> None:
    add(openai_server.url, key=KEY)
    openai_server.reply = "401"
    caught = failure()
    assert caught.reason == "auth" and caught.exit_code == 2
    message = caught.message("fr")
    assert "refuse la clé (HTTP 401)" in message and "model-albert" in message
    assert KEY not in message
    assert len(openai_server.bodies) == 1, "no retry"


def test_a_missing_key_is_said_plainly(openai_server: OpenAiServer) -> None:
    add(openai_server.url)
    openai_server.reply = "401"
    assert failure().reason == "auth_no_key"


def test_an_unknown_model_is_said_plainly(openai_server: OpenAiServer) -> None:
    add(openai_server.url, key=KEY)
    openai_server.reply = "404"
    caught = failure()
    assert caught.reason == "unknown_model"
    assert "ne connaît pas le modèle « albert-large »" in caught.message("fr")


def test_an_unreachable_address_is_said_plainly() -> None:
    address = closed_port_url()
    add(address, key=KEY)
    caught = failure(timeout_s=5)
    assert caught.reason == "unreachable"
    assert f"impossible de joindre {address}" in caught.message("fr")


def test_a_silent_server_times_out_plainly(openai_server: OpenAiServer) -> None:
    add(openai_server.url, key=KEY)
    openai_server.reply = "hold"
    caught = failure(timeout_s=0.5)
    assert caught.reason == "timeout"
    assert "0.5 secondes" in caught.message("fr")


def test_testing_an_unknown_model_is_not_found() -> None:
    with pytest.raises(NotFound):
        models_admin.try_connection(organisation(), "nope")


def test_settings_without_models_load_as_before() -> None:
    assert AdminSettings().models == []
    assert parse_admin_settings({"egress": {}}).models == []
