""" "À propos de cet assistant": the agent's transparency sheet in an expander, with its
Markdown and PDF downloads (``builder_ui.services.fiche``); for the chat page, the review queue
and the editor."""

from __future__ import annotations

from typing import Any

import streamlit as st

from agents.errors import AtelierError
from builder_ui.web.models.inert import literal
from builder_ui.web.state import language, tr


def about(services: Any, agent_id: str, key: str, review: Any = None) -> None:
    """``review``: the request's sheet (``ReviewSheet``), for a reviewer."""
    from builder_ui.services.fiche import (
        review_sheet_fiche,
        sheet_markdown,
        sheet_sections,
        transparency_sheet,
    )
    from builder_ui.services.fiche_pdf import sheet_pdf

    lang = language()
    try:
        if review is not None:
            sheet = review_sheet_fiche(services, review, lang)
        else:
            sheet = transparency_sheet(services, agent_id, lang)
    except AtelierError as exc:
        st.caption(exc.message(lang))
        return
    with st.expander(tr("fiche.about"), icon=":material/info:"):
        for heading, text in sheet_sections(sheet, lang):
            st.markdown(f"**{literal(heading)}**")
            st.markdown(literal(text).replace("\n", "  \n"))
        md, pdf = st.columns(2)
        md.download_button(
            tr("fiche.download_md"),
            lambda: sheet_markdown(sheet, lang),
            file_name=f"fiche-{agent_id}.md",
            mime="text/markdown",
            icon=":material/download:",
            key=f"fiche.{key}.md",
        )
        pdf.download_button(
            tr("fiche.download_pdf"),
            lambda: sheet_pdf(sheet, lang),
            file_name=f"fiche-{agent_id}.pdf",
            mime="application/pdf",
            icon=":material/download:",
            key=f"fiche.{key}.pdf",
        )
