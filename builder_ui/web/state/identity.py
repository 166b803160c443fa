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

from builder_ui.services import sign_in as signing
from builder_ui.services.installation import Installation
from builder_ui.web.state.keys import (
    COOKIE_PENDING,
    LANGUAGE,
    LANGUAGE_PICKER,
    SESSION_TOKEN,
    SIGN_IN_FLASH,
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
        return None
    account = signing.session_account(installation, token)
    if account is None:
        if SIGNED_IN_AS in st.session_state:
            _clear_person()
            st.session_state[SIGN_IN_FLASH] = "ui.sign_in.ended"
        st.session_state.pop(SESSION_TOKEN, None)
        st.session_state[COOKIE_PENDING] = ""  # forget the dead cookie too
        return None
    if st.session_state.get(SIGNED_IN_AS) != account.id:
        _clear_person()  # nothing of whoever used this browser session before
        st.session_state[SIGNED_IN_AS] = account.id
    st.session_state[SESSION_TOKEN] = token
    return account


def start(session: signing.Session) -> None:
    _clear_person()
    st.session_state[SESSION_TOKEN] = session.token
    st.session_state[SIGNED_IN_AS] = session.account.id
    st.session_state[COOKIE_PENDING] = session.token


def sign_out(installation: Installation) -> None:
    token = st.session_state.get(SESSION_TOKEN)
    if token:
        signing.sign_out(installation, str(token))
    _clear_person()
    st.session_state[COOKIE_PENDING] = ""
    st.session_state[SIGN_IN_FLASH] = "ui.sign_in.signed_out"


def write_cookie() -> None:
    """The session cookie written (or cleared) in the browser, once, after a sign-in or out."""
    value = st.session_state.pop(COOKIE_PENDING, None)
    if value is None:
        return
    age = COOKIE_MAX_AGE_S if value else 0
    cookie = json.dumps(f"{SESSION_COOKIE}={value}; Path=/; Max-Age={age}; SameSite=Strict")
    st.html(f"<script>document.cookie = {cookie};</script>", unsafe_allow_javascript=True)


def take_flash() -> str | None:
    key = st.session_state.pop(SIGN_IN_FLASH, None)
    return str(key) if key else None


def _clear_person() -> None:
    """Every key of the session but its language: the next person starts clean."""
    for key in list(st.session_state.keys()):
        if key not in (LANGUAGE, LANGUAGE_PICKER, COOKIE_PENDING, SIGN_IN_FLASH):
            del st.session_state[key]
