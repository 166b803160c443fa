"""The editor's preview chat: try the agent as it is being edited, saved or not.

Each answer built on documents lists its sources under it; each opens on the passage quoted.
The conversation is a preview thread of its own (``Services.preview_thread_id``); its token stays
in the session, so saving, loading a version or editing the instructions keeps the conversation
under test. "Nouvelle conversation" starts another thread.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import streamlit as st

from agents.errors import AtelierError
from agents.models.registry import default_model_settings
from agents.runtime import ToolCalled, ToolFinished
from builder_ui import state
from builder_ui.editor_model import (
    EditorValues,
    checked_spec,
    preview_model_override,
    preview_values,
    starter_lines,
)
from builder_ui.knowledge_view import heading_trail, quoted, score_line, source_label
from builder_ui.services import Services
from builder_ui.state import tr, tr_or
from builder_ui.transcript import (
    ChatTurn,
    EventPump,
    TextPart,
    ToolPart,
    call_summary,
    escape_markdown,
)

log = logging.getLogger(__name__)

CHAT_HEIGHT = 560


def _tool_title(services: Services, tool_id: str) -> str:
    fallback = services.tools.get(tool_id).title if tool_id in services.tools else tool_id
    return tr_or(f"tool.{tool_id}.title", fallback)


def _tool_label(services: Services, part: ToolPart) -> str:
    status = "running" if part.ok is None else ("done" if part.ok else "failed")
    summary = escape_markdown(call_summary(part.args))
    return tr(
        f"ui.tool_call.{status}",
        tool=escape_markdown(_tool_title(services, part.name)),
        summary=f" — {summary}" if summary else "",
    )


def _tool_state(part: ToolPart) -> Any:
    return "running" if part.ok is None else ("complete" if part.ok else "error")


def _show_json(value: Any) -> None:
    if isinstance(value, dict | list):
        st.json(value, expanded=True)
    else:
        st.code(json.dumps(value, ensure_ascii=False, default=str), language=None)


def _tool_details(part: ToolPart) -> None:
    st.markdown(f"**{tr('ui.tool_call.args')}**")
    _show_json(part.args)
    if part.ok:
        st.markdown(f"**{tr('ui.tool_call.result')}**")
        _show_json(part.result)
    elif part.ok is False:
        st.error(f"**{tr('ui.tool_call.error')}** {part.error}", icon=":material/error:")


def _tool_status(services: Services, part: ToolPart) -> None:
    with st.status(_tool_label(services, part), state=_tool_state(part), expanded=False):
        _tool_details(part)


def _outcome_note(turn: ChatTurn) -> None:
    if turn.outcome != "ok":
        key = f"ui.preview.outcome.{turn.outcome}"
        st.warning(tr_or(key, tr("ui.preview.outcome.other")), icon=":material/warning:")


def _sources(turn: ChatTurn) -> None:
    """ "Sources" under an answer: ``[n] document, page``, each opening on its passage."""
    if not turn.citations:
        return
    st.markdown(f"**{tr('ui.kb.sources')}**")
    for index, citation in enumerate(turn.citations, 1):
        label = f"[{citation.n or index}] {escape_markdown(source_label(citation, tr))}"
        with st.expander(label, icon=":material/description:"):
            trail = heading_trail(citation)
            if trail:
                st.caption(escape_markdown(trail))
            st.markdown(quoted(citation.passage))
            st.caption(score_line(citation.score, None, state.language(), tr))


def _show_turn(services: Services, turn: ChatTurn) -> None:
    with st.chat_message(turn.role):
        for part in turn.parts:
            if isinstance(part, TextPart):
                st.markdown(part.text)
            else:
                _tool_status(services, part)
        if turn.role == "assistant":
            _sources(turn)
            _outcome_note(turn)


def _stream_turn(services: Services, values: EditorValues, message: str) -> None:
    """Ask the agent being edited; draw the answer as it streams."""
    untitled = tr("ui.editor.untitled")
    spec, problems = checked_spec(
        preview_values(values, untitled),
        services.check,
        tr,
        lambda tool_id: _tool_title(services, tool_id),
    )
    history = state.transcript()
    user = ChatTurn.user(message)
    _show_turn(services, user)
    turn = ChatTurn("assistant")
    with st.chat_message("assistant"):
        if spec is None:
            lines = "\n".join(f"- **{p.label}** (`{p.path}`) : {p.message}" for p in problems)
            st.error(f"{tr('ui.preview.invalid')}\n\n{lines}", icon=":material/error:")
            return  # nothing was asked: the message is not added to the conversation
        thread = services.preview_thread_id(state.preview_token())
        override = preview_model_override()
        statuses: dict[str, Any] = {}
        try:
            pump = EventPump(services.preview(spec, thread, message, override), turn)
            while not pump.done:
                st.write_stream(pump.texts())
                event = pump.last
                if isinstance(event, ToolCalled):
                    part = turn.tool(event.call.id)
                    if part is not None:
                        statuses[part.id] = st.status(
                            _tool_label(services, part), state="running", expanded=True
                        )
                elif isinstance(event, ToolFinished):
                    part = turn.tool(event.call.id)
                    box = statuses.get(event.call.id)
                    if part is not None and box is not None:
                        with box:
                            _tool_details(part)
                        box.update(
                            label=_tool_label(services, part),
                            state=_tool_state(part),
                            expanded=False,
                        )
        except AtelierError as exc:
            turn.outcome = "error"
            turn.parts.append(TextPart(exc.message(state.language())))
            st.markdown(exc.message(state.language()))
        except Exception:
            log.exception("preview turn failed")
            turn.outcome = "error"
            turn.parts.append(TextPart(tr("ui.preview.failed")))
            st.markdown(tr("ui.preview.failed"))
        _sources(turn)
        _outcome_note(turn)
    history.extend([user, turn])


def _model_caption(services: Services, values: EditorValues) -> str:
    override = preview_model_override()
    if override:
        return tr("ui.preview.model_override", model=override)
    if values.model:
        return tr("ui.preview.model", model=values.model)
    return tr("ui.preview.model_default", model=default_model_settings(services.env).ref)


def render(services: Services, values: EditorValues) -> None:
    head, action = st.columns([2, 3], vertical_alignment="bottom")
    head.subheader(tr("ui.preview.title"))
    if action.button(
        tr("ui.preview.new_conversation"),
        key=state.NEW_CONVERSATION,
        icon=":material/refresh:",
        help=tr("ui.preview.new_conversation_help"),
        width="stretch",
    ):
        state.reset_preview()
    st.caption(_model_caption(services, values))

    history = state.transcript()
    box = st.container(height=CHAT_HEIGHT, border=True)
    prompt = st.chat_input(tr("ui.preview.placeholder"), key=state.CHAT_INPUT)
    pending = state.take_pending_prompt()
    message = (prompt if isinstance(prompt, str) else pending) or ""
    with box:
        for turn in history:
            _show_turn(services, turn)
        if message.strip():
            _stream_turn(services, values, message.strip())
        elif not history:
            st.caption(tr("ui.preview.empty"))
            for index, starter in enumerate(starter_lines(values.starters)):
                if st.button(starter, key=state.starter_key(index), icon=":material/chat:"):
                    state.set_pending_prompt(starter)
                    st.rerun()
