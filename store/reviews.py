"""Review before the whole organisation sees an agent: the door ``Workspace.reviews`` opens for
one principal.

- Someone who may edit an agent (its owner, or a builder it is shared with to edit) asks for
  its latest version to be published to the organisation. One request per agent waits at a
  time: asking again replaces the waiting one (withdrawn), so the reviewer reads the newest.
- Reviewers and administrators see the waiting requests ("À relire"). While a request waits,
  they read its agent (the requested version and the published one) even though it is not
  shared with them; nothing else, and nothing once it is decided: then the agent is, for
  them, like any private thing, reported exactly like a missing one.
- Nobody decides their own request, nor a request about their own agent.
- Approving writes the organisation's grant and sets the published version in one step;
  sending back needs a comment. Whoever asked, and the owner, are told (``notifications``).
- Administrators unpublish (the organisation's grant goes; other shares stay) and mark an
  agent deprecated (still usable, with a notice; out of the catalogue's search).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agents.errors import NotFound, Refused, UserError
from store.ai_act import check_publishable
from store.database import utc_now
from store.memory import agent_not_found
from store.review_records import (
    Notification,
    NotificationKind,
    PublicationRequest,
    new_notification_id,
    new_request_id,
)
from store.sharing import ORGANISATION

if TYPE_CHECKING:
    from store.accounts import Principal
    from store.records import AgentRecord, Catalogue, VersionRecord
    from store.workspace import Workspace

REVIEWER_ROLES = frozenset({"reviewer", "admin"})
MAX_MESSAGE = 2000


@dataclass(frozen=True)
class PendingReview:
    """A waiting request as a reviewer reads it: the agent, the version asked for, the one
    people get now (``None``: none yet), the names of the knowledge bases it searches, and
    the name of each base either version names (``base_names``, for the comparison)."""

    request: PublicationRequest
    agent: AgentRecord
    requested: VersionRecord
    published: VersionRecord | None
    bases: list[str]
    in_organisation: bool
    base_names: dict[str, str] = field(default_factory=dict)


class Reviews:
    def __init__(self, workspace: Workspace, catalogue: Catalogue) -> None:
        self._workspace = workspace
        self._catalogue = catalogue

    # --- asking ------------------------------------------------------------------------------

    def request_publication(self, agent_id: str, message: str = "") -> PublicationRequest:
        """Ask for the agent's latest version to be published to the organisation; a request
        already waiting for it is withdrawn and replaced by this one."""
        me = self._workspace._builder()
        agent = self._workspace._editable(agent_id)
        if agent.published_version == agent.latest_version and self._in_organisation(agent.id):
            raise UserError("review.nothing_new", name=agent.name, version=agent.latest_version)
        check_publishable(self._catalogue.get_version(agent.id, None).spec, agent.name)
        request = PublicationRequest(
            id=new_request_id(),
            agent_id=agent.id,
            version=agent.latest_version,
            requested_by=me.id,
            message=message.strip()[:MAX_MESSAGE],
            status="pending",
            created_at=utc_now(),
        )
        self._catalogue.add_publication_request(request)
        self._workspace._audit(  # never the message: whether there was one
            "review.requested",
            "agent",
            agent.id,
            version=request.version,
            with_message=bool(request.message),
        )
        return request

    def withdraw(self, agent_id: str) -> PublicationRequest:
        """The agent's waiting request, withdrawn by someone who may edit the agent."""
        self._workspace._builder()
        agent = self._workspace._editable(agent_id)
        waiting = self._catalogue.pending_request(agent.id)
        if waiting is None:
            raise NotFound("review.no_request", name=agent.name)
        me = self._workspace.me()
        done = self._catalogue.decide_publication_request(
            waiting.id, "withdrawn", me.id, "", utc_now()
        )
        self._workspace._audit("review.withdrawn", "agent", agent.id, version=done.version)
        return done

    def pending_request(self, agent_id: str) -> PublicationRequest | None:
        """The agent's waiting request, for those who may edit it (the editor shows it)."""
        agent = self._workspace._editable(agent_id)
        return self._catalogue.pending_request(agent.id)

    # --- reviewing ---------------------------------------------------------------------------

    def queue(self) -> list[PendingReview]:
        """Every waiting request, oldest first: reviewers' and administrators'."""
        self._reviewer()
        found = []
        for request in self._catalogue.list_publication_requests("pending"):
            with contextlib.suppress(NotFound):  # its agent deleted meanwhile
                found.append(self._pending_review(request))
        return found

    def waiting(self) -> int:
        """How many requests wait (the reviewers' navigation shows it)."""
        self._reviewer()
        return len(self._catalogue.list_publication_requests("pending"))

    def review(self, ref: str) -> PendingReview:
        """The waiting request of the agent ``ref`` (an id or a name): ``NotFound``, worded as
        for a missing agent, when it has none."""
        self._reviewer()
        return self._pending_review(self._waiting_for(ref))

    def approve(self, ref: str, comment: str = "") -> PublicationRequest:
        """Publish the requested version to the whole organisation."""
        me = self._reviewer()
        request = self._waiting_for(ref)
        agent = self._catalogue.get_agent(request.agent_id)
        self._not_own(me, request, agent)
        check_publishable(self._catalogue.get_version(agent.id, request.version).spec, agent.name)
        done = self._catalogue.approve_publication(
            request.id, me.id, comment.strip()[:MAX_MESSAGE], utc_now()
        )
        self._workspace._audit(  # never the comment: whether there was one
            "review.approved",
            "agent",
            agent.id,
            version=done.version,
            with_comment=bool(done.comment),
        )
        self._tell(done, agent, "review.approved")
        return done

    def reject(self, ref: str, comment: str) -> PublicationRequest:
        """Send the request back, saying why (required)."""
        me = self._reviewer()
        comment = comment.strip()[:MAX_MESSAGE]
        if not comment:
            raise UserError("review.comment_required")
        request = self._waiting_for(ref)
        agent = self._catalogue.get_agent(request.agent_id)
        self._not_own(me, request, agent)
        done = self._catalogue.decide_publication_request(
            request.id, "rejected", me.id, comment, utc_now()
        )
        self._workspace._audit(
            "review.rejected", "agent", agent.id, version=done.version, with_comment=True
        )
        self._tell(done, agent, "review.rejected")
        return done

    # --- administering -----------------------------------------------------------------------

    def unpublish(self, agent_id: str) -> AgentRecord:
        """The organisation no longer reaches the agent; those it is shared with otherwise
        keep it. An agent the organisation does not reach is, for the administrator, like
        any private thing."""
        me = self._workspace.require_admin()
        try:
            agent = self._catalogue.get_agent(agent_id)
        except NotFound:
            raise agent_not_found(agent_id) from None
        removed = self._catalogue.remove_grant("agent", agent.id, "organisation", ORGANISATION)
        if not removed:
            raise agent_not_found(agent_id)
        self._workspace._audit(
            "review.unpublished", "agent", agent.id, version=agent.published_version or 0
        )
        notice = Notification(
            new_notification_id(),
            agent.owner,
            "review.unpublished",
            utc_now(),
            {"agent": agent.name, "agent_id": agent.id, "by": me.id},
        )
        self._catalogue.add_notification(notice)
        return agent

    def set_deprecated(self, agent_id: str, deprecated: bool = True) -> AgentRecord:
        """Mark an agent the administrator reaches as deprecated (still usable, with a
        notice; out of the catalogue's search), or no longer."""
        self._workspace.require_admin()
        agent = self._workspace.get_agent(agent_id)
        marked = self._catalogue.set_deprecated(agent.id, deprecated)
        action = "agent.deprecated" if deprecated else "agent.undeprecated"
        self._workspace._audit(action, "agent", agent.id, name=agent.name)
        return marked

    # --- being told --------------------------------------------------------------------------

    def notifications(self, unread_only: bool = False) -> list[Notification]:
        """The principal's own, newest first."""
        me = self._workspace.me()
        return self._catalogue.list_notifications(me.id, unread_only)

    def unread(self) -> int:
        me = self._workspace.me()
        return len(self._catalogue.list_notifications(me.id, unread_only=True, limit=1000))

    def mark_read(self, ids: list[str] | None = None) -> int:
        """The principal's notifications (``ids``, or all) marked read; another person's id
        changes nothing."""
        me = self._workspace.me()
        return self._catalogue.mark_notifications_read(me.id, ids, utc_now())

    # --- rules -------------------------------------------------------------------------------

    def _reviewer(self) -> Principal:
        me = self._workspace.me()
        if me.role not in REVIEWER_ROLES:
            raise Refused("review.reviewers_only")
        return me

    def _not_own(self, me: Principal, request: PublicationRequest, agent: AgentRecord) -> None:
        if me.id in (request.requested_by, agent.owner):
            raise Refused("review.own_request", name=agent.name)

    def _waiting_for(self, ref: str) -> PublicationRequest:
        wanted = ref.strip()
        waiting = self._catalogue.list_publication_requests("pending")
        for request in waiting:
            if request.agent_id == wanted:
                return request
        named = []
        for request in waiting:
            with contextlib.suppress(NotFound):
                agent = self._catalogue.get_agent(request.agent_id)
                if agent.name.strip().casefold() == wanted.casefold():
                    named.append(request)
        if len(named) > 1:
            ids = ", ".join(sorted(r.agent_id for r in named))
            raise UserError("agent.ambiguous", ref=ref, ids=ids)
        if not named:
            raise agent_not_found(ref)
        return named[0]

    def _pending_review(self, request: PublicationRequest) -> PendingReview:
        agent = self._catalogue.get_agent(request.agent_id)
        requested = self._catalogue.get_version(agent.id, request.version)
        published = None
        if agent.published_version:
            published = self._catalogue.get_version(agent.id, agent.published_version)
        names = self._base_names(agent, [v for v in (requested, published) if v is not None])
        requested_refs = _bases_of(requested)
        return PendingReview(
            request=request,
            agent=agent,
            requested=requested,
            published=published,
            bases=[names[ref] for ref in requested_refs],
            in_organisation=self._in_organisation(agent.id),
            base_names=names,
        )

    def _base_names(self, agent: AgentRecord, versions: list[VersionRecord]) -> dict[str, str]:
        """The name of each base the versions name, as their owner reaches it; a base the
        owner no longer reaches keeps the name the spec writes."""
        refs = list(dict.fromkeys(ref for version in versions for ref in _bases_of(version)))
        if not refs:
            return {}
        teams = frozenset(t.id for t in self._catalogue.account_teams(agent.owner))
        names = {}
        for ref in refs:
            try:
                names[ref] = self._workspace._resolve_kb_for(agent.owner, teams, ref).name
            except UserError:
                names[ref] = ref
        return names

    def _in_organisation(self, agent_id: str) -> bool:
        grants = self._catalogue.list_grants("agent", agent_id)
        return any(g.grantee_kind == "organisation" for g in grants)

    def _tell(
        self, request: PublicationRequest, agent: AgentRecord, kind: NotificationKind
    ) -> None:
        parameters = {
            "agent": agent.name,
            "agent_id": agent.id,
            "version": request.version,
            "reviewer": request.reviewer,
            "comment": request.comment,
        }
        for account_id in dict.fromkeys((request.requested_by, agent.owner)):
            with contextlib.suppress(NotFound):
                self._catalogue.get_account(account_id)  # an erased person is told nothing
                self._catalogue.add_notification(
                    Notification(new_notification_id(), account_id, kind, utc_now(), parameters)
                )


def _bases_of(version: VersionRecord) -> list[str]:
    knowledge = version.spec.knowledge
    return list(knowledge.bases) if knowledge is not None else []
