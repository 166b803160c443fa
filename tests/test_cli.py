"""The ``atelier`` command, driven in-process with Typer's runner (fast), plus one end-to-end
test that spawns the real executable to prove that a second process resumes a conversation."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_driver import as_json, atelier, ok

from agents.spec import AgentSpec
from builder_ui.cli import agent as cli_agents
from builder_ui.cli import main as cli
from store import config

AGENT_YAML = """\
schema: atelier/agent@1
name: Calculette
instructions: Tu réponds aux questions de calcul en utilisant la calculatrice.
tools:
  - id: calculator
"""

REPLIES_YAML = """\
- tool_calls: [{name: calculator, args: {expression: "6*7"}}]
- text: "6 fois 7 font 42."
"""

QUESTION = "Combien font 6 fois 7 ?"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATELIER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATELIER_USER", "alice")
    monkeypatch.setenv("ATELIER_LANG", "fr")
    monkeypatch.setenv("ATELIER_RETRY_BASE_DELAY", "0")
    monkeypatch.delenv("ATELIER_DEBUG", raising=False)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "agent.yaml").write_text(AGENT_YAML, "utf-8")
    (tmp_path / "replies.yaml").write_text(REPLIES_YAML, "utf-8")
    return tmp_path


@pytest.fixture
def agent_id(files: Path) -> str:
    return str(as_json("agent", "import", str(files / "agent.yaml"))["id"])


def scripted(files: Path, name: str = "replies.yaml") -> str:
    return f"scripted:{files / name}"


def write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


# --- the acceptance scenario ------------------------------------------------------------------


def test_import_then_run_twice_in_one_thread(files: Path) -> None:
    created = as_json("agent", "import", str(files / "agent.yaml"))
    assert created["id"] and created["name"] == "Calculette" and created["version"] == 1

    first = as_json("run", "Calculette", "--message", QUESTION, "--model", scripted(files))
    assert first["answer"] == "6 fois 7 font 42."
    assert first["outcome"] == "ok"
    [call] = first["tool_calls"]
    assert call["name"] == "calculator" and call["args"] == {"expression": "6*7"}
    assert call["ok"] is True and "42" in json.dumps(call["result"])
    assert first["usage"]["input_tokens"] > 0 and first["usage"]["output_tokens"] > 0
    assert first["usage"]["total_tokens"] > 0
    assert first["messages"] == 4
    assert first["model"] == scripted(files)
    assert first["latency_ms"] >= 0

    resume = ("--thread", first["thread"], "--model", scripted(files))
    second = as_json("run", created["id"], "-m", QUESTION, *resume)
    assert second["thread"] == first["thread"]
    assert second["messages"] == 8
    assert second["answer"] == "6 fois 7 font 42."


def test_run_streams_the_answer_and_shows_tools_on_stderr(files: Path, agent_id: str) -> None:
    result = ok("run", "Calculette", "-m", QUESTION, "--model", scripted(files))
    assert result.stdout == "6 fois 7 font 42.\n"
    assert '→ calculator {"expression": "6*7"}' in result.stderr
    assert "← " in result.stderr and "42" in result.stderr


def test_model_error_is_retried_then_reported_plainly(files: Path, agent_id: str) -> None:
    write(files / "down.yaml", "- error: server_error\n" * 3)
    result = atelier("run", "Calculette", "-m", QUESTION, "--model", scripted(files, "down.yaml"))
    assert result.exit_code == 1
    assert "3 tentatives" in result.stderr and "erreur du serveur" in result.stderr
    assert "Traceback" not in result.stderr

    result = atelier(
        "run", "Calculette", "-m", QUESTION, "--model", scripted(files, "down.yaml"), "--json"
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["outcome"] == "model_error" and report["tool_calls"] == []
    assert "3 tentatives" in report["error"] and "3 tentatives" in result.stderr


# --- validating and importing specs ------------------------------------------------------------


def test_validate_accepts_a_good_file(files: Path) -> None:
    result = ok("agent", "validate", str(files / "agent.yaml"))
    assert "valide" in result.stdout and "Calculette" in result.stdout
    assert not (files / "home").exists(), "validating a file must not create the store"


def test_invalid_yaml_is_rejected_and_nothing_is_written(files: Path) -> None:
    bad = write(files / "bad.yaml", "schema: atelier/agent@1\nname: [Calculette\n")
    result = atelier("agent", "import", str(bad))
    assert result.exit_code == 2
    assert "YAML" in result.stderr and result.stdout == ""
    assert as_json("agent", "list") == []


def test_unknown_tool_lists_the_known_ones(files: Path) -> None:
    bad = write(files / "bad.yaml", AGENT_YAML.replace("calculator", "calculatrice"))
    result = atelier("agent", "import", str(bad))
    assert result.exit_code == 2
    assert "tools[0].id" in result.stderr
    assert "calculator" in result.stderr and "current_datetime" in result.stderr
    assert as_json("agent", "list") == []


def test_each_problem_is_reported_with_its_field_path(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_LANG", "en")
    bad = write(
        files / "clock.yaml",
        AGENT_YAML + "  - id: current_datetime\n    config: {timezone: Europe/Pariss}\n",
    )
    result = atelier("agent", "validate", str(bad))
    assert result.exit_code == 2
    assert 'tools[1].config.timezone: unknown time zone "Europe/Pariss"' in result.stderr


def test_a_missing_file_is_bad_input(files: Path) -> None:
    result = atelier("agent", "validate", str(files / "absent.yaml"))
    assert result.exit_code == 2
    assert "absent.yaml" in result.stderr


# --- models ------------------------------------------------------------------------------------


def test_unknown_provider_lists_the_providers(files: Path, agent_id: str) -> None:
    result = atelier("run", "Calculette", "-m", QUESTION, "--model", "nimbus:large")
    assert result.exit_code == 2
    assert "nimbus" in result.stderr
    for provider in ("openai", "mistral", "anthropic", "offline"):
        assert provider in result.stderr
    from builder_ui.services.installation import Services

    assert Services.open().workspace.list_threads(agent_id) == [], "no empty conversation left"


def test_a_provider_without_credentials_names_the_variable(
    files: Path, agent_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    result = atelier("run", "Calculette", "-m", QUESTION, "--model", "openai:gpt-4o-mini")
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr


# --- export, list, versions, delete ------------------------------------------------------------


def test_export_round_trips_to_an_identical_spec(files: Path, agent_id: str) -> None:
    original = AgentSpec.load(files / "agent.yaml")
    exported = ok("agent", "export", "Calculette").stdout
    assert AgentSpec.from_yaml(exported) == original

    out = files / "out.yaml"
    ok("agent", "export", agent_id, "-o", str(out), "--version", "1")
    assert AgentSpec.load(out) == original
    assert as_json("agent", "import", str(out))["version"] == 1  # a second, separate agent


def test_versions_grow_with_each_save(files: Path, agent_id: str) -> None:
    changed = write(files / "v2.yaml", AGENT_YAML.replace("calculatrice.", "calculatrice !"))
    saved = as_json("agent", "import", str(changed), "--agent", "Calculette", "-m", "ton plus vif")
    assert saved == {"id": agent_id, "name": "Calculette", "version": 2, "changed": True}

    versions = as_json("agent", "versions", "Calculette")
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["message"] == "ton plus vif"
    assert versions[1]["message"] == "Importé depuis agent.yaml"
    assert {v["author"] for v in versions} == {"alice"}

    table = ok("agent", "versions", agent_id).stdout
    assert "ton plus vif" in table and "alice" in table
    assert "calculatrice !" in ok("agent", "export", agent_id).stdout
    assert "calculatrice." in ok("agent", "export", agent_id, "--version", "1").stdout

    [listed] = as_json("agent", "list")
    assert listed["id"] == agent_id and listed["latest_version"] == 2
    assert agent_id in ok("agent", "list").stdout


def test_plain_import_prints_only_the_id(files: Path) -> None:
    result = ok("agent", "import", str(files / "agent.yaml"))
    agent_id = result.stdout.strip()
    assert agent_id and "\n" not in agent_id
    assert "Calculette" in result.stderr
    assert [a["id"] for a in as_json("agent", "list")] == [agent_id]


def test_not_found_is_exit_3(files: Path, agent_id: str) -> None:
    for args in (
        ("agent", "export", "Personne"),
        ("agent", "export", "Calculette", "--version", "9"),
        ("agent", "versions", "ag-000000"),
        ("agent", "rm", "Personne", "--yes"),
        ("run", "Personne", "-m", QUESTION),
        ("run", "Calculette", "-m", QUESTION, "--thread", "th-nope"),
    ):
        result = atelier(*args)
        assert result.exit_code == 3, (args, result.stderr)
        assert result.stderr.strip()


def test_rm_asks_for_yes_when_nobody_can_confirm(files: Path, agent_id: str) -> None:
    result = atelier("agent", "rm", "Calculette")
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert len(as_json("agent", "list")) == 1

    ok("agent", "rm", "Calculette", "--yes")
    assert as_json("agent", "list") == []


def test_rm_confirms_at_a_terminal(
    files: Path, agent_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_agents, "interactive", lambda: True)
    refused = atelier("agent", "rm", "Calculette", input="n\n")
    assert refused.exit_code == 1 and len(as_json("agent", "list")) == 1
    ok("agent", "rm", "Calculette", input="y\n")
    assert as_json("agent", "list") == []


# --- chat ---------------------------------------------------------------------------------------


def test_chat_keeps_one_thread_across_turns(files: Path, agent_id: str) -> None:
    write(files / "four.yaml", REPLIES_YAML + '- text: "Toujours 42."\n')
    result = ok(
        "chat", "Calculette", "--model", scripted(files, "four.yaml"), input=f"{QUESTION}\nEt ?\n"
    )
    assert result.stdout.count("Vous › ") == 3
    assert "Calculette › 6 fois 7 font 42." in result.stdout
    assert "Calculette › Toujours 42." in result.stdout
    assert "→ calculator" in result.stderr
    thread = result.stderr.strip().split("--thread ")[-1]
    follow = as_json("run", agent_id, "-m", "Merci", "--thread", thread, "--model", "offline")
    assert follow["messages"] == 8


def test_chat_stops_on_quit(files: Path, agent_id: str) -> None:
    result = ok("chat", "Calculette", "--model", scripted(files), input="/quit\n")
    assert "6 fois 7" not in result.stdout


def test_chat_reports_a_bad_model_before_the_first_question(files: Path, agent_id: str) -> None:
    result = atelier("chat", "Calculette", "--model", "nimbus:large", input=f"{QUESTION}\n")
    assert result.exit_code == 2 and "Vous › " not in result.stdout


# --- tools --------------------------------------------------------------------------------------


def test_tool_run_prints_the_result_as_json() -> None:
    result = ok("tool", "run", "calculator", "--args", '{"expression":"2+2"}')
    assert json.loads(result.stdout)["result"] == 4


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["calculator", "--args", "{expression: 2+2}"], 2, "--args"),
        (["calculator", "--args", "[1, 2]"], 2, "--args"),
        (["calculator", "--args", "{}", "--config", "{"], 2, "--config"),
        (["calculator", "--args", '{"expr": "2+2"}'], 2, "calculator"),
        (["calculatrice", "--args", "{}"], 2, "current_datetime"),
        (["current_datetime", "--config", '{"timezone": "Europe/Pariss"}'], 2, "Europe/Pariss"),
        (["calculator", "--args", '{"expression": "1/0"}'], 2, "division par zéro"),
    ],
)
def test_tool_run_errors(args: list[str], code: int, expected: str) -> None:
    result = atelier("tool", "run", *args)
    assert result.exit_code == code, result.stderr
    assert expected in result.stderr
    assert result.stdout == ""


def test_tool_list() -> None:
    assert "Calculatrice" in ok("tool", "list").stdout
    tools = {t["id"]: t for t in as_json("tool", "list")}
    assert {"calculator", "current_datetime"} <= set(tools)
    assert tools["calculator"]["title"] == "Calculatrice"
    assert tools["calculator"]["consequential"] is False
    assert "expression" in tools["calculator"]["args_schema"]["properties"]
    assert "timezone" in tools["current_datetime"]["config_schema"]["properties"]


# --- the command itself -------------------------------------------------------------------------


def test_help_and_version() -> None:
    result = ok("--help")
    for command in ("agent", "run", "chat", "tool", "ui", "schema"):
        assert command in result.stdout
    assert ok("--version").stdout.startswith("atelier ")


def test_every_message_of_the_command_exists_in_both_languages() -> None:
    from agents.i18n import catalogue

    french = {k for k in catalogue("fr") if k.startswith("cli.")}
    assert french == {k for k in catalogue("en") if k.startswith("cli.")}
    source = "".join(p.read_text("utf-8") for p in Path(cli.__file__).parent.glob("*.py"))
    used = set(re.findall(r'"(cli\.[a-z_.]+)"', source))
    assert used and used <= french


def test_schema_is_the_spec_json_schema() -> None:
    schema = json.loads(ok("schema").stdout)
    assert "name" in schema["properties"] and "tools" in schema["properties"]


def test_ui_starts_streamlit_on_loopback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = write(tmp_path / "app.py", "")
    calls: list[list[str]] = []
    addresses: list[str] = []

    class Done:
        returncode = 0

    real_run = cli.subprocess.run

    def fake_run(command: list[str], **kwargs: Any) -> Any:
        if "streamlit" not in command:  # the OCR check asks Tesseract for its languages
            return real_run(command, **kwargs)
        calls.append(command)
        assert not kwargs.get("shell")
        # the links the builder shows name the port it listens on
        addresses.append(kwargs["env"]["ATELIER_PUBLIC_URL"])
        return Done()

    monkeypatch.setattr(cli, "APP_PAGE", page)
    monkeypatch.setattr(cli.subprocess, "run", fake_run)
    # whatever listens on this machine: this test is about the command line (test_setup: ports)
    monkeypatch.setattr("builder_ui.services.system.port_taken", lambda port: False)
    ok("ui", "--port", "8765")
    [command] = calls
    assert addresses == ["http://127.0.0.1:8765"]
    assert command[:6] == [sys.executable, "-P", "-m", "streamlit", "run", str(page)]
    options = dict(zip(command[6::2], command[7::2], strict=True))
    assert options == {
        "--server.port": "8765",
        "--server.address": "127.0.0.1",
        "--server.headless": "true",
        "--browser.gatherUsageStats": "false",
        "--client.toolbarMode": "minimal",
        "--server.maxUploadSize": "50",  # the knowledge store's file limit (ATELIER_KB_MAX_FILE_MB)
        # st.login's [auth], written from the admin settings into the data directory
        "--secrets.files": str(config.data_dir() / "streamlit-secrets.toml"),
    }
    monkeypatch.setenv("ATELIER_KB_MAX_FILE_MB", "12.5")
    ok("ui")
    assert calls[-1][calls[-1].index("--server.maxUploadSize") + 1] == "13"


def test_an_unexpected_error_is_one_line_and_the_trace_goes_to_the_log(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from builder_ui.services.installation import Services

    def broken(cls: Any, principal: str | None = None) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(Services, "open", classmethod(broken))
    result = atelier("agent", "list")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "RuntimeError" in result.stderr and "secret detail" not in result.stderr
    log = (files / "home" / "atelier.log").read_text("utf-8")
    assert "secret detail" in log and "Traceback" in log

    monkeypatch.setenv("ATELIER_DEBUG", "1")
    result = atelier("agent", "list")
    assert result.exit_code == 1 and "Traceback" in result.stderr


def test_a_bad_retry_delay_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_RETRY_BASE_DELAY", "soon")
    result = atelier("agent", "list")
    assert result.exit_code == 2 and "ATELIER_RETRY_BASE_DELAY" in result.stderr


# --- spawned processes (slow) -------------------------------------------------------------------


def _executable() -> str:
    beside = Path(sys.executable).with_name("atelier")
    found = str(beside) if beside.exists() else shutil.which("atelier")
    if not found:
        pytest.skip("the atelier executable is not installed (pip install -e .)")
    return found


@pytest.mark.slow
def test_a_second_process_resumes_the_conversation(files: Path) -> None:
    exe = _executable()
    env = {**os.environ, "ATELIER_HOME": str(files / "home"), "ATELIER_USER": "alice"}

    def spawn(*args: str) -> Any:
        done = subprocess.run(
            [exe, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    created = spawn("agent", "import", str(files / "agent.yaml"), "--json")
    first = spawn("run", "Calculette", "-m", QUESTION, "--model", scripted(files), "--json")
    assert first["answer"] == "6 fois 7 font 42." and first["messages"] == 4
    resume = ("--thread", first["thread"], "--model", scripted(files), "--json")
    second = spawn("run", created["id"], "-m", QUESTION, *resume)  # another process
    assert second["thread"] == first["thread"] and second["messages"] == 8


@pytest.mark.slow
def test_the_command_starts_without_heavy_imports() -> None:
    code = (
        "import sys, builder_ui.cli.main; "
        "heavy = [m for m in ('langgraph', 'langchain_core', 'streamlit', 'sqlalchemy', 'store') "
        "if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
