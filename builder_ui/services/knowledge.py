"""The knowledge part of ``Services``: an agent's bases searched during a run, and the files
attached to a conversation. Who may reach what is the workspace's to decide."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from agents.errors import NotFound
from agents.knowledge import Citation, Retriever, citation_from_passage
from agents.spec import AgentSpec, KnowledgeSettings
from builder_ui.services.privacy import DetectorFactory, refuse_personal_files
from store.records import AgentRecord, ThreadRecord
from store.workspace import Workspace

if TYPE_CHECKING:
    from store.knowledge.records import DocumentRecord

ATTACH_TIMEOUT_S = 600.0  # how long attaching waits for the files to be read


class KnowledgeServices:
    """Mixed into ``Services`` (which provides ``workspace`` and ``find_agent``)."""

    workspace: Workspace
    detector: DetectorFactory

    if TYPE_CHECKING:  # ``AgentServices``'

        def find_agent(self, ref: str) -> AgentRecord: ...

    # --- knowledge -------------------------------------------------------------------------

    def retriever(
        self, spec: AgentSpec, thread: str | None = None, agent_id: str | None = None
    ) -> Retriever | None:
        """The agent's knowledge, reached through this person's workspace: bases are resolved
        now, so a base the person cannot reach stops the run before it starts. With ``thread``,
        the files attached to that conversation are searched too, in the same ranking. A saved
        agent's (``agent_id``) are its owner's bases, whoever uses it
        (``Workspace.search_agent_bases``); an unsaved spec's are the person's own."""
        settings = spec.knowledge or KnowledgeSettings()
        if not settings.bases and thread is None:
            return None
        workspace = self.workspace
        top_k, min_score, apart = settings.top_k, settings.min_score, settings.per_document
        if agent_id is not None:
            workspace.agent_bases(agent_id, spec)

            def search_agent(query: str) -> list[Citation]:
                found = workspace.search_agent_bases(
                    agent_id,
                    query,
                    k=top_k,
                    min_score=min_score,
                    thread=thread,
                    spec=spec,
                    per_document=apart,
                )
                return [citation_from_passage(p) for p in found]

            return search_agent
        bases = [workspace.resolve_kb(ref).id for ref in settings.bases]

        def search(query: str) -> list[Citation]:
            found = workspace.search(
                bases, query, k=top_k, min_score=min_score, thread=thread, per_document=apart
            )
            return [citation_from_passage(p) for p in found]

        return search

    # --- files attached to a conversation ----------------------------------------------------

    def start_conversation(self, ref: str, title: str = "") -> ThreadRecord:
        """A conversation with the agent before its first message (files attached first)."""
        return self.workspace.start_thread(self.find_agent(ref).id, title=title[:80])

    def attach_to_conversation(
        self,
        thread: str,
        files: Sequence[tuple[str, bytes]],
        on_progress: Callable[[list[DocumentRecord]], None] | None = None,
        timeout: float | None = ATTACH_TIMEOUT_S,
    ) -> list[DocumentRecord]:
        """Attach the files and wait until each is read (``ready``) or refused (``failed``,
        with the reason in ``error``: a format not read, a file too big...). The files
        already read keep working whatever happens to the others."""
        queued = self.workspace.attach_files(thread, files)
        ids = list(dict.fromkeys(d.id for d in queued))
        done = self.workspace.wait_for_attachments(thread, ids, timeout, on_progress)
        return refuse_personal_files(self.workspace, self.detector, thread, done)

    def attachments(self, thread: str) -> list[DocumentRecord]:
        return self.workspace.conversation_attachments(thread)

    def remove_attachment(self, thread: str, doc_id: str) -> None:
        self.workspace.remove_attachment(thread, doc_id)

    def _reads_attachments(self, thread: str) -> bool:
        """Whether the conversation has files to search: a conversation of someone else's is
        the run's to refuse, as before attachments existed."""
        try:
            return any(d.status == "ready" for d in self.attachments(thread))
        except NotFound:
            return False
