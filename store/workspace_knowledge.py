"""The knowledge part of ``Workspace``: knowledge bases, their documents and search, and the
files attached to a conversation. Mixed into ``store.workspace.Workspace``, the one place rights
are checked (the rule is ``store.access``'s); kept apart only to keep each file small.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from agents.errors import NotFound, Refused, UserError
from agents.spec import AgentSpec
from store.access import bases_reached, kb_access, kb_not_found
from store.knowledge.folding import fold
from store.sharing import Access

if TYPE_CHECKING:  # the knowledge store imports numpy and, when opened, Chroma: only on use
    from store.accounts import Principal
    from store.knowledge.embedders import EmbedderInfo
    from store.knowledge.records import Chunk, DocumentRecord, KnowledgeBaseRecord, Passage
    from store.knowledge.service import KnowledgeStore, SearchMode
    from store.records import AgentRecord, Catalogue, ThreadRecord, VersionRecord

ATTACHMENT_WAIT_S = 600.0  # how long erasing a conversation waits for a file being read


def kb_slug(name: str) -> str:
    """A knowledge base's name as a spec may write it: "Procédures RH" -> "procedures-rh"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


class KnowledgeRooms:
    """Knowledge bases and attachments, for one principal (``Workspace``)."""

    principal: str
    _catalogue: Catalogue
    _knowledge_source: KnowledgeStore | Callable[[], KnowledgeStore] | None
    _knowledge: KnowledgeStore | None
    _knowledge_lock: threading.Lock

    if TYPE_CHECKING:  # ``Workspace``'s

        def me(self) -> Principal: ...
        def _builder(self) -> Principal: ...
        def _audit(
            self, action: str, target_kind: str = "", target_id: str = "", **details: Any
        ) -> None: ...
        def _access(self, agent_id: str) -> tuple[AgentRecord, Access]: ...
        def get_agent(self, agent_id: str) -> AgentRecord: ...
        def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord: ...
        def get_thread(self, thread_id: str) -> ThreadRecord: ...
        def list_agents(self) -> list[AgentRecord]: ...

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
        self,
        name: str,
        embedder: str | None = None,
        description: str = "",
        data_class: str = "internal",
    ) -> KnowledgeBaseRecord:
        self._builder()
        _known_class(data_class)
        wanted = name.strip().casefold()
        for kb in self.list_kbs():
            if kb.name.strip().casefold() == wanted:
                raise UserError("kb.name_taken", name=kb.name, id=kb.id)
        made = self._knowledge_store.create_kb(
            name, self.principal, embedder, description, data_class=data_class
        )
        self._audit("kb.created", "kb", made.id, name=made.name)
        return made

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
        self._audit("kb.deleted", "kb", kb.id, name=kb.name)

    def set_kb_class(self, kb_ref: str, data_class: str) -> KnowledgeBaseRecord:
        """The base's data class, changed by its owner (whoever checks the agents that use
        it does so before: ``builder_ui.services.data_routing``)."""
        _known_class(data_class)
        kb = self._kb_owned(kb_ref)
        changed = self._knowledge_store.set_kb_class(kb.id, data_class)
        self._audit("kb.class_changed", "kb", kb.id, before=kb.data_class, after=data_class)
        return changed

    def agent_base_names(self, agent_id: str) -> list[str]:
        """The names of the bases the agent searches (its transparency sheet says them), for
        whoever may use it; never their documents."""
        ids = self.agent_bases(agent_id)
        return [self._knowledge_store.get_kb(i).name for i in ids]

    def data_class_of(self, spec: AgentSpec, agent_id: str | None = None) -> str:
        """The most protected class of data an agent handles: its own (``guardrails``) and
        that of each base it searches (a saved agent's as its owner reaches them, for whoever
        may use it; an unsaved spec's as this person reaches them)."""
        from agents.spec import DATA_CLASSES, class_rank

        own = spec.guardrails.data_class if spec.guardrails is not None else "internal"
        if agent_id is not None:
            self._access(agent_id)  # someone else's agent: not found
        else:
            self.me()
        try:
            if agent_id is not None:
                ids = self.agent_bases(agent_id, spec)
            else:
                refs = spec.knowledge.bases if spec.knowledge is not None else []
                ids = [self.resolve_kb(ref).id for ref in refs]
        except NotFound:  # a base reached by nobody: the run says so; the others count
            refs = spec.knowledge.bases if spec.knowledge is not None else []
            ids = []
            for ref in refs:
                with contextlib.suppress(NotFound):
                    ids.append(self.resolve_kb(ref).id)
        classes = [own, *(self._knowledge_store.get_kb(i).data_class for i in ids)]
        return DATA_CLASSES[max(class_rank(c) for c in classes)]

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
        done = self._knowledge_store.set_embedder(kb.id, embedder or kb.embedder, on_progress)
        self._audit("kb.reindexed", "kb", kb.id, name=kb.name, embedder=done.embedder)
        return done

    def add_documents(
        self, kb_ref: str, files: Sequence[tuple[str, bytes]], replace: bool = False
    ) -> list[DocumentRecord]:
        self._builder()
        kb = self._kb_to_edit(kb_ref)
        added = self._knowledge_store.add_documents(kb.id, files, replace)
        names = ", ".join(d.filename for d in added)
        self._audit(
            "kb.documents_added",
            "kb",
            kb.id,
            name=kb.name,
            count=len(added),
            documents=names if len(names) <= 200 else names[:199] + "…",
            replace=replace,
        )
        return added

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
        document = self.get_document(kb_ref, doc_id)
        self._knowledge_store.delete_document(document.id, wait)
        self._audit(
            "kb.document_deleted",
            "kb",
            document.kb_id,
            document=document.id,
            name=document.filename,
        )

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
        per_document: bool = True,
    ) -> list[Passage]:
        """Search the principal's knowledge bases named by ``kb_refs`` (ids or names), and
        with ``thread`` the files attached to that conversation of theirs."""
        kb_ids = [self.resolve_kb(ref).id for ref in kb_refs]
        if thread is not None:
            kb_ids.extend(self._conversation_bases(self.get_thread(thread).id))
        return self._knowledge_store.search(
            kb_ids, query, k=k, min_score=min_score, mode=mode, per_document=per_document
        )

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
        per_document: bool = True,
    ) -> list[Passage]:
        """Search the bases of an agent the principal may use (``agent_bases``, with the
        same ``spec``), and with ``thread`` the files attached to that conversation of
        theirs."""
        wanted = self.agent_bases(agent_id, spec)
        if thread is not None:
            wanted.extend(self._conversation_bases(self.get_thread(thread).id))
        return self._knowledge_store.search(
            wanted, query, k=k, min_score=min_score, mode=mode, per_document=per_document
        )

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

    def attachment_passages(self, thread_id: str, doc_id: str) -> list[Chunk]:
        """The passages read from a file attached to the principal's conversation (checked for
        personal data when the agent refuses any)."""
        return self._knowledge_store.document_passages(self._attachment(thread_id, doc_id).id)

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
        erase_attachment_bases(self._catalogue, lambda: self._knowledge_store, thread_ids)


def erase_attachment_bases(
    catalogue: Catalogue, knowledge_source: Callable[[], KnowledgeStore], thread_ids: Sequence[str]
) -> None:
    """The attachment bases of the conversations, text and vectors (deleting a conversation,
    and the retention sweep, ``store.retention``): the knowledge store is opened only when
    there is one."""
    bases = catalogue.conversation_bases(thread_ids)
    if not bases:
        return
    knowledge = knowledge_source()
    for kb_id in bases.values():
        busy = [d.id for d in knowledge.list_documents(kb_id) if d.status in ("queued", "indexing")]
        if busy:  # a file being read would write its passages after the base is gone
            knowledge.wait(busy, timeout=ATTACHMENT_WAIT_S)
        with contextlib.suppress(NotFound):  # gone already: an erasure cut short
            knowledge.delete_kb(kb_id)


def _known_class(data_class: str) -> None:
    from agents.spec import DATA_CLASSES

    if data_class not in DATA_CLASSES:
        raise UserError("data.unknown_class", value=data_class, known=", ".join(DATA_CLASSES))
