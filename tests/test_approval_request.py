"""What an approval card is given to show: the effects the tool declares, and its arguments as
(label, value) pairs in the person's language, never raw JSON (issue 8, no. 6)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.approvals import approval_request, argument_rows, effect_lines
from agents.checkpoints import memory_checkpointer
from agents.models.scripted import ScriptedChatModel, ScriptedReply
from agents.runtime import AgentRuntime
from agents.spec import AgentSpec
from tools.registry import ToolDefinition, default_registry


def request_for(tool_id: str, args: dict[str, Any]) -> dict[str, Any]:
    definition = default_registry().get(tool_id)
    return approval_request({"id": "c1", "name": tool_id, "args": args}, definition)


def test_create_document_says_it_writes_a_file() -> None:
    request = request_for("create_document", {"title": "Note", "content": "# Bonjour"})
    assert request["effects"] == ["writes_files"]
    (line,) = effect_lines(request["effects"], "fr")
    assert "fichier" in line and "vos fichiers" in line
    assert "lire ou calculer" not in line
    (english,) = effect_lines(request["effects"], "en")
    assert "file" in english and "your files" in english


def test_each_builtin_tool_declares_its_effects() -> None:
    for tool in default_registry().all():
        assert tool.effects, f"{tool.id} declares no effect"
        for line in effect_lines(list(tool.effects), "fr"):
            assert not line.startswith("tool.effect."), line
    assert default_registry().get("calculator").effects == ("computes",)
    assert default_registry().get("url_fetch").effects == ("reads_web",)


def test_arguments_are_labelled_in_the_persons_language() -> None:
    request = request_for("web_search", {"query": "prime rénov", "max_results": 3})
    assert argument_rows(request, "fr") == [
        ("Recherche", "prime rénov"),
        ("Nombre de résultats", "3"),
    ]
    assert argument_rows(request, "en") == [("Search", "prime rénov"), ("Number of results", "3")]
    fetch = request_for("url_fetch", {"url": "https://www.service-public.fr/"})
    assert argument_rows(fetch, "fr") == [("Adresse", "https://www.service-public.fr/")]


class TicketArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(title="Intitulé du ticket")
    urgent: bool = Field(description="Ticket urgent ?")
    body: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)


def test_a_plugin_tool_uses_its_schema_and_nothing_is_raw_json() -> None:
    tool = ToolDefinition(
        "open_ticket", "Ticket", "Ouvre un ticket.", TicketArgs, lambda a, c: {}, consequential=True
    )
    args = {
        "title": "Panne",
        "urgent": True,
        "body": {"site": "Lyon", "étage": 2},
        "tags": ["wifi", "réseau"],
    }
    request = approval_request({"id": "c1", "name": "open_ticket", "args": args}, tool)
    assert request["effects"] == ["acts_outside"]
    rows = argument_rows(request, "fr")
    assert rows == [
        ("Intitulé du ticket", "Panne"),
        ("Ticket urgent ?", "oui"),
        ("Body › site", "Lyon"),
        ("Body › étage", "2"),
        ("Tags", "wifi, réseau"),
    ]
    assert not any("{" in value or "[" in value for _, value in rows)


def test_the_pending_approval_of_a_run_carries_effects_and_labels() -> None:
    spec = AgentSpec.from_yaml(
        "schema: atelier/agent@1\nname: Rédactrice\ntools:\n"
        "  - id: create_document\n    approval: always_ask\n"
    )
    call = {"name": "create_document", "args": {"title": "Compte rendu", "content": "Texte"}}
    model = ScriptedChatModel(replies=[ScriptedReply.model_validate({"tool_calls": [call]})])
    runtime = AgentRuntime(spec, model, default_registry(), memory_checkpointer())
    result = runtime.run("t1", "Écris le compte rendu")
    pending = result.pending_approval
    assert pending is not None and pending["effects"] == ["writes_files"]
    assert argument_rows(pending, "fr")[:2] == [
        ("Titre", "Compte rendu"),
        ("Contenu (Markdown)", "Texte"),
    ]
