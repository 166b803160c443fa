"""Who reads and decides drafts: a batch is its owner's; the reviewers it is assigned to (by
login or team) read and decide its drafts; the owner does not approve drafts assigned to
others (four eyes); nobody else finds anything, worded as for a missing one; a disabled account
is refused. Every decision is in the audit log without its text. Retention erases drafts for
real."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from drafting_world import (
    ADA,
    CARL,
    OLGA,
    REMI,
    RITA,
    agent,
    people,
    replies,
    reviews_csv,
    script,
)

from agents.errors import NotFound, Refused, UserError
from builder_ui.services.installation import Installation, Services
from store.database import utc_now
from store.knowledge.service import close_knowledge_stores
from store.workspace import Workspace

CANARY = "Canari-7f3a"


@pytest.fixture
def installation() -> Iterator[Installation]:
    installation = Installation.open()
    people(installation)
    yield installation
    close_knowledge_stores()


def drafted_batch(
    installation: Installation, tmp_path: Path, assignee: str = "", rows: int = 4
) -> tuple[Services, str]:
    olga = Services.open(OLGA, shared=installation)
    agent_id = agent(olga, script(tmp_path / "s.yaml", replies(rows)))
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(rows), "message", (), assignee)
    olga.draft_batch(batch.id)
    return olga, batch.id


def test_a_batch_assigned_to_a_team_is_decided_by_its_members_not_its_owner(
    installation: Installation, tmp_path: Path
) -> None:
    olga, batch = drafted_batch(installation, tmp_path, assignee="team:relecture")
    assert olga.batch(batch).assignee == "team:Relecture"  # the team's name as it is written
    rita = Services.open(RITA, shared=installation)
    remi = Services.open(REMI, shared=installation)
    assert [b.id for b in rita.batches()] == [batch]
    queue = rita.review_queue(batch)
    assert len(queue) == 4 and rita.may_decide(queue[0].id)
    assert olga.review_queue(batch) == []  # not hers to decide
    assert len(olga.review_queue(batch, mine=False)) == 4  # but she follows them
    assert not olga.may_decide(queue[0].id)
    with pytest.raises(Refused):
        olga.approve_draft(queue[0].id)
    rita.approve_draft(queue[0].id, "Réponse relue par Rita.")
    with pytest.raises(UserError) as late:  # decided already: Rémi's click comes too late
        remi.approve_draft(queue[0].id)
    assert "état : approuvé" in late.value.message()
    remi.reject_draft(queue[1].id, "Ton à revoir")
    approved = olga.reply_draft(queue[0].id)
    assert (approved.status, approved.decided_by, approved.final) == (
        "approved",
        RITA,
        "Réponse relue par Rita.",
    )
    assert approved.draft == "Bonjour, voici notre réponse numéro 1."  # both are kept
    assert approved.decided_at is not None
    with pytest.raises(Refused):  # a reviewer follows a batch; only its owner runs it
        rita.draft_batch(batch)


def test_a_batch_assigned_to_a_person_is_theirs_alone_to_decide(
    installation: Installation, tmp_path: Path
) -> None:
    _, batch = drafted_batch(installation, tmp_path, assignee=RITA)
    rita = Services.open(RITA, shared=installation)
    remi = Services.open(REMI, shared=installation)
    assert len(rita.review_queue()) == 4
    assert remi.batches() == [] and remi.review_queue() == []
    with pytest.raises(NotFound):
        remi.batch(batch)


def test_nobody_else_finds_a_batch_or_its_drafts(
    installation: Installation, tmp_path: Path
) -> None:
    olga, batch = drafted_batch(installation, tmp_path)
    draft = olga.review_queue(batch)[0].id
    ghosts = {batch: "lot-0000000000", draft: "dr-0000000000000000"}
    uses = {
        "batch": lambda s, b, d: s.batch(b),
        "batch_drafts": lambda s, b, d: s.batch_drafts(b),
        "export_batch": lambda s, b, d: s.export_batch(b),
        "delete_batch": lambda s, b, d: s.delete_batch(b),
        "reply_draft": lambda s, b, d: s.reply_draft(d),
        "approve_draft": lambda s, b, d: s.approve_draft(d),
        "reject_draft": lambda s, b, d: s.reject_draft(d, "Non"),
        "send_back_draft": lambda s, b, d: s.send_back_draft(d, "Autrement", wait=True),
    }
    for login in (CARL, RITA, ADA):  # another creator, a reviewer, an administrator
        other = Services.open(login, shared=installation)
        assert other.batches() == [] and other.review_queue() == []
        for name, use in uses.items():
            with pytest.raises(NotFound) as theirs:
                use(other, batch, draft)
            with pytest.raises(NotFound) as none:
                use(other, ghosts[batch], ghosts[draft])
            said, missing = theirs.value.message(), none.value.message()
            for real, ghost in ghosts.items():
                said, missing = said.replace(real, "X"), missing.replace(ghost, "X")
            assert said == missing, (login, name)
    assert olga.batch(batch).counts == {"to_review": 4}  # nothing changed


def test_the_owner_decides_her_own_drafts_when_nobody_is_named(
    installation: Installation, tmp_path: Path
) -> None:
    olga, batch = drafted_batch(installation, tmp_path)
    first, second, third = olga.review_queue(batch)[:3]
    assert olga.approve_draft(first.id).final == first.draft
    with pytest.raises(UserError):
        olga.reject_draft(second.id, "  ")
    with pytest.raises(UserError):
        olga.approve_draft(third.id, "   ")
    olga.reject_draft(second.id, "Hors sujet")
    with pytest.raises(UserError):
        olga.approve_draft(second.id)  # rejected: nothing waits any more


def test_reviewers_named_in_the_spec_review_chat_drafts(
    installation: Installation, tmp_path: Path
) -> None:
    olga = Services.open(OLGA, shared=installation)
    model = script(tmp_path / "s.yaml", [{"text": "Brouillon."}])
    agent_id = agent(olga, model, reviewers=[RITA])
    thread = olga.run(agent_id, "Question").thread
    (draft,) = olga.conversation_drafts(thread)
    assert draft.assignee == RITA
    with pytest.raises(Refused):
        olga.approve_draft(draft.id)
    rita = Services.open(RITA, shared=installation)
    assert [d.id for d in rita.review_queue()] == [draft.id]
    assert rita.approve_draft(draft.id).status == "approved"
    with pytest.raises(NotFound):  # the conversation stays hers
        rita.conversation_drafts(thread)


def test_a_disabled_reviewer_is_refused(installation: Installation, tmp_path: Path) -> None:
    olga, batch = drafted_batch(installation, tmp_path, assignee=RITA)
    draft = olga.review_queue(batch, mine=False)[0].id
    installation._catalogue.update_account(RITA, active=False)
    rita = Services.open(RITA, shared=installation)
    for use in (
        lambda: rita.review_queue(),
        lambda: rita.approve_draft(draft),
        lambda: rita.batch(batch),
    ):
        with pytest.raises(Refused) as refused:
            use()
        assert refused.value.key == "access.disabled"


def test_decisions_are_audited_without_their_text(
    installation: Installation, tmp_path: Path
) -> None:
    olga, batch = drafted_batch(installation, tmp_path, assignee=RITA)
    rita = Services.open(RITA, shared=installation)
    first, second, third = rita.review_queue(batch)[:3]
    rita.approve_draft(first.id, f"Texte {CANARY}")
    rita.reject_draft(second.id, f"Raison {CANARY}")
    rita.send_back_draft(third.id, f"Consigne {CANARY}")  # not shared with her: left queued
    olga.export_batch(batch, "xlsx")
    audit = Workspace(ADA, installation._catalogue).audit
    entries = audit.entries(limit=50)
    actions = [(e.actor, e.action) for e in entries]
    assert (RITA, "draft.approved") in actions and (RITA, "draft.rejected") in actions
    assert (RITA, "draft.sent_back") in actions and (OLGA, "batch.started") in actions
    assert (OLGA, "batch.exported") in actions
    approved = next(e for e in entries if e.action == "draft.approved")
    assert approved.details["edited"] is True and approved.details["draft"] == first.id
    assert all(CANARY not in repr(e) for e in entries)
    assert audit.verify().ok


def test_a_draft_sent_back_by_a_reviewer_without_the_agent_waits_for_the_batch_runner(
    installation: Installation, tmp_path: Path
) -> None:
    olga = Services.open(OLGA, shared=installation)
    model = script(tmp_path / "s.yaml", [*replies(2), {"text": "Nouvelle version."}])
    agent_id = agent(olga, model)
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(2), "message", (), RITA)
    olga.draft_batch(batch.id)
    rita = Services.open(RITA, shared=installation)
    first = rita.review_queue(batch.id)[0]
    sent = rita.send_back_draft(first.id, "Plus court.", wait=True)
    assert sent.status == "sent_back" and olga.batch(batch.id).status == "running"
    olga.draft_batch(batch.id)
    again = rita.reply_draft(first.id)
    assert (again.status, again.draft) == ("to_review", "Nouvelle version.")


def test_retention_erases_drafts_for_real(installation: Installation, tmp_path: Path) -> None:
    from builder_ui.services.retention import CheckpointEraser

    olga = Services.open(OLGA, shared=installation)
    model = script(tmp_path / "s.yaml", [{"text": f"Réponse {CANARY}"}])
    agent_id = agent(olga, model)
    batch = olga.start_batch(agent_id, "avis.csv", reviews_csv(1), "message")
    olga.draft_batch(batch.id)
    olga.approve_draft(olga.review_queue(batch.id)[0].id)
    assert holding_canary() != []  # the test can fail
    organisation = Workspace(ADA, installation._catalogue).organisation
    organisation.set_retention(None, 30, None)
    report = organisation.apply_retention(
        CheckpointEraser(installation.checkpointer), now=utc_now() + timedelta(days=31)
    )
    assert report.counts["drafts"] == 1
    assert olga.batches() == []
    assert holding_canary() == []


def holding_canary() -> list[Path]:
    from store.config import data_dir

    return [p for p in data_dir().rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]


def test_a_person_erased_takes_the_drafts_they_asked_for(
    installation: Installation, tmp_path: Path
) -> None:
    olga = Services.open(OLGA, shared=installation)
    model = script(tmp_path / "s.yaml", replies(3))
    agent_id = agent(olga, model)
    olga.workspace.sharing.share_agent(agent_id, f"user:{CARL}", "use")
    olga.workspace.sharing.publish(agent_id)
    carl = Services.open(CARL, shared=installation)
    batch = carl.start_batch(agent_id, "avis.csv", reviews_csv(3), "message")
    assert [b.id for b in carl.batches()] == [batch.id]
    Workspace(ADA, installation._catalogue).people.erase_person(CARL, lambda ids: None)
    assert installation._catalogue.list_drafts(requester=CARL) == []
    assert installation._catalogue.get_batch(batch.id) is None


def test_a_chat_draft_for_reviewers_nobody_matches_waits_for_them(
    installation: Installation, tmp_path: Path
) -> None:
    olga = Services.open(OLGA, shared=installation)
    model = script(tmp_path / "s.yaml", [{"text": "Brouillon."}])
    agent_id = agent(olga, model, reviewers=["team:Disparue"])
    thread = olga.run(agent_id, "Question").thread  # the answer is given all the same
    (draft,) = olga.conversation_drafts(thread)
    assert draft.assignee == "team:Disparue" and not olga.may_decide(draft.id)
    with pytest.raises(UserError) as unknown:  # a batch checks the names first
        olga.start_batch(agent_id, "avis.csv", reviews_csv(1), "message")
    assert unknown.value.key == "drafts.unknown_team"
