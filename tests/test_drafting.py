"""Supervised drafting (issue 11, item 1) through the services: a file of citizens' reviews is
drafted row by row by an agent under review, a failed row is marked and the others go on, a
stopped process's rows are drafted again, a reviewer approves (edited or not), rejects with a
reason or sends back with an instruction, and the replies export as CSV and XLSX. A scripted
model, a real SQLite catalogue and a real checkpointer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from citizen_reviews import FILE, reviews
from people import enrol

from agents.checkpoints import sqlite_checkpointer
from agents.errors import NotFound, Refused, UserError
from agents.models.registry import default_registry as default_providers
from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from store import config
from store.accounts import TeamRecord
from store.database import utc_now
from store.secrets import close_secret_stores
from store.sql_catalogue import SqlCatalogue, open_catalogue
from store.workspace import Workspace
from tools.registry import default_registry as default_tools

AGNES, BRUNO, CHLOE, DAVID = (
    "agnes@exemple.fr",  # civil servant: starts the batch
    "bruno@exemple.fr",  # in the Usagers team: reviews
    "chloe@exemple.fr",  # creator of nothing here, outside the team
    "david@exemple.fr",  # administrator
)


def spec(script: Path, reviewers: str = "") -> AgentSpec:
    extra = f"  reviewers: [{reviewers}]\n" if reviewers else ""
    return AgentSpec.from_yaml(
        "schema: atelier/agent@1\nname: Réponses\ninstructions: Tu rédiges.\n"
        f"model: {{provider: scripted, name: '{script}'}}\n"
        f"oversight:\n  mode: review\n{extra}"
    )


@pytest.fixture
def catalogue() -> Iterator[SqlCatalogue]:
    catalogue = open_catalogue()
    enrol(catalogue, AGNES, BRUNO, CHLOE)
    enrol(catalogue, DAVID, role="admin")
    catalogue.add_team(TeamRecord("tm-usagers", "Usagers", utc_now()))
    catalogue.add_member("tm-usagers", BRUNO)
    yield catalogue
    close_secret_stores()


def services(catalogue: SqlCatalogue, login: str) -> Services:
    return Services(
        workspace=Workspace(login, catalogue),
        tools=default_tools(),
        providers=default_providers(),
        checkpointer=sqlite_checkpointer(config.threads_path()),
    )


def script(tmp_path: Path, *replies: str) -> Path:
    path = tmp_path / "replies.yaml"
    lines = [f"- {r}" for r in replies]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_fifty_reviews_drafted_decided_and_exported(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    replies = script(
        tmp_path,
        "{error: server_error}",  # the 3rd row's model call fails three times: it is marked
        '{text: "Bonjour, merci pour votre message.", repeat: true}',
    )
    agnes = services(catalogue, AGNES)
    agent = agnes.create_agent(spec(replies, "team:Usagers")).agent_id
    agnes.share(agent, "team:Usagers", "use")  # the reviewers use it too (to draft again)
    columns = agnes.batch_columns(FILE.name, FILE.read_bytes())
    assert columns.columns == ["date", "service", "message"] and len(columns.rows) == 5
    batch = agnes.start_batch(agent, FILE.name, FILE.read_bytes(), "message", ["date", "service"])
    assert batch.total == 50 and batch.counts == {"queued": 50} and batch.assignee == "team:Usagers"
    seen: list[int] = []
    done = agnes.draft_batch(batch.id, progress=lambda b: seen.append(b.drafted))
    assert seen == list(range(1, 51))  # progress after each row
    assert done.counts.get("to_review", 0) + done.counts.get("failed", 0) == 50
    rows = agnes.batch_drafts(batch.id)
    assert [d.row for d in rows] == list(range(1, 51))
    assert rows[0].context == {"date": reviews()[0].date, "service": reviews()[0].service}

    # Agnès asked, but reviewers are named: the team decides, not she.
    first = rows[0] if rows[0].status == "to_review" else rows[1]
    with pytest.raises(Refused):
        agnes.approve_draft(first.id)
    bruno = services(catalogue, BRUNO)
    queue = bruno.review_queue(batch.id)
    assert len(queue) == done.counts.get("to_review", 0), done.counts
    bruno.approve_draft(queue[0].id)
    bruno.approve_draft(queue[1].id, "Bonjour, nous reprenons votre dossier.")
    with pytest.raises(UserError):
        bruno.reject_draft(queue[2].id, " ")
    bruno.reject_draft(queue[2].id, "Hors sujet.")
    with pytest.raises(UserError):
        bruno.approve_draft(queue[2].id)  # decided already
    again = bruno.send_back_draft(queue[3].id, "Plus court.")
    assert again.status == "to_review" and again.instruction == "Plus court."

    # Chloé, outside the team, finds nothing; the export holds every row.
    chloe = services(catalogue, CHLOE)
    with pytest.raises(NotFound):
        chloe.batch(batch.id)
    with pytest.raises(NotFound):
        chloe.reply_draft(queue[0].id)
    assert chloe.review_queue() == []
    exported = agnes.export_batch(batch.id, "csv").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(exported), delimiter=";"))
    assert table[0][:3] == ["message", "date", "service"] and len(table) == 51
    approved = [r for r in table[1:] if r[3] == "approuvé"]
    assert sorted(r[4] for r in approved) == [
        "Bonjour, merci pour votre message.",
        "Bonjour, nous reprenons votre dossier.",
    ]
    xlsx = agnes.export_batch(batch.id, "xlsx")
    assert xlsx[:2] == b"PK"

    measures = services(catalogue, AGNES).oversight_measures(agent)
    (by_agent,) = measures.by_agent
    assert (by_agent.approved_unchanged, by_agent.approved_edited, by_agent.rejected) == (1, 1, 1)
    assert 0 < by_agent.mean_distance < 1
    (by_bruno,) = measures.by_reviewer
    assert by_bruno.key == BRUNO and by_bruno.decided == 3
    pairs = agnes.draft_pairs(agent).decode()
    assert "expect_contains" in pairs and "Bonjour, nous reprenons votre dossier." in pairs
    actions = [e.action for e in catalogue.audit_range(0, 1000)]
    for action in ("batch.started", "draft.approved", "draft.rejected", "draft.sent_back"):
        assert action in actions


def test_a_failed_row_is_marked_and_the_others_go_on(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    replies = script(
        tmp_path,
        '"Brouillon un."',
        "{error: timeout}",
        "{error: timeout}",
        "{error: timeout}",
        '{text: "Brouillon suivant.", repeat: true}',
    )
    agnes = services(catalogue, AGNES)
    agent = agnes.create_agent(spec(replies)).agent_id
    data = "message\nPremier avis\nDeuxième avis\nTroisième avis\n".encode()
    batch = agnes.start_batch(agent, "avis.csv", data, "message")
    done = agnes.draft_batch(batch.id)
    drafts = agnes.batch_drafts(batch.id)
    assert [d.status for d in drafts] == ["to_review", "failed", "to_review"]
    assert drafts[1].error and drafts[2].draft == "Brouillon suivant."
    assert done.counts == {"to_review": 2, "failed": 1}
    # With no reviewer named, the person who asked decides.
    assert agnes.approve_draft(drafts[0].id).status == "approved"


def test_rows_a_stopped_process_left_are_drafted_again(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    replies = script(tmp_path, '{text: "Brouillon.", repeat: true}')
    agnes = services(catalogue, AGNES)
    agent = agnes.create_agent(spec(replies)).agent_id
    batch = agnes.start_batch(agent, "avis.csv", b"message\nUn\nDeux\n", "message")
    claimed = agnes.workspace.reply_drafts.claim(batch.id)  # then the process stopped
    assert claimed is not None and claimed.status == "drafting"
    done = agnes.draft_batch(batch.id)
    assert done.counts == {"to_review": 2}


def test_a_reviewer_who_does_not_use_the_agent_sends_back_for_the_owner_to_redraft(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    replies = script(tmp_path, '"Premier jet."', '{text: "Version courte.", repeat: true}')
    agnes = services(catalogue, AGNES)
    agent = agnes.create_agent(spec(replies, BRUNO)).agent_id
    batch = agnes.start_batch(agent, "avis.csv", b"message\nUn avis\n", "message")
    agnes.draft_batch(batch.id)
    bruno = services(catalogue, BRUNO)
    (draft,) = bruno.review_queue()
    assert bruno.send_back_draft(draft.id, "Plus court.").status == "sent_back"
    assert agnes.draft_batch(batch.id).counts == {"to_review": 1}
    again = bruno.reply_draft(draft.id)
    assert (again.draft, again.attempts) == ("Version courte.", 2)
    # The agent continued the same conversation: it read its first draft and the instruction.
    history = agnes.checkpointer
    from agents.checkpoints import thread_messages

    said = [m.text for m in thread_messages(history, draft.thread_id)]
    assert said[1] == "Premier jet." and "Plus court." in said[2]


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("vide.csv", b"", "drafts.file_empty"),
        ("avis.pdf", b"%PDF-1.4", "drafts.file_kind"),
        ("avis.xlsx", b"not a workbook", "drafts.file_unreadable"),
        ("avis.csv", b"texte\nbonjour\n", "drafts.no_such_column"),
        ("avis.csv", b"message\n \n", "drafts.no_rows"),
        ("avis.csv", b"message\n" + b"ligne\n" * 5001, "drafts.too_many_rows"),
    ],
    ids=["empty", "pdf", "bad-xlsx", "no-column", "no-rows", "too-many"],
)
def test_bad_files_are_refused_plainly_and_create_nothing(
    catalogue: SqlCatalogue, tmp_path: Path, name: str, data: bytes, key: str
) -> None:
    agnes = services(catalogue, AGNES)
    agent = agnes.create_agent(spec(script(tmp_path, '"x"'))).agent_id
    with pytest.raises(UserError) as caught:
        agnes.start_batch(agent, name, data, "message")
    assert caught.value.key == key
    assert agnes.batches() == []


def test_french_spreadsheet_csv_and_xlsx_read_alike(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    agnes = services(catalogue, AGNES)
    latin = "service;message\nMairie;Très déçu de l'accueil\n".encode("cp1252")
    assert agnes.batch_columns("avis.csv", latin).rows == [
        {"service": "Mairie", "message": "Très déçu de l'accueil"}
    ]
    book = Workbook()
    book.active.append(["service", "message"])
    book.active.append(["Mairie", "Très déçu de l'accueil"])
    out = io.BytesIO()
    book.save(out)
    assert agnes.batch_columns("avis.xlsx", out.getvalue()).rows == [
        {"service": "Mairie", "message": "Très déçu de l'accueil"}
    ]


def test_in_a_conversation_an_answer_under_review_is_a_draft(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    replies = script(tmp_path, '"Projet de réponse."')
    agnes = services(catalogue, AGNES)
    agent = agnes.create_agent(spec(replies)).agent_id
    result = agnes.run(agent, "Un usager se plaint du délai.")
    (draft,) = agnes.conversation_drafts(result.thread)
    assert (draft.status, draft.draft, draft.message) == (
        "to_review",
        "Projet de réponse.",
        "Un usager se plaint du délai.",
    )
    final = agnes.approve_draft(draft.id, "Projet de réponse, relu.")
    assert final.final == "Projet de réponse, relu." and final.draft == "Projet de réponse."
    assert final.decided_by == AGNES and final.decided_at is not None


def test_without_a_language_model_no_row_becomes_a_draft(catalogue: SqlCatalogue) -> None:
    agnes = services(catalogue, AGNES)
    offline = AgentSpec.from_yaml("schema: atelier/agent@1\nname: Sans modèle\noversight: review\n")
    agent = agnes.create_agent(offline).agent_id
    batch = agnes.start_batch(agent, "avis.csv", b"message\nUn avis\n", "message")
    (row,) = agnes.draft_batch(batch.id) and agnes.batch_drafts(batch.id)
    assert row.status == "failed" and "Aucun modèle de langage" in row.error


def test_a_batch_rows_placeholders_go_with_the_batch(
    catalogue: SqlCatalogue, tmp_path: Path
) -> None:
    from tools.privacy.pseudonyms import IdentifierDetector

    replies = script(tmp_path, '{text: "Nous vous rappelons au <TELEPHONE_1>.", repeat: true}')
    agnes = services(catalogue, AGNES)
    agnes.detector = IdentifierDetector
    yaml_text = spec(replies).to_yaml() + "guardrails: {pii: pseudonymise}\n"
    agent = agnes.create_agent(AgentSpec.from_yaml(yaml_text)).agent_id
    batch = agnes.start_batch(agent, "avis.csv", b"message\nAppelez le 06 12 34 56 78\n", "message")
    (row,) = agnes.draft_batch(batch.id) and agnes.batch_drafts(batch.id)
    assert row.draft == "Nous vous rappelons au 06 12 34 56 78."
    assert catalogue.sealed_pseudonyms(row.thread_id) is not None
    agnes.erase_batch(batch.id)
    assert catalogue.sealed_pseudonyms(row.thread_id) is None
