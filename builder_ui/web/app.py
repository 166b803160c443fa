"""The builder's entry point: ``streamlit run builder_ui/app.py`` (or ``atelier ui``).

It sets the page, the language picker and the navigation; each page draws itself. One
``Services`` per browser session lives in the session state (see ``builder_ui.web.state``): it holds
that person's workspace, so it is never shared through ``st.cache_resource``.
"""

from __future__ import annotations

import streamlit as st

from agents.i18n import LANGUAGES
from builder_ui.web import state
from builder_ui.web.panels import accessibility
from builder_ui.web.state import tr

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

st.set_page_config(page_title="Atelier", page_icon="🧵", layout="wide")

state.seed_language_picker()
accessibility.render()  # the document's language, Streamlit's words in it, contrast, focus
with st.sidebar:
    st.selectbox(
        tr("ui.language"),
        list(LANGUAGES),
        format_func=lambda code: LANGUAGE_NAMES.get(code, code),
        key=state.LANGUAGE_PICKER,
        on_change=state.language_picker_changed,
    )

pages = [
    st.Page(
        "views/home.py",
        title=tr("ui.nav.home"),
        icon=":material/home:",
        url_path="accueil",
        default=True,
    ),
    st.Page(
        "views/chat.py",
        title=tr("ui.nav.chat"),
        icon=":material/forum:",
        url_path="discuter",
    ),
    st.Page(
        "views/editor.py",
        title=tr("ui.nav.editor"),
        icon=":material/edit_note:",
        url_path="editeur",
    ),
    st.Page(
        "views/knowledge.py",
        title=tr("ui.nav.knowledge"),
        icon=":material/library_books:",
        url_path="connaissances",
    ),
    st.Page(
        "views/admin.py",
        title=tr("ui.nav.admin"),
        icon=":material/admin_panel_settings:",
        url_path="administration",
    ),
]
st.navigation(pages).run()
