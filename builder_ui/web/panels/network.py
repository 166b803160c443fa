"""The administration's network sections: where the tools may connect ("Réseau") and the web
search service ("Recherche web")."""

from __future__ import annotations

import streamlit as st

from builder_ui.services.installation import Services
from builder_ui.services.settings import set_web_search, update_egress
from builder_ui.web import state
from builder_ui.web.models import admin as admin_view
from builder_ui.web.models.admin import BACKENDS
from builder_ui.web.panels.admin_section import (
    apply,
    heading,
    save_button,
    seed,
    show_problems,
)
from builder_ui.web.panels.fields import number_field
from builder_ui.web.state import tr
from store.admin_settings import AdminSettings

EGRESS_FIELDS = {
    state.ADMIN_ALLOW_HOSTS: "allow_hosts",
    state.ADMIN_DENY_HOSTS: "deny_hosts",
    state.ADMIN_ALLOW_LOOPBACK: "allow_loopback",
    state.ADMIN_ALLOW_PRIVATE: "allow_private",
    state.ADMIN_MAX_MB: "max_mb",
    state.ADMIN_TIMEOUT: "timeout_s",
    state.ADMIN_ASK_UNKNOWN_URLS: "ask_for_unknown_urls",
}


def egress_section(services: Services, settings: AdminSettings, resets: set[str]) -> None:
    heading("ui.admin.egress")
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
        st.checkbox(
            tr("ui.admin.egress.ask_unknown_urls"),
            key=state.ADMIN_ASK_UNKNOWN_URLS,
            help=tr("ui.admin.egress.ask_unknown_urls.help"),
        )
        size, wait = st.columns(2)
        number_field("ui.admin.egress.max_mb", state.ADMIN_MAX_MB, 0.001, 1000.0, 1.0, where=size)
        number_field("ui.admin.egress.timeout_s", state.ADMIN_TIMEOUT, 1.0, 300.0, 1.0, where=wait)
        saved = save_button(state.ADMIN_EGRESS_SAVE)
    if settings.egress.allow_loopback:
        st.warning(tr("ui.admin.egress.loopback_on"), icon=":material/warning:")
    if settings.egress.allow_private:
        st.warning(tr("ui.admin.egress.private_on"), icon=":material/warning:")
    if not settings.egress.ask_for_unknown_urls:
        st.warning(tr("ui.admin.egress.ask_unknown_urls_off"), icon=":material/warning:")
    if saved:
        typed = {name: st.session_state.get(key) for key, name in EGRESS_FIELDS.items()}
        data = admin_view.egress_data(typed)
        apply(
            "egress",
            lambda: update_egress(services.workspace.organisation, data),
            tr("ui.admin.egress.saved"),
        )
    show_problems("egress")


def search_section(services: Services, settings: AdminSettings, resets: set[str]) -> None:
    heading("ui.admin.search")
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
        saved = save_button(state.ADMIN_SEARCH_SAVE)
    if saved:
        data = admin_view.web_search_data(str(backend), url or "")
        apply(
            "web_search",
            lambda: set_web_search(
                services.workspace.organisation, data["backend"], data["base_url"]
            ),
            tr("ui.admin.search.saved"),
        )
    show_problems("web_search")
