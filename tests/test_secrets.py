"""Stored credentials: encrypted at rest, scoped to their owner, erased when deleted, and a
canary secret used by an agent's tool found in no spec, export, log, checkpoint, catalogue,
file or prompt."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from secrets import token_hex
from typing import Any

import pytest
from cryptography.fernet import Fernet
from langchain_core.messages import ToolMessage
from people import enrol
from pydantic import BaseModel, ConfigDict

from agents.checkpoints import sqlite_checkpointer
from agents.errors import NotFound, UserError
from agents.models.scripted import ScriptedChatModel, ScriptedReply
from agents.retry import RetryPolicy
from agents.runtime import AgentRuntime
from agents.spec import AgentSpec
from store import config
from store.database import utc_now
from store.records import RunRecord
from store.secrets import (
    ENV_KEY,
    MAX_VALUE_CHARS,
    SecretStore,
    _create_key_file,
    close_secret_stores,
    key_path,
    secrets_path,
)
from store.sql_catalogue import SqlCatalogue
from store.workspace import Workspace
from tools.registry import ToolContext, ToolDefinition, ToolRegistry, default_registry

log = logging.getLogger("tests.canary_tool")


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(ENV_KEY, raising=False)
    yield
    close_secret_stores()


@pytest.fixture
def store() -> Iterator[SecretStore]:
    opened = SecretStore()
    yield opened
    opened.close()


def canary() -> str:
    return "canary-" + token_hex(16)


def files_holding(needle: str | bytes, root: Path | None = None) -> list[Path]:
    """Every file under ``root`` (default: ATELIER_HOME) whose bytes contain ``needle``."""
    raw = needle.encode("utf-8") if isinstance(needle, str) else needle
    root = root or config.data_dir()
    return [p for p in sorted(root.rglob("*")) if p.is_file() and raw in p.read_bytes()]


def stored_token(owner: str, name: str) -> str:
    conn = sqlite3.connect(secrets_path())
    try:
        row = conn.execute(
            "SELECT ciphertext FROM secrets WHERE owner = ? AND name = ?", (owner, name)
        ).fetchone()
    finally:
        conn.close()
    assert row is not None
    return str(row[0])


# --- the store -------------------------------------------------------------------------------


def test_round_trip_and_listing_shows_names_and_dates_only(store: SecretStore) -> None:
    value = canary()
    info = store.set("alice", "weather-api", value)
    assert store.get("alice", "weather-api") == value
    (listed,) = store.list("alice")
    assert listed.name == "weather-api" and listed.created_at == info.created_at
    assert value not in repr(listed) and value not in repr(store)
    again = store.set("alice", "weather-api", "v2")
    assert again.created_at == info.created_at and again.updated_at >= info.updated_at
    assert store.get("alice", "weather-api") == "v2"


def test_values_are_encrypted_at_rest(store: SecretStore) -> None:
    value = canary()
    store.set("alice", "weather-api", value)
    assert files_holding("weather-api"), "the scan must see the database (the name is plain)"
    assert files_holding(value) == []
    assert stat.S_IMODE(secrets_path().stat().st_mode) == 0o600


def test_the_key_file_is_created_readable_by_its_owner_only(store: SecretStore) -> None:
    assert not key_path().exists(), "no key before the first secret"
    store.set("alice", "k", "v")
    assert stat.S_IMODE(key_path().stat().st_mode) == 0o600
    Fernet(key_path().read_bytes().strip())  # a valid key
    reopened = SecretStore()
    try:
        assert reopened.get("alice", "k") == "v"
    finally:
        reopened.close()


def test_a_second_creator_of_the_key_file_keeps_the_first_key() -> None:
    path = key_path()
    _create_key_file(path)
    first = path.read_bytes()
    _create_key_file(path)  # as a process losing the race would
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file left"


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_key_file_others_can_read_is_refused(store: SecretStore) -> None:
    value = canary()
    store.set("alice", "k", value)
    key_path().chmod(0o640)
    with pytest.raises(UserError) as caught:
        store.get("alice", "k")
    assert caught.value.key == "secret.key_file_open"
    assert "chmod 600" in str(caught.value) and value not in str(caught.value)
    with pytest.raises(UserError):
        store.set("alice", "k2", "v")
    key_path().chmod(0o600)
    assert store.get("alice", "k") == value


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_key_file_that_is_a_link_is_refused(store: SecretStore, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.key"
    elsewhere.write_bytes(Fernet.generate_key())
    elsewhere.chmod(0o600)
    key_path().symlink_to(elsewhere)
    with pytest.raises(UserError) as caught:
        store.set("alice", "k", "v")
    assert caught.value.key == "secret.key_file_unreadable"


def test_a_changed_key_is_a_clear_error_and_an_old_key_can_still_decrypt(
    store: SecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    value = canary()
    monkeypatch.setenv(ENV_KEY, old)
    store.set("alice", "k", value)
    assert not key_path().exists(), "with ATELIER_SECRET_KEY no key file is made"
    monkeypatch.setenv(ENV_KEY, new)
    with pytest.raises(UserError) as caught:
        store.get("alice", "k")
    assert caught.value.key == "secret.undecryptable"
    assert ENV_KEY in str(caught.value) and "atelier secret set k" in str(caught.value)
    assert value not in str(caught.value) and value not in repr(caught.value.params)
    monkeypatch.setenv(ENV_KEY, f"{new},{old}")  # rotation: the new key first, the old one kept
    assert store.get("alice", "k") == value
    store.set("alice", "k", value)  # now encrypted with the new key
    monkeypatch.setenv(ENV_KEY, new)
    assert store.get("alice", "k") == value


@pytest.mark.parametrize(
    "bad",
    ["not-a-key", "abc,", Fernet.generate_key().decode()[:-4]],
    ids=["not-a-key", "trailing-comma", "truncated"],  # the same in every test process
)
def test_an_invalid_environment_key_says_how_to_make_one(
    store: SecretStore, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv(ENV_KEY, bad)
    with pytest.raises(UserError) as caught:
        store.set("alice", "k", "v")
    assert caught.value.key == "secret.bad_env_key"
    assert "Fernet.generate_key()" in str(caught.value)
    assert bad not in str(caught.value)


@pytest.mark.parametrize(
    "name", ["", "Upper", "-lead", ".hidden", "with space", "é", "../x", "a/b", "a" * 65]
)
def test_names_are_validated(store: SecretStore, name: str) -> None:
    with pytest.raises(UserError) as caught:
        store.set("alice", name, "v")
    assert caught.value.key == "secret.bad_name"
    assert "api-meteo" in caught.value.message("fr")


@pytest.mark.parametrize("name", ["a", "0", "api-key", "x.y_z", "a" * 64])
def test_good_names(store: SecretStore, name: str) -> None:
    store.set("alice", name, "v")
    assert store.get("alice", name) == "v"


def test_empty_and_oversized_values_are_refused(store: SecretStore) -> None:
    for value, key in (
        ("", "secret.empty_value"),
        ("x" * (MAX_VALUE_CHARS + 1), "secret.too_long"),
    ):
        with pytest.raises(UserError) as caught:
            store.set("alice", "k", value)
        assert caught.value.key == key
    assert store.list("alice") == []


def test_a_missing_secret_names_nothing_else(store: SecretStore) -> None:
    store.set("alice", "private-thing", "v")
    with pytest.raises(NotFound) as caught:
        store.get("alice", "missing")
    assert "missing" in str(caught.value) and "private-thing" not in str(caught.value)
    with pytest.raises(NotFound):
        store.delete("alice", "missing")


def test_a_row_moved_to_another_owner_is_refused(store: SecretStore) -> None:
    value = canary()
    store.set("alice", "k", value)
    store.set("mallory", "k", "mine")
    conn = sqlite3.connect(secrets_path())
    try:
        conn.execute(
            "UPDATE secrets SET ciphertext = ? WHERE owner = 'mallory'",
            (stored_token("alice", "k"),),
        )
        conn.commit()
    finally:
        conn.close()
    with pytest.raises(UserError) as caught:
        store.get("mallory", "k")
    assert caught.value.key == "secret.tampered" and value not in str(caught.value)


def test_a_deleted_or_replaced_secret_is_overwritten_in_the_files(store: SecretStore) -> None:
    store.set("alice", "old", canary())
    token = stored_token("alice", "old")
    assert files_holding(token), "the scan must see the stored token before it is deleted"
    store.delete("alice", "old")
    assert files_holding(token) == []
    assert store.list("alice") == []

    store.set("alice", "rotated", canary())
    first = stored_token("alice", "rotated")
    store.set("alice", "rotated", canary())
    assert files_holding(first) == []


def test_delete_all_erases_one_owner_only(store: SecretStore) -> None:
    store.set("alice", "a", "1")
    store.set("alice", "b", "2")
    store.set("bob", "a", "3")
    assert store.delete_all("alice") == 2
    assert store.list("alice") == [] and [i.name for i in store.list("bob")] == ["a"]


# --- the workspace ---------------------------------------------------------------------------


@pytest.fixture
def catalogue() -> Iterator[SqlCatalogue]:
    opened = SqlCatalogue(config.catalogue_path())
    enrol(opened, "alice", "bob")
    yield opened
    opened.close()


def test_someone_elses_secret_is_not_found(store: SecretStore, catalogue: SqlCatalogue) -> None:
    alice = Workspace("alice", catalogue, secrets=store)
    bob = Workspace("bob", catalogue, secrets=lambda: store)
    value = canary()
    alice.set_secret("weather-api", value)
    assert bob.list_secrets() == []
    with pytest.raises(NotFound):
        bob.secret_resolver()("weather-api")
    with pytest.raises(NotFound):
        bob.delete_secret("weather-api")
    bob.set_secret("weather-api", "bob's own")
    assert alice.secret_resolver()("weather-api") == value
    assert bob.secret_resolver()("weather-api") == "bob's own"
    alice.delete_secret("weather-api")
    assert bob.secret_resolver()("weather-api") == "bob's own"


def test_the_workspace_opens_the_installations_store_on_first_use(
    catalogue: SqlCatalogue,
) -> None:
    workspace = Workspace("alice", catalogue)
    resolve = workspace.secret_resolver()
    assert not secrets_path().exists(), "asking for a resolver opens nothing"
    workspace.set_secret("k", "v")
    assert resolve("k") == "v"
    assert secrets_path().exists()


# --- the canary: a secret used by an agent's tool leaks nowhere -------------------------------


class CallArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    city: str = ""


class AuthConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credential: str


def _authenticated_call(args: CallArgs, config: AuthConfig, context: ToolContext) -> Any:
    """Stands for an HTTP action: a real one puts the value in an Authorization header."""
    value = context.secret(config.credential) if context.secret else ""
    log.debug("calling the weather service for %s with credential %s", args.city, config.credential)
    return {"authenticated": bool(value), "city": args.city}


def canary_registry(run: Callable[..., Any] | None = None) -> ToolRegistry:
    """The registry with ``weather_call``, an authenticated call (``run``: what it does)."""
    registry = default_registry()
    registry.register(
        ToolDefinition(
            id="weather_call",
            title="Météo authentifiée",
            description="Donne la météo d'une ville (service authentifié).",
            args_model=CallArgs,
            run=run or _authenticated_call,
            config_model=AuthConfig,
            uses_context=True,
        )
    )
    return registry


CANARY_SPEC = """\
schema: atelier/agent@1
name: Météo
instructions: Tu donnes la météo en appelant le service météo.
tools:
  - id: weather_call
    config: {credential: canary-key}
"""


@pytest.fixture
def debug_log() -> Iterator[Path]:
    """Everything logged at DEBUG, by any module, into a file under ATELIER_HOME."""
    path = config.data_dir() / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def test_the_tool_context_resolves_the_principals_secret(catalogue: SqlCatalogue) -> None:
    value = canary()
    workspace = Workspace("alice", catalogue)
    workspace.set_secret("canary-key", value)
    registry = canary_registry()
    config = {"credential": "canary-key"}
    context = ToolContext(secret=workspace.secret_resolver(), principal="alice")
    result = registry.run("weather_call", {"city": "Lyon"}, config, context)
    assert result.ok and result.output == {"authenticated": True, "city": "Lyon"}
    assert value not in result.for_model()
    bob = ToolContext(secret=Workspace("bob", catalogue).secret_resolver(), principal="bob")
    refused = registry.run("weather_call", {"city": "Lyon"}, config, bob)
    assert not refused.ok and "canary-key" in refused.error and value not in refused.error


def test_a_canary_secret_leaks_into_no_spec_export_log_checkpoint_file_or_prompt(
    catalogue: SqlCatalogue, debug_log: Path
) -> None:
    value = canary()
    workspace = Workspace("alice", catalogue)
    workspace.set_secret("canary-key", value)
    spec = AgentSpec.from_yaml(CANARY_SPEC)
    version = workspace.create_agent(spec)
    thread = workspace.start_thread(version.agent_id, "Météo à Lyon")
    model = ScriptedChatModel(
        replies=[
            ScriptedReply.model_validate(
                {"tool_calls": [{"name": "weather_call", "args": {"city": "Lyon"}}]}
            ),
            ScriptedReply(text="Il fait beau à Lyon."),
        ]
    )
    checkpoints = config.threads_path()
    runtime = AgentRuntime(
        spec,
        model,
        canary_registry(),
        sqlite_checkpointer(checkpoints),
        model_ref="scripted",
        retry=RetryPolicy(attempts=1, base_delay_s=0, sleep=lambda _s: None),
        tool_context=ToolContext(secret=workspace.secret_resolver(), principal="alice"),
    )
    result = runtime.run(thread.id, "Quel temps fait-il à Lyon ?")
    (call,) = result.tool_calls
    assert call.ok and call.result["authenticated"] is True, "the tool did authenticate"
    workspace.record_run(
        RunRecord(
            id="run-canary",
            agent_id=version.agent_id,
            version=version.number,
            thread_id=thread.id,
            principal="alice",
            model=result.model,
            outcome=result.outcome,
            tool_calls=len(result.tool_calls),
            created_at=utc_now(),
        )
    )
    logging.getLogger("tests").debug("resolved for the run: %s", call.result)

    exported = workspace.get_version(version.agent_id).spec.to_yaml()
    assert "canary-key" in exported, "the spec names the credential"
    assert value not in exported and value not in spec.to_yaml()

    prompts = "\n".join(repr(m) for prompt in model.prompts for m in prompt)
    assert any(isinstance(m, ToolMessage) for m in model.prompts[-1]), "the model saw the tool"
    assert value not in prompts
    assert value not in repr(runtime.messages(thread.id)) and value not in repr(result)

    log_text = debug_log.read_text("utf-8")
    assert "weather_call" in log_text or "canary-key" in log_text, "the log must record the run"
    assert value not in log_text

    checkpoint_files = b"".join(p.read_bytes() for p in checkpoints.parent.glob("threads.*"))
    assert b"authenticated" in checkpoint_files, "the checkpoint holds the tool's result"
    assert value.encode() not in checkpoint_files
    conn = sqlite3.connect(checkpoints)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert "checkpoints" in dump and value not in dump
    holding = files_holding(value)
    assert holding == [], f"the canary is in {holding}"
    for text in (
        catalogue.get_version(version.agent_id).spec.to_yaml(),
        repr(catalogue.list_runs(version.agent_id)),
        repr(workspace.list_secrets()),
    ):
        assert value not in text


def test_services_give_the_tools_of_a_run_the_principals_secrets(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    from agents.models.registry import default_registry as default_providers
    from builder_ui.services.installation import Services

    value = canary()
    replies = tmp_path / "replies.yaml"
    replies.write_text(
        '- tool_calls: [{name: weather_call, args: {city: Lyon}}]\n- text: "Il fait beau."\n',
        "utf-8",
    )
    services = Services(
        workspace=Workspace("alice", catalogue),
        tools=canary_registry(),
        providers=default_providers(),
        checkpointer=sqlite_checkpointer(config.threads_path()),
    )
    services.workspace.set_secret("canary-key", value)
    agent = services.create_agent(AgentSpec.from_yaml(CANARY_SPEC))
    result = services.run(agent.agent_id, "Météo ?", model=f"scripted:{replies}")
    (call,) = result.tool_calls
    assert call.result["authenticated"] is True
    assert files_holding(value) == []
