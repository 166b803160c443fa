"""A person's conversations, as they read them: history, the list across agents (titles with
their personal data put back), renaming, deleting for real, the sources of the last answer.
Mixed into ``Services``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage

from agents.call_journal import forget_thread
from agents.checkpoints import erase_threads, thread_messages
from agents.knowledge import Citation
from builder_ui.services.privacy import (
    hidden_again,
    shown_citations,
    shown_messages,
    shown_titles,
    shown_titles_of,
)
from store.records import ConversationSummary, ThreadRecord

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from store.workspace import Workspace


class ConversationServices:
    workspace: Workspace
    checkpointer: BaseCheckpointSaver[Any]

    def history(self, thread: str) -> list[BaseMessage]:
        """The conversation as its owner reads it (placeholders put back)."""
        thread_id = self.workspace.get_thread(thread).id
        return shown_messages(
            self.workspace, thread_id, thread_messages(self.checkpointer, thread_id)
        )

    def conversations(self, limit: int = 100) -> list[ConversationSummary]:
        """The person's conversations with all their agents, most recently active first."""
        return shown_titles(self.workspace, self.workspace.list_my_threads(limit))

    def waiting_conversations(self, limit: int = 100) -> list[ConversationSummary]:
        """Those of ``conversations`` whose last turn stopped on a tool call awaiting the
        person's decision (in the builder, the CLI or elsewhere)."""
        return [c for c in self.conversations(limit) if c.last_outcome == "awaiting_approval"]

    def rename_conversation(self, thread: str, title: str) -> ThreadRecord:
        """A pseudonymised conversation's title keeps its placeholders in the catalogue."""
        renamed = self.workspace.rename_thread(thread, hidden_again(self.workspace, thread, title))
        return shown_titles_of(self.workspace, renamed)

    def delete_conversation(self, thread: str) -> None:
        """The conversation, out of every file: its messages and journal (write-ahead logs
        included), then its record."""
        self.workspace.delete_thread(thread, erase=self._erase_conversation)

    def _erase_conversation(self, thread_id: str) -> None:
        erase_threads(self.checkpointer, [thread_id])
        forget_thread(self.checkpointer, thread_id)

    def conversation_citations(self, thread: str) -> list[Citation]:
        """The sources of the conversation's last answer (the checkpoint keeps only those)."""
        from agents.checkpoints import read_checkpoint

        thread_id = self.workspace.get_thread(thread).id
        found = read_checkpoint(self.checkpointer, thread_id)
        if found is None:
            return []
        cited = found.checkpoint["channel_values"].get("citations") or []
        shown = [Citation.from_data(c) for c in cited if isinstance(c, dict)]
        return shown_citations(self.workspace, thread_id, shown)
