"""The administration's MCP servers section: each server with its state, turned on or off,
deleted, its tools reviewed (``mcp_tool_review``); a new server added; and the installation's
credentials the servers use."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import streamlit as st

from agents.errors import AtelierError
from builder_ui.services import mcp_admin
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models import admin as admin_view
from builder_ui.web.models.admin import ServerRow
from builder_ui.web.models.transcript import escape_markdown
from builder_ui.web.panels import credentials as credentials_panel
from builder_ui.web.panels import mcp_tool_review
from builder_ui.web.panels.admin_section import (
    apply,
    delete_asked_twice,
    heading,
    seed,
    show_problems,
)
from builder_ui.web.state import tr
from store.admin_settings import AdminSettings
from store.organisation import Organisation

SECTION = "mcp_servers"


def mcp_section(services: Services, settings: AdminSettings, resets: set[str]) -> None:
    heading("ui.admin.mcp")
    rows = admin_view.server_rows(settings)
    if not rows:
        st.caption(tr("ui.admin.mcp.none"))
    statuses = current_statuses(services.workspace.organisation, settings) if rows else {}
    for row in rows:
        with st.container(border=True):
            server_box(services, row, statuses.get(row.name))
    if rows and st.button(
        tr("ui.admin.mcp.refresh"), key=state.ADMIN_MCP_REFRESH, icon=":material/refresh:"
    ):
        state.forget_mcp_statuses()
        st.rerun()
    st.info(tr("ui.admin.mcp.approval"), icon=":material/verified_user:")
    new_server_form(services, resets)
    st.divider()
    credentials_panel.credentials(credentials_panel.INSTALLATION_CREDENTIALS, services, resets)


def server_box(services: Services, row: ServerRow, status: Any) -> None:
    """One server: its name, state and address, turned on or off, deleted, its tools."""
    text, toggle, delete = st.columns([6, 2, 2], vertical_alignment="center")
    enabled = tr("ui.admin.mcp.enabled" if row.enabled else "ui.admin.mcp.disabled")
    text.markdown(f"**{escape_markdown(row.name)}** — {enabled}")
    text.caption(
        tr(
            "ui.admin.mcp.line",
            where=row.where,
            credential=row.credential or tr("ui.admin.mcp.no_credential"),
            pinned=row.pinned,
        )
    )
    if toggle.button(
        tr("ui.admin.mcp.disable" if row.enabled else "ui.admin.mcp.enable"),
        key=state.admin_server_toggle_key(row.name),
    ):
        apply(
            SECTION,
            partial(
                mcp_admin.set_server_enabled,
                services.workspace.organisation,
                row.name,
                not row.enabled,
            ),
            tr("ui.admin.mcp.saved", name=row.name),
        )
    delete_asked_twice(
        delete,
        state.admin_server_delete_key(row.name),
        section=SECTION,
        item=("server", row.name),
        question=tr("ui.admin.mcp.confirm", name=row.name),
        delete=partial(mcp_admin.remove_server, services.workspace.organisation, row.name),
        done=tr("ui.admin.mcp.deleted", name=row.name),
    )
    if row.enabled:
        server_status(row.name, status)
    mcp_tool_review.review_block(services, row.name)


def new_server_form(services: Services, resets: set[str]) -> None:
    """A new server reached over HTTP (one that starts a program is added from the command
    line only)."""
    empty = {key: "" for key in state.ADMIN_SECTION_KEYS[SECTION]}
    seed(SECTION, {**empty, state.ADMIN_MCP_ENABLED: True}, resets)
    with st.form(state.ADMIN_MCP_FORM):
        st.markdown(f"**{tr('ui.admin.mcp.new')}**")
        name, url = st.columns([2, 3])
        name.text_input(tr("ui.admin.mcp.name"), key=state.ADMIN_MCP_NAME)
        url.text_input(
            tr("ui.admin.mcp.url"), key=state.ADMIN_MCP_URL, placeholder="https://mcp.example.org"
        )
        st.text_input(
            tr("ui.admin.mcp.credential"),
            key=state.ADMIN_MCP_CREDENTIAL,
            help=tr("ui.admin.mcp.credential.help"),
        )
        st.checkbox(tr("ui.admin.mcp.enabled_field"), key=state.ADMIN_MCP_ENABLED)
        added = st.form_submit_button(
            tr("ui.admin.mcp.add"), type="primary", icon=":material/add:", key=state.ADMIN_MCP_ADD
        )
    if added:
        data = admin_view.server_data(
            st.session_state.get(state.ADMIN_MCP_NAME) or "",
            st.session_state.get(state.ADMIN_MCP_URL) or "",
            st.session_state.get(state.ADMIN_MCP_CREDENTIAL) or "",
            bool(st.session_state.get(state.ADMIN_MCP_ENABLED)),
        )
        apply(
            SECTION,
            lambda: mcp_admin.add_server(
                services.workspace.organisation,
                data["name"],
                url=data["url"],
                credential=data["credential"],
                enabled=data["enabled"],
            ),
            tr("ui.admin.mcp.added", name=data["name"]),
        )
    show_problems(SECTION)


def current_statuses(org: Organisation, settings: AdminSettings) -> dict[str, Any]:
    """Each server's state, read again only when the servers, the network rules or the
    installation's credentials changed (or on "refresh"): reading it connects to every server."""
    try:
        known = [(i.name, i.updated_at.isoformat()) for i in org.secrets()]
        basis = json.dumps([settings.model_dump(), known], sort_keys=True, default=str)
        cached = state.mcp_statuses()
        if cached and cached[0] == basis:
            return dict(cached[1])
        found = admin_view.server_statuses(org)
    except AtelierError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return {}
    state.set_mcp_statuses((basis, found))
    return found


def server_status(name: str, status: Any) -> None:
    """The state of a server's tools, in words."""
    if status is None:
        return
    label = tr("ui.admin.mcp.state", state=tr(f"mcp.state.{status.state}"))
    if status.state == "unreachable":
        st.warning(
            f"{label}\n\n{tr('ui.admin.mcp.unreachable', name=name, reason=status.reason)}",
            icon=":material/cloud_off:",
        )
        return
    parts = [
        tr(key, tools=", ".join(names))
        for key, names in (
            ("mcp.cli.usable", status.usable),
            ("mcp.cli.changed", status.changed),
            ("mcp.cli.new", status.new),
            ("mcp.cli.removed_tools", status.removed),
        )
        if names
    ]
    if status.state == "approved":
        st.success(" · ".join([label, *parts]), icon=":material/verified:")
    else:
        st.warning(" · ".join([label, *parts]), icon=":material/warning:")
