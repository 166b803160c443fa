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
from store.access import agent_access, bases_reached, kb_access, kb_not_found
from store.accounts import Principal
from store.config import default_principal
from store.database import utc_now
from store.knowledge.folding import fold
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

if TYPE_CHECKING:  # the knowledge store imports numpy and, when opened, Chroma: only on use
    from store.agent_catalogue import AgentCatalogue
    from store.feedback import Feedback
    from store.knowledge.embedders import EmbedderInfo
    from store.knowledge.records import Chunk, DocumentRecord, KnowledgeBaseRecord, Passage
    from store.knowledge.service import KnowledgeStore, SearchMode
    from store.organisation import Organisation
    from store.people import People
    from store.person_data import PersonData, Summary
    from store.secrets import SecretInfo, SecretStore
    from store.shares import Shares


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
    def sharing(self) -> Shares:
        """Sharing the principal's agents and bases, publishing versions (``store.shares``)."""
        from store.shares import Shares

        return Shares(self, self._catalogue)

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

    # --- agents ----------------------------------------------------------------------------

    def create_agent(self, spec: AgentSpec, message: str = "") -> VersionRecord:
        self._builder()
        return self._catalogue.create_agent(spec, self.principal, message)

    def save_agent(self, agent_id: str, spec: AgentSpec, message: str = "") -> VersionRecord:
        """A new version of the draft: by the owner, or by someone it is shared with to edit
        (who may not name a knowledge base they do not reach themselves)."""
        self._builder()
        agent = self._editable(agent_id)
        if agent.owner != self.principal:
            self.check_bases(agent_id, spec)
        return self._catalogue.save_version(agent_id, spec, self.principal, message)

    def list_agents(self) -> list[AgentRecord]:
        """The principal's own agents."""
        self.me()
        return self._catalogue.list_agents(owner=self.principal)

    def open_agents(self) -> list[OpenAgent]:
        """Every agent the principal may use: their own, and those shared with them, their
        teams or the whole organisation (once published), most recently updated first."""
        me = self.me()
        found = []
        for agent in self._catalogue.open_agents(me.id, me.teams):
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
        self._owned(agent_id)
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
        self._catalogue.record_run(replace(run, principal=self.principal))

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

    # --- knowledge bases -------------------------------------------------------------------
    # The owner's, and those of the people it is shared with (``store.access``): to use (name
    # it in one's agents) or to edit (its documents). A base someone reaches not at all is
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
        """The principal's own bases, then those shared with them."""
        me = self.me()
        return bases_reached(self._catalogue, self._knowledge_store, me.id, me.teams)

    def kb_access(self, kb_ref: str) -> Access:
        """How far the principal reaches the base: ``owner``, ``edit`` or ``use``."""
        return self._kb(kb_ref)[1]

    def get_kb(self, kb_id: str) -> KnowledgeBaseRecord:
        return kb_access(self._catalogue, self._knowledge_store, self.me(), kb_id)[0]

    def resolve_kb(self, ref: str) -> KnowledgeBaseRecord:
        """An id or a name (in any case) to a base the principal reaches, their own first."""
        me = self.me()
        return self._resolve_kb_for(me.id, me.teams, ref)

    def _resolve_kb_for(
        self, account_id: str, team_ids: frozenset[str], ref: str
    ) -> KnowledgeBaseRecord:
        wanted = ref.strip()
        bases = bases_reached(self._catalogue, self._knowledge_store, account_id, team_ids)
        for kb in bases:
            if kb.id == wanted:
                return kb
        for same in (
            lambda k: k.name.strip().casefold() == wanted.casefold(),
            # "procedures-rh" for "Procédures RH", as a spec may spell it
            lambda k: kb_slug(k.name) == kb_slug(wanted),
        ):
            matches = [k for k in bases if same(k)]
            own = [k for k in matches if k.owner == account_id]
            matches = own or matches
            if len(matches) > 1:
                ids = ", ".join(sorted(k.id for k in matches))
                raise UserError("kb.ambiguous", ref=ref, ids=ids)
            if matches:
                return matches[0]
        raise kb_not_found(ref)

    def _kb(self, kb_ref: str) -> tuple[KnowledgeBaseRecord, Access]:
        kb = self.resolve_kb(kb_ref)
        return kb, kb_access(self._catalogue, self._knowledge_store, self.me(), kb.id)[1]

    def _kb_to_edit(self, kb_ref: str) -> KnowledgeBaseRecord:
        """Its documents are for those who edit it: who uses it gets passages in answers."""
        kb, access = self._kb(kb_ref)
        if access == "use":
            raise Refused("share.kb_use_only", name=kb.name)
        return kb

    def _kb_owned(self, kb_ref: str) -> KnowledgeBaseRecord:
        kb, access = self._kb(kb_ref)
        if access != "owner":
            raise Refused("share.kb_owner_only", name=kb.name)
        return kb

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
        kb = self._kb_owned(kb_ref)
        self._knowledge_store.delete_kb(kb.id)
        self._catalogue.remove_grants("kb", kb.id)

    def kb_embedders(self) -> list[EmbedderInfo]:
        self.me()
        return self._knowledge_store.embedder_choices()

    def kb_model_changed(self, kb_ref: str) -> tuple[str, str] | None:
        return self._knowledge_store.model_changed(self._kb_to_edit(kb_ref).id)

    def reindex_kb(
        self,
        kb_ref: str,
        embedder: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> KnowledgeBaseRecord:
        """Rebuild the base's vectors with ``embedder`` (default: its own), in this thread."""
        self._builder()
        kb = self._kb_owned(kb_ref)
        return self._knowledge_store.set_embedder(kb.id, embedder or kb.embedder, on_progress)

    def add_documents(
        self, kb_ref: str, files: Sequence[tuple[str, bytes]], replace: bool = False
    ) -> list[DocumentRecord]:
        self._builder()
        return self._knowledge_store.add_documents(self._kb_to_edit(kb_ref).id, files, replace)

    def list_documents(self, kb_ref: str) -> list[DocumentRecord]:
        return self._knowledge_store.list_documents(self._kb_to_edit(kb_ref).id)

    def get_document(self, kb_ref: str, doc_id: str) -> DocumentRecord:
        kb = self._kb_to_edit(kb_ref)
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
        return self._knowledge_store.erasing(self._kb_to_edit(kb_ref).id)

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

    def agent_bases(self, agent_id: str, spec: AgentSpec | None = None) -> list[str]:
        """The ids of the bases an agent searches, for whoever may use it: the bases its spec
        names (``spec``: the draft being previewed or a version being run, for those who
        edit; the published one for those who use), as the agent's owner reaches them.
        Someone who uses a shared agent gets passages from them in answers, and nothing more
        (``search_agent_bases``)."""
        agent, access = self._access(agent_id)
        if spec is None or access == "use":
            spec = self.get_version(agent_id).spec
        elif access == "edit":
            self.check_bases(agent_id, spec)
        refs = spec.knowledge.bases if spec.knowledge is not None else []
        owner = self._owner_teams(agent)
        return [self._resolve_kb_for(agent.owner, owner, ref).id for ref in refs]

    def check_bases(self, agent_id: str, spec: AgentSpec) -> None:
        """Someone who edits another person's agent may keep the bases it has and add those
        they reach themselves (``NotFound`` otherwise): never another base of the owner's."""
        agent = self.get_agent(agent_id)
        known: set[str] = set()
        for version in self._catalogue.list_versions(agent.id):
            if version.spec.knowledge is not None:
                known.update(version.spec.knowledge.bases)
        refs = spec.knowledge.bases if spec.knowledge is not None else []
        owner = self._owner_teams(agent)
        for ref in refs:
            if ref not in known:
                self.resolve_kb(ref)  # the editor reaches it
                self._resolve_kb_for(agent.owner, owner, ref)  # and it means the same

    def search_agent_bases(
        self,
        agent_id: str,
        query: str,
        k: int = 5,
        min_score: float = 0.0,
        mode: SearchMode = "hybrid",
        thread: str | None = None,
        spec: AgentSpec | None = None,
    ) -> list[Passage]:
        """Search the bases of an agent the principal may use (``agent_bases``, with the
        same ``spec``), and with ``thread`` the files attached to that conversation of
        theirs."""
        wanted = self.agent_bases(agent_id, spec)
        if thread is not None:
            wanted.extend(self._conversation_bases(self.get_thread(thread).id))
        return self._knowledge_store.search(wanted, query, k=k, min_score=min_score, mode=mode)

    def _owner_teams(self, agent: AgentRecord) -> frozenset[str]:
        return frozenset(t.id for t in self._catalogue.account_teams(agent.owner))

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
