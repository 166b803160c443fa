"""Who is signed in to this browser session, asked again on every run of a page.

The session's token lives in the session state and in a cookie (so that a reload keeps the
person signed in); the account behind it is read from the catalogue each time, so that a
disabled account, an ended or idle session, loses access at its next click. The services of a
session are opened for one account; another account signing in gets new ones and none of the
previous person's state.
"""

from __future__ import annotations

import json

import streamlit as st

from agents.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language
from builder_ui.services import sign_in as signing
from builder_ui.services.installation import Installation
from builder_ui.web.state.keys import (
    COOKIE_PENDING,
    LANGUAGE,
    LANGUAGE_PICKER,
    SESSION_TOKEN,
    SIGN_IN_FLASH,
    SIGN_IN_REFUSAL,
    SIGNED_IN_AS,
)
from store.accounts import AccountRecord

SESSION_COOKIE = "atelier_session"
COOKIE_MAX_AGE_S = 30 * 24 * 3600  # the server ends idle sessions long before


def _token() -> str | None:
    token = st.session_state.get(SESSION_TOKEN)
    if token:
        return str(token)
    try:
        cookie = st.context.cookies.get(SESSION_COOKIE)
    except Exception:
        cookie = None
    return cookie if isinstance(cookie, str) and cookie else None


def signed_in(installation: Installation) -> AccountRecord | None:
    token = _token()
    if token is None:
        return _vouched_for(installation)
    account = signing.session_account(installation, token)
    if account is None:
        if SIGNED_IN_AS in st.session_state:
            _clear_person()
            st.session_state[SIGN_IN_FLASH] = "ui.sign_in.ended"
        st.session_state.pop(SESSION_TOKEN, None)
        st.session_state[COOKIE_PENDING] = ""  # forget the dead cookie too
        return _vouched_for(installation)  # the provider or the proxy may vouch again
    if st.session_state.get(SIGNED_IN_AS) != account.id:
        _clear_person()  # nothing of whoever used this browser session before
        st.session_state[SIGNED_IN_AS] = account.id
    st.session_state[SESSION_TOKEN] = token
    return account


def _vouched_for(installation: Installation) -> AccountRecord | None:
    """Someone a trusted proxy names, or the identity provider signed in (``st.user``), when
    an administrator turned either on: they get a session of their own, as after a password.
    A refusal (a disabled account, an address the provider does not vouch for) is said on
    the sign-in page."""
    from agents.errors import UserError
    from builder_ui.web.panels.sso_login import provider_identity, proxy_identity
    from store.admin_settings import saved_admin_settings

    settings = saved_admin_settings().sso
    if not (settings.oidc.enabled or settings.trusted_header.enabled):
        return None
    try:
        email = proxy_identity(settings.trusted_header)
        if email is not None:
            session = signing.with_proxy(installation, email, origin())
        else:
            identity = provider_identity(settings.oidc)
            if identity is None:
                return None
            session = signing.with_provider(installation, identity, origin())
    except UserError as exc:
        st.session_state[SIGN_IN_REFUSAL] = exc.message(language())
        return None
    start(session)
    return session.account


def origin() -> str:
    """From where this browser session acts, for the audit log: ``web <address>`` (the
    address Streamlit sees: behind a reverse proxy, the proxy's)."""
    try:
        address = st.context.ip_address
    except Exception:
        address = None
    return f"web {address}" if address else "web"


def take_refusal() -> str | None:
    text = st.session_state.pop(SIGN_IN_REFUSAL, None)
    return str(text) if text else None


def start(session: signing.Session) -> None:
    _clear_person()
    st.session_state[SESSION_TOKEN] = session.token
    st.session_state[SIGNED_IN_AS] = session.account.id
    st.session_state[COOKIE_PENDING] = session.token


def sign_out(installation: Installation) -> bool:
    """True when the browser is being sent to the provider to end its session too (the page
    must then stop rather than run again)."""
    token = st.session_state.get(SESSION_TOKEN)
    if token:
        signing.sign_out(installation, str(token))
    _clear_person()
    st.session_state[COOKIE_PENDING] = ""
    st.session_state[SIGN_IN_FLASH] = "ui.sign_in.signed_out"
    if _provider_signed_in():
        st.logout()  # the provider's cookie too, or the next click would sign them in again
        return True
    return False


def _provider_signed_in() -> bool:
    try:
        return bool(st.user.to_dict().get("is_logged_in"))
    except Exception:
        return False


def write_cookie() -> None:
    """The session cookie written (or cleared) in the browser, once, after a sign-in or out."""
    value = st.session_state.pop(COOKIE_PENDING, None)
    if value is None:
        return
    age = COOKIE_MAX_AGE_S if value else 0
    cookie = json.dumps(f"{SESSION_COOKIE}={value}; Path=/; Max-Age={age}; SameSite=Strict")
    st.html(f"<script>document.cookie = {cookie};</script>", unsafe_allow_javascript=True)


def language() -> str:
    lang = st.session_state.get(LANGUAGE) or current_language() or DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def take_flash() -> str | None:
    key = st.session_state.pop(SIGN_IN_FLASH, None)
    return str(key) if key else None


def _clear_person() -> None:
    """Every key of the session but its language: the next person starts clean."""
    for key in list(st.session_state.keys()):
        if key not in (LANGUAGE, LANGUAGE_PICKER, COOKIE_PENDING, SIGN_IN_FLASH, SIGN_IN_REFUSAL):
            del st.session_state[key]
