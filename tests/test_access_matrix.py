"""The access matrix (issue 9, item 3): every public operation of the workspace, and of its
``people``, driven as six principals on a real SQLite catalogue and a real knowledge store.

Each cell is one of: allowed; not found (``NotFound``, worded exactly as for an id that does not
exist, so that someone else's private thing cannot be told from a missing one); refused
(``Refused``). The table is written out below from the rules:

- what a person owns (agents, versions, conversations, runs, knowledge bases, documents,
  secrets) is theirs alone: anybody else, an administrator included, finds nothing;
- creating (an agent, a base, a version, documents) needs a builder role: a ``user`` is refused
  before anything is looked up, so the refusal says nothing about the id;
- the administrator's actions (people and teams) are refused to everyone else;
- a disabled account is refused everywhere, even on its own things.

A public method added to ``Workspace`` or ``People`` without a row here fails
``test_every_public_operation_is_in_the_matrix``: nobody adds an unchecked door.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Literal

import pytest
from people import enrol

from agents.checkpoints import memory_checkpointer
from agents.errors import NotFound, Refused
from agents.spec import AgentSpec
from builder_ui.services.installation import Installation
from builder_ui.services.retention import CheckpointEraser
from store.agent_catalogue import AgentCatalogue
from store.audit_journal import AuditJournal
from store.database import utc_now
from store.feedback import Feedback
from store.knowledge.service import close_knowledge_stores
from store.organisation import Organisation
from store.people import People
from store.records import RunRecord
from store.reply_drafts import ReplyDrafts, Row
from store.reviews import Reviews
from store.shares import Shares
from store.sharing import Grant
from store.usage import Usage
from store.workspace import Workspace

Outcome = Literal["allowed", "not found", "refused"]
A: Outcome = "allowed"
N: Outcome = "not found"
R: Outcome = "refused"

OWNER = "olga@example.fr"  # a creator: she owns everything the operations aim at
PRINCIPALS: dict[str, str] = {  # who acts -> as which account
    "owner": OWNER,
    "other creator": "carl@example.fr",
    "user": "ursula@example.fr",
    "reviewer": "rita@example.fr",
    "admin": "ada@example.fr",
    "disabled": OWNER,  # the owner herself, once disabled
}
ROLES = {"carl@example.fr": "creator", "ursula@example.fr": "user", "rita@example.fr": "reviewer"}
LEAVING = "leon@example.fr"  # a spare account for the administrator's actions
SPARE = f"user:{LEAVING}"  # whom the owner shares with in the matrix
PASSWORD = "une phrase de passe assez longue"
FAQ = b"# Conges\n\nToute demande de conge se fait dans l'outil RH quinze jours avant.\n"


def cells(
    owner: Outcome, other: Outcome, user: Outcome, reviewer: Outcome, admin: Outcome
) -> dict[str, Outcome]:
    """One row; a disabled account is refused everywhere."""
    return {
        "owner": owner,
        "other creator": other,
        "user": user,
        "reviewer": reviewer,
        "admin": admin,
        "disabled": R,
    }


OWNER_ONLY = cells(A, N, N, N, N)  # reading or changing what one owns
OWNER_ONLY_BUILDING = cells(A, N, R, N, N)  # ... when it builds: a user is refused first
ANYONE_ACTIVE = cells(A, A, A, A, A)  # one's own lists and settings
BUILDERS = cells(A, A, R, A, A)  # creating something new
ADMINS = cells(R, R, R, R, A)  # the administrator's actions
REVIEWERS = cells(R, R, R, A, A)  # reviewing publication requests

EXPECTED: dict[str, dict[str, Outcome]] = {
    # who acts
    "Workspace.me": ANYONE_ACTIVE,
    "Workspace.require_builder": BUILDERS,
    "Workspace.require_admin": ADMINS,
    # agents and versions
    "Workspace.create_agent": BUILDERS,
    "Workspace.save_agent": OWNER_ONLY_BUILDING,
    "Workspace.save_agent_if_changed": OWNER_ONLY_BUILDING,
    "Workspace.list_agents": ANYONE_ACTIVE,
    "Workspace.get_agent": OWNER_ONLY,
    "Workspace.resolve_agent by id": OWNER_ONLY,
    "Workspace.resolve_agent by name": OWNER_ONLY,
    "Workspace.get_version": OWNER_ONLY,
    "Workspace.list_versions": OWNER_ONLY,
    "Workspace.delete_agent": OWNER_ONLY,
    "Workspace.open_agents": ANYONE_ACTIVE,
    "Workspace.agent_access": OWNER_ONLY,
    # sharing and publishing (each shares with a spare account: the others' rows are unchanged)
    "Shares.share_agent": OWNER_ONLY,
    "Shares.unshare_agent": OWNER_ONLY,
    "Shares.agent_shares": OWNER_ONLY,
    "Shares.publish": OWNER_ONLY,
    "Shares.in_organisation": OWNER_ONLY,
    "Shares.share_kb": OWNER_ONLY,
    "Shares.unshare_kb": OWNER_ONLY,
    "Shares.kb_shares": OWNER_ONLY,
    "Shares.grantee_label": ANYONE_ACTIVE,
    # the catalogue and feedback (the owner's agent is private: nobody else finds or rates it)
    "AgentCatalogue.search": ANYONE_ACTIVE,
    "AgentCatalogue.facets": ANYONE_ACTIVE,
    "AgentCatalogue.card": OWNER_ONLY,
    "AgentCatalogue.lineage": OWNER_ONLY,
    "AgentCatalogue.fork": OWNER_ONLY_BUILDING,
    "Feedback.give": OWNER_ONLY,
    "Feedback.on_agent": OWNER_ONLY,
    "Feedback.totals": OWNER_ONLY,
    # supervised drafting: the owner's batch and drafts (nobody is assigned to them)
    "Workspace.set_kb_class": OWNER_ONLY,
    "Workspace.data_class_of": OWNER_ONLY,
    "Workspace.agent_base_names": OWNER_ONLY,
    "ReplyDrafts.start_batch": OWNER_ONLY,
    "ReplyDrafts.batches": ANYONE_ACTIVE,
    "ReplyDrafts.batch": OWNER_ONLY,
    "ReplyDrafts.batch_drafts": OWNER_ONLY,
    "ReplyDrafts.claim": OWNER_ONLY,
    "ReplyDrafts.retry_failed": OWNER_ONLY,
    "ReplyDrafts.pending": OWNER_ONLY,
    "ReplyDrafts.drafted": OWNER_ONLY,
    "ReplyDrafts.failed": OWNER_ONLY,
    "ReplyDrafts.conversation_draft": OWNER_ONLY,
    "ReplyDrafts.conversation_drafts": OWNER_ONLY,
    "ReplyDrafts.queue": ANYONE_ACTIVE,
    "ReplyDrafts.waiting": ANYONE_ACTIVE,
    "ReplyDrafts.draft": OWNER_ONLY,
    "ReplyDrafts.may_decide": OWNER_ONLY,
    "ReplyDrafts.approve": OWNER_ONLY,
    "ReplyDrafts.reject": OWNER_ONLY,
    "ReplyDrafts.send_back": OWNER_ONLY,
    "ReplyDrafts.redraft": OWNER_ONLY,
    "ReplyDrafts.drafted_again": OWNER_ONLY,
    "ReplyDrafts.decided_on": ANYONE_ACTIVE,
    "ReplyDrafts.erase_batch": OWNER_ONLY,
    # conversations and runs
    "Workspace.start_thread": OWNER_ONLY,
    "Workspace.note_preview": OWNER_ONLY,
    "Workspace.get_thread": OWNER_ONLY,
    "Workspace.list_threads": OWNER_ONLY,
    "Workspace.list_my_threads": ANYONE_ACTIVE,
    "Workspace.rename_thread": OWNER_ONLY,
    "Workspace.delete_thread": OWNER_ONLY,
    "Workspace.record_run": OWNER_ONLY,
    "Workspace.note_approval": OWNER_ONLY,
    "Workspace.note_approval in a preview": BUILDERS,
    "Workspace.list_runs of an agent": OWNER_ONLY,
    "Workspace.list_runs of all one's agents": ANYONE_ACTIVE,
    # knowledge bases and documents
    "Workspace.create_kb": BUILDERS,
    "Workspace.list_kbs": ANYONE_ACTIVE,
    "Workspace.get_kb": OWNER_ONLY,
    "Workspace.resolve_kb by id": OWNER_ONLY,
    "Workspace.resolve_kb by name": OWNER_ONLY,
    "Workspace.agents_using_kb": OWNER_ONLY,
    "Workspace.delete_kb": OWNER_ONLY,
    "Workspace.kb_embedders": ANYONE_ACTIVE,
    "Workspace.kb_model_changed": OWNER_ONLY,
    "Workspace.settle_knowledge": ANYONE_ACTIVE,
    "Workspace.reindex_kb": OWNER_ONLY_BUILDING,
    "Workspace.add_documents": OWNER_ONLY_BUILDING,
    "Workspace.list_documents": OWNER_ONLY,
    "Workspace.get_document": OWNER_ONLY,
    "Workspace.delete_document": OWNER_ONLY,
    "Workspace.document_passages": OWNER_ONLY,
    "Workspace.kb_erasing": OWNER_ONLY,
    "Workspace.wait_for_documents": OWNER_ONLY,
    "Workspace.search": OWNER_ONLY,
    "Workspace.search in a conversation": OWNER_ONLY,
    "Workspace.kb_access": OWNER_ONLY,
    "Workspace.agent_bases": OWNER_ONLY,
    "Workspace.check_bases": OWNER_ONLY,
    "Workspace.search_agent_bases": OWNER_ONLY,
    # files attached to a conversation: its owner's, whatever their role
    "Workspace.attach_files": OWNER_ONLY,
    "Workspace.conversation_attachments": OWNER_ONLY,
    "Workspace.remove_attachment": OWNER_ONLY,
    "Workspace.wait_for_attachments": OWNER_ONLY,
    "Workspace.attachment_passages": OWNER_ONLY,
    # a conversation's pseudonyms (personal data behind its placeholders): its owner's alone
    "Workspace.conversation_pseudonyms": OWNER_ONLY,
    "Workspace.conversation_pseudonyms in a preview": BUILDERS,
    "Workspace.keep_conversation_pseudonyms": OWNER_ONLY,
    "Workspace.keep_conversation_pseudonyms in a preview": BUILDERS,
    # secrets: each person's own, by name; another's name is simply not in one's own store
    "Workspace.set_secret": ANYONE_ACTIVE,
    "Workspace.list_secrets": ANYONE_ACTIVE,
    "Workspace.delete_secret": OWNER_ONLY,
    "Workspace.secret_resolver": OWNER_ONLY,
    # people and teams
    "People.add_account": ADMINS,
    "People.list_accounts": ADMINS,
    "People.get_account": ADMINS,
    "People.set_role": ADMINS,
    "People.disable": ADMINS,
    "People.enable": ADMINS,
    "People.invitation": ADMINS,
    "People.reset_link": ADMINS,
    "People.set_password of one's own": ANYONE_ACTIVE,
    "People.set_password of someone else": ADMINS,
    "People.setup_link": ADMINS,
    "People.has_password": ADMINS,
    "People.with_password": ADMINS,
    "People.add_team": ADMINS,
    "People.list_teams": ADMINS,
    "People.get_team": ADMINS,
    "People.add_member": ADMINS,
    "People.remove_member": ADMINS,
    "People.team_members": ADMINS,
    "People.my_teams": ANYONE_ACTIVE,
    # the installation's settings and credentials
    "Organisation.by": ADMINS,
    "Organisation.settings": ADMINS,
    "Organisation.update": ADMINS,
    "Organisation.secrets": ADMINS,
    "Organisation.set_secret": ADMINS,
    "Organisation.delete_secret": ADMINS,
    "Organisation.set_shared_secret": ADMINS,
    "Organisation.shared_secrets": ADMINS,
    "Organisation.delete_shared_secret": ADMINS,
    "Organisation.retention": ADMINS,
    "Organisation.set_retention": ADMINS,
    "Organisation.apply_retention": ADMINS,
    # the audit log: read, checked and exported by administrators only
    "AuditJournal.entries": ADMINS,
    "AuditJournal.verify": ADMINS,
    "AuditJournal.export": ADMINS,
    # review before the organisation sees an agent (each asks as the owner first where a
    # request must wait; those that publish come late: the agent is then everyone's)
    "Reviews.request_publication": OWNER_ONLY_BUILDING,
    "Reviews.withdraw": OWNER_ONLY_BUILDING,
    "Reviews.pending_request": OWNER_ONLY,
    "Reviews.queue": REVIEWERS,
    "Reviews.waiting": REVIEWERS,
    "Reviews.review": REVIEWERS,
    "Reviews.reject": REVIEWERS,
    "Reviews.approve": REVIEWERS,
    "Reviews.set_deprecated": ADMINS,
    "Reviews.unpublish": ADMINS,
    "Reviews.notifications": ANYONE_ACTIVE,
    "Reviews.unread": ANYONE_ACTIVE,
    "Reviews.mark_read": ANYONE_ACTIVE,
    # usage, cost and quotas: the installation's for an administrator, one's own agents' for
    # a builder, one's own for everyone
    "Usage.organisation": ADMINS,
    "Usage.my_agents": BUILDERS,
    "Usage.mine": ANYONE_ACTIVE,
    "Usage.quota_state": ANYONE_ACTIVE,
    "Usage.check_quota": ANYONE_ACTIVE,
    "Usage.list_quotas": ADMINS,
    "Usage.set_quota": ADMINS,
    "Usage.remove_quota": ADMINS,
    # a person's data: last, since erasing ends the account the row runs as
    "People.export_person": ADMINS,
    "People.erase_person": ADMINS,
    "Workspace.export_mine": ANYONE_ACTIVE,
    "Workspace.erase_mine": ANYONE_ACTIVE,
}

_ERASER = CheckpointEraser(memory_checkpointer())  # how swept conversations leave the checkpointer

# Public names that are not operations, and why.
NOT_OPERATIONS = {
    "Workspace.people": "a namespace: each of its methods is a People row",
    "Workspace.organisation": "a namespace: each of its methods is an Organisation row",
    "Workspace.sharing": "a namespace: each of its methods is a Shares row",
    "Workspace.audit": "a namespace: each of its methods is an AuditJournal row",
    "Workspace.reviews": "a namespace: each of its methods is a Reviews row",
    "Workspace.usage": "a namespace: each of its methods is a Usage row",
    "Workspace.catalogue": "a namespace: each of its methods is an AgentCatalogue row",
    "Workspace.feedback": "a namespace: each of its methods is a Feedback row",
    "Workspace.reply_drafts": "a namespace: each of its methods is a ReplyDrafts row",
}


@dataclass(frozen=True)
class Things:
    """The owner's things the operations aim at (or, for the comparison, ids of nothing).
    The ``spare_`` ones are for the operations that delete."""

    agent_id: str
    agent_name: str
    thread_id: str
    kb_id: str
    kb_name: str
    doc_id: str
    secret: str
    spare_agent: str
    spare_kb: str
    spare_doc: str
    spare_secret: str
    team: str
    spare_thread: str = ""
    attachment: str = ""
    spare_attachment: str = ""


GHOSTS = Things(
    agent_id="ag-0123456789ab",
    agent_name="Agent fantôme",
    thread_id="th-0123456789abcdef",
    kb_id="kb-0123456789ab",
    kb_name="Base fantôme",
    doc_id="doc-0123456789ab",
    secret="fantome",
    spare_agent="ag-ba9876543210",
    spare_kb="kb-ba9876543210",
    spare_doc="doc-ba9876543210",
    spare_secret="fantome-2",
    team="tm-0000000000",
    spare_thread="th-fedcba9876543210",
    attachment="doc-0a1b2c3d4e5f",
    spare_attachment="doc-f5e4d3c2b1a0",
)

_fresh = itertools.count()


def spec(name: str, instructions: str = "Réponds poliment.") -> AgentSpec:
    return AgentSpec(name=name, instructions=instructions)


def a_run(t: Things) -> RunRecord:
    return RunRecord(f"run-{next(_fresh)}", t.agent_id, 1, t.thread_id, "x", "offline", "ok")


def _people(ws: Workspace) -> People:
    return ws.people


def _asked(ws: Workspace, t: Things) -> None:
    """A new version of the owner's agent waits for review (asked by the owner herself)."""
    olga = Workspace(OWNER, ws._catalogue)
    olga.save_agent(t.agent_id, spec(t.agent_name, f"Version {next(_fresh)}"))
    olga.reviews.request_publication(t.agent_id, "Pour toute l'organisation")


def _in_organisation(ws: Workspace, t: Things) -> None:
    """The owner's agent published to the organisation (approved by another administrator)."""
    _asked(ws, t)
    Workspace("root@example.fr", ws._catalogue).reviews.approve(t.agent_id)


_MADE: dict[str, str] = {}  # ids of drafts and batches made for one operation -> their kind
GHOST_BATCH, GHOST_DRAFT = "lot-0000000000", "dr-0000000000000000"


def _drafted(ws: Workspace, t: Things, status: str = "to_review") -> tuple[str, str]:
    """A batch of one row of the owner's, its draft in ``status``: made by the owner for
    each operation (for nothing real: ids of nothing)."""
    olga = Workspace(OWNER, ws._catalogue)
    try:
        olga.get_agent(t.agent_id)
    except NotFound:
        return GHOST_BATCH, GHOST_DRAFT
    batch = olga.reply_drafts.start_batch(t.agent_id, "avis.csv", "message", [Row("Bonjour", {})])
    if status != "queued":
        draft = olga.reply_drafts.claim(batch.id)
        assert draft is not None
        if status != "drafting":
            olga.reply_drafts.drafted(draft.id, "Brouillon")
        if status == "sent_back":
            olga.reply_drafts.send_back(draft.id, "Plus court")
    (draft,) = ws._catalogue.list_drafts(batch_id=batch.id)
    _MADE[batch.id], _MADE[draft.id] = "<batch>", "<draft>"
    return batch.id, draft.id


Op = Callable[[Workspace, Things], object]

OPS: dict[str, Op] = {
    "Workspace.me": lambda ws, t: ws.me(),
    "Workspace.require_builder": lambda ws, t: ws.require_builder(),
    "Workspace.require_admin": lambda ws, t: ws.require_admin(),
    "Workspace.create_agent": lambda ws, t: ws.create_agent(spec("Nouveau")),
    "Workspace.save_agent": lambda ws, t: ws.save_agent(
        t.agent_id, spec(t.agent_name, f"Version {next(_fresh)}")
    ),
    "Workspace.save_agent_if_changed": lambda ws, t: ws.save_agent_if_changed(
        t.agent_id, spec(t.agent_name, f"Version {next(_fresh)}")
    ),
    "Workspace.list_agents": lambda ws, t: ws.list_agents(),
    "Workspace.get_agent": lambda ws, t: ws.get_agent(t.agent_id),
    "Workspace.resolve_agent by id": lambda ws, t: ws.resolve_agent(t.agent_id),
    "Workspace.resolve_agent by name": lambda ws, t: ws.resolve_agent(t.agent_name),
    "Workspace.get_version": lambda ws, t: ws.get_version(t.agent_id, 1),
    "Workspace.list_versions": lambda ws, t: ws.list_versions(t.agent_id),
    "Workspace.delete_agent": lambda ws, t: ws.delete_agent(t.spare_agent),
    "Workspace.open_agents": lambda ws, t: ws.open_agents(),
    "Workspace.agent_access": lambda ws, t: ws.agent_access(t.agent_id),
    "Shares.share_agent": lambda ws, t: ws.sharing.share_agent(t.agent_id, SPARE, "use"),
    "Shares.unshare_agent": lambda ws, t: (
        ws.sharing.share_agent(t.agent_id, SPARE, "edit"),
        ws.sharing.unshare_agent(t.agent_id, SPARE),
    ),
    "Shares.agent_shares": lambda ws, t: ws.sharing.agent_shares(t.agent_id),
    "Shares.publish": lambda ws, t: ws.sharing.publish(t.agent_id),
    "Shares.in_organisation": lambda ws, t: ws.sharing.in_organisation(t.agent_id),
    "Shares.share_kb": lambda ws, t: ws.sharing.share_kb(t.kb_id, SPARE, "use"),
    "Shares.unshare_kb": lambda ws, t: (
        ws.sharing.share_kb(t.kb_id, SPARE, "edit"),
        ws.sharing.unshare_kb(t.kb_id, SPARE),
    ),
    "Shares.kb_shares": lambda ws, t: ws.sharing.kb_shares(t.kb_id),
    "Shares.grantee_label": lambda ws, t: ws.sharing.grantee_label(
        Grant("agent", t.agent_id, "account", LEAVING, "use", OWNER, utc_now())
    ),
    "AgentCatalogue.search": lambda ws, t: ws.catalogue.search("rédacteur"),
    "AgentCatalogue.facets": lambda ws, t: ws.catalogue.facets(),
    "AgentCatalogue.card": lambda ws, t: ws.catalogue.card(t.agent_id),
    "AgentCatalogue.lineage": lambda ws, t: ws.catalogue.lineage(t.agent_id),
    "AgentCatalogue.fork": lambda ws, t: ws.catalogue.fork(t.agent_id, "Copie du rédacteur"),
    "Feedback.give": lambda ws, t: ws.feedback.give(t.agent_id, t.thread_id, "up", "Bien"),
    "Feedback.on_agent": lambda ws, t: ws.feedback.on_agent(t.agent_id),
    "Feedback.totals": lambda ws, t: ws.feedback.totals(t.agent_id),
    "ReplyDrafts.start_batch": lambda ws, t: ws.reply_drafts.start_batch(
        t.agent_id, "avis.csv", "message", [Row("Bonjour", {})]
    ),
    "Workspace.set_kb_class": lambda ws, t: ws.set_kb_class(t.kb_id, "sensitive"),
    "Workspace.data_class_of": lambda ws, t: ws.data_class_of(spec(t.agent_name), t.agent_id),
    "Workspace.agent_base_names": lambda ws, t: ws.agent_base_names(t.agent_id),
    "ReplyDrafts.batches": lambda ws, t: ws.reply_drafts.batches(),
    "ReplyDrafts.batch": lambda ws, t: ws.reply_drafts.batch(_drafted(ws, t)[0]),
    "ReplyDrafts.batch_drafts": lambda ws, t: ws.reply_drafts.batch_drafts(_drafted(ws, t)[0]),
    "ReplyDrafts.claim": lambda ws, t: ws.reply_drafts.claim(_drafted(ws, t, "queued")[0]),
    "ReplyDrafts.retry_failed": lambda ws, t: ws.reply_drafts.retry_failed(_drafted(ws, t)[0]),
    "ReplyDrafts.pending": lambda ws, t: ws.reply_drafts.pending(_drafted(ws, t)[0]),
    "ReplyDrafts.drafted": lambda ws, t: ws.reply_drafts.drafted(
        _drafted(ws, t, "drafting")[1], "Brouillon"
    ),
    "ReplyDrafts.failed": lambda ws, t: ws.reply_drafts.failed(
        _drafted(ws, t, "drafting")[1], "Erreur"
    ),
    "ReplyDrafts.conversation_draft": lambda ws, t: ws.reply_drafts.conversation_draft(
        t.agent_id, 1, t.thread_id, "Question", "Brouillon"
    ),
    "ReplyDrafts.conversation_drafts": lambda ws, t: ws.reply_drafts.conversation_drafts(
        t.thread_id
    ),
    "ReplyDrafts.queue": lambda ws, t: ws.reply_drafts.queue(),
    "ReplyDrafts.waiting": lambda ws, t: ws.reply_drafts.waiting(),
    "ReplyDrafts.draft": lambda ws, t: ws.reply_drafts.draft(_drafted(ws, t)[1]),
    "ReplyDrafts.may_decide": lambda ws, t: ws.reply_drafts.may_decide(_drafted(ws, t)[1]),
    "ReplyDrafts.approve": lambda ws, t: ws.reply_drafts.approve(_drafted(ws, t)[1]),
    "ReplyDrafts.reject": lambda ws, t: ws.reply_drafts.reject(_drafted(ws, t)[1], "Non"),
    "ReplyDrafts.send_back": lambda ws, t: ws.reply_drafts.send_back(
        _drafted(ws, t)[1], "Plus court"
    ),
    "ReplyDrafts.redraft": lambda ws, t: ws.reply_drafts.redraft(_drafted(ws, t, "sent_back")[1]),
    "ReplyDrafts.drafted_again": lambda ws, t: ws.reply_drafts.drafted_again(
        _drafted(ws, t, "drafting")[1], "Nouveau"
    ),
    "ReplyDrafts.decided_on": lambda ws, t: ws.reply_drafts.decided_on(),
    "ReplyDrafts.erase_batch": lambda ws, t: ws.reply_drafts.erase_batch(_drafted(ws, t)[0]),
    "Workspace.start_thread": lambda ws, t: ws.start_thread(t.agent_id, "Bonjour"),
    "Workspace.note_preview": lambda ws, t: ws.note_preview(t.agent_id, "preview-matrix"),
    "Workspace.get_thread": lambda ws, t: ws.get_thread(t.thread_id),
    "Workspace.list_threads": lambda ws, t: ws.list_threads(t.agent_id),
    "Workspace.list_my_threads": lambda ws, t: ws.list_my_threads(),
    "Workspace.rename_thread": lambda ws, t: ws.rename_thread(t.thread_id, "Nouveau titre"),
    "Workspace.delete_thread": lambda ws, t: ws.delete_thread(t.spare_thread),
    "Workspace.record_run": lambda ws, t: ws.record_run(a_run(t)),
    "Workspace.note_approval": lambda ws, t: ws.note_approval(t.thread_id, "web_fetch", "approve"),
    "Workspace.note_approval in a preview": lambda ws, t: ws.note_approval(
        "preview-matrix", "web_fetch", "approve", preview=True
    ),
    "Workspace.list_runs of an agent": lambda ws, t: ws.list_runs(t.agent_id),
    "Workspace.list_runs of all one's agents": lambda ws, t: ws.list_runs(),
    "Workspace.create_kb": lambda ws, t: ws.create_kb("Nouvelle base"),
    "Workspace.list_kbs": lambda ws, t: ws.list_kbs(),
    "Workspace.get_kb": lambda ws, t: ws.get_kb(t.kb_id),
    "Workspace.resolve_kb by id": lambda ws, t: ws.resolve_kb(t.kb_id),
    "Workspace.resolve_kb by name": lambda ws, t: ws.resolve_kb(t.kb_name),
    "Workspace.agents_using_kb": lambda ws, t: ws.agents_using_kb(t.kb_id),
    "Workspace.delete_kb": lambda ws, t: ws.delete_kb(t.spare_kb),
    "Workspace.kb_embedders": lambda ws, t: ws.kb_embedders(),
    "Workspace.kb_model_changed": lambda ws, t: ws.kb_model_changed(t.kb_id),
    "Workspace.settle_knowledge": lambda ws, t: ws.settle_knowledge(timeout=30),
    "Workspace.reindex_kb": lambda ws, t: ws.reindex_kb(t.kb_id),
    "Workspace.add_documents": lambda ws, t: ws.add_documents(t.kb_id, [("ajout.md", FAQ)]),
    "Workspace.list_documents": lambda ws, t: ws.list_documents(t.kb_id),
    "Workspace.get_document": lambda ws, t: ws.get_document(t.kb_id, t.doc_id),
    "Workspace.delete_document": lambda ws, t: ws.delete_document(t.kb_id, t.spare_doc),
    "Workspace.document_passages": lambda ws, t: ws.document_passages(t.kb_id, t.doc_id),
    "Workspace.kb_erasing": lambda ws, t: ws.kb_erasing(t.kb_id),
    "Workspace.wait_for_documents": lambda ws, t: ws.wait_for_documents(
        t.kb_id, [t.doc_id], timeout=30
    ),
    "Workspace.search": lambda ws, t: ws.search([t.kb_id], "conge"),
    "Workspace.search in a conversation": lambda ws, t: ws.search([], "conge", thread=t.thread_id),
    "Workspace.kb_access": lambda ws, t: ws.kb_access(t.kb_id),
    "Workspace.agent_bases": lambda ws, t: ws.agent_bases(t.agent_id),
    "Workspace.check_bases": lambda ws, t: ws.check_bases(t.agent_id, spec("Rédacteur RH")),
    "Workspace.search_agent_bases": lambda ws, t: ws.search_agent_bases(t.agent_id, "conge"),
    "Workspace.attach_files": lambda ws, t: ws.attach_files(t.thread_id, [("note.md", FAQ)]),
    "Workspace.conversation_attachments": lambda ws, t: ws.conversation_attachments(t.thread_id),
    "Workspace.remove_attachment": lambda ws, t: ws.remove_attachment(
        t.thread_id, t.spare_attachment
    ),
    "Workspace.wait_for_attachments": lambda ws, t: ws.wait_for_attachments(
        t.thread_id, [t.attachment], timeout=30
    ),
    "Workspace.attachment_passages": lambda ws, t: ws.attachment_passages(
        t.thread_id, t.attachment
    ),
    "Workspace.conversation_pseudonyms": lambda ws, t: ws.conversation_pseudonyms(t.thread_id),
    "Workspace.conversation_pseudonyms in a preview": lambda ws, t: ws.conversation_pseudonyms(
        "preview-matrix", preview=True
    ),
    "Workspace.keep_conversation_pseudonyms": lambda ws, t: ws.keep_conversation_pseudonyms(
        t.thread_id, {"<PERSONNE_1>": "Marie Dupont"}
    ),
    "Workspace.keep_conversation_pseudonyms in a preview": lambda ws, t: (
        ws.keep_conversation_pseudonyms(
            f"preview-{ws.principal}", {"<PERSONNE_1>": "Marie Dupont"}, preview=True
        )
    ),
    "Workspace.set_secret": lambda ws, t: ws.set_secret("mon-jeton", "valeur"),
    "Workspace.list_secrets": lambda ws, t: ws.list_secrets(),
    "Workspace.delete_secret": lambda ws, t: ws.delete_secret(t.spare_secret),
    "Workspace.secret_resolver": lambda ws, t: ws.secret_resolver()(t.secret),
    "People.add_account": lambda ws, t: _people(ws).add_account(f"n{next(_fresh)}@example.fr"),
    "People.list_accounts": lambda ws, t: _people(ws).list_accounts(),
    "People.get_account": lambda ws, t: _people(ws).get_account(LEAVING),
    "People.set_role": lambda ws, t: _people(ws).set_role(LEAVING, "creator"),
    "People.disable": lambda ws, t: _people(ws).disable(LEAVING),
    "People.enable": lambda ws, t: _people(ws).enable(LEAVING),
    "People.invitation": lambda ws, t: _people(ws).invitation(LEAVING),
    "People.reset_link": lambda ws, t: _people(ws).reset_link(LEAVING),
    "People.set_password of one's own": lambda ws, t: _people(ws).set_password(
        ws.principal, PASSWORD
    ),
    "People.set_password of someone else": lambda ws, t: _people(ws).set_password(
        LEAVING, PASSWORD
    ),
    "People.setup_link": lambda ws, t: _people(ws).setup_link(),
    "People.has_password": lambda ws, t: _people(ws).has_password(LEAVING),
    "People.with_password": lambda ws, t: _people(ws).with_password(),
    "People.add_team": lambda ws, t: _people(ws).add_team(f"Équipe {next(_fresh)}"),
    "People.list_teams": lambda ws, t: _people(ws).list_teams(),
    "People.get_team": lambda ws, t: _people(ws).get_team(t.team),
    "People.add_member": lambda ws, t: _people(ws).add_member(t.team, "carl@example.fr"),
    "People.remove_member": lambda ws, t: _people(ws).remove_member(t.team, LEAVING),
    "People.team_members": lambda ws, t: _people(ws).team_members(t.team),
    "People.my_teams": lambda ws, t: _people(ws).my_teams(),
    "Organisation.by": lambda ws, t: ws.organisation.by,
    "Organisation.settings": lambda ws, t: ws.organisation.settings(),
    "Organisation.update": lambda ws, t: ws.organisation.update(lambda current: current),
    "Organisation.secrets": lambda ws, t: ws.organisation.secrets(),
    "Organisation.set_secret": lambda ws, t: ws.organisation.set_secret(
        f"jeton-{next(_fresh)}", "valeur"
    ),
    "Organisation.delete_secret": lambda ws, t: (
        ws.organisation.set_secret("jeton-commun", "valeur"),  # so that there is one to delete
        ws.organisation.delete_secret("jeton-commun"),
    ),
    "Organisation.set_shared_secret": lambda ws, t: ws.organisation.set_shared_secret(
        "jeton-equipe", "valeur", team=t.team
    ),
    "Organisation.shared_secrets": lambda ws, t: ws.organisation.shared_secrets(),
    "Organisation.delete_shared_secret": lambda ws, t: (
        ws.organisation.set_shared_secret("jeton-org", "valeur"),
        ws.organisation.delete_shared_secret("jeton-org"),
    ),
    "Organisation.retention": lambda ws, t: ws.organisation.retention(),
    "Organisation.set_retention": lambda ws, t: ws.organisation.set_retention(None, None, 36_500),
    "Organisation.apply_retention": lambda ws, t: ws.organisation.apply_retention(_ERASER),
    "AuditJournal.entries": lambda ws, t: ws.audit.entries(action="agent"),
    "AuditJournal.verify": lambda ws, t: ws.audit.verify(),
    "AuditJournal.export": lambda ws, t: list(ws.audit.export("csv")),
    "Reviews.request_publication": lambda ws, t: ws.reviews.request_publication(t.agent_id),
    "Reviews.withdraw": lambda ws, t: (
        ws.reviews.request_publication(t.agent_id),
        ws.reviews.withdraw(t.agent_id),
    ),
    "Reviews.pending_request": lambda ws, t: ws.reviews.pending_request(t.agent_id),
    "Reviews.queue": lambda ws, t: (_asked(ws, t), ws.reviews.queue()),
    "Reviews.waiting": lambda ws, t: ws.reviews.waiting(),
    "Reviews.review": lambda ws, t: (_asked(ws, t), ws.reviews.review(t.agent_id)),
    "Reviews.reject": lambda ws, t: (_asked(ws, t), ws.reviews.reject(t.agent_id, "Précisez")),
    "Reviews.approve": lambda ws, t: (_asked(ws, t), ws.reviews.approve(t.agent_id)),
    "Reviews.set_deprecated": lambda ws, t: (
        _in_organisation(ws, t),
        ws.reviews.set_deprecated(t.agent_id),
    ),
    "Reviews.unpublish": lambda ws, t: (_in_organisation(ws, t), ws.reviews.unpublish(t.agent_id)),
    "Reviews.notifications": lambda ws, t: ws.reviews.notifications(),
    "Reviews.unread": lambda ws, t: ws.reviews.unread(),
    "Reviews.mark_read": lambda ws, t: ws.reviews.mark_read(),
    "Usage.organisation": lambda ws, t: ws.usage.organisation(by="team"),
    "Usage.my_agents": lambda ws, t: ws.usage.my_agents(),
    "Usage.mine": lambda ws, t: ws.usage.mine(),
    "Usage.quota_state": lambda ws, t: ws.usage.quota_state(),
    "Usage.check_quota": lambda ws, t: ws.usage.check_quota(),
    "Usage.list_quotas": lambda ws, t: ws.usage.list_quotas(),
    "Usage.set_quota": lambda ws, t: ws.usage.set_quota("team", t.team, "tokens", 10**9),
    "Usage.remove_quota": lambda ws, t: (
        ws.usage.set_quota("person", LEAVING, "euros", 5),  # so that there is one to remove
        ws.usage.remove_quota("person", LEAVING),
    ),
    "People.export_person": lambda ws, t: _people(ws).export_person(LEAVING),
    "People.erase_person": lambda ws, t: _people(ws).erase_person(LEAVING, lambda ids: None),
    "Workspace.export_mine": lambda ws, t: ws.export_mine(),
    "Workspace.erase_mine": lambda ws, t: ws.erase_mine(lambda ids: None),
}


def public_names(cls: type) -> set[str]:
    return {f"{cls.__name__}.{n}" for n in dir(cls) if not n.startswith("_")}


def test_every_public_operation_is_in_the_matrix() -> None:
    listed = {key.split(" ")[0] for key in EXPECTED} | set(NOT_OPERATIONS)
    public = (
        public_names(Workspace)
        | public_names(People)
        | public_names(Organisation)
        | public_names(Shares)
        | public_names(Reviews)
        | public_names(AgentCatalogue)
        | public_names(Feedback)
        | public_names(ReplyDrafts)
    )
    public |= public_names(AuditJournal)
    public |= public_names(Usage)
    assert public - listed == set(), "a public operation without a row in the access matrix"
    assert listed - public == set(), "a row for an operation that no longer exists"
    assert set(OPS) == set(EXPECTED)
    for row in EXPECTED.values():
        assert set(row) == set(PRINCIPALS)


# --- the world the operations aim at -------------------------------------------------------------


@pytest.fixture
def installation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Installation]:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    installation = Installation.open()
    yield installation
    close_knowledge_stores()


def build_world(installation: Installation) -> Things:
    catalogue = installation._catalogue
    enrol(catalogue, OWNER)
    for login, role in ROLES.items():
        enrol(catalogue, login, role=role)  # type: ignore[arg-type]
    enrol(catalogue, "ada@example.fr", role="admin")
    enrol(catalogue, "root@example.fr", role="admin")  # so that an administrator may leave
    enrol(catalogue, LEAVING, role="user")
    olga = Workspace(OWNER, catalogue)
    agent = olga.create_agent(spec("Rédacteur RH"))
    spare_agent = olga.create_agent(spec("À supprimer"))
    thread = olga.start_thread(agent.agent_id, "Ma conversation")
    spare_thread = olga.start_thread(agent.agent_id, "À supprimer")
    olga.record_run(a_run(Things(agent.agent_id, "", thread.id, *[""] * 9)))
    kb = olga.create_kb("Procédures RH")
    spare_kb = olga.create_kb("Archives")
    docs = olga.add_documents(kb.id, [("conges.md", FAQ), ("vieux.md", FAQ + b"\nAncien.\n")])
    for done in olga.wait_for_documents(kb.id, [d.id for d in docs], timeout=60):
        assert done.status == "ready", done.error
    attached = olga.attach_files(thread.id, [("note.md", FAQ), ("brouillon.md", FAQ + b"\nVu.\n")])
    for done in olga.wait_for_attachments(thread.id, [d.id for d in attached], timeout=60):
        assert done.status == "ready", done.error
    olga.set_secret("jeton", "s3cret")
    olga.set_secret("ancien-jeton", "vieux")
    admin = Workspace("ada@example.fr", catalogue).people
    team = admin.add_team("Équipe RH")
    admin.add_member(team.id, LEAVING)
    return Things(
        agent_id=agent.agent_id,
        agent_name="Rédacteur RH",
        thread_id=thread.id,
        kb_id=kb.id,
        kb_name="Procédures RH",
        doc_id=docs[0].id,
        secret="jeton",
        spare_agent=spare_agent.agent_id,
        spare_kb=spare_kb.id,
        spare_doc=docs[1].id,
        spare_secret="ancien-jeton",
        team=team.id,
        spare_thread=spare_thread.id,
        attachment=attached[0].id,
        spare_attachment=attached[1].id,
    )


def outcome_of(op: Op, ws: Workspace, things: Things) -> tuple[Outcome, Exception | None]:
    try:
        op(ws, things)
    except Refused as exc:
        return R, exc
    except NotFound as exc:
        return N, exc
    return A, None


def masked(message: str, things: Things) -> str:
    """The message with each id or name of ``things`` replaced by its field's name."""
    values = [(getattr(things, f.name), f.name) for f in fields(things)]
    for value, name in sorted(values, key=lambda v: -len(v[0])):
        message = message.replace(value, f"<{name}>")
    made = {**_MADE, GHOST_BATCH: "<batch>", GHOST_DRAFT: "<draft>"}
    for value, name in made.items():
        message = message.replace(value, name)
    return message


@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_the_access_matrix(installation: Installation, who: str) -> None:
    things = build_world(installation)
    if who == "disabled":
        installation._catalogue.update_account(OWNER, active=False)
    ws = Workspace(PRINCIPALS[who], installation._catalogue)
    wrong: list[str] = []
    for name, op in OPS.items():
        expected = EXPECTED[name][who]
        got, error = outcome_of(op, ws, things)
        if got != expected:
            wrong.append(f"{name} as {who}: expected {expected}, got {got} ({error!r})")
            continue
        if got == N and who != "owner":  # someone else's thing, worded like a missing one
            assert isinstance(error, NotFound)
            _, ghost = outcome_of(op, ws, GHOSTS)
            if not isinstance(ghost, NotFound) or ghost.key != error.key:
                wrong.append(f"{name} as {who}: {error.key} for theirs, {ghost!r} for none")
            elif masked(error.message(), things) != masked(ghost.message(), GHOSTS):
                wrong.append(f"{name} as {who}: {error.message()!r} vs {ghost.message()!r}")
    assert wrong == []


def test_the_owner_reaches_what_she_owns_and_others_list_none_of_it(
    installation: Installation,
) -> None:
    things = build_world(installation)
    olga = Workspace(OWNER, installation._catalogue)
    assert things.agent_id in {a.id for a in olga.list_agents()}
    assert things.kb_id in {k.id for k in olga.list_kbs()}
    assert olga.search([things.kb_id], "conge")
    for who in ("other creator", "user", "reviewer", "admin"):
        ws = Workspace(PRINCIPALS[who], installation._catalogue)
        assert things.agent_id not in {a.id for a in ws.list_agents()}, who
        assert things.kb_id not in {k.id for k in ws.list_kbs()}, who
        assert all(r.agent_id != things.agent_id for r in ws.list_runs()), who
        assert "jeton" not in {s.name for s in ws.list_secrets()}, who


def test_a_disabled_account_is_refused_even_when_it_names_nothing_real(
    installation: Installation,
) -> None:
    """Refused, not "not found": the account's state is checked before any lookup."""
    build_world(installation)
    installation._catalogue.update_account(OWNER, active=False)
    ws = Workspace(OWNER, installation._catalogue)
    for name, op in OPS.items():
        got, error = outcome_of(op, ws, GHOSTS)
        assert got == R, (name, error)
