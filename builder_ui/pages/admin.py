"""Administration: where the tools may connect, the web search service, the MCP servers, and
the person's credentials (names and dates only: a value goes in, it never comes out).

Each section saves on its own (``builder_ui.admin_view``), over the settings as stored at that
moment; a problem is shown with its field and the form keeps what was typed. There are no roles
yet: every local user is an administrator until teams arrive, and the page says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import streamlit as st

from agents.errors import AtelierError, UserError
from builder_ui import admin_view, state
from builder_ui.admin_view import BACKENDS, ToolReview
from builder_ui.services import Services
from builder_ui.state import tr
from builder_ui.transcript import escape_markdown
from store.admin_settings import (
    AdminSettings,
    InvalidSettings,
    delete_installation_secret,
    list_installation_secrets,
    load_admin_settings,
    set_installation_secret,
)
from store.secrets import SecretInfo
from tools.mcp.client import McpServerError

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
    statuses = current_statuses(settings) if rows else {}
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
            if row.enabled:
                server_status(row.name, statuses.get(row.name))
            review_block(services, row.name)
    if rows and st.button(
        tr("ui.admin.mcp.refresh"), key=state.ADMIN_MCP_REFRESH, icon=":material/refresh:"
    ):
        st.session_state.pop(state.ADMIN_MCP_STATUSES, None)
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
    st.divider()
    credentials(INSTALLATION_CREDENTIALS, services, resets)


def current_statuses(settings: AdminSettings) -> dict[str, Any]:
    """Each server's state, read again only when the servers, the network rules or the
    installation's credentials changed (or on "refresh"): reading it connects to every server."""
    try:
        known = [(i.name, i.updated_at.isoformat()) for i in list_installation_secrets()]
        basis = json.dumps([settings.model_dump(), known], sort_keys=True, default=str)
        cached = st.session_state.get(state.ADMIN_MCP_STATUSES)
        if cached and cached[0] == basis:
            return dict(cached[1])
        found = admin_view.server_statuses()
    except AtelierError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return {}
    st.session_state[state.ADMIN_MCP_STATUSES] = (basis, found)
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


def review_block(services: Services, name: str) -> None:
    """ "Check and approve the tools": the list read from the server, shown in full, then
    approved exactly as shown, or dropped."""
    if st.button(
        tr("ui.admin.mcp.review"),
        key=state.admin_server_review_key(name),
        icon=":material/fact_check:",
    ):
        try:
            reviewing(name, review=admin_view.review_tools(name, services.principal))
        except AtelierError as exc:
            reviewing(name, error=plain_error(name, exc))
    current = st.session_state.get(state.ADMIN_MCP_REVIEW)
    if not current or current["server"] != name:
        return
    if current["error"]:
        st.error(current["error"], icon=":material/error:")
        return
    review: ToolReview = current["review"]
    if current["moved"]:
        st.warning(tr("ui.admin.mcp.review.moved"), icon=":material/warning:")
    show_review(review)
    approve, cancel, _ = st.columns([2, 1, 2])
    if approve.button(
        tr("ui.admin.mcp.review.approve"),
        type="primary",
        icon=":material/verified_user:",
        key=state.ADMIN_REVIEW_APPROVE,
    ):
        try:
            moved = admin_view.approve_reviewed(review, services.principal)
        except AtelierError as exc:
            reviewing(name, error=plain_error(name, exc))
        else:
            if moved is not None:
                reviewing(name, review=moved, moved=True)
            else:
                st.session_state.pop(state.ADMIN_MCP_REVIEW, None)
                count = len(review.pins())
                state.admin_flash("success", tr("ui.admin.mcp.approved", name=name, count=count))
        st.rerun()
    if cancel.button(tr("ui.admin.cancel"), key=state.ADMIN_REVIEW_CANCEL):
        st.session_state.pop(state.ADMIN_MCP_REVIEW, None)
        st.rerun()


def reviewing(
    name: str, *, review: ToolReview | None = None, error: str = "", moved: bool = False
) -> None:
    st.session_state[state.ADMIN_MCP_REVIEW] = {
        "server": name,
        "review": review,
        "error": error,
        "moved": moved,
    }


def plain_error(name: str, exc: AtelierError) -> str:
    """Why a server's tools could not be read: the reason itself, not what it means for agents.
    The servers' state is read again on the next run."""
    st.session_state.pop(state.ADMIN_MCP_STATUSES, None)
    lang = state.language()
    reason = exc.reason.message(lang) if isinstance(exc, McpServerError) else exc.message(lang)
    return tr("ui.admin.mcp.review.failed", name=name, reason=reason)


def show_review(review: ToolReview) -> None:
    """Every tool in full: its description is an instruction to the model, so it is shown as
    written (never rendered), with its arguments and what it may do."""
    st.markdown(tr("ui.admin.mcp.review.title", name=review.server, count=len(review.tools)))
    st.caption(tr("ui.admin.mcp.review.help"))
    if not review.tools:
        st.caption(tr("ui.admin.mcp.review.empty"))
    for tool in review.tools:
        with st.container(border=True):
            change = tr(f"ui.admin.mcp.tool.{review.change(tool.name)}")
            st.markdown(f"**`{tool.name}`** — {change}")
            st.caption(
                tr("ui.admin.mcp.tool.read_only" if tool.read_only else "ui.admin.mcp.tool.acts")
            )
            st.caption(tr("ui.admin.mcp.tool.description"))
            st.code(tool.description or "—", language=None, wrap_lines=True)
            st.caption(tr("ui.admin.mcp.tool.arguments"))
            schema = json.dumps(tool.input_schema, indent=2, ensure_ascii=False, sort_keys=True)
            st.code(schema, language="json", wrap_lines=True)
    if review.before.removed:
        st.caption(tr("ui.admin.mcp.review.removed", tools=", ".join(review.before.removed)))


# --- credentials ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """A list of stored credentials (a person's, or the installation's), shown the same way:
    names and dates, a value goes in and never comes out."""

    section: str
    messages: str
    """The prefix of its message keys."""
    form: str
    name_key: str
    value_key: str
    add_key: str
    delete_key: Callable[[str], str]
    listing: Callable[[Services], list[SecretInfo]]
    setter: Callable[[Services, str, str], object]
    deleter: Callable[[Services, str], object]


PERSONAL_CREDENTIALS = Credentials(
    section="secret",
    messages="ui.admin.secrets",
    form=state.ADMIN_CREDENTIAL_FORM,
    name_key=state.ADMIN_CREDENTIAL_NAME,
    value_key=state.ADMIN_CREDENTIAL_VALUE,
    add_key=state.ADMIN_CREDENTIAL_ADD,
    delete_key=state.admin_secret_delete_key,
    listing=lambda services: services.workspace.list_secrets(),
    setter=lambda services, name, value: services.workspace.set_secret(name, value),
    deleter=lambda services, name: services.workspace.delete_secret(name),
)

INSTALLATION_CREDENTIALS = Credentials(
    section="install_secret",
    messages="ui.admin.install",
    form=state.ADMIN_INSTALL_FORM,
    name_key=state.ADMIN_INSTALL_NAME,
    value_key=state.ADMIN_INSTALL_VALUE,
    add_key=state.ADMIN_INSTALL_ADD,
    delete_key=state.admin_install_delete_key,
    listing=lambda _services: list_installation_secrets(),
    setter=lambda services, name, value: set_installation_secret(name, value, services.principal),
    deleter=lambda services, name: delete_installation_secret(name, services.principal),
)


def secrets_section(services: Services, resets: set[str]) -> None:
    credentials(PERSONAL_CREDENTIALS, services, resets)


def credentials(box: Credentials, services: Services, resets: set[str]) -> None:
    msg = box.messages
    st.subheader(tr(f"{msg}.title"))
    st.caption(tr(f"{msg}.help"))
    try:
        secrets = box.listing(services)
    except AtelierError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return
    if not secrets:
        st.caption(tr(f"{msg}.none"))
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
                key=box.delete_key(info.name),
                icon=":material/delete:",
            ):
                state.ask_admin_confirm((box.section, info.name))
                st.rerun()
            if asked == (box.section, info.name):
                answer = confirm(tr(f"{msg}.confirm", name=info.name), tr("ui.admin.delete"))
                if answer is not None:
                    state.ask_admin_confirm(None)
                    if answer:
                        apply(
                            box.section,
                            partial(box.deleter, services, info.name),
                            tr(f"{msg}.deleted", name=info.name),
                        )
                    st.rerun()
    seed(box.section, {key: "" for key in state.ADMIN_SECTION_KEYS[box.section]}, resets)
    with st.form(box.form):
        st.markdown(f"**{tr(f'{msg}.new')}**")
        name, value = st.columns(2)
        name.text_input(
            tr("ui.admin.secrets.name"),
            key=box.name_key,
            help=tr(f"{msg}.name.help"),
        )
        value.text_input(
            tr("ui.admin.secrets.value"),
            key=box.value_key,
            type="password",
            help=tr("ui.admin.secrets.value.help"),
        )
        added = st.form_submit_button(
            tr("ui.admin.secrets.add"),
            type="primary",
            icon=":material/key:",
            key=box.add_key,
        )
    if added:
        typed_name = (st.session_state.get(box.name_key) or "").strip()
        typed_value = st.session_state.get(box.value_key) or ""
        known = {info.name for info in secrets}
        done = "ui.admin.secrets.replaced" if typed_name in known else "ui.admin.secrets.added"
        apply(
            box.section,
            lambda: _set_secret(box, services, typed_name, typed_value),
            tr(done, name=typed_name),
        )
    show_problems(box.section)


def _set_secret(box: Credentials, services: Services, name: str, value: str) -> None:
    if not name:
        raise UserError("ui.admin.secrets.name_missing")
    box.setter(services, name, value)


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
