"""Signing in: with a password, or through a one-time link (the first administrator's set-up,
an invitation, a new password). The only page anyone reaches before signing in."""

from __future__ import annotations

import streamlit as st

from agents.errors import UserError
from builder_ui.services import sign_in as signing
from builder_ui.services.sign_in_links import LINK_PARAMETERS
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.state import identity, tr
from store.sign_in import MIN_PASSWORD, LinkPurpose


def _done(session: signing.Session) -> None:
    identity.start(session)
    st.query_params.clear()  # the link is spent: not left in the address bar or history
    st.rerun()


def _link() -> tuple[LinkPurpose, str] | None:
    for purpose, parameter in LINK_PARAMETERS.items():
        token = st.query_params.get(parameter)
        if token:
            return purpose, token  # type: ignore[return-value]
    return None


def _password_pair(key: str) -> tuple[str, str]:
    first = st.text_input(
        tr("ui.sign_in.new_password"),
        type="password",
        key=f"sign_in.{key}.password",
        help=tr("ui.sign_in.password_rule", minimum=MIN_PASSWORD),
        autocomplete="new-password",
    )
    second = st.text_input(
        tr("ui.sign_in.confirm_password"),
        type="password",
        key=f"sign_in.{key}.confirm",
        autocomplete="new-password",
    )
    return first, second


def _setup_form(token: str) -> None:
    st.subheader(tr("ui.sign_in.setup_title"))
    st.write(tr("ui.sign_in.setup_intro"))
    with st.form("sign_in.setup"):
        login = st.text_input(tr("ui.sign_in.email"), autocomplete="email")
        name = st.text_input(tr("ui.sign_in.name"), autocomplete="name")
        password, confirm = _password_pair("setup")
        sent = st.form_submit_button(tr("ui.sign_in.setup_button"), type="primary")
    if sent:
        if password != confirm:
            st.error(tr("ui.sign_in.mismatch"), icon=":material/error:")
            return
        try:
            session = signing.with_setup_link(
                state.installation(), token, login, name, password, identity.origin()
            )
        except UserError as exc:
            st.error(exc.message(state.language()), icon=":material/error:")
            return
        _done(session)


def _password_link_form(purpose: LinkPurpose, token: str) -> None:
    account = signing.link_account(state.installation(), token, purpose)
    if not account:
        st.error(tr("sign_in.link_dead"), icon=":material/link_off:")
        _password_form()
        return
    st.subheader(tr(f"ui.sign_in.{purpose}_title"))
    st.write(tr("ui.sign_in.for_account", login=account))
    with st.form(f"sign_in.{purpose}"):
        password, confirm = _password_pair(purpose)
        sent = st.form_submit_button(tr("ui.sign_in.choose_button"), type="primary")
    if sent:
        if password != confirm:
            st.error(tr("ui.sign_in.mismatch"), icon=":material/error:")
            return
        try:
            session = signing.with_password_link(
                state.installation(), token, purpose, password, identity.origin()
            )
        except UserError as exc:
            st.error(exc.message(state.language()), icon=":material/error:")
            return
        _done(session)


def _password_form() -> None:
    installation = state.installation()
    if not signing.anyone_can_sign_in(installation):
        st.info(tr("ui.sign_in.nobody_yet"), icon=":material/key:")
    with st.form("sign_in.password"):
        login = st.text_input(tr("ui.sign_in.email"), autocomplete="username")
        password = st.text_input(
            tr("ui.sign_in.password"), type="password", autocomplete="current-password"
        )
        sent = st.form_submit_button(tr("ui.sign_in.button"), type="primary")
    if sent:
        try:
            session = signing.with_password(installation, login, password, identity.origin())
        except UserError as exc:
            st.error(exc.message(state.language()), icon=":material/error:")
            return
        _done(session)
    st.caption(tr("ui.sign_in.forgotten"))


def _single_sign_on() -> None:
    """The identity provider's button, when an administrator configured one; why the person
    it vouched for was not let in, if so."""
    from builder_ui.web.panels.sso_login import sign_in_button, sign_out_button
    from store.admin_settings import saved_admin_settings

    refusal = identity.take_refusal()
    if refusal:
        st.error(literal(refusal), icon=":material/error:")
    oidc = saved_admin_settings().sso.oidc
    if not oidc.enabled:
        return
    sign_in_button(oidc)
    if refusal:
        sign_out_button()  # try another account at the provider
    st.divider()


def main() -> None:
    st.title(tr("ui.sign_in.title"))
    flash = identity.take_flash()
    if flash:
        st.info(tr(flash), icon=":material/info:")
    link = _link()
    if link is None:
        _single_sign_on()
        _password_form()
    elif link[0] == "setup":
        if signing.link_account(state.installation(), link[1], "setup") is None:
            st.error(tr("sign_in.link_dead"), icon=":material/link_off:")
            _password_form()
        else:
            _setup_form(link[1])
    else:
        _password_link_form(*link)


main()
