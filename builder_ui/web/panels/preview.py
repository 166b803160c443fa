"""The editor's preview chat: try the agent as it is being edited, saved or not.

Each answer built on documents lists its sources under it; each opens on the passage quoted.
The conversation is a preview thread of its own (``Services.preview_thread_id``); its token stays
in the session, so saving, loading a version or editing the instructions keeps the conversation
under test. "Nouvelle conversation" starts another thread.

A tool call that needs a person's approval pauses the turn: the call is drawn as an approval card
(``builder_ui.web.panels.approval_card``) and the chat input waits. The person's decision continues
the same
turn (``Services.preview_approve``) and the rest of the answer streams in under it, with the
decision written under the tool call. The pause lives in the transcript (``ChatTurn.pending``), so
a rerun or a Save redraws the card; when the runtime disagrees (a message it refused, a failed
continuation), ``_resync`` asks it (``Services.preview_pending``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterator
from typing import Any

import streamlit as st

from agents.errors import AtelierError
from agents.models.registry import default_model_settings, parse_ref
from agents.runtime import RunEvent, ToolCalled, ToolFinished
from agents.spec import AgentSpec
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.approval import (
    ApprovalRequest,
    Decision,
    call_status,
    decision_icon,
    decision_line,
)
from builder_ui.web.models.editor import (
    EditorValues,
    checked_spec,
    preview_model_override,
    preview_values,
    starter_lines,
)
from builder_ui.web.models.inert import literal
from builder_ui.web.models.knowledge import (
    file_size,
    heading_trail,
    quoted,
    score_line,
    source_label,
)
from builder_ui.web.models.transcript import (
    ChatTurn,
    EventPump,
    TextPart,
    ToolPart,
    call_summary,
    escape_markdown,
)
from builder_ui.web.panels import approval_card
from builder_ui.web.panels import inert as inert_text
from builder_ui.web.panels.fields import problem_lines
from builder_ui.web.state import tr, tr_or

log = logging.getLogger(__name__)

CHAT_HEIGHT = 560
PENDING_ERROR = "run.approval_pending"  # a new message while a call waits for a person
GONE_ERROR = "run.no_approval_pending"  # a decision for a call that no longer waits


def _tool_title(services: Services, tool_id: str) -> str:
    fallback = services.tools.get(tool_id).title if tool_id in services.tools else tool_id
    return tr_or(f"tool.{tool_id}.title", fallback)


def _tool_label(services: Services, part: ToolPart, paused: bool = False) -> str:
    status = call_status(part.ok, part.approval, paused)
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
        st.error(f"**{tr('ui.tool_call.error')}** {literal(part.error)}", icon=":material/error:")


def _file_id(part: ToolPart) -> str | None:
    """The file a tool call made (``create_document``), if any."""
    result = part.result
    if part.ok and isinstance(result, dict) and isinstance(result.get("file_id"), str):
        return str(result["file_id"])
    return None


def _download(services: Services, part: ToolPart, where: Any = None) -> None:
    """A download button for the file a tool call made; its bytes come through the person's
    own files (``Services.file``), never from what the tool call says."""
    file_id = _file_id(part)
    if file_id is None:
        return
    target = where if where is not None else st
    try:
        info, data = services.file(file_id)
    except AtelierError:
        target.caption(tr("ui.preview.file_gone"))
        return
    target.download_button(
        tr("ui.preview.download", filename=info.filename),
        data=data,
        file_name=info.filename,
        mime=info.media_type,
        key=state.file_download_key(file_id),
        icon=":material/download:",
        on_click="ignore",  # downloading does not rerun the page (the conversation stays)
        help=tr("ui.preview.download_help", size=file_size(info.size, tr)),
    )


def _decision_text(part: ToolPart) -> str | None:
    """The person's decision under the tool call: "Approuvé par alice"... (icon and words)."""
    line = decision_line(part.approval, tr)
    return f"{decision_icon(part.approval)} {escape_markdown(line)}" if line else None


def _tool_status(services: Services, part: ToolPart, paused: bool = False) -> None:
    if part.ok is None and paused:  # approved or waiting behind another call: nothing ran yet
        with st.expander(_tool_label(services, part, paused), icon=":material/hourglass_empty:"):
            _tool_details(part)
    else:
        with st.status(_tool_label(services, part), state=_tool_state(part), expanded=False):
            _tool_details(part)
    decision = _decision_text(part)
    if decision:
        st.caption(decision)
    _download(services, part)


def _approval_card(services: Services, request: ApprovalRequest) -> None:
    definition = services.tools.get(request.tool) if request.tool in services.tools else None
    title = tr_or(f"tool.{request.tool}.title", definition.title if definition else request.title)
    approval_card.render(request, definition, title)


class _LiveCalls:
    """The tool calls of a turn being streamed: a status box each, updated when the call
    finishes, with a line under it for the person's decision."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.boxes: dict[str, Any] = {}
        self.notes: dict[str, Any] = {}
        self.files: dict[str, Any] = {}

    def open(self, part: ToolPart, expanded: bool = True) -> None:
        label = _tool_label(self.services, part)
        self.boxes[part.id] = st.status(label, state="running", expanded=expanded)
        self.notes[part.id] = st.empty()
        self.files[part.id] = st.empty()

    def finish(self, part: ToolPart) -> None:
        if part.id not in self.boxes:
            self.open(part, expanded=False)
        box = self.boxes[part.id]
        with box:
            _tool_details(part)
        box.update(label=_tool_label(self.services, part), state=_tool_state(part), expanded=False)
        decision = _decision_text(part)
        if decision:
            self.notes[part.id].caption(decision)
        _download(self.services, part, self.files[part.id])


def _pump(turn: ChatTurn, events: Iterator[RunEvent], live: _LiveCalls) -> None:
    """Draw a run's events into ``turn`` as they arrive."""
    pump = EventPump(events, turn)
    while not pump.done:
        inert_text.stream(pump.texts())  # model output: drawn inert as it streams
        event = pump.last
        if isinstance(event, ToolCalled | ToolFinished):
            part = turn.tool(event.call.id)
            if part is None:
                continue
            if isinstance(event, ToolCalled):
                live.open(part)
            else:
                live.finish(part)


def _outcome_note(turn: ChatTurn) -> None:
    if turn.outcome not in ("ok", "awaiting_approval"):
        key = f"ui.preview.outcome.{turn.outcome}"
        st.warning(tr_or(key, tr("ui.preview.outcome.other")), icon=":material/warning:")


def _sources(turn: ChatTurn, attached: Collection[str] = ()) -> None:
    """ "Sources" under an answer: ``[n] document, page``, each opening on its passage.
    ``attached``: the ids of the conversation's attached files and their base, said so."""
    if not turn.citations:
        return
    st.markdown(f"**{tr('ui.kb.sources')}**")
    for index, citation in enumerate(turn.citations, 1):
        label = f"[{citation.n or index}] {escape_markdown(source_label(citation, tr))}"
        if attached and (citation.document_id in attached or citation.kb_id in attached):
            label += f" · {tr('ui.chat.attach.source')}"
        with st.expander(label, icon=":material/description:"):
            trail = heading_trail(citation)
            if trail:
                st.caption(escape_markdown(trail))
            inert_text.markdown(quoted(citation.passage))
            st.caption(
                score_line(citation.similarity, state.language(), tr),
                help=tr("knowledge.similarity_help"),
            )


def _turn_parts(services: Services, turn: ChatTurn, live: _LiveCalls | None = None) -> None:
    """The turn's text and tool calls. Paused, the call it waits on is its approval card; being
    continued (``live``), the calls that have not run yet get a box the stream will update."""
    request = ApprovalRequest.from_data(turn.pending) if turn.pending else None
    for part in turn.parts:
        if isinstance(part, TextPart):
            inert_text.markdown(part.text)
        elif live is not None and part.ok is None:
            live.open(part, expanded=False)
        elif live is None and request is not None and part.id == request.call_id:
            _approval_card(services, request)
        else:
            _tool_status(services, part, paused=turn.awaiting)
    if live is None and request is not None and turn.tool(request.call_id) is None:
        _approval_card(services, request)  # a request the transcript had lost (see _resync)


def _show_turn(services: Services, turn: ChatTurn, attached: Collection[str] = ()) -> None:
    with st.chat_message(turn.role):
        _turn_parts(services, turn)
        if turn.role == "assistant":
            _sources(turn, attached)
            _outcome_note(turn)


def _preview_spec(services: Services, values: EditorValues) -> tuple[AgentSpec | None, str]:
    """The spec being edited, or why the preview cannot use it."""
    spec, problems = checked_spec(
        preview_values(values, tr("ui.editor.untitled")),
        services.check,
        tr,
        lambda tool_id: _tool_title(services, tool_id),
    )
    return spec, f"{tr('ui.preview.invalid')}\n\n{problem_lines(problems)}"


def _failed(turn: ChatTurn, exc: Exception) -> None:
    if isinstance(exc, AtelierError):
        text = exc.message(state.language())
    else:
        log.exception("preview turn failed", exc_info=exc)
        text = tr("ui.preview.failed")
    turn.outcome = "error"
    turn.parts.append(TextPart(text))
    inert_text.markdown(text)


def _resync(services: Services, spec: AgentSpec, history: list[ChatTurn]) -> None:
    """Align the transcript with the tool call the conversation really waits on (after a
    failure, or a message the runtime refused), so that its card is shown, or no longer."""
    try:
        request = services.preview_pending(spec, state.preview_token(), preview_model_override())
    except Exception:
        log.exception("could not read the preview's pending approval")
        return
    turn = next((t for t in reversed(history) if t.role == "assistant"), None)
    if request is None:
        if turn is not None and turn.awaiting:
            turn.pending = None
            turn.outcome = "ok"
        return
    if turn is None:
        turn = ChatTurn("assistant")
        history.append(turn)
    turn.pending = request
    turn.outcome = "awaiting_approval"


def _stream_turn(services: Services, values: EditorValues, message: str) -> None:
    """Ask the agent being edited; draw the answer as it streams."""
    spec, invalid = _preview_spec(services, values)
    history = state.transcript()
    user = ChatTurn.user(message)
    _show_turn(services, user)
    turn = ChatTurn("assistant")
    with st.chat_message("assistant"):
        if spec is None:
            st.error(invalid, icon=":material/error:")
            return  # nothing was asked: the message is not added to the conversation
        token = state.preview_token()
        try:
            events = services.preview(
                spec, token, message, preview_model_override(), agent_id=state.agent_id()
            )
            _pump(turn, events, _LiveCalls(services))
        except AtelierError as exc:
            if exc.key == PENDING_ERROR:  # the transcript did not know: show the card again
                state.preview_flash("warning", tr("ui.approval.message_refused"))
                _resync(services, spec, history)
                st.rerun()
            _failed(turn, exc)
        except Exception as exc:
            _failed(turn, exc)
        _sources(turn)
        _outcome_note(turn)
    history.extend([user, turn])
    if turn.awaiting:
        st.rerun()  # the card, and the chat input waiting for it


def _continue_turn(
    services: Services, values: EditorValues, turn: ChatTurn, decision: Decision
) -> None:
    """Send the person's decision and stream the rest of the paused turn into it."""
    spec, invalid = _preview_spec(services, values)
    if spec is None:
        _show_turn(services, turn)
        st.error(invalid, icon=":material/error:")
        return
    with st.chat_message("assistant"):
        live = _LiveCalls(services)
        _turn_parts(services, turn, live)
        try:
            events = services.preview_approve(
                spec,
                state.preview_token(),
                decision.decision,
                args=decision.args,
                comment=decision.comment,
                model=preview_model_override(),
            )
            _pump(turn, events, live)
        except AtelierError as exc:
            if exc.key == GONE_ERROR:
                state.preview_flash("info", tr("ui.approval.gone"))
            else:
                _failed(turn, exc)
            _resync(services, spec, state.transcript())
        except Exception as exc:
            _failed(turn, exc)
            _resync(services, spec, state.transcript())
    st.rerun()  # the chat input comes back, or the next call's card


def _awaiting(history: list[ChatTurn]) -> ChatTurn | None:
    """The turn waiting for a person's decision, if any (only the last can be)."""
    return history[-1] if history and history[-1].awaiting else None


def model_label(ref: str) -> str:
    """A model as the person reads it: "Hors ligne (aucun modèle de langage)", "Mistral AI —
    mistral-small-latest", in the interface's language, rather than ``offline``."""
    try:
        settings = parse_ref(ref)
    except AtelierError:
        return ref
    provider = tr_or(f"ui.model.provider.{settings.provider}", settings.provider)
    if settings.provider == "scripted" or not settings.name:
        return provider
    return f"{provider} — {settings.name}"


def _model_caption(services: Services, values: EditorValues) -> str:
    override = preview_model_override()
    if override:
        return tr("ui.preview.model_override", model=override)
    if values.model:
        return tr("ui.preview.model", model=literal(model_label(values.model)))
    default = model_label(default_model_settings(services.env).ref)
    return tr("ui.preview.model_default", model=literal(default))


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
        services.forget_preview(state.preview_token())
        state.reset_preview()
    st.caption(_model_caption(services, values))

    history = state.transcript()
    decision = state.take_decision()
    box = st.container(height=CHAT_HEIGHT, border=True)
    for kind, text in state.take_preview_flashes():
        if kind == "warning":
            st.warning(text, icon=":material/warning:")
        else:
            st.info(text, icon=":material/info:")
    waiting = _awaiting(history)
    if waiting is not None:
        request = ApprovalRequest.from_data(waiting.pending or {})
        title = tr_or(f"tool.{request.tool}.title", request.title)
        st.info(tr("ui.approval.waiting", tool=title), icon=":material/front_hand:")
    placeholder = "ui.approval.input_placeholder" if waiting else "ui.preview.placeholder"
    prompt = st.chat_input(tr(placeholder), key=state.CHAT_INPUT, disabled=waiting is not None)
    pending = state.take_pending_prompt()
    message = ((prompt if isinstance(prompt, str) else pending) or "").strip()
    with box:
        for turn in history:
            answers = decision is not None and turn is waiting
            if answers and decision is not None and decision.call_id == _call_id(turn):
                _continue_turn(services, values, turn, decision)
            else:
                _show_turn(services, turn)
        if message and waiting is not None:  # the input is disabled; a message still got here
            st.warning(tr("ui.approval.message_refused"), icon=":material/warning:")
        elif message:
            _stream_turn(services, values, message)
        elif not history:
            st.caption(tr("ui.preview.empty"))
            for index, starter in enumerate(starter_lines(values.starters)):
                label = literal(starter)  # a button label renders Markdown images too
                if st.button(label, key=state.starter_key(index), icon=":material/chat:"):
                    state.set_pending_prompt(starter)
                    st.rerun()


def _call_id(turn: ChatTurn) -> str:
    return str((turn.pending or {}).get("call_id") or "")
