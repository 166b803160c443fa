"""Signing in to the builder: a password, a one-time link, or a session kept across reloads.

The builder's pages call these and keep only the session's token; who the person is, whether
the account is still active and whether the session is still alive are asked of the catalogue
on every run of a page, so a disabled account loses access at its next click.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from agents.errors import NotFound

if TYPE_CHECKING:
    from builder_ui.services.installation import Installation
    from store.accounts import AccountRecord
    from store.sign_in import LinkPurpose, SignIn

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


def _sign_in(installation: Installation) -> SignIn:
    from store.people import sign_in_of

    return sign_in_of(installation.catalogue)


def with_password(installation: Installation, login: str, password: str) -> Session:
    """``SignInRefused`` for a wrong pair, a disabled account or a guesser's wait."""
    sign_in = _sign_in(installation)
    account_id = sign_in.check(login, password)
    return Session(
        sign_in.start_session(account_id), installation.catalogue.get_account(account_id)
    )


def link_account(installation: Installation, token: str, purpose: LinkPurpose) -> str | None:
    """Whom a live link is for (``""`` for the set-up link), or None: shown before the form."""
    return _sign_in(installation).peek_link(token, purpose)


def with_password_link(
    installation: Installation, token: str, purpose: LinkPurpose, password: str
) -> Session:
    from store.people import redeem_password_link

    account = redeem_password_link(installation.catalogue, token, purpose, password)
    return Session(_sign_in(installation).start_session(account.id), account)


def with_setup_link(
    installation: Installation, token: str, login: str, name: str, password: str
) -> Session:
    from store.people import redeem_setup_link

    account = redeem_setup_link(installation.catalogue, token, login, name, password)
    return Session(_sign_in(installation).start_session(account.id), account)


def session_account(installation: Installation, token: str) -> AccountRecord | None:
    """The active account of a live session; None otherwise (a disabled account's session is
    ended here)."""
    sign_in = _sign_in(installation)
    account_id = sign_in.session_account(token, idle_limit())
    if account_id is None:
        return None
    try:
        account = installation.catalogue.get_account(account_id)
    except NotFound:
        account = None
    if account is None or not account.active:
        sign_in.end_session(token)
        return None
    return account


def sign_out(installation: Installation, token: str) -> None:
    _sign_in(installation).end_session(token)


def anyone_can_sign_in(installation: Installation) -> bool:
    """False on a fresh installation: the sign-in page then says where the set-up link is."""
    return _sign_in(installation).admins_with_password() > 0


def change_password(installation: Installation, account_id: str, current: str, new: str) -> Session:
    """The current password first; every other session of the account ends, this one goes on
    under a new token."""
    from store.sign_in import check_password

    check_password(new)
    sign_in = _sign_in(installation)
    sign_in.check(account_id, current)
    sign_in.set_password(account_id, new)
    return Session(
        sign_in.start_session(account_id), installation.catalogue.get_account(account_id)
    )
