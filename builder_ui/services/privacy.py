"""Personal data in runs, for ``Services``: the agent's ``guardrails.pii`` with the
installation's detector, the conversation's placeholders kept (encrypted) through the person's
workspace, and what the person reads of a conversation (history, titles, citations, approval
cards) with its placeholders put back.

The mapping of a conversation is its owner's only (``Workspace.conversation_pseudonyms``);
revealing needs no detector, so reading a history never loads a language pipeline.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from langchain_core.messages import BaseMessage

from agents.errors import AtelierError, NotFound
from agents.i18n import t
from agents.knowledge import Citation
from agents.privacy_guard import PrivacyGuard, kinds_in, reveal_message
from agents.spec import AgentSpec
from store.records import ConversationSummary, ThreadRecord
from store.workspace import Workspace
from store.workspace_pseudonyms import PREVIEW_PREFIX
from tools.privacy.pseudonyms import Detector, Entity, Pseudonyms

if TYPE_CHECKING:
    from store.knowledge.records import DocumentRecord

DetectorFactory = Callable[[], Detector]


@functools.lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The French pipeline (``tools.privacy.french``: names, addresses, identifiers) when it is
    part of this installation; identifiers alone (``IdentifierDetector``: no names) only when
    that module is absent. Loaded once per process, on the first run that needs it."""
    try:
        from tools.privacy.french import french_detector
    except ModuleNotFoundError as exc:
        if exc.name not in ("tools.privacy.french",):
            raise
        from tools.privacy.pseudonyms import IdentifierDetector

        return IdentifierDetector()
    detector: Detector = french_detector()
    return detector


class _FindsNothing:
    """Revealing needs the values, not a detector."""

    def find(self, text: str) -> list[Entity]:
        return []


class _OnFirstUse:
    """The installation's detector, loaded when a text is first searched (a French pipeline
    takes seconds to load): revealing a history or an approval card never waits for it."""

    def __init__(self, factory: DetectorFactory) -> None:
        self._factory = factory

    def find(self, text: str) -> list[Entity]:
        return self._factory().find(text)


def is_preview(thread_id: str) -> bool:
    return thread_id.startswith(PREVIEW_PREFIX)


class WorkspaceVault:
    """``agents.privacy_guard.PseudonymVault`` over one person's workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def load(self, thread_id: str) -> dict[str, str]:
        return self.workspace.conversation_pseudonyms(thread_id, preview=is_preview(thread_id))

    def keep(self, thread_id: str, values: dict[str, str]) -> None:
        self.workspace.keep_conversation_pseudonyms(
            thread_id, values, preview=is_preview(thread_id)
        )


def privacy_guard(
    spec: AgentSpec, workspace: Workspace, detector: DetectorFactory
) -> PrivacyGuard | None:
    """The guard a run of ``spec`` needs; None when its policy is ``off``."""
    policy = spec.guardrails.pii if spec.guardrails is not None else "off"
    if policy == "off":
        return None
    return PrivacyGuard(policy, _OnFirstUse(detector), WorkspaceVault(workspace))


def revealer(workspace: Workspace, thread_id: str) -> Pseudonyms | None:
    """The conversation's placeholders, to put back in what its owner reads; None if none."""
    values = WorkspaceVault(workspace).load(thread_id)
    return Pseudonyms(_FindsNothing(), values) if values else None


def safe_revealer(workspace: Workspace) -> Callable[[str], Pseudonyms | None]:
    """``revealer`` for a list of the person's conversations: one it cannot read the mapping
    of (a preview, since the person stopped building) keeps its placeholders."""

    def reveal(thread_id: str) -> Pseudonyms | None:
        try:
            return revealer(workspace, thread_id)
        except AtelierError:
            return None

    return reveal


def hidden_again(workspace: Workspace, thread_id: str, text: str) -> str:
    """``text`` the person read (values revealed) with the conversation's values hidden
    again: what they share of it (feedback on an exchange) keeps the placeholders."""
    if not text or not thread_id:
        return text
    guard = PrivacyGuard("pseudonymise", _FindsNothing(), WorkspaceVault(workspace))
    return guard.open(thread_id).hide(text)


def shown_messages(
    workspace: Workspace, thread_id: str, messages: list[BaseMessage]
) -> list[BaseMessage]:
    found = revealer(workspace, thread_id)
    if found is None:
        return messages
    return [reveal_message(found, m) for m in messages]


def shown_citations(
    workspace: Workspace, thread_id: str, citations: list[Citation]
) -> list[Citation]:
    found = revealer(workspace, thread_id)
    if found is None:
        return citations
    return [
        replace(
            c,
            passage=found.reveal(c.passage),
            document=found.reveal(c.document),
            heading_path=tuple(found.reveal(h) for h in c.heading_path),
        )
        for c in citations
    ]


def shown_titles(
    workspace: Workspace, conversations: Sequence[ConversationSummary]
) -> list[ConversationSummary]:
    """Titles with placeholders (a first message pseudonymised) read with their values."""
    out = []
    for summary in conversations:
        title = summary.thread.title
        found = revealer(workspace, summary.thread.id) if "<" in title else None
        if found is not None:
            summary = replace(summary, thread=replace(summary.thread, title=found.reveal(title)))
        out.append(summary)
    return out


def shown_titles_of(workspace: Workspace, thread: ThreadRecord) -> ThreadRecord:
    found = revealer(workspace, thread.id) if "<" in thread.title else None
    return thread if found is None else replace(thread, title=found.reveal(thread.title))


def hidden_title(guard: PrivacyGuard | None, thread_id: str, message: str) -> str:
    """A conversation's title from its first message, as the catalogue may keep it."""
    if guard is None:
        return message[:80]
    conversation = guard.open(thread_id)
    title = conversation.hide(message)[:80]
    conversation.save()
    return title


def refuse_personal_files(
    workspace: Workspace,
    detector: DetectorFactory,
    thread_id: str,
    documents: list[DocumentRecord],
) -> list[DocumentRecord]:
    """Under ``pii: block``, files just attached that hold personal data are taken out again
    (erased) and reported ``failed`` with the kinds found; the others stay."""
    thread = workspace.get_thread(thread_id)
    try:
        spec = workspace.get_version(thread.agent_id).spec
    except NotFound:  # an agent the person no longer reaches: no run will read the files
        return documents
    guard = privacy_guard(spec, workspace, detector)
    if guard is None or not guard.blocks:
        return documents
    out = []
    for document in documents:
        if document.status == "ready":
            passages = workspace.attachment_passages(thread_id, document.id)
            text = "\n\n".join([document.filename, *(p.text for p in passages)])
            kinds = kinds_in(Pseudonyms(guard.detector), text)
            if kinds:
                workspace.remove_attachment(thread_id, document.id)
                error = t("privacy.attachment_blocked", name=document.filename, kinds=kinds)
                document = replace(document, status="failed", error=error, failure=error)
        out.append(document)
    return out
