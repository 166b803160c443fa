"""The editor's "Versions" section: two versions side by side, field by field, and "Restaurer
cette version", which saves the version picked as a new version.

The comparison is ``Services.compare_versions`` (the CLI's ``atelier agent diff``): each changed
field under its label, the two values in two columns, each headed by its version; the
instructions as a line diff where every line carries a sign ("+" added, "-" removed), said in a
legend, so nothing rests on colour. Restoring keeps the preview's conversation; it waits while
the draft has unsaved edits (they would be replaced), and says why.
"""

from __future__ import annotations

import streamlit as st

from agents.errors import UserError
from agents.spec_diff import FieldChange, diff_text
from builder_ui.services.agent_versions import Comparison
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.editor import values_from_spec
from builder_ui.web.models.inert import literal
from builder_ui.web.state import tr
from builder_ui.web.state.keys import VERSIONS_FIRST, VERSIONS_RESTORE, VERSIONS_SECOND
from store.records import VersionRecord


def render(services: Services, agent: str, versions: list[VersionRecord]) -> None:
    """``versions``: the agent's, newest first."""
    st.markdown(f"#### {tr('versions.ui.title')}")
    if len(versions) < 2:
        st.caption(tr("versions.ui.only_one"))
        return
    numbers = [record.number for record in versions]
    labels = {record.number: option_label(record) for record in versions}
    pick_first, pick_second = st.columns(2)
    first = pick_first.selectbox(
        tr("versions.ui.first"),
        numbers,
        index=1,
        format_func=labels.__getitem__,
        key=VERSIONS_FIRST,
        help=tr("versions.ui.first.help"),
    )
    second = pick_second.selectbox(
        tr("versions.ui.second"),
        numbers,
        index=0,
        format_func=labels.__getitem__,
        key=VERSIONS_SECOND,
    )
    if first is None or second is None:
        return
    try:
        comparison = services.compare_versions(agent, int(first), int(second), state.language())
    except UserError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return
    show_comparison(comparison)
    restore_button(services, agent, comparison.first.number)


def option_label(record: VersionRecord) -> str:
    when = record.created_at.astimezone().strftime("%d/%m/%Y %H:%M")
    return tr("versions.ui.option", number=record.number, when=when)


def show_comparison(comparison: Comparison) -> None:
    first, second = comparison.first.number, comparison.second.number
    if comparison.same:
        st.info(tr("versions.same", first=first, second=second), icon=":material/info:")
        return
    st.caption(tr("versions.cli.count", count=len(comparison.changes)))
    for change in comparison.changes:
        with st.container(border=True):
            st.markdown(f"**{literal(change.label)}**")
            if change.lines:
                instructions_diff(change)
            else:
                side_by_side(change, first, second)


def side_by_side(change: FieldChange, first: int, second: int) -> None:
    before, after = st.columns(2)
    for column, number, value in ((before, first, change.before), (after, second, change.after)):
        column.caption(tr("versions.ui.in_version", number=number))
        column.markdown(literal(value))


def instructions_diff(change: FieldChange) -> None:
    """Every line after its sign, in a text block: readable without colour, and by a screen
    reader, with the legend that says what the signs mean."""
    st.code(diff_text(change.lines), language=None, wrap_lines=True)
    st.caption(tr("versions.diff_legend"))


def restore_button(services: Services, agent: str, number: int) -> None:
    blocked = state.unsaved()
    if blocked:
        st.caption(tr("versions.ui.restore_blocked"))
    if st.button(
        tr("versions.ui.restore", number=number),
        key=VERSIONS_RESTORE,
        icon=":material/restore:",
        disabled=blocked,
        help=tr("versions.ui.restore.help", number=number),
    ):
        restore(services, agent, number)


def restore(services: Services, agent: str, number: int) -> None:
    """Version ``number`` saved as a new version and shown in the editor; the preview keeps its
    conversation."""
    lang = state.language()
    try:
        restored = services.restore_version(agent, number, lang)
    except UserError as exc:
        st.error(exc.message(lang), icon=":material/error:")
        return
    record = restored.record
    if restored.changed:
        values = values_from_spec(record.spec, [tool.id for tool in services.tools.all()])
        services.forget_draft(agent)
        state.open_in_editor(values, agent, record.number, new_conversation=False)
        state.flash(restored.summary(lang))
    else:
        state.agent_notice("info", restored.summary(lang))
    for key in (VERSIONS_FIRST, VERSIONS_SECOND):  # the new version shows in the pickers
        st.session_state.pop(key, None)
    st.rerun()
