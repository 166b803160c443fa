"""What the editor's preview keeps in the session: its conversation (a thread token and the
transcript), the messages shown once above the chat input, a conversation starter clicked, and
the approval cards (``builder_ui.web.panels.approval_card``), whose widgets are keyed by the call
they answer so that a new request gets a fresh card.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

from builder_ui.web.models.approval import Decision
from builder_ui.web.models.transcript import ChatTurn
from builder_ui.web.state.keys import (
    APPROVAL_MODES,
    APPROVAL_PREFIX,
    APPROVAL_QUEUED,
    PENDING_PROMPT,
    PREVIEW_FLASH,
    PREVIEW_TOKEN,
    TRANSCRIPT,
)
from builder_ui.web.state.session import Notices, PerItem, Slot, drop_prefixed, optional
from builder_ui.web.state.session import session as _session

__all__ = [
    "approval_mode",
    "drop_approval_widgets",
    "preview_flash",
    "preview_token",
    "queue_decision",
    "reset_preview",
    "set_approval_mode",
    "set_pending_prompt",
    "take_decision",
    "take_pending_prompt",
    "take_preview_flashes",
    "transcript",
]


def _new_token() -> str:
    return secrets.token_hex(8)


_TOKEN = Slot(PREVIEW_TOKEN, _new_token)  # the preview's thread
_TRANSCRIPT: Slot[list[ChatTurn]] = Slot(TRANSCRIPT, list)
_NOTICES = Notices(PREVIEW_FLASH)
_PENDING_PROMPT: Slot[str | None] = optional(PENDING_PROMPT)
_QUEUED: Slot[Decision | None] = optional(APPROVAL_QUEUED)  # sent on the next run
_MODES = PerItem(APPROVAL_MODES, "ask")  # call id -> "ask" | "edit" | "reject"

# Each slot's accessors, one line a slot.
preview_token, transcript = _TOKEN.kept, _TRANSCRIPT.kept
preview_flash, take_preview_flashes = _NOTICES.add, _NOTICES.take  # ``info``, ``warning``
set_pending_prompt, take_pending_prompt = _PENDING_PROMPT.set, _PENDING_PROMPT.take
queue_decision = _QUEUED.set
approval_mode, set_approval_mode = _MODES.get, _MODES.set  # the card's "Modifier", "Refuser"...


def reset_preview() -> None:
    """A new preview conversation: a new thread, an empty transcript."""
    _TOKEN.set(_new_token())
    _TRANSCRIPT.set([])
    drop_approval_widgets(_session())


def drop_approval_widgets(session: MutableMapping[str, Any]) -> None:
    """Forget every card (its modes, typed arguments and reason) once it has been answered."""
    drop_prefixed(session, APPROVAL_PREFIX)


def take_decision() -> Decision | None:
    """The decision to send on this run, if a card was answered; its widgets are dropped."""
    decision = _QUEUED.take()
    if decision is not None:
        drop_approval_widgets(_session())
    return decision
