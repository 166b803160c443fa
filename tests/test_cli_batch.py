"""``atelier batch draft|resume|status|list|export|cancel|delete`` and ``atelier draft
list|show|approve|reject|send-back|measures|pairs``, driven in-process as several people on one
data directory, with the scripted model."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from citizen_reviews import FILE, reviews
from cli_driver import atelier, ok

from store.sql_catalogue import open_catalogue
from store.workspace import Workspace

OLGA, RITA, CARL = "olga@example.fr", "rita@example.fr", "carl@example.fr"


def world(tmp_path: Path, count: int = 50, extra: tuple[dict[str, object], ...] = ()) -> str:
    from people import enrol

    catalogue = open_catalogue()
    try:
        enrol(catalogue, OLGA, CARL)
        enrol(catalogue, RITA, role="user")
        enrol(catalogue, "ada@example.fr", role="admin")
        admin = Workspace("ada@example.fr", catalogue).people
        team = admin.add_team("Relecture")
        admin.add_member(team.id, RITA)
    finally:
        catalogue.close()
    script = tmp_path / "script.yaml"
    replies = [{"text": f"Réponse {n}."} for n in range(1, count + 1)] + list(extra)
    script.write_text(yaml.safe_dump(replies, allow_unicode=True), "utf-8")
    spec = tmp_path / "agent.yaml"
    spec.write_text(
        "schema: atelier/agent@1\nname: Réponses aux usagers\ninstructions: Réponds.\n"
        f"model: {{provider: scripted, name: '{script}'}}\n",
        "utf-8",
    )
    return ok("--as", OLGA, "agent", "import", str(spec)).stdout.strip()


def test_a_batch_drafted_reviewed_and_exported_from_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = world(tmp_path)
    record = tmp_path / "appels.jsonl"
    monkeypatch.setenv("ATELIER_SCRIPTED_RECORD", str(record))
    drafted = ok(
        "--as", OLGA, "batch", "draft", agent, str(FILE), "--column", "message",
        "--context", "date, service", "--assign", "team:Relecture",
    )  # fmt: skip
    batch = drafted.stdout.strip()
    assert batch.startswith("lot-")
    assert "50 messages à rédiger" in drafted.stderr and "50/50" in drafted.stderr
    assert "à relire 50" in drafted.stderr

    listed = json.loads(ok("--as", RITA, "batch", "list", "--json").stdout)
    assert [(b["id"], b["status"], b["counts"]) for b in listed] == [
        (batch, "done", {"to_review": 50})
    ]
    assert "Aucun lot" in ok("--as", CARL, "batch", "list").stderr

    queue = json.loads(ok("--as", RITA, "draft", "list", "--batch", batch, "--json").stdout)
    assert len(queue) == 50 and queue[0]["context"]["service"] == reviews()[0].service
    first, second, third, fourth = (d["id"] for d in queue[:4])
    shown = ok("--as", RITA, "draft", "show", first).stdout
    assert reviews()[0].message in shown and "Réponse 1." in shown
    assert "Aucun brouillon" in ok("--as", OLGA, "draft", "list").stderr  # not hers to decide

    ok("--as", RITA, "draft", "approve", first)
    final = tmp_path / "final.txt"
    final.write_text("Bonjour, voici notre réponse corrigée.\n", "utf-8")
    edited = ok("--as", RITA, "draft", "approve", second, "--file", str(final))
    assert "corrections" in edited.stderr
    refused = atelier("--as", RITA, "draft", "reject", third)
    assert refused.exit_code != 0 and "pourquoi" in refused.stderr
    ok("--as", RITA, "draft", "reject", third, "--reason", "Hors sujet")
    sent = ok("--as", RITA, "draft", "send-back", fourth, "--instruction", "Plus court")
    assert "renvoyé" in sent.stderr  # she does not reach the agent: its owner redrafts
    resumed = ok("--as", OLGA, "batch", "resume", batch)
    assert resumed.stdout.strip() == batch
    again = json.loads(ok("--as", RITA, "draft", "show", fourth, "--json").stdout)
    assert (again["status"], again["attempts"]) == ("to_review", 2)
    asked = json.loads(record.read_text("utf-8").splitlines()[-1])[-1]  # each process replays
    assert "Plus court" in asked and "Réponse 4." in asked and reviews()[3].message in asked

    status = ok("--as", OLGA, "batch", "status", batch).stdout
    assert "approuvé : 2" in status and "rejeté : 1" in status

    out = tmp_path / "réponses.csv"
    ok("--as", OLGA, "batch", "export", batch, "-o", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["ligne", "message", "date", "service"]
    assert rows[1][5] == "Réponse 1." and rows[2][5] == "Bonjour, voici notre réponse corrigée."
    again = atelier("--as", OLGA, "batch", "export", batch, "-o", str(out))
    assert again.exit_code != 0  # never overwrites
    xlsx = tmp_path / "réponses.xlsx"
    ok("--as", OLGA, "batch", "export", batch, "-o", str(xlsx), "--approved-only")
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    assert sheet.max_row == 3
    wrong = atelier("--as", OLGA, "batch", "export", batch, "-o", str(tmp_path / "r.pdf"))
    assert wrong.exit_code != 0 and "csv ou xlsx" in wrong.stderr

    measures = json.loads(ok("--as", OLGA, "draft", "measures", agent, "--json").stdout)
    overall = measures["overall"]
    assert (overall["approved_unchanged"], overall["approved_edited"], overall["rejected"]) == (
        1,
        1,
        1,
    )
    assert RITA in measures["by_reviewer"]
    assert "TELS QUELS" in ok("--as", OLGA, "draft", "measures").stdout
    pairs = tmp_path / "paires.jsonl"
    ok("--as", OLGA, "draft", "pairs", agent, "-o", str(pairs))
    lines = [json.loads(line) for line in pairs.read_text("utf-8").splitlines()]
    assert [(p["status"], p["edited"]) for p in lines] == [
        ("approved", False),
        ("approved", True),
        ("rejected", False),
    ]
    assert lines[1]["final"] == "Bonjour, voici notre réponse corrigée."
    theirs = atelier("--as", CARL, "draft", "pairs", agent, "-o", str(tmp_path / "c.jsonl"))
    assert theirs.exit_code != 0 and not (tmp_path / "c.jsonl").exists()


def test_bad_files_and_unknown_things_are_refused_plainly(tmp_path: Path) -> None:
    agent = world(tmp_path, count=2)
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    said = atelier("--as", OLGA, "batch", "draft", agent, str(empty), "--column", "message")
    assert said.exit_code != 0 and "vide" in said.stderr
    missing = atelier("--as", OLGA, "batch", "draft", agent, str(FILE), "--column", "texte")
    assert missing.exit_code != 0 and "date, service, message" in missing.stderr
    absent = atelier("--as", OLGA, "batch", "draft", agent, "absent.csv", "--column", "message")
    assert absent.exit_code != 0 and "absent.csv" in absent.stderr
    assert "Aucun lot" in ok("--as", OLGA, "batch", "list").stderr  # nothing half-created
    unknown = atelier("--as", OLGA, "batch", "status", "lot-0000000000")
    assert unknown.exit_code != 0 and "Aucun lot « lot-0000000000 »" in unknown.stderr
    draft = atelier("--as", OLGA, "draft", "show", "dr-0000000000000000")
    assert draft.exit_code != 0 and "Aucun brouillon" in draft.stderr


def test_a_batch_with_a_failing_row_is_resumed_and_deleted(tmp_path: Path) -> None:
    agent = world(tmp_path, count=0, extra=(
        {"text": "Un."},
        {"tool_calls": [{"name": "outil_absent", "args": {}}]},
        {"text": "Trois."},
        {"text": "Deux, enfin."},
    ))  # fmt: skip
    data = tmp_path / "trois.csv"
    data.write_text("message\nA\nB\nC\n", "utf-8")
    batch = ok("--as", OLGA, "batch", "draft", agent, str(data), "-c", "message").stdout.strip()
    status = ok("--as", OLGA, "batch", "status", batch).stdout
    assert "ligne 2 en échec" in status and "outil_absent" in status
    resumed = json.loads(ok("--as", OLGA, "batch", "resume", batch, "--json").stdout)
    assert resumed["counts"] == {"to_review": 3}
    kept = atelier("--as", OLGA, "batch", "delete", batch, input="non\n")
    assert kept.exit_code != 0 and "Rien n'a été effacé" in kept.stderr
    ok("--as", OLGA, "batch", "delete", batch, "--yes")
    assert "Aucun lot" in ok("--as", OLGA, "batch", "list").stderr
