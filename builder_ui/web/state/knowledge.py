"""What the knowledge page ("Connaissances") keeps in the session: the base shown, its file
picker, the "new base" form, what awaits confirmation, and the messages shown once."""

from __future__ import annotations

import streamlit as st

from builder_ui.web.state.keys import (
    KB_CONFIRM,
    KB_FLASH,
    KB_NEW_DESCRIPTION,
    KB_NEW_NAME,
    KB_NEW_RESET,
    KB_PASSAGES,
    KB_PICKER,
    KB_SELECTED,
    KB_UPLOAD_NONCE,
)
from builder_ui.web.state.session import Counter, Notices, Slot, optional

__all__ = [
    "ask_kb_confirm",
    "kb_confirm",
    "kb_flash",
    "kb_passages_shown",
    "kb_selected",
    "kb_upload_nonce",
    "remember_kb",
    "renew_kb_upload",
    "reset_new_kb_form",
    "seed_kb_picker",
    "select_kb",
    "show_kb_passages",
    "take_kb_flashes",
    "take_new_kb_form_reset",
]

_SELECTED: Slot[str | None] = optional(KB_SELECTED)
_PICKER: Slot[str | None] = optional(KB_PICKER)
_CONFIRM: Slot[tuple[str, str] | None] = optional(KB_CONFIRM)  # ("document", id) or ("base", id)
_UPLOAD = Counter(KB_UPLOAD_NONCE)  # renews the file picker once its files are added
_NOTICES = Notices(KB_FLASH)
_NEW_RESET = Slot(KB_NEW_RESET, bool)
_PASSAGES: Slot[str | None] = optional(KB_PASSAGES)  # one document's passages at a time

# Each slot's accessors, one line a slot.
kb_selected = _SELECTED.get
kb_confirm, ask_kb_confirm = _CONFIRM.get, _CONFIRM.set
kb_upload_nonce, renew_kb_upload = _UPLOAD.get, _UPLOAD.renew
kb_flash, take_kb_flashes = _NOTICES.add, _NOTICES.take
kb_passages_shown, show_kb_passages = _PASSAGES.get, _PASSAGES.set


def select_kb(kb_id: str | None) -> None:
    """Show this base; its picker is redrawn on it (a keyed widget keeps its own value)."""
    _SELECTED.set(kb_id)
    _PICKER.forget()
    _CONFIRM.forget()


def remember_kb(kb_id: str) -> None:
    """The base the picker shows, kept for the next visit of the page."""
    if kb_selected() != kb_id:
        _SELECTED.set(kb_id)
        _CONFIRM.forget()


def seed_kb_picker(kb_ids: list[str]) -> None:
    """Point the base picker at the base to show: the one chosen last, else the first."""
    if _PICKER.get() in kb_ids:
        return
    chosen = kb_selected()
    _PICKER.set(chosen if chosen in kb_ids else kb_ids[0])


def reset_new_kb_form() -> None:
    """Empty the "new base" form once its base exists (before the form is drawn again)."""
    _NEW_RESET.set(True)


def take_new_kb_form_reset() -> None:
    if _NEW_RESET.take():
        for key in (KB_NEW_NAME, KB_NEW_DESCRIPTION):
            st.session_state.pop(key, None)
