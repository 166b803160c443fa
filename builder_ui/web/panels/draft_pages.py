"""The navigation entries of supervised drafting, for ``app.py``: "Brouillons" for everyone who
uses agents, with how many drafts wait for the person in its title (like "À relire (1)"), and
"Supervision" for those who build agents."""

from __future__ import annotations

from typing import Any

import streamlit as st

from builder_ui.web.state import drafts as drafts_state
from builder_ui.web.state import tr


def drafts_page() -> Any:
    waiting = drafts_state.drafting().waiting_count()
    key = "ui.nav.drafts_count" if waiting else "ui.nav.drafts"
    return st.Page(
        "views/drafts.py",
        title=tr(key, count=waiting),
        icon=":material/edit_document:",
        url_path="brouillons",
    )


def oversight_page() -> Any:
    return st.Page(
        "views/oversight.py",
        title=tr("ui.nav.oversight"),
        icon=":material/fact_check:",
        url_path="supervision",
    )
