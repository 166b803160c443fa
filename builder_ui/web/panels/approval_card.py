"""The approval card of the preview chat: which tool, with exactly which arguments, and the
person's answer ("Approuver", "Modifier", "Refuser").

An answer is queued in the session (``state.queue_decision``) and the page reruns: the preview
then continues the paused turn with ``Services.preview_approve`` and streams the rest of the answer
(``builder_ui.web.panels.preview``). What the card says is worked out in
``builder_ui.web.models.approval``.
"""

from __future__ import annotations

from typing import Any, Literal

import streamlit as st

from builder_ui.web import state
from builder_ui.web.models.approval import (
    ApprovalRequest,
    approve,
    approve_edited,
    args_json,
    check_args,
    edits_with_form,
    parse_args_text,
    problem_lines,
    reject,
    settle_unknown,
)
from builder_ui.web.models.inert import literal
from builder_ui.web.models.transcript import escape_markdown
from builder_ui.web.panels.forms import FormField, form_fields, render_form, widget_state
from builder_ui.web.state import tr, tr_or
from tools.registry import ToolDefinition


def arg_label(tool_id: str) -> Any:
    def label(field: FormField) -> str:
        return tr_or(f"tool.{tool_id}.args.{field.name}", field.label)

    return label


def render(request: ApprovalRequest, definition: ToolDefinition | None, title: str) -> None:
    """The card for ``request``; ``definition`` is None for a tool the registry does not hold
    under that name (an operation of a toolset): its arguments are then edited as JSON."""
    lang = state.language()
    with st.container(border=True):
        if request.kind == "outcome_unknown":
            _outcome_unknown(request, title, lang)
            return
        st.markdown(f"**:material/front_hand: {tr('ui.approval.title')}**")
        tool_id = request.tool.replace("`", "'")  # inside a code span in the message
        st.markdown(tr("ui.approval.intro", tool=escape_markdown(title), tool_id=tool_id))
        _arguments(request, lang)
        if request.reason == "unknown_address" and request.address:
            st.warning(
                tr("ui.approval.unknown_address", address=literal(request.address)),
                icon=":material/travel_explore:",
            )
        _effects(request, lang)
        mode = state.approval_mode(request.call_id)
        if mode == "edit":
            _edit_form(request, definition)
        elif mode == "reject":
            _reject_form(request)
        else:
            _buttons(request)


def _arguments(request: ApprovalRequest, lang: str) -> None:
    """Each argument on its line, labelled in words, its value shown as text (never live)."""
    rows = request.rows(lang)
    if not rows:
        st.caption(tr("ui.approval.no_args"))
        return
    lines = [f"- **{escape_markdown(label)}** : {literal(value)}" for label, value in rows]
    st.markdown("\n".join(lines))


def _effects(request: ApprovalRequest, lang: str) -> None:
    """What the tool does, as it declares it: a warning when it acts, a caption otherwise."""
    lines = request.effect_lines(lang)
    if not lines:
        return
    text = "\n".join(f"- {line}" for line in lines)
    if request.consequential:
        st.warning(text, icon=":material/warning:")
    else:
        st.caption(text)


def _outcome_unknown(request: ApprovalRequest, title: str, lang: str) -> None:
    """A call with effects was under way when Atelier stopped: the person says what became of
    it; it is never made again unless they ask."""
    st.markdown(f"**:material/help: {tr('ui.approval.outcome.title')}**")
    st.markdown(tr("ui.approval.outcome.intro", tool=escape_markdown(title)))
    _arguments(request, lang)
    _effects(request, lang)
    row = _row()
    choices: list[tuple[Literal["mark_done", "run_again", "cancel"], str]] = [
        ("mark_done", ":material/task_alt:"),
        ("cancel", ":material/block:"),
        ("run_again", ":material/replay:"),
    ]
    for choice, icon in choices:
        if row.button(
            tr(f"ui.approval.outcome.{choice}"),
            key=state.approval_key(request.call_id, choice),
            icon=icon,
            help=tr(f"ui.approval.outcome.{choice}_help"),
            width="content",
        ):
            state.queue_decision(settle_unknown(request, choice))
            st.rerun()


def _row() -> Any:
    """Buttons side by side, each as wide as its words, wrapping when the column is narrow:
    a label is never cut."""
    return st.container(horizontal=True, gap="small")


def _buttons(request: ApprovalRequest) -> None:
    row = _row()
    if row.button(
        tr("ui.approval.approve"),
        key=state.approval_key(request.call_id, "approve"),
        type="primary",
        icon=":material/check:",
        help=tr("ui.approval.approve_help"),
        width="content",
    ):
        state.queue_decision(approve(request))
        st.rerun()
    row.button(
        tr("ui.approval.edit"),
        key=state.approval_key(request.call_id, "edit"),
        icon=":material/edit:",
        help=tr("ui.approval.edit_help"),
        on_click=state.set_approval_mode,
        args=(request.call_id, "edit"),
        width="content",
    )
    row.button(
        tr("ui.approval.reject"),
        key=state.approval_key(request.call_id, "reject"),
        icon=":material/block:",
        help=tr("ui.approval.reject_help"),
        on_click=state.set_approval_mode,
        args=(request.call_id, "reject"),
        width="content",
    )


def _edit_form(request: ApprovalRequest, definition: ToolDefinition | None) -> None:
    """The arguments in a form generated from the tool's arguments model, or as JSON. Invalid
    input is reported with its field path; what was typed stays in the form."""
    st.markdown(f"**{tr('ui.approval.edit.title')}**")
    model = definition.args_model if definition else None
    use_form = model is not None and edits_with_form(model, request.args)
    if model is not None and use_form:
        prefix = state.approval_key(request.call_id, "form.")
        state.seed_widgets(widget_state(form_fields(model), prefix, request.args))
        args: dict[str, Any] | None = render_form(
            model, prefix, arg_label(request.tool), previous=request.args
        )
        problems = check_args(model, args or {})
    else:
        key = state.approval_key(request.call_id, "json")
        state.seed_widgets({key: args_json(request.args)})
        text = st.text_area(
            tr("ui.approval.edit.json"), key=key, height=160, help=tr("ui.approval.edit.json_help")
        )
        args, problems = parse_args_text(text or "", tr)
        if args is not None:
            problems = check_args(model, args)
    report = st.empty()  # the problems, next to the fields they are about
    row = _row()
    submitted = row.button(
        tr("ui.approval.edit.submit"),
        key=state.approval_key(request.call_id, "edit_submit"),
        type="primary",
        icon=":material/check:",
        width="content",
    )
    _cancel(row, request)
    if submitted:
        if problems or args is None:
            lines = problem_lines(problems, tr)
            report.error(f"{tr('ui.approval.edit.problems')}\n\n{lines}", icon=":material/error:")
            return
        state.queue_decision(approve_edited(request, args))
        st.rerun()


def _reject_form(request: ApprovalRequest) -> None:
    reason = st.text_input(
        tr("ui.approval.reason"),
        key=state.approval_key(request.call_id, "reason"),
        placeholder=tr("ui.approval.reason.placeholder"),
        help=tr("ui.approval.reason_help"),
    )
    row = _row()
    if row.button(
        tr("ui.approval.reject.submit"),
        key=state.approval_key(request.call_id, "reject_submit"),
        type="primary",
        icon=":material/block:",
        width="content",
    ):
        state.queue_decision(reject(request, reason or ""))
        st.rerun()
    _cancel(row, request)


def _cancel(column: Any, request: ApprovalRequest) -> None:
    column.button(
        tr("ui.approval.cancel"),
        key=state.approval_key(request.call_id, "cancel"),
        icon=":material/close:",
        on_click=state.set_approval_mode,
        args=(request.call_id, "ask"),
        width="content",
    )
