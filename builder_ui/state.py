"""The builder's session, as the pages see it: every ``st.session_state`` key
(``builder_ui.state_keys``), the accessors of each page, and the session's language and services.

Pages and tests reach all of it as ``state.X``. The keys live in ``state_keys`` alone; the
accessors are grouped by what they serve: the editor's draft (``editor_state``), the preview and
its approval cards (``preview_state``), the knowledge page (``knowledge_state``) and the
administration page (``admin_state``), all built from the few shapes of ``builder_ui.session``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from agents.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language, t
from builder_ui.admin_state import *  # noqa: F403
from builder_ui.editor_state import *  # noqa: F403
from builder_ui.editor_state import drop_editor_widgets
from builder_ui.knowledge_state import *  # noqa: F403
from builder_ui.preview_state import *  # noqa: F403
from builder_ui.services import Installation, Services
from builder_ui.session import Slot
from builder_ui.session import drop_prefixed as drop_prefixed
from builder_ui.session import seed_missing as seed_missing
from builder_ui.session import seed_widgets as seed_widgets
from builder_ui.session import session as _session
from builder_ui.session import set_widgets as set_widgets
from builder_ui.state_keys import *  # noqa: F403
from builder_ui.state_keys import LANGUAGE, LANGUAGE_PICKER, SERVICES


def language() -> str:
    lang = st.session_state.get(LANGUAGE) or current_language() or DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def language_picker_changed() -> None:
    """Keyed select boxes keep the option label they showed, in the old language; the editor's
    widgets are redrawn from the draft instead (it holds everything typed so far)."""
    st.session_state[LANGUAGE] = st.session_state[LANGUAGE_PICKER]
    drop_editor_widgets(_session())


def seed_language_picker() -> None:
    st.session_state.setdefault(LANGUAGE_PICKER, language())


def tr(key: str, **params: Any) -> str:
    """A message of the interface in the session's language."""
    return t(key, language(), **params)


def tr_or(key: str, fallback: str, **params: Any) -> str:
    """The message ``key``, or ``fallback`` when no catalogue has it (a plug-in's tool)."""
    text = tr(key, **params)
    return fallback if text == key else text


def _open_services() -> Services:
    from store.config import default_principal

    return Services.open(default_principal(), shared=_installation(data_dir_key()))


_SERVICES = Slot(SERVICES, _open_services)
services = _SERVICES.kept  # this browser session's: the person's workspace, registries, etc.


@st.cache_resource(show_spinner=False)
def _installation(home: str) -> Installation:
    """Shared by every session of this process (thread-safe, nobody's data); keyed by the data
    directory so that a test changing ``ATELIER_HOME`` gets its own."""
    return Installation.open()


def data_dir_key() -> str:
    from store.config import data_dir

    return str(data_dir())
