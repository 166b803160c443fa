"""Sharing agents and knowledge bases, and publishing the version people get: the door
``Workspace.sharing`` opens for one principal. Who may do what is ``store.access``'s rule;
every method here asks the workspace first.

- Only an agent's (or a base's) owner shares and unshares it.
- Those who may edit an agent publish its draft for the people it is shared with. Once it is
  published to the whole organisation, a new version goes through review instead.
- Sharing an agent that has no published version yet publishes its latest: the people it is
  shared with get something to use at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.errors import NotFound, Refused, UserError
from store.accounts import team_not_found
from store.ai_act import check_publishable
from store.database import utc_now
from store.sharing import ORGANISATION, Grant, GranteeKind, ResourceKind, check_permission

if TYPE_CHECKING:
    from store.records import AgentRecord, Catalogue
    from store.workspace import Workspace

USER_PREFIX = "user:"
TEAM_PREFIX = "team:"


class Shares:
    def __init__(self, workspace: Workspace, catalogue: Catalogue) -> None:
        self._workspace = workspace
        self._catalogue = catalogue

    # --- agents ------------------------------------------------------------------------------

    def share_agent(self, agent_id: str, grantee: str, permission: str) -> Grant:
        """``grantee``: ``user:EMAIL`` or ``team:NAME``; ``permission``: ``use`` or ``edit``."""
        agent = self._workspace._owned(agent_id)
        # What the grantee will get: the published version, or the latest when none is yet.
        gets = self._catalogue.get_version(agent.id, agent.published_version or None)
        check_publishable(gets.spec, agent.name)
        grant = self._grant("agent", agent.id, agent.owner, grantee, permission)
        if not agent.published_version:
            self._catalogue.set_published_version(agent.id, agent.latest_version)
        return grant

    def unshare_agent(self, agent_id: str, grantee: str) -> None:
        agent = self._workspace._owned(agent_id)
        self._ungrant("agent", agent.id, agent.name, grantee)

    def agent_shares(self, agent_id: str) -> list[Grant]:
        """Who else reaches the agent: for those who may edit it."""
        agent = self._workspace._editable(agent_id)
        return self._catalogue.list_grants("agent", agent.id)

    def publish(self, agent_id: str, number: int | None = None) -> AgentRecord:
        """Make the draft (or version ``number``) the version the people it is shared with
        get. For an agent published to the whole organisation, that is a reviewer's."""
        agent = self._workspace._editable(agent_id)
        if self.in_organisation(agent.id):
            raise Refused("share.needs_review", name=agent.name)
        check_publishable(self._catalogue.get_version(agent.id, number).spec, agent.name)
        published = self._catalogue.set_published_version(agent.id, number or agent.latest_version)
        self._workspace._audit(
            "agent.released", "agent", agent.id, version=published.published_version
        )
        return published

    def in_organisation(self, agent_id: str) -> bool:
        """Whether the whole organisation reaches the agent."""
        agent = self._workspace.get_agent(agent_id)
        grants = self._catalogue.list_grants("agent", agent.id)
        return any(g.grantee_kind == "organisation" for g in grants)

    # --- knowledge bases ---------------------------------------------------------------------

    def share_kb(self, kb_ref: str, grantee: str, permission: str) -> Grant:
        kb = self._workspace._kb_owned(kb_ref)
        return self._grant("kb", kb.id, kb.owner, grantee, permission)

    def unshare_kb(self, kb_ref: str, grantee: str) -> None:
        kb = self._workspace._kb_owned(kb_ref)
        self._ungrant("kb", kb.id, kb.name, grantee)

    def kb_shares(self, kb_ref: str) -> list[Grant]:
        kb = self._workspace._kb_to_edit(kb_ref)
        return self._catalogue.list_grants("kb", kb.id)

    # --- one grant, whatever it gives ----------------------------------------------------------

    def _grant(
        self, kind: ResourceKind, resource_id: str, owner: str, grantee: str, permission: str
    ) -> Grant:
        grantee_kind, grantee_id = self._grantee(grantee)
        grant = Grant(
            kind,
            resource_id,
            grantee_kind,
            grantee_id,
            check_permission(permission),
            owner,
            utc_now(),
        )
        self._catalogue.set_grant(grant)
        self._workspace._audit(
            f"{kind}.shared",
            kind,
            resource_id,
            grantee=f"{grantee_kind}:{grantee_id}",
            can=grant.permission,
        )
        return grant

    def _ungrant(self, kind: ResourceKind, resource_id: str, name: str, grantee: str) -> None:
        grantee_kind, grantee_id = self._grantee(grantee)
        if not self._catalogue.remove_grant(kind, resource_id, grantee_kind, grantee_id):
            raise NotFound("share.not_shared", name=name, grantee=grantee)
        self._workspace._audit(
            f"{kind}.unshared", kind, resource_id, grantee=f"{grantee_kind}:{grantee_id}"
        )

    # --- who --------------------------------------------------------------------------------

    def grantee_label(self, grant: Grant) -> str:
        """``user:EMAIL``, ``team:NAME`` or ``organisation``, as the person wrote it."""
        self._workspace.me()
        if grant.grantee_kind == "team":
            try:
                return TEAM_PREFIX + self._catalogue.get_team(grant.grantee_id).name
            except NotFound:
                return TEAM_PREFIX + grant.grantee_id
        if grant.grantee_kind == "organisation":
            return "organisation"
        return USER_PREFIX + grant.grantee_id

    def _grantee(self, grantee: str) -> tuple[GranteeKind, str]:
        me = self._workspace.me()
        text = grantee.strip()
        if text.startswith(USER_PREFIX):
            login = text[len(USER_PREFIX) :].strip().lower()
            try:
                account = self._catalogue.get_account(login)
            except NotFound:
                raise UserError("share.unknown_person", login=login) from None
            if account.id == me.id:
                raise UserError("share.self")
            return "account", account.id
        if text.startswith(TEAM_PREFIX):
            name = text[len(TEAM_PREFIX) :].strip()
            try:
                return "team", self._catalogue.get_team(name).id
            except NotFound:
                raise team_not_found(name) from None
        if text == ORGANISATION or text == "organisation":
            raise UserError("share.organisation_by_review")
        raise UserError("share.bad_grantee", grantee=grantee)
