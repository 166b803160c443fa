"""Signing in to the builder: a password, a one-time link, or a session kept across reloads.

The builder's pages call these and keep only the session's token; who the person is, whether
the account is still active and whether the session is still alive are asked of the
installation's front door (``store.front_door``) on every run of a page, so a disabled account
loses access at its next click.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from store.accounts import AccountRecord
from store.admin_settings import saved_admin_settings

if TYPE_CHECKING:
    from builder_ui.services.installation import Installation
    from builder_ui.services.single_sign_on import SsoIdentity
    from store.sign_in import LinkPurpose

DEFAULT_IDLE_MINUTES = 60


def idle_limit() -> timedelta:
    """``ATELIER_SESSION_IDLE_MINUTES``: how long a browser session lives without activity."""
    raw = os.environ.get("ATELIER_SESSION_IDLE_MINUTES", "").strip()
    try:
        minutes = float(raw) if raw else DEFAULT_IDLE_MINUTES
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return timedelta(minutes=minutes if minutes > 0 else DEFAULT_IDLE_MINUTES)


@dataclass(frozen=True)
class Session:
    token: str
    account: AccountRecord


def with_password(
    installation: Installation, login: str, password: str, origin: str = ""
) -> Session:
    """``SignInRefused`` for a wrong pair, a disabled account or a guesser's wait. ``origin``
    (from where: ``web 192.0.2.7``) goes to the audit log with the attempt."""
    return Session(*installation.front_door_from(origin).with_password(login, password))


def link_account(installation: Installation, token: str, purpose: LinkPurpose) -> str | None:
    """Whom a live link is for (``""`` for the set-up link), or None: shown before the form."""
    return installation.front_door.link_account(token, purpose)


def with_password_link(
    installation: Installation, token: str, purpose: LinkPurpose, password: str, origin: str = ""
) -> Session:
    door = installation.front_door_from(origin)
    return Session(*door.redeem_password_link(token, purpose, password))


def with_setup_link(
    installation: Installation,
    token: str,
    login: str,
    name: str,
    password: str,
    origin: str = "",
) -> Session:
    door = installation.front_door_from(origin)
    return Session(*door.redeem_setup_link(token, login, name, password))


def session_account(installation: Installation, token: str) -> AccountRecord | None:
    return installation.front_door.session_account(token, idle_limit())


def sign_out(installation: Installation, token: str) -> None:
    installation.front_door.end_session(token)


def anyone_can_sign_in(installation: Installation) -> bool:
    """False on a fresh installation: the sign-in page then says where the set-up link is."""
    return installation.front_door.anyone_can_sign_in()


def change_password(
    installation: Installation, account_id: str, current: str, new: str, origin: str = ""
) -> Session:
    door = installation.front_door_from(origin)
    return Session(*door.change_password(account_id, current, new))


def with_provider(installation: Installation, identity: SsoIdentity, origin: str = "") -> Session:
    """Someone an identity provider vouches for (``st.user``): their account is made at the
    first sign-in with the configured role, its teams follow their groups; ``SsoRefused`` for a
    disabled account."""
    from builder_ui.services.single_sign_on import sign_in_with_sso

    settings = saved_admin_settings().sso.oidc
    door = installation.front_door_from(origin)
    account = sign_in_with_sso(identity, door.outside_accounts("sso"), settings)
    assert isinstance(account, AccountRecord)
    return Session(*door.start_session(account.id))


def with_proxy(installation: Installation, email: str, origin: str = "") -> Session:
    """Someone a trusted reverse proxy names (only from the addresses an administrator
    listed): made at the first visit as a ``user``; a disabled account is refused."""
    door = installation.front_door_from(origin)
    account = door.outside_accounts("proxy").ensure_account(email, "", "user")
    return Session(*door.start_session(account.id))
