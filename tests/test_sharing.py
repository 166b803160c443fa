"""Sharing from the terminal and through the services (issue 10, items 1 and 7): a creator
shares an agent with her team; a teammate chats with it and gets answers from the creator's
private base (S2), and nothing more: he cannot list, open or add to that base (S3); someone
outside the team finds nothing. The version people get is the published one.

Real SQLite catalogue, real knowledge store (the hashing embedder), real checkpointer, the
offline model (it answers by quoting the passages it was given)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_driver import as_json, atelier, ok

from agents.errors import NotFound, Refused
from builder_ui.services.installation import Services

CLAIRE = "claire@exemple.fr"  # communication officer, creator
KARIM = "karim@exemple.fr"  # her teammate, a user
OSCAR = "oscar@exemple.fr"  # another department, a creator
CANARY = "Le badge perdu se signale au poste de sécurité du bâtiment Ouest"

SPEC = """\
schema: atelier/agent@1
name: Assistant communication
description: Répond aux questions internes de la communication.
instructions: {instructions}
knowledge:
  bases: [procedures-communication]
"""


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    ok("user", "add", CLAIRE, "--role", "creator")
    ok("user", "add", KARIM, "--role", "user")
    ok("user", "add", OSCAR, "--role", "creator")
    ok("team", "add", "Communication")
    ok("team", "add-member", "Communication", CLAIRE)
    ok("team", "add-member", "Communication", KARIM)
    ok("--as", CLAIRE, "kb", "create", "Procédures communication")
    doc = tmp_path / "badges.md"
    doc.write_text(f"# Badges\n\n{CANARY}.\n", encoding="utf-8")
    ok("--as", CLAIRE, "kb", "add", "Procédures communication", str(doc))
    spec = tmp_path / "agent.yaml"
    spec.write_text(SPEC.format(instructions="Version une."), encoding="utf-8")
    ok("--as", CLAIRE, "agent", "import", str(spec))
    return spec


def test_a_teammate_uses_a_shared_agent_and_gets_passages_from_its_private_base(
    world: Path,
) -> None:
    assert as_json("--as", KARIM, "agent", "list") == []
    shared = ok(
        "--as", CLAIRE, "agent", "share", "Assistant communication",
        "--with", "team:Communication", "--can", "use",
    )  # fmt: skip
    assert "Communication" in shared.stdout + shared.stderr
    listed = as_json("--as", KARIM, "agent", "list")
    assert [(a["name"], a["access"], a["published_version"]) for a in listed] == [
        ("Assistant communication", "use", 1)
    ]
    # S2: answers from the creator's private base...
    karim = Services.open(KARIM)
    answer = karim.run("Assistant communication", "Que faire si je perds mon badge ?")
    assert CANARY in answer.answer
    assert [c.document for c in answer.citations] == ["badges.md"]
    # ...and nothing more: the base is not his to list, open or add to (S3).
    assert as_json("--as", KARIM, "kb", "list") == []
    refused = atelier("--as", KARIM, "kb", "docs", "Procédures communication")
    assert refused.exit_code == 3, refused.stderr
    added = atelier("--as", KARIM, "kb", "add", "Procédures communication", str(world))
    assert added.exit_code == 3, added.stderr  # not his to see, let alone to add to
    kb_id = Services.open(CLAIRE).workspace.resolve_kb("Procédures communication").id
    for call in (
        lambda: karim.workspace.list_documents(kb_id),
        lambda: karim.workspace.get_kb(kb_id),
        lambda: karim.workspace.search([kb_id], "badge"),
    ):
        with pytest.raises(NotFound):
            call()
    # Someone outside the team finds nothing, worded like a missing agent.
    assert as_json("--as", OSCAR, "agent", "list") == []
    outside = atelier("--as", OSCAR, "run", "Assistant communication", "-m", "Bonjour")
    assert outside.exit_code == 3, outside.stderr


def test_people_get_the_published_version_while_the_creator_edits_the_draft(
    world: Path,
) -> None:
    ok("--as", CLAIRE, "agent", "share", "Assistant communication", "--with", f"user:{KARIM}")
    world.write_text(SPEC.format(instructions="Version deux."), encoding="utf-8")
    ok("--as", CLAIRE, "agent", "import", str(world), "--agent", "Assistant communication")
    karim, claire = Services.open(KARIM), Services.open(CLAIRE)
    assert karim.version("Assistant communication").spec.instructions == "Version une."
    assert claire.version("Assistant communication").spec.instructions == "Version deux."
    with pytest.raises(NotFound):
        karim.version("Assistant communication", 2)
    shown = ok("--as", CLAIRE, "agent", "shares", "Assistant communication").stdout
    assert KARIM in shown and "peut utiliser" in shown
    released = ok("--as", CLAIRE, "agent", "release", "Assistant communication")
    assert "version 2" in released.stdout + released.stderr
    assert karim.version("Assistant communication").spec.instructions == "Version deux."
    ok("--as", CLAIRE, "agent", "unshare", "Assistant communication", "--with", f"user:{KARIM}")
    assert as_json("--as", KARIM, "agent", "list") == []


def test_sharing_mistakes_get_a_clear_message(world: Path) -> None:
    cases = {
        ("--with", "user:personne@exemple.fr"): "aucun compte",
        ("--with", "team:Inconnue"): "équipe introuvable",
        ("--with", "organisation"): "demandez sa publication",
        ("--with", "claire"): "ni une personne ni une équipe",
        ("--with", f"user:{KARIM}", "--can", "admin"): "droit inconnu",
    }
    for args, words in cases.items():
        result = atelier("--as", CLAIRE, "agent", "share", "Assistant communication", *args)
        assert result.exit_code in (2, 3), (args, result.stderr)
        assert words in result.stderr, (args, result.stderr)
    # Only the owner shares; an editor is told so.
    ok("--as", CLAIRE, "agent", "share", "Assistant communication", "--with", f"user:{OSCAR}",
       "--can", "edit")  # fmt: skip
    result = atelier(
        "--as", OSCAR, "agent", "share", "Assistant communication", "--with", f"user:{KARIM}"
    )
    assert result.exit_code == 2 and "seul l'auteur" in result.stderr


def test_a_base_shared_to_edit_opens_its_documents(world: Path, tmp_path: Path) -> None:
    ok("--as", CLAIRE, "kb", "share", "Procédures communication", "--with", f"user:{OSCAR}",
       "--can", "edit")  # fmt: skip
    docs = as_json("--as", OSCAR, "kb", "docs", "Procédures communication")
    assert [d["filename"] for d in docs] == ["badges.md"]
    extra = tmp_path / "accueil.md"
    extra.write_text("# Accueil\n\nL'accueil ouvre à 8 h.\n", encoding="utf-8")
    ok("--as", OSCAR, "kb", "add", "Procédures communication", str(extra))
    oscar = Services.open(OSCAR)
    with pytest.raises(Refused):
        oscar.workspace.delete_kb("Procédures communication")
    ok("--as", CLAIRE, "kb", "unshare", "Procédures communication", "--with", f"user:{OSCAR}")
    assert atelier("--as", OSCAR, "kb", "docs", "Procédures communication").exit_code == 3
