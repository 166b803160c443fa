"""What supervised drafting must also guard (helper H4a, over the lead's implementation):

- four eyes: when reviewers are named, the person who asked never approves their own drafts,
  even as a member of the team named;
- no tool with effects runs on a draft nobody approved: under ``oversight: review`` such tools
  ask first (in a batch nobody is there: the row fails and says why); an answer given after an
  approved tool call is a draft too;
- a quota reached midway stops the batch with its rows left queued;
- what was said is erased for real: a conversation's drafts go with it, a person's drafts go
  with them, and deleted drafts leave no text in the catalogue's files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from people import enrol
from test_drafting import services  # the same services over a real catalogue

from agents.errors import NotFound, Refused, UserError
from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from store import config
from store.accounts import TeamRecord
from store.database import utc_now
from store.files import FileStore
from store.secrets import close_secret_stores
from store.sql_catalogue import SqlCatalogue, open_catalogue
from store.usage import QuotaExceeded
from store.workspace import Workspace

AGNES, BRUNO, DAVID = "agnes@exemple.fr", "bruno@exemple.fr", "david@exemple.fr"
CANARY = "Canari-5c1e"


@pytest.fixture
def catalogue() -> Iterator[SqlCatalogue]:
    catalogue = open_catalogue()
    enrol(catalogue, AGNES, BRUNO)
    enrol(catalogue, DAVID, role="admin")
    catalogue.add_team(TeamRecord("tm-usagers", "Usagers", utc_now()))
    catalogue.add_member("tm-usagers", AGNES)
    catalogue.add_member("tm-usagers", BRUNO)
    yield catalogue
    close_secret_stores()


def agent(services: Services, tmp_path: Path, replies: str, extra: str = "") -> str:
    script = tmp_path / "replies.yaml"
    script.write_text(replies, "utf-8")
    spec = AgentSpec.from_yaml(
        "schema: atelier/agent@1\nname: Réponses\ninstructions: Tu rédiges.\n"
        f"model: {{provider: scripted, name: '{script}'}}\n{extra}"
    )
    return services.create_agent(spec).agent_id


def holding(needle: str) -> list[Path]:
    root = config.data_dir()
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_the_requester_never_approves_drafts_assigned_to_her_own_team(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    agnes, bruno = services(catalogue, AGNES), services(catalogue, BRUNO)
    agent_id = agent(
        agnes, tmp_path, '- {text: "Brouillon.", repeat: true}\n', "oversight: review\n"
    )
    batch = agnes.start_batch(
        agent_id, "avis.csv", b"message\nUn\nDeux\n", "message", (), "team:Usagers"
    )
    agnes.draft_batch(batch.id)
    assert agnes.review_queue() == []  # she is in the team, but she asked
    first, _ = bruno.review_queue()
    with pytest.raises(Refused):
        agnes.approve_draft(first.id)
    assert bruno.approve_draft(first.id).decided_by == BRUNO
    chat = agent(
        agnes,
        tmp_path,
        '- "Réponse."\n',
        "oversight:\n  mode: review\n  reviewers: [team:Usagers]\n",
    )
    thread = agnes.run(chat, "Question").thread
    (answer,) = agnes.conversation_drafts(thread)
    with pytest.raises(Refused):
        agnes.approve_draft(answer.id)
    assert bruno.approve_draft(answer.id).status == "approved"


TOOL_CALL = '- tool_calls: [{name: create_document, args: {title: Note, content: "x"}}]\n'


def test_no_tool_with_effects_runs_on_a_draft_nobody_approved(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    agnes = services(catalogue, AGNES)
    replies = TOOL_CALL + TOOL_CALL + '- "Document prêt."\n'
    tools = "tools: [{id: create_document, approval: never_ask}]\noversight: review\n"
    agent_id = agent(agnes, tmp_path, replies, tools)
    batch = agnes.start_batch(agent_id, "avis.csv", b"message\nUne note\n", "message")
    done = agnes.draft_batch(batch.id)
    assert done.counts == {"failed": 1}
    (row,) = catalogue.list_drafts(batch_id=batch.id)
    assert "approbation" in row.error
    assert FileStore().for_principal(AGNES).list() == []  # the document was never written
    paused = agnes.run(agent_id, "Écris la note.")
    assert paused.outcome == "awaiting_approval"  # never_ask is not honoured under review
    assert agnes.conversation_drafts(paused.thread) == []
    list(agnes.approve(paused.thread, "approve", tokens=False))
    (draft,) = agnes.conversation_drafts(paused.thread)
    assert (draft.draft, draft.message, draft.status) == (
        "Document prêt.",
        "Écris la note.",
        "to_review",
    )
    assert len(FileStore().for_principal(AGNES).list()) == 1  # once a person approved it


def test_a_quota_reached_midway_leaves_the_rows_queued(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    agnes = services(catalogue, AGNES)
    agent_id = agent(agnes, tmp_path, '- {text: "Réponse.", repeat: true}\n')
    batch = agnes.start_batch(agent_id, "avis.csv", b"message\nUn\nDeux\nTrois\n", "message")
    Workspace(DAVID, catalogue).usage.set_quota("person", AGNES, "tokens", 1)
    with pytest.raises(QuotaExceeded):
        agnes.draft_batch(batch.id)  # the first row spends the month's tokens
    assert agnes.batch(batch.id).counts == {"to_review": 1, "queued": 2}


def test_what_was_said_is_erased_with_the_conversation_and_the_person(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    agnes = services(catalogue, AGNES)
    replies = f'- {{text: "Réponse {CANARY}.", repeat: true}}\n'
    agent_id = agent(agnes, tmp_path, replies, "oversight: review\n")
    thread = agnes.run(agent_id, f"Question {CANARY}").thread
    assert len(agnes.conversation_drafts(thread)) == 1
    agnes.delete_conversation(thread)
    assert catalogue.list_drafts(thread_id=thread) == []
    assert holding(CANARY) == []

    bruno = services(catalogue, BRUNO)
    agnes.workspace.sharing.share_agent(agent_id, f"user:{BRUNO}", "use")
    agnes.workspace.sharing.publish(agent_id)
    batch = bruno.start_batch(agent_id, "avis.csv", f"message\n{CANARY}\n".encode(), "message")
    bruno.draft_batch(batch.id)
    assert holding(CANARY) != []  # the test can fail
    Workspace(DAVID, catalogue).people.erase_person(BRUNO, lambda ids: _erase(agnes, ids))
    assert catalogue.list_drafts(requester=BRUNO) == []
    assert catalogue.get_batch(batch.id) is None
    assert holding(CANARY) == []


def _erase(services: Services, thread_ids: list[str]) -> None:
    from agents.checkpoints import erase_threads

    erase_threads(services.checkpointer, thread_ids)


def test_a_chat_draft_for_reviewers_nobody_matches_waits_for_them(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    agnes = services(catalogue, AGNES)
    named = "oversight:\n  mode: review\n  reviewers: [team:Disparue, Bruno@Exemple.fr]\n"
    agent_id = agent(agnes, tmp_path, '- "Brouillon."\n', named)
    thread = agnes.run(agent_id, "Question").thread  # the turn ends with its answer
    (draft,) = agnes.conversation_drafts(thread)
    assert draft.assignee == f"team:Disparue,{BRUNO}"  # a login matched whatever its case
    with pytest.raises(Refused):
        agnes.approve_draft(draft.id)
    bruno = services(catalogue, BRUNO)
    bruno.approve_draft(draft.id)
    with pytest.raises(UserError) as late:
        bruno.reject_draft(draft.id, "Trop tard")
    assert "(état : approuvé)" in late.value.message()


def test_spreadsheet_values_are_read_as_people_see_them_and_none_is_cut(
    catalogue: SqlCatalogue,
) -> None:
    import datetime as dt
    import io

    from openpyxl import Workbook

    agnes = services(catalogue, AGNES)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["date", "numéro", "message", None, None])
    sheet.append([dt.datetime(2026, 3, 4), 12.0, "Bonjour", None, None])
    out = io.BytesIO()
    book.save(out)
    table = agnes.batch_columns("avis.xlsx", out.getvalue())
    assert table.columns == ["date", "numéro", "message"]
    assert table.rows == [{"date": "2026-03-04", "numéro": "12", "message": "Bonjour"}]
    cut = b"date,message\n2026-01-01,Bonjour\n2026-01-02,Trop long, vraiment\n"
    with pytest.raises(UserError) as refused:
        agnes.batch_columns("avis.csv", cut)
    assert refused.value.key == "drafts.file_extra_values"
    assert "ligne 3" in refused.value.message().casefold()


def test_failed_rows_get_another_try(catalogue: SqlCatalogue, tmp_path: Path) -> None:
    from cli_driver import ok

    agnes = services(catalogue, AGNES)
    failing = "- tool_calls: [{name: outil_absent, args: {}}]\n"
    agent_id = agent(agnes, tmp_path, '- "Un."\n' + failing + '- "Trois."\n- "Deux, enfin."\n')
    batch = agnes.start_batch(agent_id, "avis.csv", b"message\nA\nB\nC\n", "message")
    assert agnes.draft_batch(batch.id).counts == {"to_review": 2, "failed": 1}
    (failed,) = catalogue.list_drafts(batch_id=batch.id, statuses=["failed"])
    with pytest.raises(UserError):  # nothing to send back: it has no draft
        agnes.send_back_draft(failed.id, "Réessaie")
    with pytest.raises(NotFound):
        services(catalogue, BRUNO).retry_failed_rows(batch.id)
    assert agnes.retry_failed_rows(batch.id) == 1
    assert agnes.draft_batch(batch.id).counts == {"to_review": 3}
    again = agnes.reply_draft(failed.id)
    assert (again.draft, again.error, again.attempts) == ("Deux, enfin.", "", 2)
    said = ok("--as", AGNES, "batch", "retry", batch.id)
    assert "0 ligne(s) en échec" in said.stderr


def test_a_persons_export_holds_the_drafts_made_for_them(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    import json
    import zipfile
    from io import BytesIO

    from builder_ui.services.my_data import export_my_data

    agnes = services(catalogue, AGNES)
    agent_id = agent(agnes, tmp_path, '- {text: "Réponse.", repeat: true}\n', "oversight: review\n")
    batch = agnes.start_batch(agent_id, "avis.csv", b"message\nMon dossier\n", "message")
    agnes.draft_batch(batch.id)
    thread = agnes.run(agent_id, "Ma question").thread
    archive = zipfile.ZipFile(BytesIO(export_my_data(agnes)))
    lines = archive.read("reply_drafts.jsonl").decode("utf-8").splitlines()
    drafts = [json.loads(line) for line in lines]
    assert [(d["message"], d["draft"], d["status"]) for d in drafts] == [
        ("Mon dossier", "Réponse.", "to_review"),
        ("Ma question", "Réponse.", "to_review"),
    ]
    assert drafts[0]["batch_id"] == batch.id and drafts[1]["thread_id"] == thread
