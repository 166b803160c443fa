"""Administration: where the tools may connect, the web search service, the MCP servers, and
the person's credentials (names and dates only: a value goes in, it never comes out).

Each section saves on its own (``builder_ui.admin_view``), over the settings as stored at that
moment; a problem is shown with its field and the form keeps what was typed. There are no roles
yet: every local user is an administrator until teams arrive, and the page says so.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st

from agents.errors import AtelierError, UserError
from builder_ui import admin_view, state
from builder_ui.admin_view import BACKENDS
from builder_ui.services import Services
from builder_ui.state import tr
from builder_ui.transcript import escape_markdown
from store.admin_settings import AdminSettings, InvalidSettings, load_admin_settings

EGRESS_FIELDS = {
    state.ADMIN_ALLOW_HOSTS: "allow_hosts",
    state.ADMIN_DENY_HOSTS: "deny_hosts",
    state.ADMIN_ALLOW_LOOPBACK: "allow_loopback",
    state.ADMIN_ALLOW_PRIVATE: "allow_private",
    state.ADMIN_MAX_MB: "max_mb",
    state.ADMIN_TIMEOUT: "timeout_s",
}


def show_flashes() -> None:
    for kind, message in state.take_admin_flashes():
        icon = ":material/check_circle:" if kind == "success" else ":material/info:"
        getattr(st, kind)(message, icon=icon)


def show_problems(section: str) -> None:
    """The problems of the last save of ``section``, each with its field and its path."""
    found = state.admin_problems()
    if not found or found[0] != section:
        return
    lines = []
    for path, message in found[1]:
        if not path:  # about the whole change (a credential's name, say)
            lines.append(f"- {escape_markdown(message)}")
            continue
        label = tr(admin_view.field_label(path))
        line = admin_view.line_number(path)
        if line is not None:
            label = tr("ui.admin.on_line", field=label, line=line)
        lines.append(f"- **{label}** (`{path or '/'}`) : {escape_markdown(message)}")
    title = tr("ui.admin.problems", count=len(found[1]))
    st.error(f"{title}\n\n" + "\n".join(lines), icon=":material/error:")


def apply(section: str, change: Callable[[], Any], done: str) -> None:
    """Run one change; on success say so and redraw the section from what was saved, else keep
    the form as typed and show why."""
    try:
        change()
    except InvalidSettings as exc:
        state.set_admin_problems(section, exc.problems)
    except AtelierError as exc:
        state.set_admin_problems(section, [("", exc.message(state.language()))])
    else:
        state.set_admin_problems(None, [])
        state.reset_admin_section(section)
        state.admin_flash("success", done)
        st.rerun()


def confirm(message: str, yes: str) -> bool | None:
    """A warning with "yes" and "cancel": True, False, or None until one is clicked."""
    st.warning(message, icon=":material/warning:")
    left, right, _ = st.columns([2, 1, 2])
    if left.button(
        yes, type="primary", icon=":material/delete_forever:", key=state.ADMIN_CONFIRM_YES
    ):
        return True
    if right.button(tr("ui.admin.cancel"), key=state.ADMIN_CONFIRM_NO):
        return False
    return None


# --- sections ------------------------------------------------------------------------------------


def seed(section: str, values: dict[str, Any], resets: set[str]) -> None:
    """The form's first values, or (after a save) the saved ones over what was typed."""
    if section in resets:
        state.set_widgets(values)
    else:
        state.seed_widgets(values)


def egress_section(services: Services, settings: AdminSettings, resets: set[str]) -> None:
    st.subheader(tr("ui.admin.egress.title"))
    st.caption(tr("ui.admin.egress.help"))
    values = admin_view.egress_values(settings.egress)
    seed("egress", {key: values[name] for key, name in EGRESS_FIELDS.items()}, resets)
    with st.form(state.ADMIN_EGRESS_FORM):
        st.text_area(
            tr("ui.admin.egress.allow_hosts"),
            key=state.ADMIN_ALLOW_HOSTS,
            height=100,
            help=tr("ui.admin.egress.allow_hosts.help"),
            placeholder="api.example.org\n*.gouv.fr",
        )
        st.text_area(
            tr("ui.admin.egress.deny_hosts"),
            key=state.ADMIN_DENY_HOSTS,
            height=80,
            help=tr("ui.admin.egress.deny_hosts.help"),
        )
        st.checkbox(
            tr("ui.admin.egress.allow_loopback"),
            key=state.ADMIN_ALLOW_LOOPBACK,
            help=tr("ui.admin.egress.allow_loopback.help"),
        )
        st.checkbox(
            tr("ui.admin.egress.allow_private"),
            key=state.ADMIN_ALLOW_PRIVATE,
            help=tr("ui.admin.egress.allow_private.help"),
        )
        size, wait = st.columns(2)
        size.number_input(
            tr("ui.admin.egress.max_mb"),
            min_value=0.001,
            max_value=1000.0,
            step=1.0,
            key=state.ADMIN_MAX_MB,
            help=tr("ui.admin.egress.max_mb.help"),
        )
        wait.number_input(
            tr("ui.admin.egress.timeout_s"),
            min_value=1.0,
            max_value=300.0,
            step=1.0,
            key=state.ADMIN_TIMEOUT,
            help=tr("ui.admin.egress.timeout_s.help"),
        )
        saved = st.form_submit_button(
            tr("ui.admin.save"), type="primary", icon=":material/save:", key=state.ADMIN_EGRESS_SAVE
        )
    if settings.egress.allow_loopback:
        st.warning(tr("ui.admin.egress.loopback_on"), icon=":material/warning:")
    if settings.egress.allow_private:
        st.warning(tr("ui.admin.egress.private_on"), icon=":material/warning:")
    if saved:
        typed = {name: st.session_state.get(key) for key, name in EGRESS_FIELDS.items()}
        data = admin_view.egress_data(typed)
        apply(
            "egress",
            lambda: admin_view.save_section("egress", data, services.principal),
            tr("ui.admin.egress.saved"),
        )
    show_problems("egress")


def search_section(services: Services, settings: AdminSettings, resets: set[str]) -> None:
    st.subheader(tr("ui.admin.search.title"))
    st.caption(tr("ui.admin.search.help"))
    values = admin_view.web_search_values(settings.web_search)
    seed(
        "web_search",
        {state.ADMIN_SEARCH_BACKEND: values["backend"], state.ADMIN_SEARCH_URL: values["base_url"]},
        resets,
    )
    with st.form(state.ADMIN_SEARCH_FORM):
        backend = st.radio(
            tr("ui.admin.search.backend"),
            BACKENDS,
            format_func=lambda code: tr(f"ui.admin.search.backend.{code}"),
            key=state.ADMIN_SEARCH_BACKEND,
        )
        url = st.text_input(
            tr("ui.admin.search.base_url"),
            key=state.ADMIN_SEARCH_URL,
            placeholder="https://searx.example.org",
            help=tr("ui.admin.search.base_url.help"),
        )
        saved = st.form_submit_button(
            tr("ui.admin.save"), type="primary", icon=":material/save:", key=state.ADMIN_SEARCH_SAVE
        )
    if saved:
        data = admin_view.web_search_data(str(backend), url or "")
        apply(
            "web_search",
            lambda: admin_view.save_section("web_search", data, services.principal),
            tr("ui.admin.search.saved"),
        )
    show_problems("web_search")


def mcp_section(services: Services, settings: AdminSettings, resets: set[str]) -> None:
    st.subheader(tr("ui.admin.mcp.title"))
    st.caption(tr("ui.admin.mcp.help"))
    rows = admin_view.server_rows(settings)
    if not rows:
        st.caption(tr("ui.admin.mcp.none"))
    asked = state.admin_confirm()
    for row in rows:
        with st.container(border=True):
            text, toggle, delete = st.columns([6, 2, 2], vertical_alignment="center")
            status = tr("ui.admin.mcp.enabled" if row.enabled else "ui.admin.mcp.disabled")
            text.markdown(f"**{escape_markdown(row.name)}** — {status}")
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
                    "mcp_servers",
                    partial(
                        admin_view.set_server_enabled, row.name, not row.enabled, services.principal
                    ),
                    tr("ui.admin.mcp.saved", name=row.name),
                )
            if delete.button(
                tr("ui.admin.delete"),
                key=state.admin_server_delete_key(row.name),
                icon=":material/delete:",
            ):
                state.ask_admin_confirm(("server", row.name))
                st.rerun()
            if asked == ("server", row.name):
                answer = confirm(tr("ui.admin.mcp.confirm", name=row.name), tr("ui.admin.delete"))
                if answer is not None:
                    state.ask_admin_confirm(None)
                    if answer:
                        apply(
                            "mcp_servers",
                            partial(admin_view.remove_server, row.name, services.principal),
                            tr("ui.admin.mcp.deleted", name=row.name),
                        )
                    st.rerun()
    st.info(tr("ui.admin.mcp.approval"), icon=":material/verified_user:")
    empty = {key: "" for key in state.ADMIN_SECTION_KEYS["mcp_servers"]}
    seed("mcp_servers", {**empty, state.ADMIN_MCP_ENABLED: True}, resets)
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
            "mcp_servers",
            lambda: admin_view.add_server(data, services.principal),
            tr("ui.admin.mcp.added", name=data["name"]),
        )
    show_problems("mcp_servers")


def secrets_section(services: Services, resets: set[str]) -> None:
    st.subheader(tr("ui.admin.secrets.title"))
    st.caption(tr("ui.admin.secrets.help"))
    try:
        secrets = services.workspace.list_secrets()
    except AtelierError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return
    if not secrets:
        st.caption(tr("ui.admin.secrets.none"))
    asked = state.admin_confirm()
    for info in secrets:
        with st.container(border=True):
            text, action = st.columns([8, 2], vertical_alignment="center")
            text.markdown(f"`{info.name}`")
            text.caption(
                tr(
                    "ui.admin.secrets.dates",
                    created=_when(info.created_at),
                    updated=_when(info.updated_at),
                )
            )
            if action.button(
                tr("ui.admin.delete"),
                key=state.admin_secret_delete_key(info.name),
                icon=":material/delete:",
            ):
                state.ask_admin_confirm(("secret", info.name))
                st.rerun()
            if asked == ("secret", info.name):
                answer = confirm(
                    tr("ui.admin.secrets.confirm", name=info.name), tr("ui.admin.delete")
                )
                if answer is not None:
                    state.ask_admin_confirm(None)
                    if answer:
                        apply(
                            "secret",
                            partial(services.workspace.delete_secret, info.name),
                            tr("ui.admin.secrets.deleted", name=info.name),
                        )
                    st.rerun()
    seed("secret", {key: "" for key in state.ADMIN_SECTION_KEYS["secret"]}, resets)
    with st.form(state.ADMIN_CREDENTIAL_FORM):
        st.markdown(f"**{tr('ui.admin.secrets.new')}**")
        name, value = st.columns(2)
        name.text_input(
            tr("ui.admin.secrets.name"),
            key=state.ADMIN_CREDENTIAL_NAME,
            help=tr("ui.admin.secrets.name.help"),
        )
        value.text_input(
            tr("ui.admin.secrets.value"),
            key=state.ADMIN_CREDENTIAL_VALUE,
            type="password",
            help=tr("ui.admin.secrets.value.help"),
        )
        added = st.form_submit_button(
            tr("ui.admin.secrets.add"),
            type="primary",
            icon=":material/key:",
            key=state.ADMIN_CREDENTIAL_ADD,
        )
    if added:
        typed_name = (st.session_state.get(state.ADMIN_CREDENTIAL_NAME) or "").strip()
        typed_value = st.session_state.get(state.ADMIN_CREDENTIAL_VALUE) or ""
        known = {info.name for info in secrets}
        done = "ui.admin.secrets.replaced" if typed_name in known else "ui.admin.secrets.added"
        apply(
            "secret",
            lambda: _set_secret(services, typed_name, typed_value),
            tr(done, name=typed_name),
        )
    show_problems("secret")


def _set_secret(services: Services, name: str, value: str) -> None:
    if not name:
        raise UserError("ui.admin.secrets.name_missing")
    services.workspace.set_secret(name, value)


def _when(moment: Any) -> str:
    return str(moment.astimezone().strftime("%d/%m/%Y %H:%M"))


# --- the page ------------------------------------------------------------------------------------


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
    network, search, mcp, credentials = st.tabs(
        [
            tr("ui.admin.tab.network"),
            tr("ui.admin.tab.search"),
            tr("ui.admin.tab.mcp"),
            tr("ui.admin.tab.secrets"),
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


main()
