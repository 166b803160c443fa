"""Review before the whole organisation sees an agent (issue 10, item 3), through the workspace
on a real SQLite catalogue: a creator asks, a reviewer reads the waiting request (and only
that), approves or sends back with a comment, the creator is told; a new version waits for a
new review while everyone keeps the published one; administrators unpublish and deprecate."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from people import enrol

from agents.errors import NotFound, Refused, UserError
from agents.i18n import t
from agents.spec import AgentSpec, KnowledgeSettings, ToolUse
from agents.spec_diff import diff_text
from builder_ui.services.installation import Installation, Services
from builder_ui.services.reviews import review_sheet
from store.audit import verify_chain
from store.config import catalogue_path
from store.knowledge.service import close_knowledge_stores
from store.records import Catalogue
from store.workspace import Workspace

OLGA = "olga@example.fr"  # a creator
EMMA = "emma@example.fr"  # a creator Olga shares her agent with, to edit
CARL = "carl@example.fr"  # a creator nothing is shared with
URSULA = "ursula@example.fr"  # a user, in no team of Olga's
RITA = "rita@example.fr"  # a reviewer
ADA = "ada@example.fr"  # an administrator
CANARY = "Tournesol-7f3a"  # written in a request's message and a reviewer's comment
FAQ = b"# Conges\n\nToute demande de conge se fait dans l'outil RH quinze jours avant.\n"


@dataclass(frozen=True)
class World:
    catalogue: Catalogue
    agent_id: str

    def ws(self, login: str) -> Workspace:
        return Workspace(login, self.catalogue)


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    yield installation
    close_knowledge_stores()


def spec(instructions: str = "Réponds poliment.", **more: object) -> AgentSpec:
    return AgentSpec(name="Rédacteur RH", instructions=instructions, **more)  # type: ignore[arg-type]


@pytest.fixture
def world(installation: Installation) -> World:
    catalogue = installation._catalogue
    enrol(catalogue, OLGA, EMMA, CARL)
    enrol(catalogue, URSULA, role="user")
    enrol(catalogue, RITA, role="reviewer")
    enrol(catalogue, ADA, role="admin")
    olga = Workspace(OLGA, catalogue)
    agent = olga.create_agent(spec("Version 1")).agent_id
    return World(catalogue, agent)


def open_to(ws: Workspace) -> set[str]:
    return {o.agent.id for o in ws.open_agents()}


def test_a_request_waits_in_the_reviewers_queue_with_what_they_need(
    installation: Installation,
) -> None:
    catalogue = installation._catalogue
    enrol(catalogue, OLGA)
    enrol(catalogue, RITA, role="reviewer")
    olga = Workspace(OLGA, catalogue)
    kb = olga.create_kb("Procédures RH")
    docs = olga.add_documents(kb.id, [("conges.md", FAQ)])
    olga.wait_for_documents(kb.id, [docs[0].id], 60)
    full = spec(
        "Réponds sur les congés.",
        description="Répond aux questions RH",
        knowledge=KnowledgeSettings(bases=["procedures-rh"]),
        tools=[ToolUse(id="calculator")],
    )
    agent = olga.create_agent(full).agent_id
    request = olga.reviews.request_publication(agent, "  Prêt pour tous  ")
    assert (request.version, request.message, request.status) == (1, "Prêt pour tous", "pending")
    assert olga.reviews.pending_request(agent) == request

    rita = Workspace(RITA, catalogue)
    assert rita.reviews.waiting() == 1
    [waiting] = rita.reviews.queue()
    assert waiting.agent.name == "Rédacteur RH" and waiting.agent.owner == OLGA
    assert waiting.agent.description == "Répond aux questions RH"
    assert waiting.requested.number == 1 and waiting.published is None
    assert waiting.bases == ["Procédures RH"]
    assert [tool.id for tool in waiting.requested.spec.tools] == ["calculator"]
    assert rita.reviews.review("rédacteur rh").request.id == request.id  # by name, any case
    with pytest.raises(NotFound):  # the waiting request opens the review page, nothing else
        rita.get_agent(agent)

    # what changes, in the reader's words: a first publication against an empty agent
    sheet = review_sheet(Services.open(RITA, shared=installation), agent, "fr")
    changes = {change.field: change for change in sheet.changes}
    assert set(changes) == {"description", "instructions", "knowledge.bases", "tools.calculator"}
    assert changes["knowledge.bases"].label == "Bases de connaissances"
    assert changes["knowledge.bases"].after == "Procédures RH"  # the base's name, not its ref
    assert changes["tools.calculator"].label == "Outils › Calculatrice"
    assert diff_text(changes["instructions"].lines) == "+ Réponds sur les congés."


def test_the_reviewer_reads_what_changes_since_the_published_version(
    installation: Installation, world: World
) -> None:
    olga = world.ws(OLGA)
    olga.save_agent(world.agent_id, spec("Version 1", tools=[ToolUse(id="calculator")]))
    olga.reviews.request_publication(world.agent_id)
    world.ws(RITA).reviews.approve(world.agent_id)
    asking = [ToolUse(id="calculator", approval="always_ask")]
    olga.save_agent(world.agent_id, spec("Version 1\nCite tes sources.", tools=asking))
    olga.reviews.request_publication(world.agent_id)

    for lang, label, after in (
        ("fr", "Outils › Calculatrice › Validation avant utilisation", "Toujours demander"),
        ("en", "Tools › Calculator › Approval before use", "Always ask"),
    ):
        sheet = review_sheet(Services.open(RITA, shared=installation), world.agent_id, lang)
        assert [c.field for c in sheet.changes] == ["instructions", "tools.calculator.approval"]
        approval = sheet.changes[1]
        assert (approval.label, approval.after) == (label, after)
        assert "tools." not in approval.label
        assert diff_text(sheet.changes[0].lines) == "  Version 1\n+ Cite tes sources."


def test_asking_again_replaces_the_waiting_request(world: World) -> None:
    olga = world.ws(OLGA)
    first = olga.reviews.request_publication(world.agent_id, "Première")
    olga.save_agent(world.agent_id, spec("Version 2"))
    second = olga.reviews.request_publication(world.agent_id, "Corrigée")
    assert second.version == 2
    [waiting] = world.ws(RITA).reviews.queue()
    assert waiting.request.id == second.id
    withdrawn = world.catalogue.list_publication_requests("withdrawn", world.agent_id)
    assert [r.id for r in withdrawn] == [first.id]


def test_someone_the_agent_is_shared_with_to_edit_may_ask_others_not(world: World) -> None:
    olga = world.ws(OLGA)
    olga.sharing.share_agent(world.agent_id, f"user:{EMMA}", "edit")
    olga.sharing.share_agent(world.agent_id, f"user:{URSULA}", "use")
    assert world.ws(EMMA).reviews.request_publication(world.agent_id).requested_by == EMMA
    with pytest.raises(Refused):
        world.ws(URSULA).reviews.request_publication(world.agent_id)
    with pytest.raises(NotFound):
        world.ws(CARL).reviews.request_publication(world.agent_id)


def test_approving_opens_the_agent_to_everyone_and_tells_the_creator(world: World) -> None:
    olga, rita = world.ws(OLGA), world.ws(RITA)
    olga.reviews.request_publication(world.agent_id, "Pour tous")
    assert world.agent_id not in open_to(world.ws(URSULA))
    done = rita.reviews.approve(world.agent_id, "Très clair")
    assert (done.status, done.reviewer, done.comment) == ("approved", RITA, "Très clair")
    for login in (CARL, URSULA, RITA, ADA):  # nothing was shared with any of them
        assert world.agent_id in open_to(world.ws(login)), login
        assert world.ws(login).get_version(world.agent_id).spec.instructions == "Version 1"
    assert olga.sharing.in_organisation(world.agent_id)
    assert rita.reviews.queue() == [] and rita.reviews.waiting() == 0
    [told] = olga.reviews.notifications()
    assert told.kind == "review.approved" and told.read_at is None
    assert told.parameters["comment"] == "Très clair" and told.parameters["version"] == 1
    assert "Très clair" in t(f"notification.{told.kind}", "fr", **told.parameters)
    assert olga.reviews.unread() == 1
    assert olga.reviews.mark_read() == 1
    assert olga.reviews.unread() == 0 and olga.reviews.notifications()[0].read_at is not None


def test_sending_back_needs_a_comment_and_tells_requester_and_owner(world: World) -> None:
    olga = world.ws(OLGA)
    olga.sharing.share_agent(world.agent_id, f"user:{EMMA}", "edit")
    world.ws(EMMA).reviews.request_publication(world.agent_id, "Publions")
    rita = world.ws(RITA)
    with pytest.raises(UserError) as empty:
        rita.reviews.reject(world.agent_id, "   ")
    assert empty.value.key == "review.comment_required"
    done = rita.reviews.reject(world.agent_id, "Citez vos sources")
    assert (done.status, done.comment) == ("rejected", "Citez vos sources")
    for login in (EMMA, OLGA):
        [told] = world.ws(login).reviews.notifications()
        assert told.kind == "review.rejected" and told.parameters["comment"] == "Citez vos sources"
    assert world.ws(CARL).reviews.notifications() == []
    assert world.agent_id not in open_to(world.ws(URSULA))
    with pytest.raises(NotFound):  # decided: the reviewer reads nothing of it any more
        rita.reviews.review(world.agent_id)


def test_nobody_reviews_their_own_request_or_agent(world: World) -> None:
    ada = world.ws(ADA)
    own = ada.create_agent(spec("À moi")).agent_id
    ada.reviews.request_publication(own)
    for decide in (lambda: ada.reviews.approve(own), lambda: ada.reviews.reject(own, "Non")):
        with pytest.raises(Refused) as refused:
            decide()
        assert refused.value.key == "review.own_request"
    world.ws(RITA).reviews.approve(own)  # another reviewer may
    with pytest.raises(Refused):
        world.ws(OLGA).reviews.approve(world.agent_id)  # and a creator never


def test_a_reviewer_reads_no_agent_without_a_waiting_request(world: World) -> None:
    rita = world.ws(RITA)
    for ref in (world.agent_id, "Rédacteur RH"):
        with pytest.raises(NotFound) as private:
            rita.reviews.review(ref)
        with pytest.raises(NotFound) as missing:
            rita.reviews.review("ag-0000000000")
        assert private.value.key == missing.value.key == "agent.not_found"
        with pytest.raises(NotFound):
            rita.reviews.approve(ref)
    with pytest.raises(Refused):
        world.ws(CARL).reviews.queue()


def test_a_new_version_needs_a_new_review_and_everyone_keeps_the_published_one(
    world: World,
) -> None:
    olga, rita, ursula = world.ws(OLGA), world.ws(RITA), world.ws(URSULA)
    olga.reviews.request_publication(world.agent_id)
    rita.reviews.approve(world.agent_id)
    with pytest.raises(UserError) as nothing_new:
        olga.reviews.request_publication(world.agent_id)
    assert nothing_new.value.key == "review.nothing_new"
    olga.save_agent(world.agent_id, spec("Version 2"))
    with pytest.raises(Refused) as direct:
        olga.sharing.publish(world.agent_id)
    assert direct.value.key == "share.needs_review"
    olga.reviews.request_publication(world.agent_id, "Nouvelle version")
    assert ursula.get_version(world.agent_id).spec.instructions == "Version 1"
    [waiting] = rita.reviews.queue()
    assert (waiting.requested.number, waiting.published.number) == (2, 1)  # type: ignore[union-attr]
    assert (waiting.in_organisation, waiting.agent.published_version) == (True, 1)
    rita.reviews.approve(world.agent_id)
    assert ursula.get_version(world.agent_id).spec.instructions == "Version 2"


def test_an_administrator_unpublishes_and_shares_stay(world: World) -> None:
    olga, ada = world.ws(OLGA), world.ws(ADA)
    olga.sharing.share_agent(world.agent_id, f"user:{EMMA}", "use")
    olga.reviews.request_publication(world.agent_id)
    world.ws(RITA).reviews.approve(world.agent_id)
    with pytest.raises(Refused):
        world.ws(RITA).reviews.unpublish(world.agent_id)
    ada.reviews.unpublish(world.agent_id)
    assert world.agent_id not in open_to(world.ws(CARL))
    assert world.agent_id in open_to(world.ws(EMMA))
    assert not olga.sharing.in_organisation(world.agent_id)
    told = [n.kind for n in olga.reviews.notifications()]
    assert told == ["review.unpublished", "review.approved"]
    with pytest.raises(NotFound) as again:  # no longer the organisation's: private to Ada
        ada.reviews.unpublish(world.agent_id)
    assert again.value.key == "agent.not_found"


def test_an_administrator_deprecates_an_agent_it_stays_usable(world: World) -> None:
    olga, ada = world.ws(OLGA), world.ws(ADA)
    with pytest.raises(NotFound):  # private: the administrator does not reach it
        ada.reviews.set_deprecated(world.agent_id)
    olga.reviews.request_publication(world.agent_id)
    world.ws(RITA).reviews.approve(world.agent_id)
    with pytest.raises(Refused):
        olga.reviews.set_deprecated(world.agent_id)
    assert ada.reviews.set_deprecated(world.agent_id).deprecated is True
    carl = world.ws(CARL)
    assert carl.get_agent(world.agent_id).deprecated is True
    assert world.agent_id in open_to(carl)
    carl.start_thread(world.agent_id, "Toujours utilisable")
    assert ada.reviews.set_deprecated(world.agent_id, False).deprecated is False


def test_withdrawing_a_request(world: World) -> None:
    olga = world.ws(OLGA)
    with pytest.raises(NotFound):
        olga.reviews.withdraw(world.agent_id)
    olga.reviews.request_publication(world.agent_id)
    assert olga.reviews.withdraw(world.agent_id).status == "withdrawn"
    assert world.ws(RITA).reviews.queue() == []


def test_each_step_of_a_review_is_in_the_audit_log_without_what_was_written(
    world: World,
) -> None:
    olga, rita, ada = world.ws(OLGA), world.ws(RITA), world.ws(ADA)
    agent = world.agent_id
    olga.reviews.request_publication(agent, f"Premier essai {CANARY}")
    olga.reviews.withdraw(agent)
    olga.reviews.request_publication(agent, f"Relisez {CANARY}")
    rita.reviews.reject(agent, f"Citez vos sources, {CANARY}")
    olga.reviews.request_publication(agent)
    rita.reviews.approve(agent, f"Parfait {CANARY}")
    ada.reviews.set_deprecated(agent)
    ada.reviews.set_deprecated(agent, False)
    ada.reviews.unpublish(agent)

    def logged(action: str) -> list[tuple[str, str, str, dict[str, object]]]:
        found = ada.audit.entries(action=action, limit=100)
        return [(e.actor, e.target_kind, e.target_id, dict(e.details)) for e in reversed(found)]

    assert logged("review.requested") == [
        (OLGA, "agent", agent, {"version": 1, "with_message": True}),
        (OLGA, "agent", agent, {"version": 1, "with_message": True}),
        (OLGA, "agent", agent, {"version": 1, "with_message": False}),
    ]
    assert logged("review.withdrawn") == [(OLGA, "agent", agent, {"version": 1})]
    assert logged("review.rejected") == [
        (RITA, "agent", agent, {"version": 1, "with_comment": True})
    ]
    assert logged("review.approved") == [
        (RITA, "agent", agent, {"version": 1, "with_comment": True})
    ]
    assert logged("agent.deprecated") == [(ADA, "agent", agent, {"name": "Rédacteur RH"})]
    assert logged("agent.undeprecated") == [(ADA, "agent", agent, {"name": "Rédacteur RH"})]
    assert logged("review.unpublished") == [(ADA, "agent", agent, {"version": 1})]
    assert verify_chain(world.catalogue).ok

    # nothing anyone wrote (a message, a comment) is in the log, as stored in the file
    with sqlite3.connect(catalogue_path()) as conn:
        rows = conn.execute("SELECT * FROM audit_log").fetchall()
    conn.close()
    assert len(rows) >= 9
    assert CANARY not in json.dumps(rows, ensure_ascii=False)
    assert world.catalogue.list_publication_requests("rejected", agent)[0].comment.endswith(CANARY)
