""" "Avis des utilisateurs" in the editor: the thumbs, comments and (only when their author gave
it) the exchange people left on the agent's answers, for its creator and those who edit it.
Read through the services (``Workspace.feedback``); what people wrote is shown as text."""

from __future__ import annotations

import streamlit as st

from agents.errors import AtelierError
from builder_ui.services.installation import Services
from builder_ui.web.models.inert import literal
from builder_ui.web.state import tr


def render(services: Services, agent_id: str) -> None:
    try:
        found = services.agent_feedback(agent_id)
    except AtelierError:  # someone who only uses the agent: not theirs to read
        return
    with st.expander(tr("ui.feedback.on_agent", count=len(found)), icon=":material/thumb_up:"):
        if not found:
            st.write(tr("ui.feedback.none"))
        for item in found:
            when = item.created_at.astimezone().strftime("%d/%m/%Y %H:%M")
            st.markdown(
                literal(tr(f"ui.feedback.line.{item.rating}", author=item.author, when=when))
            )
            if item.comment:
                st.markdown(literal(item.comment))
            if item.exchange:
                st.caption(tr("ui.feedback.exchange"))
                st.text(item.exchange)
