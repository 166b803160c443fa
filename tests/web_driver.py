"""The builder driven in-process (``streamlit.testing``) by a signed-in person.

Signing in here takes the same path as a browser whose session cookie is still valid: a real
session is started in the installation's catalogue and its token handed to the app, which asks
the catalogue who it belongs to on every run. The sign-in page itself is tested on its own
(``tests/test_web_sign_in.py``).
"""

from __future__ import annotations

from pathlib import Path

from people import enrol
from streamlit.testing.v1 import AppTest

from store.accounts import Role
from store.sql_catalogue import open_catalogue

APP = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
TIMEOUT_S = 60


def session_for(login: str = "alice", role: Role = "admin") -> str:
    catalogue = open_catalogue()
    try:
        enrol(catalogue, login, role=role)
        return catalogue.sign_in.start_session(login)
    finally:
        catalogue.close()


def signed_in(at: AppTest, login: str = "alice", role: Role = "admin") -> AppTest:
    """``at`` (not yet run) with ``login`` signed in; the account is made if missing."""
    from builder_ui.web.state.keys import SESSION_TOKEN

    at.session_state[SESSION_TOKEN] = session_for(login, role)
    return at


def open_app(login: str = "alice", role: Role = "admin", timeout: float = TIMEOUT_S) -> AppTest:
    return signed_in(AppTest.from_file(APP, default_timeout=timeout), login, role).run()
