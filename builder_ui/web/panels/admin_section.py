"""What every section of the administration page shares: its heading, the messages shown once,
the problems of its last save, a change applied and confirmed, a deletion asked twice.

Each section saves on its own (``builder_ui.web.models.admin``), over the settings as stored at that
moment; a problem is shown with its field and the form keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from agents.errors import AtelierError
from builder_ui.web import state
from builder_ui.web.models import admin as admin_view
from builder_ui.web.models.transcript import escape_markdown
from builder_ui.web.state import tr
from store.admin_settings import InvalidSettings


def heading(messages: str) -> None:
    """A section's title and what it is for: the messages ``messages.title`` and ``.help``."""
    st.subheader(tr(f"{messages}.title"))
    st.caption(tr(f"{messages}.help"))


def show_flashes() -> None:
    for kind, message in state.take_admin_flashes():
        icon = ":material/check_circle:" if kind == "success" else ":material/info:"
        getattr(st, kind)(message, icon=icon)


def show_problems(section: str) -> None:
    """The problems of the last save of ``section``, each with its field and its path."""
    found = state.admin_problems()
    if not found or found[0] != section:
        return
    lines = []
    for path, message in found[1]:
        if not path:  # about the whole change (a credential's name, say)
            lines.append(f"- {escape_markdown(message)}")
            continue
        label = tr(admin_view.field_label(path))
        line = admin_view.line_number(path)
        if line is not None:
            label = tr("ui.admin.on_line", field=label, line=line)
        lines.append(f"- **{label}** (`{path or '/'}`) : {escape_markdown(message)}")
    title = tr("ui.admin.problems", count=len(found[1]))
    st.error(f"{title}\n\n" + "\n".join(lines), icon=":material/error:")


def seed(section: str, values: dict[str, Any], resets: set[str]) -> None:
    """The form's first values, or (after a save) the saved ones over what was typed."""
    if section in resets:
        state.set_widgets(values)
    else:
        state.seed_widgets(values)


def apply(section: str, change: Callable[[], Any], done: str) -> None:
    """Run one change; on success say so and redraw the section from what was saved, else keep
    the form as typed and show why."""
    try:
        change()
    except InvalidSettings as exc:
        state.set_admin_problems(section, exc.problems)
    except AtelierError as exc:
        state.set_admin_problems(section, [("", exc.message(state.language()))])
    else:
        state.set_admin_problems(None, [])
        state.reset_admin_section(section)
        state.admin_flash("success", done)
        st.rerun()


def save_button(key: str) -> bool:
    """The "Enregistrer" button of a settings form."""
    return st.form_submit_button(
        tr("ui.admin.save"), type="primary", icon=":material/save:", key=key
    )


def confirm(message: str, yes: str) -> bool | None:
    """A warning with "yes" and "cancel": True, False, or None until one is clicked."""
    st.warning(message, icon=":material/warning:")
    left, right, _ = st.columns([2, 1, 2])
    if left.button(
        yes, type="primary", icon=":material/delete_forever:", key=state.ADMIN_CONFIRM_YES
    ):
        return True
    if right.button(tr("ui.admin.cancel"), key=state.ADMIN_CONFIRM_NO):
        return False
    return None


def delete_asked_twice(
    where: Any,
    key: str,
    *,
    section: str,
    item: tuple[str, str],
    question: str,
    delete: Callable[[], Any],
    done: str,
) -> None:
    """A "Supprimer" button (drawn in ``where``) for ``item`` (what it is, and its name); once
    clicked, a confirmation, and the deletion (a change of ``section``) only on "yes"."""
    if where.button(tr("ui.admin.delete"), key=key, icon=":material/delete:"):
        state.ask_admin_confirm(item)
        st.rerun()
    if state.admin_confirm() != item:
        return
    answer = confirm(question, tr("ui.admin.delete"))
    if answer is not None:
        state.ask_admin_confirm(None)
        if answer:
            apply(section, delete, done)
        st.rerun()
