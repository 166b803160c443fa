"""Discuter: chat with one of your agents, for people who use agents rather than build them.

Choose an agent (yours, for now), read its description, start from one of its conversation
starters or type; the answer streams, with its tool calls, its sources (each opens on the passage)
and the files its tools made. A tool call that needs your approval shows its card, here even when
the conversation was left waiting in the CLI. The sidebar lists your conversations, most recently
active first: resume one, rename or delete the one shown (for real: its messages leave every
file), or start a new one. Drawing a turn is the editor's preview's (``panels.preview``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator

import streamlit as st

from agents.errors import AtelierError
from agents.runtime import Finished, RunEvent
from builder_ui.services.agents import AgentRecord
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.approval import ApprovalRequest, Decision
from builder_ui.web.models.conversation import (
    activity_line,
    conversation_title,
    turns_from_messages,
)
from builder_ui.web.models.inert import literal
from builder_ui.web.models.transcript import ChatTurn
from builder_ui.web.panels import (
    chat_files,
    draft_card,
    feedback,
    fiche,
    inert,
    publication,
    retention,
)
from builder_ui.web.panels.preview import (
    GONE_ERROR,
    PENDING_ERROR,
    _failed,
    _LiveCalls,
    _outcome_note,
    _pump,
    _show_turn,
    _sources,
    _turn_parts,
)
from builder_ui.web.panels.unsaved import EDITOR_PAGE
from builder_ui.web.state import chat as chat_state
from builder_ui.web.state import keys, tr, tr_or
from store.records import ConversationSummary

log = logging.getLogger(__name__)

LIST_LIMIT = 50
WAITING = "awaiting_approval"


# --- the conversation shown ----------------------------------------------------------------------


def _load(services: Services, thread_id: str) -> list[ChatTurn]:
    """A saved conversation's turns, with the call it waits on (asked of the runtime: it may
    have been left waiting in the CLI)."""
    pending = services.pending_approval(thread_id)
    citations = services.conversation_citations(thread_id)
    return turns_from_messages(services.history(thread_id), citations, pending)


def _resume(services: Services, summary: ConversationSummary) -> None:
    try:
        turns = _load(services, summary.thread.id)
    except AtelierError as exc:
        chat_state.flash("warning", exc.message(state.language()))
        return
    chat_state.show(summary.thread.agent_id, summary.thread.id, turns)


def _noting_thread(events: Iterator[RunEvent]) -> Iterator[RunEvent]:
    """The events of a turn; the conversation it ran in becomes the one shown."""
    for event in events:
        if isinstance(event, Finished):
            chat_state.set_thread(event.result.thread)
        yield event


def _resync(services: Services) -> None:
    """Read the conversation again from the store (after a refused message or a failed
    decision), so that the card shown is the call it really waits on."""
    thread = chat_state.thread()
    if thread is None:
        return
    try:
        chat_state.transcript()[:] = _load(services, thread)
    except AtelierError as exc:
        chat_state.flash("warning", exc.message(state.language()))


def _send(
    services: Services, agent: AgentRecord, message: str, attached: Collection[str] = ()
) -> None:
    history = chat_state.transcript()
    user = ChatTurn.user(message)
    _show_turn(services, user)
    turn = ChatTurn("assistant")
    with st.chat_message("assistant"):
        try:
            events = services.chat(agent.id, message, thread=chat_state.thread())
            _pump(turn, _noting_thread(events), _LiveCalls(services))
        except AtelierError as exc:
            if exc.key == PENDING_ERROR:
                chat_state.flash("warning", tr("ui.approval.message_refused"))
                _resync(services)
                st.rerun()
            _failed(turn, exc)
        except Exception as exc:
            _failed(turn, exc)
        _sources(turn, attached)
        _outcome_note(turn)
    history.extend([user, turn])
    if turn.awaiting or draft_card.reviewed(services, agent.id):
        st.rerun()  # the card, and the chat input waiting for it
    _feedback(services, agent, history, len(history) - 1)  # under the answer just given


def _decide(services: Services, turn: ChatTurn, decision: Decision) -> None:
    """Send the person's decision and stream the rest of the paused turn into it."""
    thread = chat_state.thread()
    with st.chat_message("assistant"):
        live = _LiveCalls(services)
        _turn_parts(services, turn, live)
        try:
            if thread is None:
                raise RuntimeError("a paused turn always has its conversation")
            events = services.approve(
                thread, decision.decision, args=decision.args, comment=decision.comment
            )
            _pump(turn, events, live)
        except AtelierError as exc:
            if exc.key == GONE_ERROR:
                chat_state.flash("info", tr("ui.approval.gone"))
            else:
                _failed(turn, exc)
            _resync(services)
        except Exception as exc:
            _failed(turn, exc)
            _resync(services)
    st.rerun()


def _feedback(services: Services, agent: AgentRecord, history: list[ChatTurn], index: int) -> None:
    """The thumbs under a finished answer of a saved conversation."""
    turn, thread = history[index], chat_state.thread()
    if turn.role != "assistant" or turn.awaiting or thread is None or not turn.text:
        return
    asked = history[index - 1].text if index and history[index - 1].role == "user" else ""
    feedback.control(services, agent.id, thread, index, asked, turn.text)


def _awaiting(history: list[ChatTurn]) -> ChatTurn | None:
    return history[-1] if history and history[-1].awaiting else None


# --- the page ------------------------------------------------------------------------------------


def _notices() -> None:
    for kind, message in chat_state.take_flashes():
        if kind == "success":
            st.success(message, icon=":material/check_circle:")
        elif kind == "warning":
            st.warning(message, icon=":material/warning:")
        else:
            st.info(message, icon=":material/info:")


def _pick_agent(agents: list[AgentRecord]) -> AgentRecord:
    names = {a.id: f"{a.icon or '🤖'} {' '.join(a.name.split())}" for a in agents}
    if chat_state.agent_id() not in names:  # none yet, or one deleted since
        chat_state.choose_agent(agents[0].id)
    chosen = st.selectbox(
        tr("ui.chat.agent"),
        list(names),
        format_func=lambda agent_id: names.get(agent_id, agent_id),
        key=keys.CHAT_AGENT,
        on_change=chat_state.new_conversation,
        help=tr("ui.chat.agent_help"),
    )
    return next(a for a in agents if a.id == chosen)


def _agent_header(agent: AgentRecord) -> None:
    inert.title(f"{agent.icon or '🤖'} {agent.name}", level=3)
    if agent.description:
        inert.markdown(agent.description)
    fiche.about(state.services(), agent.id, "chat")


def _rename(services: Services, thread: str) -> None:
    title = st.session_state.get(keys.CHAT_RENAME_TITLE) or ""
    try:
        services.rename_conversation(thread, title)
    except AtelierError as exc:
        chat_state.flash("warning", exc.message(state.language()))
        return
    chat_state.flash("success", tr("ui.chat.renamed"))


def _delete(services: Services, thread: str) -> None:
    chat_state.forget_confirm()
    try:
        services.delete_conversation(thread)
    except AtelierError as exc:
        chat_state.flash("warning", exc.message(state.language()))
        return
    chat_state.new_conversation()
    chat_state.flash("success", tr("ui.chat.deleted"))


def _conversation_actions(services: Services, current: ConversationSummary | None) -> None:
    """Rename and delete the conversation shown (deleting asks first)."""
    if current is None:
        return
    thread = current.thread.id
    name, rename, delete = st.columns([4, 1, 1], vertical_alignment="center")
    name.markdown(f"**{literal(conversation_title(current, tr))}**")
    with rename.popover(tr("ui.chat.rename"), icon=":material/edit:", width="stretch"):
        st.session_state.setdefault(keys.CHAT_RENAME_TITLE, current.thread.title)
        st.text_input(tr("ui.chat.rename_label"), key=keys.CHAT_RENAME_TITLE, max_chars=120)
        st.button(
            tr("ui.chat.rename_save"),
            key=keys.CHAT_RENAME,
            type="primary",
            on_click=_rename,
            args=(services, thread),
        )
    delete.button(
        tr("ui.chat.delete"),
        key=keys.CHAT_DELETE,
        icon=":material/delete:",
        help=tr("ui.chat.delete_help"),
        on_click=chat_state.confirm_delete,
        args=(thread,),
        width="stretch",
    )
    if chat_state.confirming() == thread:
        with st.container(border=True):
            st.warning(tr("ui.chat.delete_confirm"), icon=":material/warning:")
            yes, no = st.columns(2)
            yes.button(
                tr("ui.chat.delete_yes"),
                key=keys.CHAT_DELETE_YES,
                type="primary",
                on_click=_delete,
                args=(services, thread),
            )
            no.button(
                tr("ui.chat.delete_no"),
                key=keys.CHAT_DELETE_NO,
                on_click=chat_state.forget_confirm,
            )


def _starters(services: Services, agent: AgentRecord) -> None:
    try:
        starters = services.version(agent.id).spec.conversation_starters
    except AtelierError:
        starters = []
    st.caption(tr("ui.chat.empty"))
    for index, starter in enumerate(starters):
        st.button(
            literal(starter),  # a button label renders Markdown images too
            key=keys.chat_starter_key(index),
            icon=":material/chat:",
            on_click=chat_state.set_pending_prompt,
            args=(starter,),
        )


def _chat(services: Services, agent: AgentRecord) -> None:
    history = chat_state.transcript()
    decision = state.take_decision()
    waiting = _awaiting(history)
    if waiting is not None:
        request = ApprovalRequest.from_data(waiting.pending or {})
        title = tr_or(f"tool.{request.tool}.title", request.title)
        st.info(tr("ui.approval.waiting", tool=title), icon=":material/front_hand:")
    placeholder = "ui.approval.input_placeholder" if waiting else "ui.chat.placeholder"
    prompt = st.chat_input(
        tr(placeholder),
        key=keys.CHAT_INPUT_BOX,
        disabled=waiting is not None,
        accept_file="multiple",  # attached to the conversation (``chat_files``)
    )
    pending = chat_state.take_pending_prompt()
    message = ((prompt.text if prompt is not None else pending) or "").strip()
    files = list(prompt.files) if prompt is not None else []
    attached = chat_files.attached_ids(chat_files.conversation_files(services))
    for index, turn in enumerate(history):
        call_id = str((turn.pending or {}).get("call_id") or "")
        if decision is not None and turn is waiting and decision.call_id == call_id:
            _decide(services, turn, decision)
        elif draft_card.in_chat(services, agent.id, chat_state.thread(), turn):
            continue  # an answer of an agent under review: its draft, to approve
        else:
            _show_turn(services, turn, attached)
            _feedback(services, agent, history, index)
    if (message or files) and waiting is not None:
        st.warning(tr("ui.approval.message_refused"), icon=":material/warning:")
        return
    if files:  # read before the message is answered; a refusal is said, and the turn goes on
        chat_files.attach(services, agent, files)
        attached = chat_files.attached_ids(chat_files.conversation_files(services))
    if message:
        _send(services, agent, message, attached)
    elif not history and not files:
        _starters(services, agent)


def _conversation_list(services: Services, conversations: list[ConversationSummary]) -> None:
    st.button(
        tr("ui.chat.new"),
        key=keys.CHAT_NEW,
        icon=":material/add_comment:",
        on_click=chat_state.new_conversation,
        width="stretch",
    )
    st.markdown(f"**{tr('ui.chat.conversations')}**")
    if not conversations:
        st.caption(tr("ui.chat.no_conversations"))
        return
    waiting = sum(c.last_outcome == WAITING for c in conversations)
    if waiting:
        st.caption(tr("ui.chat.waiting_count", count=waiting))
    shown = chat_state.thread()
    kept = retention.rules(services)
    for summary in conversations:
        paused = summary.last_outcome == WAITING
        st.button(
            literal(conversation_title(summary, tr)),
            key=keys.chat_open_key(summary.thread.id),
            help=activity_line(summary, state.language(), tr)
            + (f" · {tr('ui.chat.waiting')}" if paused else "")
            + retention.list_note(summary, kept),
            icon=":material/front_hand:" if paused else ":material/chat_bubble:",
            type="primary" if summary.thread.id == shown else "secondary",
            on_click=_resume,
            args=(services, summary),
            width="stretch",
        )


def render() -> None:
    services = state.services()
    st.title(tr("ui.chat.title"))
    _notices()
    agents = [found.agent for found in services.open_agents()]
    opening = st.session_state.pop(keys.CHAT_OPEN_AGENT, None)  # "Utiliser" in the catalogue
    if opening:
        chat_state.new_conversation()
        chat_state.choose_agent(opening)
    conversations = services.conversations(LIST_LIMIT)
    if not agents and services.workspace.me().can_build:
        st.info(tr("ui.chat.no_agents"), icon=":material/info:")
        st.page_link(EDITOR_PAGE, label=tr("ui.chat.to_editor"), icon=":material/edit_note:")
    elif not agents:  # a user: agents open to them come with sharing
        st.info(tr("ui.chat.none_open"), icon=":material/info:")
    else:
        agent = _pick_agent(agents)
        _agent_header(agent)
        publication.deprecated_notice(agent)
        shown = chat_state.thread()
        current = next((c for c in conversations if c.thread.id == shown), None)
        _conversation_actions(services, current)
        retention.conversation_note(current, retention.rules(services))
        files_box = st.container()  # filled once the files sent with a message are attached
        _chat(services, agent)
        with files_box:
            chat_files.panel(services, chat_files.conversation_files(services))
    with st.sidebar:
        _conversation_list(services, services.conversations(LIST_LIMIT))


render()
