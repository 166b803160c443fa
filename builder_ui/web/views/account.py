"""My account: who I am here (name, role, teams), my credentials (names and dates only: a value
goes in, it never comes out), my password, and my data (download it all, or erase it all and
leave)."""

from __future__ import annotations

import streamlit as st

from agents.errors import UserError
from builder_ui.services import my_data
from builder_ui.services import sign_in as signing
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.panels import retention
from builder_ui.web.panels.admin_section import show_flashes
from builder_ui.web.panels.credentials import secrets_section
from builder_ui.web.state import identity, tr
from builder_ui.web.state.keys import ERASE_ASKED, SIGN_IN_FLASH
from store.accounts import Principal
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
    _password(me)
    _my_data(services, me)


def _password(me: Principal) -> None:
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
            session = signing.change_password(
                state.installation(), me.id, current, new, identity.origin()
            )
        except UserError as exc:
            st.error(exc.message(state.language()), icon=":material/error:")
            return
        identity.start(session)
        st.success(tr("ui.account.password_changed"), icon=":material/check_circle:")


def _my_data(services: Services, me: Principal) -> None:
    st.subheader(tr("ui.my_data.title"))
    st.markdown(tr("ui.my_data.intro"))
    retention.my_data_rules(retention.rules(services))
    lang = state.language()
    st.download_button(
        tr("ui.my_data.download"),
        data=lambda: my_data.export_my_data(services, lang),  # made when clicked
        file_name=f"atelier-{my_data.slug(me.id, 'donnees')}.zip",
        mime="application/zip",
        icon=":material/download:",
        on_click="ignore",
        key="account.download",
    )
    if not st.session_state.get(ERASE_ASKED):
        if st.button(tr("ui.my_data.erase"), icon=":material/delete_forever:", key="account.erase"):
            st.session_state[ERASE_ASKED] = True
            st.rerun()
        return
    summary = my_data.my_data_summary(services)
    st.warning(
        tr(
            "ui.my_data.erase_what",
            login=literal(me.id),
            agents=summary.agents,
            versions=summary.versions,
            conversations=summary.conversations,
            bases=summary.bases,
            documents=summary.documents,
            files=summary.files,
            secrets=summary.secrets,
            drafts=summary.drafts,
        ),
        icon=":material/warning:",
    )
    confirm, cancel = st.columns(2)
    if confirm.button(tr("ui.my_data.erase_confirm"), type="primary", key="account.erase_yes"):
        st.session_state.pop(ERASE_ASKED, None)
        try:
            my_data.erase_my_data(services)
        except UserError as exc:
            st.error(exc.message(state.language()), icon=":material/error:")
            return
        identity.sign_out(state.installation())
        st.session_state[SIGN_IN_FLASH] = "ui.my_data.erased"
        st.rerun()
    if cancel.button(tr("ui.my_data.erase_cancel"), key="account.erase_no"):
        st.session_state.pop(ERASE_ASKED, None)
        st.rerun()


main()
