"""The editor's preview chat: a turn with the spec being edited, in the person's own preview
conversation (its id derived from their account and the preview's token), and its erasure when
they start a new one. Mixed into ``Services``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage

from agents.call_journal import forget_thread
from agents.checkpoints import erase_threads, thread_messages
from agents.errors import UserError
from agents.runtime import AgentRuntime, RunEvent
from agents.spec import AgentSpec
from builder_ui.services.privacy import shown_messages

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from store.workspace import Workspace


class PreviewServices:
    workspace: Workspace
    checkpointer: BaseCheckpointSaver[Any]

    if TYPE_CHECKING:

        @property
        def principal(self) -> str: ...

        def runtime(
            self,
            spec: AgentSpec,
            model: str | None = None,
            thread: str | None = None,
            agent_id: str | None = None,
        ) -> AgentRuntime: ...

    def preview(
        self,
        spec: AgentSpec,
        token: str,
        message: str,
        model: str | None = None,
        agent_id: str | None = None,
    ) -> Iterator[RunEvent]:
        """A turn with the spec being edited, saved or not: the builder's preview chat. Its
        conversation is named by the preview's ``token`` and derived with the person's account
        (``preview_thread_id``), so nobody else reaches it, even knowing the token. With the
        saved agent's ``agent_id``, the preview is erased with the agent."""
        if not message.strip():
            raise UserError("run.empty_message")
        self.workspace.usage.check_quota()
        thread_id = self._preview_thread(token)
        if agent_id is not None:
            self.workspace.note_preview(agent_id, thread_id)
        yield from self.runtime(spec, model, agent_id=agent_id).stream(thread_id, message)

    def forget_preview(self, token: str) -> None:
        """Erase the preview conversation of ``token`` (its messages, from every file): the
        person started a new one. A preview of an agent never saved has no other end."""
        self.workspace.me()
        thread_id = self.preview_thread_id(token)
        erase_threads(self.checkpointer, [thread_id])
        forget_thread(self.checkpointer, thread_id)
        self.workspace.keep_conversation_pseudonyms(thread_id, {}, preview=True)

    def preview_thread_id(self, token: str) -> str:
        digest = hashlib.sha256(f"{self.principal}\0{token}".encode()).hexdigest()[:24]
        return f"preview-{digest}"

    def preview_history(self, spec: AgentSpec, token: str) -> list[BaseMessage]:
        thread_id = self._preview_thread(token)
        return shown_messages(
            self.workspace, thread_id, thread_messages(self.checkpointer, thread_id)
        )

    def _preview_thread(self, token: str) -> str:
        """The person's own preview conversation for ``token``, for a builder: the id is
        derived from the account, so no token reaches someone else's conversation."""
        self.workspace.require_builder()
        return self.preview_thread_id(token)
