"""``atelier privacy pseudonymise``: a file printed with placeholders, and the JSONL form (one
``{"text"}`` in, one ``{"text", "entities"}`` out, in order, offsets in the text read); a bad
line is named and the lines before it are written. The real French pipeline."""

from __future__ import annotations

import json
from pathlib import Path

from cli_driver import atelier, ok


def test_a_file_is_printed_with_placeholders(tmp_path: Path) -> None:
    letter = tmp_path / "courrier.txt"
    letter.write_text("Je suis Léa Fontaine, joignable au 06 12 34 56 78.\n", "utf-8")
    assert ok("privacy", "pseudonymise", str(letter)).stdout == (
        "Je suis <PERSONNE_1>, joignable au <TELEPHONE_1>.\n"
    )


def test_jsonl_in_order_with_offsets_and_a_bad_line_named(tmp_path: Path) -> None:
    lines = [
        {"text": "Rappeler Marie Dupont au 0612345678."},
        {"text": "Rien de personnel ici."},
        {"text": "IBAN FR76 3000 6000 0112 3456 7890 189"},
    ]
    data = tmp_path / "messages.jsonl"
    data.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")
    out = [
        json.loads(line)
        for line in ok("privacy", "pseudonymise", "--jsonl", str(data)).stdout.splitlines()
    ]
    assert [o["text"] for o in out] == [
        "Rappeler <PERSONNE_1> au <TELEPHONE_1>.",
        "Rien de personnel ici.",
        "IBAN <IBAN_1>",
    ]
    first = lines[0]["text"]
    assert [(e["type"], first[e["start"] : e["end"]]) for e in out[0]["entities"]] == [
        ("PERSONNE", "Marie Dupont"),
        ("TELEPHONE", "0612345678"),
    ]
    assert out[1]["entities"] == []
    data.write_text(json.dumps(lines[0]) + "\n{pas du json\n", "utf-8")
    bad = atelier("privacy", "pseudonymise", "--jsonl", str(data))
    assert bad.exit_code != 0 and "Ligne 2" in bad.stderr
    assert bad.stdout.count("\n") == 1  # the first line was written
