"""``atelier agent import`` and ``export`` agree with the builder on versions: an identical spec
makes no new version, and an export says which version it holds (its file name too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_driver import as_json, atelier, ok

from agents.spec import AgentSpec
from builder_ui.services.agents import export_file_name
from builder_ui.services.installation import Services

AGENT_YAML = """\
schema: atelier/agent@1
name: Calculette
instructions: Tu réponds aux questions de calcul en utilisant la calculatrice.
tools:
  - id: calculator
"""


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATELIER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATELIER_USER", "alice")
    monkeypatch.setenv("ATELIER_LANG", "fr")
    monkeypatch.delenv("ATELIER_DEBUG", raising=False)


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(AGENT_YAML, "utf-8")
    return path


def test_importing_an_identical_spec_makes_no_new_version(spec_file: Path) -> None:
    created = as_json("agent", "import", str(spec_file))
    again = ok("agent", "import", str(spec_file), "--agent", "Calculette")
    assert "aucun changement" in again.stderr and "version 1" in again.stderr
    assert [v["number"] for v in as_json("agent", "versions", "Calculette")] == [1]

    as_json_again = as_json("agent", "import", str(spec_file), "--agent", created["id"])
    assert as_json_again == {
        "id": created["id"],
        "name": "Calculette",
        "version": 1,
        "changed": False,
    }
    changed = spec_file.with_name("v2.yaml")
    changed.write_text(AGENT_YAML.replace("calculatrice.", "calculatrice !"), "utf-8")
    saved = as_json("agent", "import", str(changed), "--agent", "Calculette")
    assert (saved["version"], saved["changed"]) == (2, True)


def test_the_service_says_no_change_for_the_builder_too(spec_file: Path) -> None:
    services = Services.open()
    spec = services.load_spec_file(spec_file)
    first = services.save_agent(None, spec)
    again = services.save_agent(first.record.agent_id, AgentSpec.from_yaml(spec.to_yaml()))
    assert (again.changed, again.record.number) == (False, 1)
    assert len(services.versions(first.record.agent_id)) == 1


def test_export_names_the_version_on_stderr_and_in_the_file_name(
    spec_file: Path, tmp_path: Path
) -> None:
    as_json("agent", "import", str(spec_file))
    changed = spec_file.with_name("v2.yaml")
    changed.write_text(AGENT_YAML.replace("calculatrice.", "calculatrice !"), "utf-8")
    ok("agent", "import", str(changed), "--agent", "Calculette")

    shown = ok("agent", "export", "Calculette")
    assert "calculatrice !" in shown.stdout  # stdout stays the spec alone, for pipes
    assert "version 2" in shown.stderr.lower()

    folder = tmp_path / "exports"
    folder.mkdir()
    written = ok("agent", "export", "Calculette", "-o", str(folder), "--version", "1")
    exported = folder / "calculette-v1.yaml"
    assert "calculatrice." in exported.read_text("utf-8")
    assert "version 1" in written.stderr.lower() and "calculette-v1.yaml" in written.stderr

    named = tmp_path / "copie.yaml"
    written = ok("agent", "export", "Calculette", "-o", str(named))
    assert named.exists() and "version 2" in written.stderr.lower()


def test_export_file_names_carry_the_version() -> None:
    assert export_file_name("Calculette", 3) == "calculette-v3.yaml"
    assert export_file_name("Assistant RH – recrutement", 1) == "assistant-rh-recrutement-v1.yaml"
    assert export_file_name("", 2) == "agent-v2.yaml"


def test_export_of_an_unknown_version_is_not_found(spec_file: Path) -> None:
    as_json("agent", "import", str(spec_file))
    assert atelier("agent", "export", "Calculette", "--version", "7").exit_code == 3
