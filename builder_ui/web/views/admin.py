"""Administration: where the tools may connect, the web search service, the MCP servers, the
person's credentials (names and dates only: a value goes in, it never comes out) and the
organisation's language models (``panels.models``).

Each section saves on its own (``builder_ui.web.panels.admin_section``), over the settings as
stored at that
moment; a problem is shown with its field and the form keeps what was typed. There are no roles
yet: every local user is an administrator until teams arrive, and the page says so.
"""

from __future__ import annotations

import streamlit as st

from builder_ui.web import state
from builder_ui.web.panels.admin_section import show_flashes
from builder_ui.web.panels.credentials import secrets_section
from builder_ui.web.panels.mcp_servers import mcp_section
from builder_ui.web.panels.models import models_section
from builder_ui.web.panels.network import egress_section, search_section
from builder_ui.web.state import tr
from store.admin_settings import AdminSettings, InvalidSettings, load_admin_settings


def main() -> None:
    services = state.services()
    resets = state.take_admin_resets()
    st.title(tr("ui.admin.title"))
    st.info(tr("ui.admin.no_roles"), icon=":material/shield_person:")
    show_flashes()
    try:
        settings = load_admin_settings()
    except InvalidSettings as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        settings = AdminSettings()
    network, search, mcp, credentials, models = st.tabs(
        [
            tr("ui.admin.tab.network"),
            tr("ui.admin.tab.search"),
            tr("ui.admin.tab.mcp"),
            tr("ui.admin.tab.secrets"),
            tr("ui.models.tab"),
        ]
    )
    with network:
        egress_section(services, settings, resets)
    with search:
        search_section(services, settings, resets)
    with mcp:
        mcp_section(services, settings, resets)
    with credentials:
        secrets_section(services, resets)
    with models:
        models_section(services, settings, resets)


main()
