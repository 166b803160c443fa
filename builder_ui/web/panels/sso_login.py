"""The single sign-on part of the login page: the provider's button, who the provider or the
proxy vouches for, and the sign-out button. The decisions are in
``builder_ui.services.single_sign_on``; this reads what Streamlit knows of the request.

``st.user`` holds the ID token's claims from Streamlit's signed cookie (``is_logged_in``
true once signed in). ``st.context.headers`` are the headers of the WebSocket's opening
request, the one a reverse proxy sets its header on. The connection's address comes from
Streamlit's client context: ``st.context.ip_address`` hides loopback (``None``), and a proxy
on the same machine is the common case.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from builder_ui.services.single_sign_on import (
    SsoIdentity,
    identity_from_headers,
    principal_from_sso,
)
from builder_ui.web.state import tr
from store.sso_settings import OidcSettings, TrustedHeaderSettings


def connection_address() -> str | None:
    """The address of the connection to this session (the reverse proxy's, behind one), or
    ``None`` when Streamlit does not say: the trusted header is then not believed."""
    try:
        from streamlit.runtime import exists, get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not exists():
            return None
        client = get_instance().get_client(ctx.session_id)
        context: Any = getattr(client, "client_context", None)
        address = getattr(context, "remote_ip", None)
    except (ImportError, AttributeError, RuntimeError):
        return None
    return address if isinstance(address, str) else None


def proxy_identity(settings: TrustedHeaderSettings) -> str | None:
    """The e-mail address a listed proxy names in its header, or ``None``."""
    if not settings.enabled:
        return None
    values = set(st.context.headers.get_all(settings.header))
    if len(values) != 1:  # absent, or repeated with different values: believe neither
        return None
    return identity_from_headers({settings.header: values.pop()}, connection_address(), settings)


def provider_identity(settings: OidcSettings) -> SsoIdentity | None:
    """Who signed in at the provider, or ``None``; ``SsoRefused`` when the provider's answer
    does not let them in (no address, an unverified one, a domain not listed)."""
    if not settings.enabled:
        return None
    claims = dict(st.user.to_dict())
    if not claims.get("is_logged_in"):
        return None
    return principal_from_sso(claims, settings)


def sign_in_button(settings: OidcSettings) -> None:
    """The button that sends the person to the provider (then back, signed in)."""
    label = settings.provider_label or tr("sso.login.provider_default")
    st.caption(tr("sso.login.explain", provider=label))
    if st.button(tr("sso.login.button", provider=label), type="primary"):
        st.login()


def sign_out_button() -> None:
    """Forgets the sign-in cookie, then asks the provider to end its session too."""
    if st.button(tr("sso.logout.button")):
        st.logout()
