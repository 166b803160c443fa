"""What may happen before anyone is known: signing in with a password or a session, and the
one-time links whose holder the link itself vouches for. The only part of the catalogue an
interface reaches without a principal; everything after goes through ``Workspace(principal)``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from agents.errors import NotFound

if TYPE_CHECKING:
    from store.accounts import AccountRecord
    from store.records import Catalogue
    from store.sign_in import LinkPurpose, SignIn


class FrontDoor:
    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    @property
    def _sign_in(self) -> SignIn:
        from store.people import sign_in_of

        return sign_in_of(self._catalogue)

    def terminal_account(self, login: str) -> AccountRecord:
        """Whom a terminal acts as (``store.people.acting_account``: the data directory's
        owner becomes the first administrator of an installation without accounts)."""
        from store.people import acting_account

        return acting_account(self._catalogue, login)

    def with_password(self, login: str, password: str) -> tuple[str, AccountRecord]:
        """A new session's token and its account; ``SignInRefused`` otherwise."""
        account_id = self._sign_in.check(login, password)
        return self._sign_in.start_session(account_id), self._catalogue.get_account(account_id)

    def session_account(self, token: str, idle: timedelta) -> AccountRecord | None:
        """The active account of a live session; None otherwise (a disabled account's
        session is ended here)."""
        account_id = self._sign_in.session_account(token, idle)
        if account_id is None:
            return None
        try:
            account: AccountRecord | None = self._catalogue.get_account(account_id)
        except NotFound:
            account = None
        if account is None or not account.active:
            self._sign_in.end_session(token)
            return None
        return account

    def end_session(self, token: str) -> None:
        self._sign_in.end_session(token)

    def link_account(self, token: str, purpose: LinkPurpose) -> str | None:
        """Whom a live link is for (``""`` for the set-up link), or None."""
        return self._sign_in.peek_link(token, purpose)

    def redeem_password_link(
        self, token: str, purpose: LinkPurpose, password: str
    ) -> tuple[str, AccountRecord]:
        from store.people import redeem_password_link

        account = redeem_password_link(self._catalogue, token, purpose, password)
        return self._sign_in.start_session(account.id), account

    def redeem_setup_link(
        self, token: str, login: str, name: str, password: str
    ) -> tuple[str, AccountRecord]:
        from store.people import redeem_setup_link

        account = redeem_setup_link(self._catalogue, token, login, name, password)
        return self._sign_in.start_session(account.id), account

    def change_password(self, account_id: str, current: str, new: str) -> tuple[str, AccountRecord]:
        """The current password first; every session of the account ends, and a new one
        starts for the person who changed it."""
        from store.sign_in import check_password

        check_password(new)
        self._sign_in.check(account_id, current)
        self._sign_in.set_password(account_id, new)
        return self._sign_in.start_session(account_id), self._catalogue.get_account(account_id)

    def anyone_can_sign_in(self) -> bool:
        return self._sign_in.admins_with_password() > 0
