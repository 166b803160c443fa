"""Administration: where the tools may connect, the web search service, the MCP servers and the
organisation's credentials (names and dates only: a value goes in, it never comes out), and the
organisation's language models (``panels.models``).

Each section saves on its own (``builder_ui.web.panels.admin_section``), over the settings as
stored at that
moment; a problem is shown with its field and the form keeps what was typed. Only administrators
are offered the page, and every read and change goes through ``Workspace.organisation``, which
refuses anyone else.
"""

from __future__ import annotations

import streamlit as st

from builder_ui.web import state
from builder_ui.web.panels.admin_section import show_flashes
from builder_ui.web.panels.audit import audit_section
from builder_ui.web.panels.mcp_servers import mcp_section
from builder_ui.web.panels.models import models_section
from builder_ui.web.panels.network import egress_section, search_section
from builder_ui.web.panels.retention import admin_section as retention_section
from builder_ui.web.state import tr
from store.admin_settings import AdminSettings, InvalidSettings


def main() -> None:
    services = state.services()
    organisation = services.workspace.organisation  # refused inside to anyone but an admin
    resets = state.take_admin_resets()
    st.title(tr("ui.admin.title"))
    show_flashes()
    try:
        settings = organisation.settings()
    except InvalidSettings as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        settings = AdminSettings()
    network, search, mcp, models, journal, retention = st.tabs(
        [
            tr("ui.admin.tab.network"),
            tr("ui.admin.tab.search"),
            tr("ui.admin.tab.mcp"),
            tr("ui.models.tab"),
            tr("ui.audit.tab"),
            tr("ui.retention.tab"),
        ]
    )
    with network:
        egress_section(services, settings, resets)
    with search:
        search_section(services, settings, resets)
    with mcp:
        mcp_section(services, settings, resets)
    with models:
        models_section(services, settings, resets)
    with journal:
        audit_section(services)
    with retention:
        retention_section(services, settings, resets)


main()
