"""``atelier agent publish``, ``atelier review list|show|approve|reject``, ``atelier agent
unpublish|deprecate`` and ``atelier me notifications``, driven in-process as several people on
one data directory."""

from __future__ import annotations

import json
from pathlib import Path

from cli_driver import atelier, ok
from people import enrol

from store.sql_catalogue import open_catalogue
from store.workspace import Workspace

OLGA = "olga@example.fr"
RITA = "rita@example.fr"
ADA = "ada@example.fr"
CARL = "carl@example.fr"
AGENT = """schema: atelier/agent@1
name: Rédacteur RH
description: Répond aux questions sur les congés
instructions: |
  Réponds poliment.
  Cite le règlement.
tools:
  - id: calculator
"""


def people() -> None:
    catalogue = open_catalogue()
    try:
        enrol(catalogue, OLGA, CARL)
        enrol(catalogue, RITA, role="reviewer")
        enrol(catalogue, ADA, role="admin")
    finally:
        catalogue.close()


def an_agent(tmp_path: Path, text: str = AGENT) -> str:
    people()
    path = tmp_path / "agent.yaml"
    path.write_text(text, encoding="utf-8")
    return ok("--as", OLGA, "agent", "import", str(path)).stdout.strip()


def test_publish_review_approve_and_the_creator_is_told(tmp_path: Path) -> None:
    agent = an_agent(tmp_path)
    asked = ok("--as", OLGA, "agent", "publish", agent, "--message", "Prêt pour tous")
    assert "Demande de publication envoyée pour « Rédacteur RH » (version 1)" in asked.stderr
    assert "Aucune nouvelle notification" in ok("--as", OLGA, "me", "notifications").stderr

    listed = json.loads(ok("--as", RITA, "review", "list", "--json").stdout)
    assert [(r["agent"]["id"], r["version"], r["message"]) for r in listed] == [
        (agent, 1, "Prêt pour tous")
    ]
    assert listed[0]["tools"][0]["id"] == "calculator"
    assert "Calcule" in listed[0]["tools"][0]["effects"][0]
    changes = {change["field"]: change for change in listed[0]["changes"]}
    assert set(changes) == {"description", "instructions", "tools.calculator"}  # first: all set
    assert set(changes["instructions"]) == {"field", "label", "before", "after", "diff"}
    assert changes["instructions"]["diff"] == ["+ Réponds poliment.", "+ Cite le règlement."]
    assert changes["tools.calculator"]["label"] == "Outils › Calculatrice"
    assert (changes["tools.calculator"]["before"], changes["tools.calculator"]["diff"]) == (
        "non utilisé",
        [],
    )
    shown = ok("--as", RITA, "review", "show", "rédacteur rh").stdout
    assert "Première publication" in shown and "Rédacteur RH" in shown
    assert "Auteur : olga@example.fr" in shown and "+ Cite le règlement." in shown

    done = ok("--as", RITA, "review", "approve", agent, "--comment", "Très clair")
    assert "est publié pour toute l'organisation" in done.stderr
    carl = Workspace(CARL, open_catalogue())
    assert agent in {o.agent.id for o in carl.open_agents()}

    told = ok("--as", OLGA, "me", "notifications").stdout
    assert "« Rédacteur RH » (version 1) est publié pour toute l'organisation" in told
    assert "Très clair" in told
    assert "Aucune nouvelle notification" in ok("--as", OLGA, "me", "notifications").stderr
    everything = json.loads(ok("--as", OLGA, "me", "notifications", "--all", "--json").stdout)
    assert [n["kind"] for n in everything] == ["review.approved"]
    assert everything[0]["read_at"] is not None


def test_reject_needs_a_comment_and_self_review_is_refused(tmp_path: Path) -> None:
    agent = an_agent(tmp_path)
    ok("--as", OLGA, "agent", "publish", agent)
    bare = atelier("--as", RITA, "review", "reject", agent)
    assert bare.exit_code == 2 and "pourquoi vous renvoyez" in bare.stderr
    ok("--as", RITA, "review", "reject", agent, "--comment", "Citez vos sources")
    told = ok("--as", OLGA, "me", "notifications").stdout
    assert "a été renvoyée : Citez vos sources" in told
    gone = atelier("--as", RITA, "review", "show", agent)
    assert gone.exit_code == 3 and "agent introuvable" in gone.stderr

    own = an_agent(tmp_path, AGENT.replace("Rédacteur RH", "Mon agent"))
    ok("--as", OLGA, "agent", "publish", own)
    refused = atelier("--as", OLGA, "review", "approve", own)
    assert refused.exit_code == 2 and "relecteurs" in refused.stderr
    # a reviewer asking for her own agent cannot approve it herself
    path = tmp_path / "rita.yaml"
    path.write_text(AGENT.replace("Rédacteur RH", "Agent de Rita"), encoding="utf-8")
    hers = ok("--as", RITA, "agent", "import", str(path)).stdout.strip()
    ok("--as", RITA, "agent", "publish", hers)
    self_review = atelier("--as", RITA, "review", "approve", hers)
    assert self_review.exit_code == 2 and "un autre relecteur" in self_review.stderr


def test_a_new_version_goes_through_a_new_request(tmp_path: Path) -> None:
    agent = an_agent(tmp_path)
    ok("--as", OLGA, "agent", "publish", agent)
    ok("--as", RITA, "review", "approve", agent)
    again = atelier("--as", OLGA, "agent", "publish", agent)
    assert again.exit_code == 2 and "déjà publiée" in again.stderr
    path = tmp_path / "v2.yaml"
    v2 = AGENT.replace("Cite le règlement.", "Cite l'article.")
    path.write_text(v2 + "    approval: always_ask\n", encoding="utf-8")
    ok("--as", OLGA, "agent", "import", str(path), "--agent", agent)
    ok("--as", OLGA, "agent", "publish", agent, "-m", "v2")
    replaced = ok("--as", OLGA, "agent", "publish", agent, "-m", "v2 bis")
    assert "remplace la demande" in replaced.stderr
    shown = ok("--as", RITA, "review", "show", agent).stdout
    assert "Comparée à la version publiée 1" in shown
    assert "- Cite le règlement." in shown and "+ Cite l'article." in shown
    assert "Outils › Calculatrice › Validation avant utilisation" in shown
    assert "publiée : Selon l'outil" in shown and "demandée : Toujours demander" in shown
    assert "tools." not in shown  # labels, never field paths
    assert "« + » marque une ligne ajoutée" in shown
    [listed] = json.loads(ok("--as", RITA, "review", "list", "--json").stdout)
    assert [c["field"] for c in listed["changes"]] == ["instructions", "tools.calculator.approval"]


def test_administrators_unpublish_and_deprecate(tmp_path: Path) -> None:
    agent = an_agent(tmp_path)
    ok("--as", OLGA, "agent", "publish", agent)
    ok("--as", RITA, "review", "approve", agent)
    refused = atelier("--as", RITA, "agent", "deprecate", agent)
    assert refused.exit_code == 2 and "administrat" in refused.stderr
    assert "obsolète" in ok("--as", ADA, "agent", "deprecate", "Rédacteur RH").stderr
    assert open_catalogue().get_agent(agent).deprecated is True
    ok("--as", ADA, "agent", "deprecate", agent, "--undo")
    assert open_catalogue().get_agent(agent).deprecated is False
    assert "n'est plus publié" in ok("--as", ADA, "agent", "unpublish", agent).stderr
    carl = Workspace(CARL, open_catalogue())
    assert agent not in {o.agent.id for o in carl.open_agents()}
    again = atelier("--as", ADA, "agent", "unpublish", agent)
    assert again.exit_code == 3
    assert "n'est plus publié" in ok("--as", OLGA, "me", "notifications").stdout
