"""Publication to the whole organisation where creators and users meet it: the request box of
the editor ("Demander la publication"), the notifications of the home page (what a review
decided; shown once read, until hidden), and the notice of a deprecated agent on the chat
page."""

from __future__ import annotations

import streamlit as st

from agents.errors import UserError
from builder_ui.services.installation import Services
from builder_ui.services.reviews import notification_text
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.state import keys, tr
from store.records import AgentRecord


def notifications(services: Services) -> None:
    """Unread notifications are read into the session (and marked read): they stay shown,
    through reruns, until the person hides them."""
    reviews = services.workspace.reviews
    fresh = reviews.notifications(unread_only=True)
    shown: list[str] = st.session_state.setdefault(keys.NOTIFICATIONS_SHOWN, [])
    if fresh:
        shown[:0] = [literal(notification_text(n, state.language())) for n in fresh]
        reviews.mark_read([n.id for n in fresh])
    if not shown:
        return
    with st.container(border=True):
        st.subheader(tr("ui.notifications.title"))
        for text in shown:
            st.info(text, icon=":material/notifications:")
        if st.button(tr("ui.notifications.close"), key=keys.NOTIFICATIONS_CLOSE):
            st.session_state[keys.NOTIFICATIONS_SHOWN] = []
            st.rerun()


def publication_box(services: Services, agent_id: str | None) -> None:
    """For a saved agent the person may edit: ask for its latest version to be published."""
    if agent_id is None:
        return
    reviews = services.workspace.reviews
    try:
        waiting = reviews.pending_request(agent_id)
    except UserError:  # used only, or gone: nothing to ask
        return
    with st.expander(tr("ui.publication.title"), icon=":material/public:"):
        st.caption(tr("ui.publication.help"))
        if waiting is not None:
            st.info(
                tr("ui.publication.waiting", version=waiting.version), icon=":material/schedule:"
            )
        message = st.text_area(tr("ui.publication.message"), key=keys.PUBLICATION_MESSAGE)
        if st.button(tr("ui.publication.ask"), key=keys.PUBLICATION_ASK, icon=":material/send:"):
            try:
                done = reviews.request_publication(agent_id, message)
            except UserError as exc:
                st.error(exc.message(state.language()), icon=":material/error:")
            else:
                st.success(
                    tr("ui.publication.asked", version=done.version), icon=":material/check:"
                )


def deprecated_notice(agent: AgentRecord) -> None:
    if agent.deprecated:
        st.warning(tr("ui.chat.deprecated"), icon=":material/history:")
