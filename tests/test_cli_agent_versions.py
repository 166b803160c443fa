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


# --- atelier agent diff / restore ---------------------------------------------------------------

V2_YAML = """\
schema: atelier/agent@1
name: Calculatrice
instructions: |
  Tu réponds aux questions de calcul.
  Tu montres le calcul.
tools:
  - id: current_datetime
    config:
      timezone: Europe/Paris
    approval: always_ask
"""


def two_versions(spec_file: Path) -> str:
    created = as_json("agent", "import", str(spec_file))
    changed = spec_file.with_name("v2.yaml")
    changed.write_text(V2_YAML, "utf-8")
    ok("agent", "import", str(changed), "--agent", created["id"])
    return str(created["id"])


def test_diff_shows_each_changed_field_in_words(spec_file: Path) -> None:
    two_versions(spec_file)
    shown = ok("agent", "diff", "Calculatrice", "1", "2").stdout
    assert "version 1 → version 2" in shown
    assert "Nom\n    version 1 : Calculette\n    version 2 : Calculatrice" in shown
    assert "- Tu réponds aux questions de calcul en utilisant la calculatrice." in shown
    assert "+ Tu montres le calcul." in shown
    assert "Outils › Date et heure › Fuseau horaire" in shown
    assert "Outils › Date et heure › Validation avant utilisation" in shown
    assert "Toujours demander" in shown
    assert "« + » marque une ligne ajoutée" in shown
    assert "tools[" not in shown and "config." not in shown and "always_ask" not in shown


def test_diff_in_json_for_machines(spec_file: Path) -> None:
    agent = two_versions(spec_file)
    data = as_json("agent", "diff", agent, "2", "1")
    assert (data["id"], data["from"], data["to"]) == (agent, 2, 1)
    fields = {change["field"]: change for change in data["changes"]}
    assert fields["name"]["before"] == "Calculatrice" and fields["name"]["after"] == "Calculette"
    assert ["added", "Tu réponds aux questions de calcul en utilisant la calculatrice."] in (
        fields["instructions"]["lines"]
    )
    assert fields["tools.current_datetime.config.timezone"]["label"] == (
        "Outils › Date et heure › Fuseau horaire"
    )


def test_diff_of_identical_versions_says_so(spec_file: Path) -> None:
    two_versions(spec_file)
    shown = ok("agent", "diff", "Calculatrice", "2", "2").stdout
    assert "Les versions 2 et 2 sont identiques." in shown


def test_diff_speaks_english_on_request(spec_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    two_versions(spec_file)
    monkeypatch.setenv("ATELIER_LANG", "en")
    shown = ok("agent", "diff", "Calculatrice", "1", "2").stdout
    assert "Name\n    version 1: Calculette" in shown and "Tools › " in shown


def test_restore_saves_the_old_version_as_a_new_one(spec_file: Path) -> None:
    agent = two_versions(spec_file)
    done = ok("agent", "restore", "Calculatrice", "1")
    assert "Version 1 restaurée" in done.stderr and "version 3" in done.stderr
    versions = as_json("agent", "versions", agent)
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert versions[0]["message"] == "Restauration de la version 1"
    assert "calculatrice." in ok("agent", "export", agent).stdout
    assert "Tu montres le calcul." in ok("agent", "export", agent, "--version", "2").stdout


def test_restoring_what_is_already_the_latest_makes_no_version(spec_file: Path) -> None:
    agent = two_versions(spec_file)
    again = ok("agent", "restore", agent, "2")
    assert "identique à la dernière version (2) : rien n'a été enregistré" in again.stderr
    assert as_json("agent", "restore", agent, "2") == {
        "id": agent,
        "restored": 2,
        "version": 2,
        "changed": False,
    }
    assert [v["number"] for v in as_json("agent", "versions", agent)] == [2, 1]


def test_an_unknown_version_is_refused_clearly(spec_file: Path) -> None:
    agent = two_versions(spec_file)
    for args in (("diff", agent, "1", "9"), ("restore", agent, "9")):
        result = atelier("agent", *args)
        assert result.exit_code == 3, result.stderr  # not found, as ``export --version 9``
        assert "n'a pas de version 9" in result.stderr
        assert "Traceback" not in result.stderr
    assert atelier("agent", "diff", agent, "0", "1").exit_code == 2  # not a version number
    assert atelier("agent", "restore", agent, "deux").exit_code == 2
    assert [v["number"] for v in as_json("agent", "versions", agent)] == [2, 1]


def test_an_unknown_agent_is_not_found(spec_file: Path) -> None:
    two_versions(spec_file)
    result = atelier("agent", "diff", "Inconnu", "1", "2")
    assert result.exit_code == 3 and "Inconnu" in result.stderr
