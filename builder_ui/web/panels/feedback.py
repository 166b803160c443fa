"""The thumbs under each answer of the chat page: up or down, an optional comment, and a box,
unticked by default, to give the agent's author the exchange (the question and this answer).
The person is told before sending that the author sees their name with their feedback."""

from __future__ import annotations

import streamlit as st

from agents.errors import AtelierError
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.state import keys, tr


def control(
    services: Services, agent_id: str, thread: str, index: int, question: str, answer: str
) -> None:
    """The feedback control of the answer at ``index`` of conversation ``thread``."""
    sent_key = keys.feedback_key(thread, index, "sent")
    if st.session_state.get(sent_key):
        st.caption(tr("ui.feedback.sent"))
        return
    rating = st.feedback("thumbs", key=keys.feedback_key(thread, index, "rating"))
    if rating is None:
        return
    with st.container(border=True):
        st.caption(tr("ui.feedback.who"))
        comment = st.text_area(
            tr("ui.feedback.comment"),
            key=keys.feedback_key(thread, index, "comment"),
            max_chars=2000,
        )
        share = st.checkbox(
            tr("ui.feedback.share_exchange"),
            value=False,
            key=keys.feedback_key(thread, index, "share"),
            help=tr("ui.feedback.share_help"),
        )
        if st.button(tr("ui.feedback.send"), key=keys.feedback_key(thread, index, "send")):
            exchange = f"{question}\n\n{answer}" if share else ""
            try:
                services.give_feedback(
                    agent_id, thread, "up" if rating == 1 else "down", comment or "", exchange
                )
            except AtelierError as exc:
                st.warning(exc.message(state.language()))
                return
            st.session_state[sent_key] = True
            st.caption(tr("ui.feedback.sent"))
