"""My account: who I am here (name, role, teams), my credentials (names and dates only: a value
goes in, it never comes out) and my password."""

from __future__ import annotations

import streamlit as st

from agents.errors import UserError
from builder_ui.services import sign_in as signing
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.panels.admin_section import show_flashes
from builder_ui.web.panels.credentials import secrets_section
from builder_ui.web.state import identity, tr
from store.sign_in import MIN_PASSWORD


def main() -> None:
    services = state.services()
    me = services.workspace.me()
    teams = services.workspace.people.my_teams()
    st.title(tr("ui.account.title"))
    st.markdown(tr("ui.account.who", login=literal(me.id), name=literal(me.name or "—")))
    st.markdown(tr("ui.account.role", role=tr(f"role.{me.role}")))
    names = ", ".join(literal(team.name) for team in teams) if teams else tr("ui.account.no_team")
    st.markdown(tr("ui.account.teams", teams=names))
    show_flashes()
    secrets_section(services, state.take_admin_resets())  # the person's own credentials
    st.subheader(tr("ui.account.password_title"))
    with st.form("account.password", clear_on_submit=True):
        current = st.text_input(
            tr("ui.account.current_password"), type="password", autocomplete="current-password"
        )
        new = st.text_input(
            tr("ui.sign_in.new_password"),
            type="password",
            help=tr("ui.sign_in.password_rule", minimum=MIN_PASSWORD),
            autocomplete="new-password",
        )
        confirm = st.text_input(
            tr("ui.sign_in.confirm_password"), type="password", autocomplete="new-password"
        )
        sent = st.form_submit_button(tr("ui.account.change_password"))
    if sent:
        if new != confirm:
            st.error(tr("ui.sign_in.mismatch"), icon=":material/error:")
            return
        try:
            session = signing.change_password(state.installation(), me.id, current, new)
        except UserError as exc:
            st.error(exc.message(state.language()), icon=":material/error:")
            return
        identity.start(session)
        st.success(tr("ui.account.password_changed"), icon=":material/check_circle:")


main()
