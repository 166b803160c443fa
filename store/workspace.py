"""The only door to the catalogue that the interfaces hold: one principal's view of it.

The catalogue itself is unscoped; every check of who may see or change what happens here, once,
so that the Streamlit app, the CLI and the HTTP API cannot disagree or forget one. Someone else's
agent or conversation is reported exactly like a missing one: an error must never reveal that a
private thing exists.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from agents.errors import NotFound, Refused, UserError
from agents.spec import AgentSpec
from store.access import agent_access
from store.accounts import Principal
from store.config import default_principal
from store.database import utc_now
from store.memory import agent_not_found, thread_not_found, version_not_found
from store.records import (
    AgentRecord,
    Catalogue,
    ConversationSummary,
    RunRecord,
    ThreadRecord,
    VersionRecord,
)
from store.sharing import Access, OpenAgent
from store.workspace_knowledge import KnowledgeRooms

if TYPE_CHECKING:  # the knowledge store imports numpy and, when opened, Chroma: only on use
    from store.agent_catalogue import AgentCatalogue
    from store.audit_journal import AuditJournal
    from store.feedback import Feedback
    from store.knowledge.service import KnowledgeStore
    from store.organisation import Organisation
    from store.people import People
    from store.person_data import PersonData, Summary
    from store.reply_drafts import ReplyDrafts
    from store.reviews import Reviews
    from store.secrets import SecretInfo, SecretStore
    from store.shares import Shares
    from store.usage import Usage


THREAD_TITLE_MAX = 120


class Workspace(KnowledgeRooms):
    """``knowledge`` is the knowledge store, or a function that opens it on first use; by
    default this installation's (``open_knowledge_store``). ``secrets`` likewise
    (``open_secret_store``)."""

    def __init__(
        self,
        principal: str,  # an account id: checked, with its role and teams, on every operation
        catalogue: Catalogue,
        knowledge: KnowledgeStore | Callable[[], KnowledgeStore] | None = None,
        secrets: SecretStore | Callable[[], SecretStore] | None = None,
        origin: str = "",  # from where, for the audit log: "web 192.0.2.7", "cli marie"
    ) -> None:
        if not principal.strip():
            raise ValueError("a workspace needs a principal")
        self.principal = principal
        self.origin = origin
        self._catalogue = catalogue
        self._knowledge_source = knowledge
        self._knowledge: KnowledgeStore | None = None
        self._knowledge_lock = threading.Lock()
        self._secrets_source = secrets
        self._secrets: SecretStore | None = None
        self._secrets_lock = threading.Lock()

    # --- who acts --------------------------------------------------------------------------

    def me(self) -> Principal:
        """The principal as the catalogue has them now: an account disabled a second ago is
        refused here, on every path, open browser sessions included."""
        try:
            account = self._catalogue.get_account(self.principal)
        except NotFound:
            raise Refused("access.unknown_account", login=self.principal) from None
        if not account.active:
            raise Refused("access.disabled", login=self.principal)
        teams = frozenset(t.id for t in self._catalogue.account_teams(account.id))
        return Principal(account.id, account.name, account.role, teams)

    def _builder(self) -> Principal:
        me = self.me()
        if not me.can_build:
            raise Refused("access.builders_only")
        return me

    def require_admin(self) -> Principal:
        """For the administrator's actions (people, teams, models, network, MCP servers,
        organisation credentials): refused here, not only hidden by a page."""
        me = self.me()
        if not me.is_admin:
            raise Refused("access.admins_only")
        return me

    def require_builder(self) -> Principal:
        """For what builds without naming a saved thing (the editor's preview of a spec)."""
        return self._builder()

    @property
    def organisation(self) -> Organisation:
        """The installation's settings and credentials: an administrator's."""
        from store.organisation import Organisation

        source = self._secrets_source
        return Organisation(self, source if not callable(source) else None)

    @property
    def people(self) -> People:
        """Accounts and teams: an administrator's, except reading one's own teams."""
        from store.people import People

        return People(self, self._catalogue)

    @property
    def sharing(self) -> Shares:
        """Sharing the principal's agents and bases, publishing versions (``store.shares``)."""
        from store.shares import Shares

        return Shares(self, self._catalogue)

    @property
    def audit(self) -> AuditJournal:
        """The audit log, to read, check and export: an administrator's."""
        from store.audit_journal import AuditJournal

        return AuditJournal(self, self._catalogue)

    def _audit(
        self, action: str, target_kind: str = "", target_id: str = "", **details: object
    ) -> None:
        """One entry of the audit log for what this principal just did (``store.audit``):
        names, numbers and roles in ``details``, never a text that was said or written."""
        from store.audit import new_draft

        self._catalogue.append_audit(
            new_draft(self.principal, action, target_kind, target_id, self.origin, **details)
        )

    @property
    def reviews(self) -> Reviews:
        """Publication requests, their review, notifications (``store.reviews``)."""
        from store.reviews import Reviews

        return Reviews(self, self._catalogue)

    @property
    def usage(self) -> Usage:
        """Usage, cost and quotas: everything for an administrator, one's own agents' counts
        for a creator, one's own spending and quotas for everyone."""
        from store.usage import Usage

        return Usage(self, self._catalogue)

    @property
    def catalogue(self) -> AgentCatalogue:
        """Finding agents others made, and forking one (``store.agent_catalogue``)."""
        from store.agent_catalogue import AgentCatalogue

        return AgentCatalogue(self, self._catalogue)

    @property
    def feedback(self) -> Feedback:
        """Thumbs up or down on answers, and reading those on one's agents
        (``store.feedback``)."""
        from store.feedback import Feedback

        return Feedback(self, self._catalogue)

    @property
    def reply_drafts(self) -> ReplyDrafts:
        """Drafts of replies a person approves before they count, and batches of them
        (``store.reply_drafts``)."""
        from store.reply_drafts import ReplyDrafts

        return ReplyDrafts(self, self._catalogue)

    # --- agents ----------------------------------------------------------------------------

    def create_agent(self, spec: AgentSpec, message: str = "") -> VersionRecord:
        self._builder()
        version = self._catalogue.create_agent(spec, self.principal, message)
        self._audit("agent.created", "agent", version.agent_id, name=version.spec.name, version=1)
        return version

    def save_agent(self, agent_id: str, spec: AgentSpec, message: str = "") -> VersionRecord:
        """A new version of the draft: by the owner, or by someone it is shared with to edit
        (who may not name a knowledge base they do not reach themselves)."""
        self._builder()
        agent = self._editable(agent_id)
        if agent.owner != self.principal:
            self.check_bases(agent_id, spec)
        version = self._catalogue.save_version(agent_id, spec, self.principal, message)
        self._audit(
            "agent.saved", "agent", agent_id, name=version.spec.name, version=version.number
        )
        return version

    def save_agent_if_changed(
        self, agent_id: str, spec: AgentSpec, message: str = ""
    ) -> tuple[VersionRecord, bool]:
        """A new version, unless ``spec`` is the latest version's: then that version, False.
        Checked as ``save_agent``."""
        self._builder()
        agent = self._editable(agent_id)
        if agent.owner != self.principal:
            self.check_bases(agent_id, spec)
        version, changed = self._catalogue.save_version_if_changed(
            agent_id, spec, self.principal, message
        )
        if changed:
            self._audit(
                "agent.saved", "agent", agent_id, name=version.spec.name, version=version.number
            )
        return version, changed

    def list_agents(self) -> list[AgentRecord]:
        """The principal's own agents."""
        self.me()
        return self._catalogue.list_agents(owner=self.principal)

    def open_agents(self) -> list[OpenAgent]:
        """Every agent the principal may use: their own, and those shared with them, their
        teams or the whole organisation (once published), most recently updated first. From
        this process's kept answers (``store.catalogue_cache``), never stale."""
        from store.catalogue_cache import catalogue_cache

        me = self.me()
        found = []
        for agent in catalogue_cache(self._catalogue).view().open_agents(me.id, me.teams):
            if agent.access == "edit" and not me.can_build:
                agent = replace(agent, access="use")  # only builders edit
            if agent.access != "use" or agent.agent.published_version:
                found.append(agent)
        return found

    def agent_access(self, agent_id: str) -> Access:
        """How far the principal reaches the agent: ``owner``, ``edit`` or ``use``."""
        return self._access(agent_id)[1]

    def get_agent(self, agent_id: str) -> AgentRecord:
        return self._access(agent_id)[0]

    def _access(self, agent_id: str) -> tuple[AgentRecord, Access]:
        return agent_access(self._catalogue, self.me(), agent_id)

    def _editable(self, agent_id: str) -> AgentRecord:
        agent, access = self._access(agent_id)
        if access == "use":
            raise Refused("share.use_only", name=agent.name)
        return agent

    def _owned(self, agent_id: str) -> AgentRecord:
        agent, access = self._access(agent_id)
        if access != "owner":
            raise Refused("share.owner_only", name=agent.name)
        return agent

    def resolve_agent(self, ref: str) -> AgentRecord:
        """What a person types (an id or a name, in any case) to the agent meant. Names are not
        unique, so two agents with the same name make the person choose by id."""
        wanted = ref.strip()
        try:
            return self.get_agent(wanted)
        except NotFound:
            pass
        wanted_key = wanted.casefold()
        named = [o for o in self.open_agents() if o.agent.name.strip().casefold() == wanted_key]
        own = [o.agent for o in named if o.access == "owner"]
        matches = own or [o.agent for o in named]  # one's own first: shared ones may share a name
        if not matches:
            raise agent_not_found(ref)
        if len(matches) > 1:
            ids = ", ".join(sorted(a.id for a in matches))
            raise UserError("agent.ambiguous", ref=ref, ids=ids)
        return matches[0]

    def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord:
        """The given version, or by default the latest (the draft) for those who edit and the
        published one for those who use: they reach no other."""
        agent, access = self._access(agent_id)
        if access == "use":
            if number not in (None, agent.published_version):
                raise version_not_found(agent_id, number or 0)
            number = agent.published_version
        return self._catalogue.get_version(agent_id, number)

    def list_versions(self, agent_id: str) -> list[VersionRecord]:
        """Every version for those who edit; the published one for those who use."""
        agent, access = self._access(agent_id)
        if access == "use":
            return [self._catalogue.get_version(agent_id, agent.published_version)]
        return self._catalogue.list_versions(agent_id)

    def delete_agent(self, agent_id: str, erase: Callable[[list[str]], None] | None = None) -> None:
        """The agent, its versions, runs and conversations. ``erase`` receives the ids of
        every conversation of the agent, previews included, to erase their messages from the
        checkpointer (``agents.checkpoints.erase_threads``) before the records go. The
        owner's alone."""
        agent = self._owned(agent_id)
        thread_ids = self._catalogue.conversation_ids(agent_id)
        if erase is not None:
            erase(thread_ids)
        self._erase_attachments(thread_ids)
        self._catalogue.delete_agent(agent_id)
        self._audit("agent.deleted", "agent", agent_id, name=agent.name)

    # --- conversations and runs ------------------------------------------------------------

    def start_thread(self, agent_id: str, title: str = "") -> ThreadRecord:
        self.get_agent(agent_id)
        thread = ThreadRecord(
            id="th-" + secrets.token_hex(8),
            agent_id=agent_id,
            owner=self.principal,
            title=title,
            created_at=utc_now(),
        )
        self._catalogue.add_thread(thread)
        return thread

    def note_preview(self, agent_id: str, thread_id: str) -> None:
        """The editor's preview conversation ``thread_id`` is a conversation with this agent:
        it is erased with it."""
        self._editable(agent_id)
        self._catalogue.add_preview_thread(agent_id, thread_id, self.principal)

    def get_thread(self, thread_id: str) -> ThreadRecord:
        self.me()
        try:
            thread = self._catalogue.get_thread(thread_id)
        except NotFound:
            raise thread_not_found(thread_id) from None
        if thread.owner != self.principal:
            raise thread_not_found(thread_id)
        return thread

    def list_threads(self, agent_id: str) -> list[ThreadRecord]:
        self.get_agent(agent_id)
        return self._catalogue.list_threads(agent_id, self.principal)

    def record_run(self, run: RunRecord) -> None:
        """The run is recorded as this principal's, whatever the record says: who acted is the
        workspace's to state, not the caller's. Its conversation, if any, must be theirs too."""
        self.get_agent(run.agent_id)
        if run.thread_id:
            thread = self.get_thread(run.thread_id)
            if thread.agent_id != run.agent_id:
                raise thread_not_found(run.thread_id)
        from store.usage import run_team

        team = run_team(self._catalogue, self.principal)
        self._catalogue.record_run(replace(run, principal=self.principal, team=team))

    def list_runs(self, agent_id: str | None = None, limit: int = 100) -> list[RunRecord]:
        """Runs of one of the principal's agents, or of all of them, newest first."""
        if agent_id is not None:
            self._owned(agent_id)
            return self._catalogue.list_runs(agent_id, limit)
        found: list[RunRecord] = []
        for agent in self.list_agents():
            found.extend(self._catalogue.list_runs(agent.id, limit))
        found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return found[: max(limit, 0)]

    def list_my_threads(self, limit: int = 100) -> list[ConversationSummary]:
        """The principal's conversations with every agent, most recently active first."""
        self.me()
        return self._catalogue.list_person_threads(self.principal, limit)

    def rename_thread(self, thread_id: str, title: str) -> ThreadRecord:
        """Someone else's conversation is reported exactly like a missing one."""
        title = " ".join(title.split())
        if not title:
            raise UserError("thread.title_empty")
        self.get_thread(thread_id)
        return self._catalogue.rename_thread(thread_id, title[:THREAD_TITLE_MAX])

    def delete_thread(self, thread_id: str, erase: Callable[[str], None] | None = None) -> None:
        """The conversation's record; ``erase`` first receives its id, to erase its messages
        (and what else it left) from every file. Someone else's is reported as missing."""
        thread = self.get_thread(thread_id)
        if erase is not None:
            erase(thread.id)
        self._erase_attachments([thread.id])
        self._catalogue.delete_thread(thread.id)
        self._audit("conversation.deleted", "conversation", thread.id, agent=thread.agent_id)

    def note_approval(
        self, thread_id: str, tool: str, decision: str, *, preview: bool = False
    ) -> None:
        """The person's decision on a tool call their conversation waited on (in the editor's
        preview with ``preview``), for the audit log: the tool and the decision, never its
        arguments or the comment."""
        if preview:
            self.require_builder()
            kind, target, agent = "preview", thread_id, ""
        else:
            thread = self.get_thread(thread_id)
            kind, target, agent = "conversation", thread.id, thread.agent_id
        self._audit("approval.decided", kind, target, tool=tool, decision=decision, agent=agent)

    # --- secrets ---------------------------------------------------------------------------
    # The principal's own credentials, by name. A value goes in through ``set_secret`` and
    # comes out only through ``secret_resolver``, to the tools of a run: no interface shows it.

    @property
    def _secret_store(self) -> SecretStore:
        with self._secrets_lock:
            if self._secrets is None:
                source = self._secrets_source
                if source is None:
                    from store.secrets import open_secret_store

                    source = open_secret_store
                self._secrets = source() if callable(source) else source
            return self._secrets

    def set_secret(self, name: str, value: str) -> SecretInfo:
        self.me()
        info = self._secret_store.set(self.principal, name, value)
        self._audit("secret.saved", "secret", info.name)  # its name, never its value
        return info

    def list_secrets(self) -> list[SecretInfo]:
        """Names and dates only."""
        self.me()
        return self._secret_store.list(self.principal)

    def delete_secret(self, name: str) -> None:
        self.me()
        self._secret_store.delete(self.principal, name)
        self._audit("secret.deleted", "secret", name)

    def secret_resolver(self) -> Callable[[str], str]:
        """For ``ToolContext.secret``: a credential by name, the principal's own first, then one
        of their teams' (by team name), then the organisation's; never another person's, the
        creator of the agent being run included.
        The store is opened on the first call only, so a run without such tools costs
        nothing."""
        from store.organisation import ORGANISATION_CREDENTIALS, team_credentials

        def resolve(name: str) -> str:
            me = self.me()  # a run of an account disabled meanwhile gets no credential
            teams = sorted(self._catalogue.account_teams(me.id), key=lambda t: t.name.casefold())
            holders = [me.id, *(team_credentials(t.id) for t in teams), ORGANISATION_CREDENTIALS]
            for holder in holders:  # the person's own, a team's, the organisation's
                try:
                    return self._secret_store.get(holder, name)
                except NotFound:
                    continue
            raise NotFound("secret.not_found", name=name)

        return resolve

    # --- my data ---------------------------------------------------------------------------
    # Everything of the principal's, to download or to erase for good (``store.person_data``).
    # An administrator does the same for a departing person through ``people``.

    def export_mine(self) -> PersonData:
        """The principal's data, conversations included, to read for a download."""
        me = self.me()
        data = self._person_data(me.id, conversations=True)
        self._audit("data.exported", "account", me.id, conversations=True)
        return data

    def erase_mine(self, erase_threads: Callable[[list[str]], None]) -> Summary:
        """Everything of the principal's, then their account: they cannot sign in any more.
        Refused for the last active administrator. ``erase_threads`` erases conversations'
        messages from the checkpointer (the services hold it)."""
        from store.person_data import erase_person_data, keep_an_admin

        me = self.me()
        keep_an_admin(self._catalogue, self._catalogue.get_account(me.id))
        summary = erase_person_data(self._person_data(me.id), erase_threads)
        self._erased(me.id, by="self")
        return summary

    def _erased(self, login: str, by: str) -> None:
        """The erasure, in the audit log, and the person out of it: the entries naming them
        keep what happened and when, not who (``store.audit``). Nor does this one name them."""
        from store.audit import new_draft

        actor = "" if by == "self" else self.principal
        origin = "" if by == "self" else self.origin
        draft = new_draft(actor, "data.erased", "account", "", origin, by=by)
        self._catalogue.erase_from_audit(login, draft)

    def _person_data(self, account_id: str, *, conversations: bool = True) -> PersonData:
        from store.person_data import PersonData

        return PersonData(
            account_id,
            self._catalogue,
            lambda: self._knowledge_store,
            lambda: self._secret_store,
            conversations=conversations,
        )


def open_workspace(principal: str | None = None) -> Workspace:
    """The workspace of ``principal`` (default: whom the terminal acts as, see
    ``store.people.acting_account``) over this installation's catalogue."""
    from store.audit import terminal_origin
    from store.people import acting_account
    from store.sql_catalogue import open_catalogue  # SQLAlchemy only when a SQL store is used

    catalogue = open_catalogue()
    if principal is None:
        principal = acting_account(catalogue, default_principal()).id
    return Workspace(principal, catalogue, origin=terminal_origin())
