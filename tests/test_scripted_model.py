"""The scripted model's conveniences for tests that run the builder in another process."""

from __future__ import annotations

import json
from pathlib import Path


def test_a_repeated_reply_and_a_record_of_what_the_model_received(tmp_path: Path) -> None:
    from langchain_core.messages import HumanMessage

    from agents.models.builtin import _scripted
    from agents.spec import ModelSettings

    script = tmp_path / "script.yaml"
    script.write_text('- "Un."\n- {text: "Encore <PERSONNE_1>.", repeat: true}\n', "utf-8")
    record = tmp_path / "received.jsonl"
    model = _scripted(
        ModelSettings(provider="scripted", name=str(script)),
        {"ATELIER_SCRIPTED_RECORD": str(record)},
    )
    answers = [model.invoke([HumanMessage(f"message {i}")]).text for i in range(4)]
    assert answers == ["Un.", *["Encore <PERSONNE_1>."] * 3]
    lines = record.read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [[f"message {i}"] for i in range(4)]
