"""An MCP server named in a spec is checked against the servers the administrator registered
when the agent is validated or saved, not only when a run builds its tools.

The servers are registered through ``atelier admin mcp add`` into the real admin settings of
the per-test ``ATELIER_HOME``; nothing answers at their address, and nothing needs to: checking
a spec never reaches a server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from agents.errors import InvalidSpec
from agents.spec import AgentSpec
from builder_ui.cli.main import app
from builder_ui.services.installation import Services
from store.admin_settings import AdminSettings, load_admin_settings, save_admin_settings

CLOSED_PORT_URL = "http://127.0.0.1:9/mcp"


def atelier(*args: str, exit_code: int = 0) -> Result:
    """``atelier ARGS`` in-process, which must end with ``exit_code`` (2: the input is wrong)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    return result


def spec(server: str) -> AgentSpec:
    return AgentSpec.model_validate(
        {
            "schema": "atelier/agent@1",
            "name": "Météo",
            "tools": [
                {"id": "calculator"},
                {"id": "current_datetime"},
                {"id": "mcp", "config": {"server": server}},
            ],
        }
    )


def write_spec(path: Path, server: str) -> Path:
    path.write_text(spec(server).to_yaml(), "utf-8")
    return path


def register(name: str = "demo") -> None:
    atelier("admin", "mcp", "add", name, "--url", CLOSED_PORT_URL)


def problems(server: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidSpec) as caught:
        Services.open().check(spec(server))
    return caught.value.problems


def test_an_unregistered_server_is_refused_with_its_path_and_what_to_do() -> None:
    register("demo")
    register("wiki")
    ((path, message),) = problems("meteo")
    assert path == "tools[2].config.server"
    assert "aucun serveur MCP « meteo » n'est enregistré" in message
    assert "serveurs enregistrés : demo, wiki" in message
    assert "atelier admin mcp add meteo --url URL" in message


def test_the_message_is_in_english_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_LANG", "en")
    ((path, message),) = problems("meteo")
    assert path == "tools[2].config.server"
    assert 'no MCP server "meteo" is registered; registered servers: none yet' in message
    assert "ask an administrator" in message
    assert "atelier admin mcp add meteo --url URL" in message


def test_a_registered_server_passes_even_before_approval_or_when_disabled() -> None:
    register("demo")
    services = Services.open()
    assert services.check(spec("demo")).name == "Météo"
    # Approval, the switch and whether the server answers change without the spec: a run
    # reports them, saving does not refuse the agent.
    data = load_admin_settings().model_dump()
    data["mcp_servers"][0]["enabled"] = False
    save_admin_settings(AdminSettings.model_validate(data), by="alice")
    record = services.create_agent(spec("demo"))
    assert record.spec.tools[2].config == {"server": "demo"}


def test_saving_is_refused_and_nothing_is_stored() -> None:
    services = Services.open()
    with pytest.raises(InvalidSpec, match=r"tools\[2\]\.config\.server"):
        services.create_agent(spec("meteo"))
    assert services.list_agents() == []


def test_atelier_agent_validate_and_import_exit_2_with_the_message(tmp_path: Path) -> None:
    register("demo")
    file = write_spec(tmp_path / "meteo.yaml", "meteo")
    for verb in ("validate", "import"):
        refused = atelier("agent", verb, str(file), exit_code=2)
        assert "tools[2].config.server" in refused.stderr
        assert "aucun serveur MCP « meteo »" in refused.stderr
        assert "serveurs enregistrés : demo" in refused.stderr
        assert "atelier admin mcp add meteo --url URL" in refused.stderr
    assert json.loads(atelier("agent", "list", "--json").stdout) == []

    fine = write_spec(tmp_path / "demo.yaml", "demo")
    assert "Météo" in atelier("agent", "validate", str(fine)).stdout


def test_validate_on_a_machine_without_data_refuses_and_creates_nothing(tmp_path: Path) -> None:
    file = write_spec(tmp_path / "meteo.yaml", "meteo")
    refused = atelier("agent", "validate", str(file), exit_code=2)
    assert "tools[2].config.server" in refused.stderr
    assert "aucun pour l'instant" in refused.stderr
    assert not (tmp_path / "home").exists(), "validating a file must not create the store"


def test_an_agent_whose_server_was_removed_since_still_runs_its_other_tools(
    tmp_path: Path,
) -> None:
    register("demo")
    services = Services.open()
    record = services.create_agent(spec("demo"))
    atelier("admin", "mcp", "rm", "demo", "--yes")

    replies: list[dict[str, Any]] = [
        {"tool_calls": [{"name": "calculator", "args": {"expression": "6*7"}}]},
        {"text": "6 fois 7 font 42."},
    ]
    script = tmp_path / "replies.yaml"
    script.write_text(json.dumps(replies), "utf-8")
    runtime = services.runtime(record.spec, f"scripted:{script}")
    result = runtime.run("t1", "Combien font 6 fois 7 ?")
    assert result.answer == "6 fois 7 font 42."
    assert [call.ok for call in result.tool_calls] == [True]
