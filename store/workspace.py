"""The only door to the catalogue that the interfaces hold: one principal's view of it.

The catalogue itself is unscoped; every check of who may see or change what happens here, once,
so that the Streamlit app, the CLI and the HTTP API cannot disagree or forget one. Someone else's
agent or conversation is reported exactly like a missing one: an error must never reveal that a
private thing exists.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from agents.errors import NotFound, Refused, UserError
from agents.spec import AgentSpec
from store.accounts import Principal
from store.config import default_principal
from store.database import utc_now
from store.knowledge.folding import fold
from store.memory import agent_not_found, thread_not_found
from store.records import (
    AgentRecord,
    Catalogue,
    ConversationSummary,
    RunRecord,
    ThreadRecord,
    VersionRecord,
)

if TYPE_CHECKING:  # the knowledge store imports numpy and, when opened, Chroma: only on use
    from store.knowledge.embedders import EmbedderInfo
    from store.knowledge.records import Chunk, DocumentRecord, KnowledgeBaseRecord, Passage
    from store.knowledge.service import KnowledgeStore, SearchMode
    from store.organisation import Organisation
    from store.people import People
    from store.person_data import PersonData, Summary
    from store.secrets import SecretInfo, SecretStore
    from store.usage import Usage


THREAD_TITLE_MAX = 120
ATTACHMENT_WAIT_S = 600.0  # how long erasing a conversation waits for a file being read


def kb_slug(name: str) -> str:
    """A knowledge base's name as a spec may write it: "Procédures RH" -> "procedures-rh"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


class Workspace:
    """``knowledge`` is the knowledge store, or a function that opens it on first use; by
    default this installation's (``open_knowledge_store``). ``secrets`` likewise
    (``open_secret_store``)."""

    def __init__(
        self,
        principal: str,  # an account id: checked, with its role and teams, on every operation
        catalogue: Catalogue,
        knowledge: KnowledgeStore | Callable[[], KnowledgeStore] | None = None,
        secrets: SecretStore | Callable[[], SecretStore] | None = None,
    ) -> None:
        if not principal.strip():
            raise ValueError("a workspace needs a principal")
        self.principal = principal
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
    def usage(self) -> Usage:
        """Usage, cost and quotas: everything for an administrator, one's own agents' counts
        for a creator, one's own spending and quotas for everyone."""
        from store.usage import Usage

        return Usage(self, self._catalogue)

    # --- agents ----------------------------------------------------------------------------

    def create_agent(self, spec: AgentSpec, message: str = "") -> VersionRecord:
        self._builder()
        return self._catalogue.create_agent(spec, self.principal, message)

    def save_agent(self, agent_id: str, spec: AgentSpec, message: str = "") -> VersionRecord:
        self._builder()
        self.get_agent(agent_id)
        return self._catalogue.save_version(agent_id, spec, self.principal, message)

    def list_agents(self) -> list[AgentRecord]:
        self.me()
        return self._catalogue.list_agents(owner=self.principal)

    def get_agent(self, agent_id: str) -> AgentRecord:
        self.me()
        try:
            agent = self._catalogue.get_agent(agent_id)
        except NotFound:
            raise agent_not_found(agent_id) from None
        if agent.owner != self.principal:
            raise agent_not_found(agent_id)
        return agent

    def resolve_agent(self, ref: str) -> AgentRecord:
        """What a person types (an id or a name, in any case) to the agent meant. Names are not
        unique, so two agents with the same name make the person choose by id."""
        wanted = ref.strip()
        try:
            return self.get_agent(wanted)
        except NotFound:
            pass
        matches = [a for a in self.list_agents() if a.name.strip().casefold() == wanted.casefold()]
        if not matches:
            raise agent_not_found(ref)
        if len(matches) > 1:
            ids = ", ".join(sorted(a.id for a in matches))
            raise UserError("agent.ambiguous", ref=ref, ids=ids)
        return matches[0]

    def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord:
        self.get_agent(agent_id)
        return self._catalogue.get_version(agent_id, number)

    def list_versions(self, agent_id: str) -> list[VersionRecord]:
        self.get_agent(agent_id)
        return self._catalogue.list_versions(agent_id)

    def delete_agent(self, agent_id: str, erase: Callable[[list[str]], None] | None = None) -> None:
        """The agent, its versions, runs and conversations. ``erase`` receives the ids of
        every conversation of the agent, previews included, to erase their messages from the
        checkpointer (``agents.checkpoints.erase_threads``) before the records go."""
        self.get_agent(agent_id)
        thread_ids = self._catalogue.conversation_ids(agent_id)
        if erase is not None:
            erase(thread_ids)
        self._erase_attachments(thread_ids)
        self._catalogue.delete_agent(agent_id)

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
        self.get_agent(agent_id)
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
            self.get_agent(agent_id)
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

    # --- knowledge bases -------------------------------------------------------------------
    # Owner only for now (sharing comes with teams). Someone else's base or document is
    # reported exactly like a missing one.

    @property
    def _knowledge_store(self) -> KnowledgeStore:
        with self._knowledge_lock:
            if self._knowledge is None:
                source = self._knowledge_source
                if source is None:
                    from store.knowledge.service import open_knowledge_store

                    source = open_knowledge_store
                self._knowledge = source() if callable(source) else source
            return self._knowledge

    def create_kb(
        self, name: str, embedder: str | None = None, description: str = ""
    ) -> KnowledgeBaseRecord:
        self._builder()
        wanted = name.strip().casefold()
        for kb in self.list_kbs():
            if kb.name.strip().casefold() == wanted:
                raise UserError("kb.name_taken", name=kb.name, id=kb.id)
        return self._knowledge_store.create_kb(name, self.principal, embedder, description)

    def list_kbs(self) -> list[KnowledgeBaseRecord]:
        self.me()
        return self._knowledge_store.list_kbs(owner=self.principal)

    def get_kb(self, kb_id: str) -> KnowledgeBaseRecord:
        self.me()
        try:
            kb = self._knowledge_store.get_kb(kb_id)
        except NotFound:
            kb = None
        if kb is None or kb.owner != self.principal or kb.thread_id:
            # A conversation's attached files are that conversation's: no spec names them.
            raise NotFound("kb.not_found", ref=kb_id)
        return kb

    def resolve_kb(self, ref: str) -> KnowledgeBaseRecord:
        """An id or a name (in any case) to the principal's knowledge base."""
        wanted = ref.strip()
        try:
            return self.get_kb(wanted)
        except NotFound:
            pass
        bases = self.list_kbs()
        matches = [k for k in bases if k.name.strip().casefold() == wanted.casefold()]
        if not matches:  # "procedures-rh" for "Procédures RH", as a spec may spell it
            matches = [k for k in bases if kb_slug(k.name) == kb_slug(wanted)]
        if not matches:
            raise NotFound("kb.not_found", ref=ref)
        if len(matches) > 1:
            raise UserError("kb.ambiguous", ref=ref, ids=", ".join(sorted(k.id for k in matches)))
        return matches[0]

    def agents_using_kb(self, kb_ref: str) -> list[AgentRecord]:
        """The person's agents whose latest version names the base (by id, name or a spec's
        spelling of its name): deleting it stops them until they are edited."""
        kb = self.resolve_kb(kb_ref)
        names = {kb.id, kb_slug(kb.name)}
        using = []
        for agent in self.list_agents():
            knowledge = self.get_version(agent.id).spec.knowledge
            refs = knowledge.bases if knowledge is not None else []
            if any(ref == kb.id or kb_slug(ref) in names for ref in refs):
                using.append(agent)
        return using

    def delete_kb(self, kb_ref: str) -> None:
        self._knowledge_store.delete_kb(self.resolve_kb(kb_ref).id)

    def kb_embedders(self) -> list[EmbedderInfo]:
        self.me()
        return self._knowledge_store.embedder_choices()

    def kb_model_changed(self, kb_ref: str) -> tuple[str, str] | None:
        return self._knowledge_store.model_changed(self.resolve_kb(kb_ref).id)

    def reindex_kb(
        self,
        kb_ref: str,
        embedder: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> KnowledgeBaseRecord:
        """Rebuild the base's vectors with ``embedder`` (default: its own), in this thread."""
        self._builder()
        kb = self.resolve_kb(kb_ref)
        return self._knowledge_store.set_embedder(kb.id, embedder or kb.embedder, on_progress)

    def add_documents(
        self, kb_ref: str, files: Sequence[tuple[str, bytes]], replace: bool = False
    ) -> list[DocumentRecord]:
        self._builder()
        return self._knowledge_store.add_documents(self.resolve_kb(kb_ref).id, files, replace)

    def list_documents(self, kb_ref: str) -> list[DocumentRecord]:
        return self._knowledge_store.list_documents(self.resolve_kb(kb_ref).id)

    def get_document(self, kb_ref: str, doc_id: str) -> DocumentRecord:
        kb = self.resolve_kb(kb_ref)
        try:
            document = self._knowledge_store.get_document(doc_id)
        except NotFound:
            document = None
        if document is None or document.kb_id != kb.id:
            raise NotFound("kb.document_not_found", ref=doc_id)
        return document

    def delete_document(self, kb_ref: str, doc_id: str, wait: bool = True) -> None:
        """``wait=False``: the vectors are erased from Chroma's files in the background (the
        text is gone, and the document unfindable, at once)."""
        self._knowledge_store.delete_document(self.get_document(kb_ref, doc_id).id, wait)

    def document_passages(self, kb_ref: str, doc_id: str) -> list[Chunk]:
        return self._knowledge_store.document_passages(self.get_document(kb_ref, doc_id).id)

    def settle_knowledge(self, timeout: float = 3600.0) -> bool:
        """Until this process's indexing and erasing are done (a command about to exit)."""
        self.me()
        return self._knowledge_store.settle(timeout)

    def kb_erasing(self, kb_ref: str) -> bool:
        return self._knowledge_store.erasing(self.resolve_kb(kb_ref).id)

    def wait_for_documents(
        self,
        kb_ref: str,
        doc_ids: Sequence[str],
        timeout: float | None = None,
        on_progress: Callable[[list[DocumentRecord]], None] | None = None,
    ) -> list[DocumentRecord]:
        """Until the documents are ready or failed (see ``Ingestion.wait``)."""
        ids = [self.get_document(kb_ref, doc_id).id for doc_id in doc_ids]
        return self._knowledge_store.wait(ids, timeout, on_progress)

    def search(
        self,
        kb_refs: Iterable[str],
        query: str,
        k: int = 5,
        min_score: float = 0.0,
        mode: SearchMode = "hybrid",
        thread: str | None = None,
    ) -> list[Passage]:
        """Search the principal's knowledge bases named by ``kb_refs`` (ids or names), and
        with ``thread`` the files attached to that conversation of theirs."""
        kb_ids = [self.resolve_kb(ref).id for ref in kb_refs]
        if thread is not None:
            kb_ids.extend(self._conversation_bases(self.get_thread(thread).id))
        return self._knowledge_store.search(kb_ids, query, k=k, min_score=min_score, mode=mode)

    # --- files attached to a conversation --------------------------------------------------
    # Read like a knowledge base's documents, into a base of the conversation's own: created
    # at its first attachment, owned by the person, listed nowhere and named by no spec
    # (``get_kb``), searched in that conversation only (``search(thread=...)``), erased with
    # it. Any role may attach files to its own conversations; someone else's conversation is
    # reported exactly like a missing one.

    def attach_files(
        self, thread_id: str, files: Sequence[tuple[str, bytes]]
    ) -> list[DocumentRecord]:
        """Queue the files for reading and return at once (``wait_for_attachments``); a file
        the reading refuses (format, size) ends ``failed`` with the reason, like an upload."""
        thread = self.get_thread(thread_id)
        if not files:
            return []
        knowledge = self._knowledge_store
        found = self._catalogue.conversation_bases([thread.id]).get(thread.id)
        if found is None:
            made = knowledge.create_kb(
                f"conversation {thread.id}", self.principal, None, "", thread.id
            )
            found = self._catalogue.set_conversation_base(thread.id, made.id)
            if found != made.id:  # attached at the same moment elsewhere: theirs is the one
                knowledge.delete_kb(made.id)
        return knowledge.add_documents(found, files)

    def conversation_attachments(self, thread_id: str) -> list[DocumentRecord]:
        """The files attached to the conversation, oldest first."""
        bases = self._conversation_bases(self.get_thread(thread_id).id)
        found: list[DocumentRecord] = []
        for kb_id in bases:
            with contextlib.suppress(NotFound):
                found.extend(self._knowledge_store.list_documents(kb_id))
        return found

    def remove_attachment(self, thread_id: str, doc_id: str) -> None:
        """The file's text, bytes and vectors, erased (the vectors from Chroma's files too)."""
        self._knowledge_store.delete_document(self._attachment(thread_id, doc_id).id, wait=True)

    def wait_for_attachments(
        self,
        thread_id: str,
        doc_ids: Sequence[str],
        timeout: float | None = None,
        on_progress: Callable[[list[DocumentRecord]], None] | None = None,
    ) -> list[DocumentRecord]:
        """Until the files are read or refused (see ``Ingestion.wait``)."""
        ids = [self._attachment(thread_id, doc_id).id for doc_id in doc_ids]
        return self._knowledge_store.wait(ids, timeout, on_progress)

    def _attachment(self, thread_id: str, doc_id: str) -> DocumentRecord:
        bases = self._conversation_bases(self.get_thread(thread_id).id)
        try:
            document = self._knowledge_store.get_document(doc_id) if bases else None
        except NotFound:
            document = None
        if document is None or document.kb_id not in bases:
            raise NotFound("kb.document_not_found", ref=doc_id)
        return document

    def _conversation_bases(self, thread_id: str) -> list[str]:
        """The conversation's attachment base, if it has one (checked by the caller)."""
        found = self._catalogue.conversation_bases([thread_id]).get(thread_id)
        return [found] if found is not None else []

    def _erase_attachments(self, thread_ids: Sequence[str]) -> None:
        """The attachment bases of the conversations, text and vectors: the knowledge store
        is opened only when there is one."""
        bases = self._catalogue.conversation_bases(thread_ids)
        if not bases:
            return
        knowledge = self._knowledge_store
        for kb_id in bases.values():
            busy = [
                d.id for d in knowledge.list_documents(kb_id) if d.status in ("queued", "indexing")
            ]
            if busy:  # a file being read would write its passages after the base is gone
                knowledge.wait(busy, timeout=ATTACHMENT_WAIT_S)
            with contextlib.suppress(NotFound):  # gone already: an erasure cut short
                knowledge.delete_kb(kb_id)

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
        return self._secret_store.set(self.principal, name, value)

    def list_secrets(self) -> list[SecretInfo]:
        """Names and dates only."""
        self.me()
        return self._secret_store.list(self.principal)

    def delete_secret(self, name: str) -> None:
        self.me()
        self._secret_store.delete(self.principal, name)

    def secret_resolver(self) -> Callable[[str], str]:
        """For ``ToolContext.secret``: this principal's secrets by name, and nobody else's.
        The store is opened on the first call only, so a run without such tools costs
        nothing."""
        principal = self.principal

        def resolve(name: str) -> str:
            self.me()  # a run of an account disabled meanwhile gets no credential
            return self._secret_store.get(principal, name)

        return resolve

    # --- my data ---------------------------------------------------------------------------
    # Everything of the principal's, to download or to erase for good (``store.person_data``).
    # An administrator does the same for a departing person through ``people``.

    def export_mine(self) -> PersonData:
        """The principal's data, conversations included, to read for a download."""
        me = self.me()
        return self._person_data(me.id, conversations=True)

    def erase_mine(self, erase_threads: Callable[[list[str]], None]) -> Summary:
        """Everything of the principal's, then their account: they cannot sign in any more.
        Refused for the last active administrator. ``erase_threads`` erases conversations'
        messages from the checkpointer (the services hold it)."""
        from store.person_data import erase_person_data, keep_an_admin

        me = self.me()
        keep_an_admin(self._catalogue, self._catalogue.get_account(me.id))
        return erase_person_data(self._person_data(me.id), erase_threads)

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
    from store.people import acting_account
    from store.sql_catalogue import open_catalogue  # SQLAlchemy only when a SQL store is used

    catalogue = open_catalogue()
    if principal is None:
        principal = acting_account(catalogue, default_principal()).id
    return Workspace(principal, catalogue)
