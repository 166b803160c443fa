"""What the drafting pages ("Brouillons", "Supervision") and the chat page's draft card keep in
the session: the drafting services of the person signed in, the new batch's widgets (renewed
once a batch starts) and messages shown once."""

from __future__ import annotations

from typing import Any

import streamlit as st

from builder_ui.web.state.keys import DRAFTS_FLASH, DRAFTS_NEW_NONCE, DRAFTS_PREFIX
from builder_ui.web.state.session import Counter, Notices
from builder_ui.web.state.session import drop_prefixed as _drop_prefixed
from builder_ui.web.state.session import session as _session

_NOTICES = Notices(DRAFTS_FLASH)
_NEW_NONCE = Counter(DRAFTS_NEW_NONCE)

flash, take_flashes = _NOTICES.add, _NOTICES.take
new_batch_nonce, renew_new_batch = _NEW_NONCE.get, _NEW_NONCE.renew


def drafting() -> Any:
    """The drafting services of this browser session's person (``services.drafting``): built
    on the session's ``Services``, so every call goes through their workspace."""
    from builder_ui.web.models.drafting import DraftingPage
    from builder_ui.web.state import services

    return DraftingPage(services())


def forget_draft_widgets(draft_id: str) -> None:
    """A decided draft's widgets go: the next draft is drawn fresh."""
    _drop_prefixed(_session(), f"{DRAFTS_PREFIX}{draft_id}.")


def widget(key: str, default: str = "") -> str:
    return str(st.session_state.get(key) or default)
