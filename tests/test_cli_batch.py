"""``atelier batch`` and ``atelier draft`` (issue 11, item 1) in-process: the fifty citizens'
reviews drafted with a progress bar, their status, a draft approved with an edited text, one
rejected, one sent back, and the replies exported to CSV and XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from citizen_reviews import FILE
from cli_driver import as_json, atelier, ok


def an_agent(tmp_path: Path) -> None:
    replies = tmp_path / "replies.yaml"
    replies.write_text('- {text: "Bonjour, merci pour votre message.", repeat: true}\n', "utf-8")
    spec = tmp_path / "reponses.yaml"
    spec.write_text(
        "schema: atelier/agent@1\nname: Réponses\ninstructions: Tu rédiges.\n"
        f"model: {{provider: scripted, name: '{replies}'}}\noversight: review\n",
        "utf-8",
    )
    ok("agent", "import", str(spec))


def test_a_batch_from_the_terminal(tmp_path: Path) -> None:
    an_agent(tmp_path)
    drafted = ok(
        "batch", "draft", "Réponses", str(FILE), "--column", "message", "--context", "date,service"
    )
    assert "50 message(s)" in drafted.stderr and "à relire 50" in drafted.stdout
    (batch,) = as_json("batch", "list")
    assert batch["counts"] == {"to_review": 50} and batch["file"] == "avis-usagers.csv"
    assert "50/50" in ok("batch", "status", batch["id"]).stdout
    drafts = as_json("draft", "list", "--batch", batch["id"])
    assert len(drafts) == 50
    first, second, third = (d["id"] for d in drafts[:3])
    shown = ok("draft", "show", first).stdout
    assert "Bonjour, merci pour votre message." in shown and "joignable au" in shown
    ok("draft", "approve", first, "--text", "Bonjour, nous vous rappelons demain.")
    ok("draft", "approve", second)
    refused = atelier("draft", "reject", third, "--reason", " ")
    assert refused.exit_code != 0 and "pourquoi" in refused.stderr
    ok("draft", "reject", third, "--reason", "Message sans demande.")
    sent = ok("draft", "send-back", drafts[3]["id"], "--instruction", "Plus court.")
    assert "à relire" in sent.stderr  # drafted again at once
    out = tmp_path / "reponses.csv"
    ok("batch", "export", batch["id"], "-o", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["message", "date", "service"] and len(rows) == 51
    assert rows[1][4] == "Bonjour, nous vous rappelons demain." and rows[1][3] == "approuvé"
    again = atelier("batch", "export", batch["id"], "-o", str(out))
    assert again.exit_code != 0  # never overwrites a file
    xlsx = tmp_path / "reponses.xlsx"
    ok("batch", "export", batch["id"], "-o", str(xlsx))
    assert xlsx.read_bytes()[:2] == b"PK"
    wrong = atelier("batch", "export", batch["id"], "-o", str(tmp_path / "r.pdf"))
    assert wrong.exit_code != 0 and "csv ou xlsx" in wrong.stderr


def test_a_missing_column_is_named_and_nothing_is_created(tmp_path: Path) -> None:
    an_agent(tmp_path)
    result = atelier("batch", "draft", "Réponses", str(FILE), "--column", "avis")
    assert result.exit_code != 0 and "« avis »" in result.stderr and "message" in result.stderr
    assert as_json("batch", "list") == []
