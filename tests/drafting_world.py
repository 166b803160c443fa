"""A small world for the supervised-drafting tests: an installation with a creator (Olga), two
reviewers in the team "Relecture" (Rita, Rémi), an outsider (Carl), an agent drafting with the
scripted model, and files of messages (the fifty citizens' reviews as CSV and XLSX)."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from citizen_reviews import FILE, as_csv, reviews
from people import enrol

from agents.spec import AgentSpec, ModelSettings, Oversight
from builder_ui.services.installation import Installation, Services
from store.workspace import Workspace

OLGA, RITA, REMI, CARL = "olga@example.fr", "rita@example.fr", "remi@example.fr", "carl@example.fr"
ADA = "ada@example.fr"
TEAM = "Relecture"


def people(installation: Installation) -> None:
    catalogue = installation._catalogue
    enrol(catalogue, OLGA, CARL)
    enrol(catalogue, RITA, REMI, role="user")
    enrol(catalogue, ADA, role="admin")
    admin = Workspace(ADA, catalogue).people
    team = admin.add_team(TEAM)
    admin.add_member(team.id, RITA)
    admin.add_member(team.id, REMI)


def script(path: Path, replies: list[dict[str, object]]) -> ModelSettings:
    path.write_text(yaml.safe_dump(replies, allow_unicode=True), "utf-8")
    return ModelSettings(provider="scripted", name=str(path))


def replies(count: int, failing: frozenset[int] = frozenset()) -> list[dict[str, object]]:
    """One reply per row, numbered; a row in ``failing`` asks for a tool the agent lacks."""
    found: list[dict[str, object]] = []
    for n in range(1, count + 1):
        if n in failing:
            found.append({"tool_calls": [{"name": "outil_absent", "args": {}}]})
        else:
            found.append({"text": f"Bonjour, voici notre réponse numéro {n}."})
    return found


def agent(
    services: Services,
    model: ModelSettings,
    name: str = "Réponses aux usagers",
    review: bool = False,
    reviewers: list[str] | None = None,
) -> str:
    oversight = None
    if review or reviewers:
        oversight = Oversight(mode="review", reviewers=reviewers or [])
    spec = AgentSpec(name=name, instructions="Réponds poliment.", model=model, oversight=oversight)
    return services.workspace.create_agent(spec).agent_id


def reviews_csv(count: int = 50) -> bytes:
    """The first ``count`` reviews as CSV (all fifty: the file in tests/data)."""
    return FILE.read_bytes() if count == 50 else as_csv(reviews()[:count]).encode("utf-8")


def reviews_xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["date", "service", "message"])
    for row in reviews():
        sheet.append([row.date, row.service, row.message])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def scripted_prompts(services: Services) -> list[str]:
    """The last human message of each call the session's scripted model received."""
    from agents.models.scripted import ScriptedChatModel

    found = []
    for model in services._models.values():
        if isinstance(model, ScriptedChatModel):
            for call in model.prompts:
                humans = [m.text for m in call if m.type == "human"]
                found.append(humans[-1] if humans else "")
    return found
