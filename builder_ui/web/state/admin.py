"""What the administration page keeps in the session: the messages shown once, the problems of
the last failed save, what awaits confirmation, the forms to redraw, and the MCP servers' state
and the tool review under way."""

from __future__ import annotations

from typing import Any

import streamlit as st

from builder_ui.web.state.keys import (
    ADMIN_CONFIRM,
    ADMIN_FLASH,
    ADMIN_MCP_REVIEW,
    ADMIN_MCP_STATUSES,
    ADMIN_MODEL_TESTS,
    ADMIN_PROBLEMS,
    ADMIN_RESET,
)
from builder_ui.web.state.session import Notices, Slot, optional

__all__ = [
    "admin_confirm",
    "admin_flash",
    "admin_problems",
    "ask_admin_confirm",
    "forget_mcp_review",
    "forget_mcp_statuses",
    "mcp_review",
    "mcp_statuses",
    "model_tests",
    "reset_admin_section",
    "set_admin_problems",
    "set_mcp_review",
    "set_mcp_statuses",
    "set_model_test",
    "take_admin_flashes",
    "take_admin_resets",
]

Problems = tuple[str, list[tuple[str, str]]]  # a section, and (path, message) of each problem

_NOTICES = Notices(ADMIN_FLASH)
_PROBLEMS: Slot[Problems | None] = optional(ADMIN_PROBLEMS)
_CONFIRM: Slot[tuple[str, str] | None] = optional(ADMIN_CONFIRM)  # ("secret"|"server", name)
_RESETS: Slot[set[str]] = Slot(ADMIN_RESET, set)  # sections whose forms are redrawn
_STATUSES: Slot[tuple[str, dict[str, Any]] | None] = optional(ADMIN_MCP_STATUSES)
_REVIEW: Slot[dict[str, Any] | None] = optional(ADMIN_MCP_REVIEW)  # a tool list, or its error
_MODEL_TESTS: Slot[dict[str, tuple[str, str]]] = Slot(ADMIN_MODEL_TESTS, dict)

# Each slot's accessors, one line a slot.
admin_flash, take_admin_flashes = _NOTICES.add, _NOTICES.take
admin_problems = _PROBLEMS.get
admin_confirm, ask_admin_confirm = _CONFIRM.get, _CONFIRM.set
take_admin_resets = _RESETS.take  # the sections whose forms are to be redrawn on this run
mcp_review, set_mcp_review, forget_mcp_review = _REVIEW.get, _REVIEW.set, _REVIEW.forget
mcp_statuses, set_mcp_statuses = _STATUSES.get, _STATUSES.set  # (computed from, {server: ...})
forget_mcp_statuses = _STATUSES.forget  # they are read again on the next run
model_tests = _MODEL_TESTS.get  # model id -> (kind, message) of its last connection test


def set_admin_problems(section: str | None, problems: list[tuple[str, str]]) -> None:
    _PROBLEMS.set((section, problems) if section else None)


def reset_admin_section(section: str) -> None:
    """Redraw a section's form from the saved settings (or empty it) on the next run."""
    st.session_state.setdefault(ADMIN_RESET, set()).add(section)


def set_model_test(model_id: str, kind: str, message: str) -> None:
    """Keep what the last "test the connection" of a model said, to show it beside the model."""
    _MODEL_TESTS.set({**_MODEL_TESTS.get(), model_id: (kind, message)})
