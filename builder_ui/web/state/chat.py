"""What the chat page ("Discuter") keeps in the session: the agent chosen, the conversation shown
and its transcript, a conversation starter clicked, the conversation whose deletion awaits
confirmation, and messages shown once. The approval cards share the preview's accessors
(``queue_decision``, ``take_decision``): one page is drawn at a time.
"""

from __future__ import annotations

import streamlit as st

from builder_ui.web.models.transcript import ChatTurn
from builder_ui.web.state.keys import (
    CHAT_AGENT,
    CHAT_CONFIRM,
    CHAT_FLASH,
    CHAT_PENDING_PROMPT,
    CHAT_RENAME_TITLE,
    CHAT_THREAD,
    CHAT_TRANSCRIPT,
)
from builder_ui.web.state.preview import drop_approval_widgets
from builder_ui.web.state.session import Notices, Slot, optional
from builder_ui.web.state.session import session as _session

_AGENT: Slot[str | None] = optional(CHAT_AGENT)
_THREAD: Slot[str | None] = optional(CHAT_THREAD)
_TRANSCRIPT: Slot[list[ChatTurn]] = Slot(CHAT_TRANSCRIPT, list)
_PENDING_PROMPT: Slot[str | None] = optional(CHAT_PENDING_PROMPT)
_CONFIRM: Slot[str | None] = optional(CHAT_CONFIRM)
_NOTICES = Notices(CHAT_FLASH)

agent_id = _AGENT.get
thread, set_thread = _THREAD.get, _THREAD.set
transcript = _TRANSCRIPT.kept
set_pending_prompt, take_pending_prompt = _PENDING_PROMPT.set, _PENDING_PROMPT.take
confirming, confirm_delete, forget_confirm = _CONFIRM.get, _CONFIRM.set, _CONFIRM.forget
flash, take_flashes = _NOTICES.add, _NOTICES.take


def new_conversation() -> None:
    """Nothing shown: the next message starts a conversation with the chosen agent."""
    _THREAD.set(None)
    _TRANSCRIPT.set([])
    _CONFIRM.forget()
    st.session_state.pop(CHAT_RENAME_TITLE, None)
    drop_approval_widgets(_session())


def show(agent: str, thread_id: str, turns: list[ChatTurn]) -> None:
    """A saved conversation, resumed: its agent is chosen in the picker (drawn after this)."""
    new_conversation()
    st.session_state[CHAT_AGENT] = agent
    _THREAD.set(thread_id)
    _TRANSCRIPT.set(turns)


def choose_agent(agent: str) -> None:
    st.session_state[CHAT_AGENT] = agent
