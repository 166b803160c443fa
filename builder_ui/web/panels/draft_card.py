"""A draft and the decision on it, drawn the same way in the review queue ("Brouillons") and in
the chat page: the reply as an editable text prefilled with the draft, then Approuver (as it is or
edited), Rejeter (a reason is required) or Renvoyer pour un nouveau brouillon (an instruction is
required). Someone who may not decide reads who it waits for. The model's text is drawn inert."""

from __future__ import annotations

from typing import Any

import streamlit as st

from agents.errors import AtelierError
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.panels import inert
from builder_ui.web.state import drafts as drafts_state
from builder_ui.web.state import keys, tr


def waiting_for(draft: Any) -> str:
    """Who a draft waits for, in words: the people and teams it is assigned to."""
    who = [w.removeprefix("team:") for w in (draft.reviewers or [])]
    return ", ".join(literal(w) for w in who) or tr("ui.draft_card.reviewers_anyone")


def _when(moment: Any) -> str:
    return moment.astimezone().strftime("%d/%m/%Y %H:%M") if moment else ""


def decided_line(draft: Any) -> None:
    """Who decided and when, with the reason of a rejection."""
    if draft.status == "rejected":
        st.caption(
            literal(
                tr(
                    "ui.draft_card.rejected",
                    by=draft.decided_by or "",
                    when=_when(draft.decided_at),
                    reason=draft.reason or "",
                )
            )
        )
    elif draft.status in ("approved", "edited"):
        st.caption(
            literal(
                tr(
                    "ui.draft_card.approved",
                    by=draft.decided_by or "",
                    when=_when(draft.decided_at),
                )
            )
        )


def decision(drafting: Any, draft: Any) -> None:
    """The editable reply and the three decisions, for a draft the person may decide."""
    reply_key = keys.draft_key(draft.id, "reply")
    st.session_state.setdefault(reply_key, draft.draft)
    st.text_area(
        tr("ui.drafts.queue.reply"),
        key=reply_key,
        height=220,
        help=tr("ui.drafts.queue.reply_help"),
    )
    approve, reject, back = st.columns(3)
    if approve.button(
        tr("ui.drafts.queue.approve"),
        key=keys.draft_key(draft.id, "approve"),
        type="primary",
        icon=":material/check:",
        help=tr("ui.drafts.queue.approve_help"),
        width="stretch",
    ):
        text = drafts_state.widget(reply_key, draft.draft)
        edited = text.strip() != draft.draft.strip()
        done = "ui.drafts.queue.approved_edited" if edited else "ui.drafts.queue.approved"
        _act(draft.id, lambda: drafting.approve_draft(draft.id, text), tr(done))
    rejecting = reject.toggle(
        tr("ui.drafts.queue.reject"),
        key=keys.draft_key(draft.id, "rejecting"),
        help=tr("ui.drafts.queue.reject_help"),
    )
    sending = back.toggle(
        tr("ui.drafts.queue.send_back"),
        key=keys.draft_key(draft.id, "sending"),
        help=tr("ui.drafts.queue.send_back_help"),
    )
    if rejecting:
        _reject(drafting, draft)
    if sending:
        _send_back(drafting, draft)


def _reject(drafting: Any, draft: Any) -> None:
    reason_key = keys.draft_key(draft.id, "reason")
    st.text_input(tr("ui.drafts.queue.reason"), key=reason_key)
    if st.button(
        tr("ui.drafts.queue.reject"),
        key=keys.draft_key(draft.id, "reject"),
        icon=":material/block:",
    ):
        reason = drafts_state.widget(reason_key).strip()
        if not reason:
            st.error(tr("ui.drafts.queue.reason_needed"), icon=":material/error:")
            return
        _act(
            draft.id,
            lambda: drafting.reject_draft(draft.id, reason),
            tr("ui.drafts.queue.rejected"),
        )


def _send_back(drafting: Any, draft: Any) -> None:
    instruction_key = keys.draft_key(draft.id, "instruction")
    st.text_input(tr("ui.drafts.queue.instruction"), key=instruction_key)
    if st.button(
        tr("ui.drafts.queue.send_back"),
        key=keys.draft_key(draft.id, "send_back"),
        icon=":material/replay:",
    ):
        instruction = drafts_state.widget(instruction_key).strip()
        if not instruction:
            st.error(tr("ui.drafts.queue.instruction_needed"), icon=":material/error:")
            return
        _act(
            draft.id,
            lambda: drafting.send_back_draft(draft.id, instruction),
            tr("ui.drafts.queue.sent_back"),
        )


def _act(draft_id: str, action: Any, done: str) -> None:
    """Run a decision; say what happened, or why it could not be done; the next draft comes."""
    try:
        action()
    except AtelierError as exc:
        drafts_state.flash("error", exc.message(state.language()))
    else:
        drafts_state.forget_draft_widgets(draft_id)
        drafts_state.flash("success", done)
    st.rerun()


def show_flashes() -> None:
    for kind, message in drafts_state.take_flashes():
        if kind == "success":
            st.success(message, icon=":material/check_circle:")
        else:
            st.error(message, icon=":material/error:")


# --- in the chat page ---------------------------------------------------------------------------


def chat_card(drafting: Any, draft: Any) -> None:
    """An answer of an agent with ``oversight: review``: "Brouillon — à valider", decided here
    by whoever may, or waiting for them."""
    with st.container(border=True):
        st.markdown(f"**:material/edit_document: {tr('ui.draft_card.title')}**")
        if draft.status in ("approved", "edited"):
            st.caption(tr("ui.draft_card.final"))
            inert.markdown(draft.final or "")
            decided_line(draft)
            return
        st.caption(tr("ui.draft_card.intro"))
        inert.markdown(draft.draft)
        if draft.status == "rejected":
            decided_line(draft)
        elif draft.status == "pending" and drafting.may_decide(draft):
            decision(drafting, draft)
        elif draft.status == "pending":
            st.info(
                tr("ui.draft_card.waiting_for", who=waiting_for(draft)),
                icon=":material/hourglass:",
            )


def reviewed(services: Any, agent_id: str) -> bool:
    """Whether the agent's answers are drafts that a person approves (``oversight: review``)."""
    try:
        oversight = services.version(agent_id).spec.oversight
    except AtelierError:
        return False
    return oversight is not None and oversight.review


def in_chat(services: Any, agent_id: str, thread: str | None, turn: Any) -> bool:
    """Draw an assistant turn of a reviewed agent as its draft card (inside the answer's bubble);
    False when the turn is drawn the ordinary way (not reviewed, not an answer, no draft yet)."""
    if turn.role != "assistant" or thread is None or turn.awaiting or not turn.text:
        return False
    if not reviewed(services, agent_id):
        return False
    drafting = drafts_state.drafting()
    found = next(
        (d for d in drafting.conversation_drafts(thread) if d.draft.strip() == turn.text.strip()),
        None,
    )
    if found is None:
        return False
    with st.chat_message("assistant"):
        chat_card(drafting, found)
    return True
