"""What the editor keeps in the session: the draft, where it came from, the problems of the last
save, the tool testers' outcomes and the OpenAPI import under way.

The editor keeps a draft (``EditorValues``) beside its widgets. Streamlit forgets a widget's value
when the widget is not drawn (another page, an unticked tool), so the editor seeds any missing
widget from the draft before drawing, and writes the draft back after: what a person typed
survives page changes, failed checks and reruns.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import streamlit as st

from builder_ui.web.models.approval import TryOutcome
from builder_ui.web.models.editor import EditorValues, ToolChoice, fingerprint
from builder_ui.web.panels.forms import form_fields, widget_state
from builder_ui.web.state.keys import (
    AGENT_ID,
    BASELINE,
    DRAFT,
    FLASH,
    LOADED_VERSION,
    MESSAGE_NONCE,
    OPENAPI_CHOICE,
    OPENAPI_LOADED,
    OPENAPI_PREFIX,
    OPENAPI_UPLOAD_NONCE,
    PROBLEMS,
    STORED,
    TRY_OUTCOMES,
    W_CATEGORY,
    W_DESCRIPTION,
    W_ICON,
    W_INSTRUCTIONS,
    W_KB_BASES,
    W_KB_MIN_SCORE,
    W_KB_MODE,
    W_KB_PER_DOCUMENT,
    W_KB_TOP_K,
    W_MAX_TOKENS,
    W_MAX_TOOL_STEPS,
    W_MODEL,
    W_NAME,
    W_STARTERS,
    W_TEMPERATURE,
    WIDGET_PREFIX,
    w_tool_approval,
    w_tool_config,
    w_tool_on,
)
from builder_ui.web.state.preview import reset_preview
from builder_ui.web.state.session import (
    Counter,
    PerItem,
    Slot,
    drop_prefixed,
    optional,
    seed_missing,
)
from builder_ui.web.state.session import session as _session
from tools.registry import ToolDefinition

__all__ = [
    "agent_id",
    "draft",
    "drop_editor_widgets",
    "editor_widget_state",
    "flash",
    "loaded_version",
    "message_nonce",
    "open_in_editor",
    "openapi_loaded",
    "openapi_upload_nonce",
    "problems",
    "renew_openapi_upload",
    "saved_values",
    "seed_editor_widgets",
    "set_draft",
    "set_openapi_loaded",
    "set_problems",
    "set_saved",
    "set_stored",
    "set_try_outcome",
    "stored",
    "try_outcome",
    "unsaved",
]

_DRAFT: Slot[EditorValues | None] = optional(DRAFT)
_AGENT_ID: Slot[str | None] = optional(AGENT_ID)  # the saved agent, None for a new one
_LOADED_VERSION: Slot[int | None] = optional(LOADED_VERSION)
_PROBLEMS: Slot[list[Any]] = Slot(PROBLEMS, list)
_FLASH: Slot[str | None] = optional(FLASH)
_MESSAGE_NONCE = Counter(MESSAGE_NONCE)  # renews the version message field after a save
_TRY_OUTCOMES: PerItem[TryOutcome | None] = PerItem(TRY_OUTCOMES, None)  # the last "Lancer"
_OPENAPI_LOADED: Slot[Any] = optional(OPENAPI_LOADED)  # the ``ImportedDocument`` being set up
_OPENAPI_UPLOAD = Counter(OPENAPI_UPLOAD_NONCE)
_BASELINE: Slot[EditorValues | None] = optional(BASELINE)  # what was opened or saved
_STORED: Slot[str | None] = optional(STORED)  # the draft kept on disk, as a fingerprint

# Each slot's accessors, one line a slot.
draft, set_draft = _DRAFT.get, _DRAFT.set
agent_id, loaded_version = _AGENT_ID.get, _LOADED_VERSION.get
problems, set_problems = _PROBLEMS.get, _PROBLEMS.set
message_nonce = _MESSAGE_NONCE.get
try_outcome, set_try_outcome = _TRY_OUTCOMES.get, _TRY_OUTCOMES.set
openapi_loaded = _OPENAPI_LOADED.get
openapi_upload_nonce, renew_openapi_upload = _OPENAPI_UPLOAD.get, _OPENAPI_UPLOAD.renew
stored, set_stored = _STORED.get, _STORED.set


# --- the draft and its widgets -------------------------------------------------------------------


def editor_widget_state(values: EditorValues, tools: list[ToolDefinition]) -> dict[str, Any]:
    """Every editor widget's value for ``values``."""
    out: dict[str, Any] = {
        W_NAME: values.name,
        W_ICON: values.icon,
        W_DESCRIPTION: values.description,
        W_CATEGORY: values.category,
        W_INSTRUCTIONS: values.instructions,
        W_STARTERS: values.starters,
        W_MODEL: values.model,
        W_TEMPERATURE: values.temperature,
        W_MAX_TOKENS: values.max_tokens,
        W_MAX_TOOL_STEPS: values.max_tool_steps,
        W_KB_BASES: list(values.knowledge.bases),
        W_KB_TOP_K: values.knowledge.top_k,
        W_KB_MIN_SCORE: values.knowledge.min_score,
        W_KB_MODE: values.knowledge.mode,
        W_KB_PER_DOCUMENT: values.knowledge.per_document,
    }
    for tool_id, choice in values.tools.items():
        out[w_tool_on(tool_id)] = choice.enabled
        out[w_tool_approval(tool_id)] = choice.approval
    for tool in tools:
        choice = values.tools.get(tool.id, ToolChoice())
        fields = form_fields(tool.config_model)
        out.update(widget_state(fields, w_tool_config(tool.id), choice.config))
    return out


def drop_editor_widgets(session: MutableMapping[str, Any]) -> None:
    drop_prefixed(session, WIDGET_PREFIX)


def seed_editor_widgets(values: EditorValues, tools: list[ToolDefinition]) -> None:
    seed_missing(_session(), editor_widget_state(values, tools))


def open_in_editor(
    values: EditorValues,
    agent: str | None,
    version: int | None,
    new_conversation: bool = True,
    baseline: EditorValues | None = None,
    stored: str | None = None,
) -> None:
    """Put ``values`` in the editor (its widgets are redrawn from them on the next run).
    ``baseline``: what is saved, when ``values`` are unsaved edits of it (a draft kept from an
    earlier session, ``stored`` its fingerprint on disk)."""
    _DRAFT.set(values)
    _AGENT_ID.set(agent)
    _LOADED_VERSION.set(version)
    _PROBLEMS.set([])
    _BASELINE.set(baseline if baseline is not None else values)
    _STORED.set(stored)
    drop_editor_widgets(_session())
    drop_prefixed(_session(), OPENAPI_PREFIX)
    if new_conversation:
        reset_preview()


def set_saved(agent: str, version: int, values: EditorValues | None = None) -> None:
    """``values`` were saved as ``version`` (or are that version's, unchanged)."""
    _AGENT_ID.set(agent)
    _LOADED_VERSION.set(version)
    _PROBLEMS.set([])
    _MESSAGE_NONCE.renew()
    if values is not None:
        _BASELINE.set(values)


def unsaved() -> bool:
    """The draft differs from what was opened or last saved."""
    values, baseline = _DRAFT.get(), _BASELINE.get()
    if values is None or baseline is None:
        return False
    return fingerprint(values) != fingerprint(baseline)


def saved_values() -> EditorValues | None:
    """What was opened or last saved: the draft without its unsaved changes."""
    return _BASELINE.get()


def flash(message: str | None = None) -> str | None:
    """Set a message to show after the next rerun, or (no argument) take it."""
    if message is not None:
        _FLASH.set(message)
        return None
    return _FLASH.take()


# --- the OpenAPI import --------------------------------------------------------------------------
# Kept apart from the editor's widgets (a language switch keeps an import under way); a new draft
# (``open_in_editor``) starts it afresh.


def set_openapi_loaded(imported: Any, widgets: dict[str, Any]) -> None:
    """Show this document in the import, its choices drawn from ``widgets`` (key -> value);
    those of the previous document are forgotten. Call before the choices are drawn."""
    drop_prefixed(_session(), OPENAPI_CHOICE)
    _OPENAPI_LOADED.set(imported)
    st.session_state.update(widgets)
