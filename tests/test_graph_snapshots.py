"""The compiled graph of every template, snapshotted: a change of shape is a reviewed change.

Run with ``UPDATE_SNAPSHOTS=1`` to rewrite the snapshots after an intended change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents.compiler import compile_agent
from agents.models.scripted import ScriptedChatModel
from agents.template_catalogue import list_templates
from tools.registry import default_registry

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize(("template_id", "spec"), list_templates(), ids=lambda v: str(v)[:30])
def test_template_graph_matches_its_snapshot(template_id: str, spec: object) -> None:
    graph = compile_agent(spec, ScriptedChatModel(replies=[]), default_registry())  # type: ignore[arg-type]
    drawn = graph.get_graph().draw_mermaid()
    path = SNAPSHOTS / f"{template_id}.mmd"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(drawn, "utf-8")
    assert path.exists(), f"no snapshot for {template_id}: run with UPDATE_SNAPSHOTS=1"
    assert drawn == path.read_text("utf-8")
    assert ("tools(tools)" in drawn) == bool(spec.tools)  # type: ignore[attr-defined]
