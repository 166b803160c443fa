"""A one-page Streamlit app for the single sign-on browser tests (``test_browser_sso.py``): it
reads the installation's settings from ``ATELIER_HOME`` as the builder does, and shows who the
proxy or the provider vouches for, with the panel the login page will use."""

from __future__ import annotations

import streamlit as st

from agents.errors import UserError
from builder_ui.web.panels.sso_login import (
    provider_identity,
    proxy_identity,
    sign_in_button,
    sign_out_button,
)
from builder_ui.web.state import tr
from store.admin_settings import load_admin_settings

settings = load_admin_settings().sso
by_proxy = proxy_identity(settings.trusted_header)
if by_proxy is not None:
    st.text(tr("sso.signed_in_proxy", email=by_proxy))
    st.stop()

try:
    identity = provider_identity(settings.oidc)
except UserError as exc:
    st.error(tr(exc.key, **exc.params))
    sign_out_button()
    st.stop()

if identity is None:
    sign_in_button(settings.oidc)
    st.stop()

none = tr("sso.none")
st.text(tr("sso.signed_in", email=identity.email))
st.text(tr("sso.groups", groups=", ".join(identity.groups) or none))
st.text(tr("sso.teams", teams=", ".join(identity.teams) or none))
sign_out_button()
