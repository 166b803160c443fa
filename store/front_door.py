"""What may happen before anyone is known: signing in with a password or a session, and the
one-time links whose holder the link itself vouches for. The only part of the catalogue an
interface reaches without a principal; everything after goes through ``Workspace(principal)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from datetime import timedelta
from typing import TYPE_CHECKING

from agents.errors import NotFound
from store.accounts import AccountRecord

if TYPE_CHECKING:
    from store.accounts import Origin
    from store.records import Catalogue
    from store.sign_in import LinkPurpose, SignIn


class FrontDoor:
    """``origin`` says from where people knock (``web 192.0.2.7``), for the audit log: every
    sign-in, failed or not, is recorded with it (never a password)."""

    def __init__(self, catalogue: Catalogue, origin: str = "") -> None:
        self._catalogue = catalogue
        self._origin = origin

    def _audit(self, actor: str, action: str, **details: object) -> None:
        from store.audit import new_draft

        target = actor if action != "sign_in.failed" else ""
        self._catalogue.append_audit(
            new_draft(actor, action, "account" if target else "", target, self._origin, **details)
        )

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
        from store.accounts import login_key
        from store.sign_in import SignInRefused

        try:
            account_id = self._sign_in.check(login, password)
        except SignInRefused as exc:
            self._audit(login_key(login), "sign_in.failed", method="password", reason=exc.key)
            raise
        self._audit(account_id, "sign_in.succeeded", method="password")
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
        self._audit(account.id, "account.password_set", link=purpose)
        self._audit(account.id, "sign_in.succeeded", method=purpose)
        return self._sign_in.start_session(account.id), account

    def redeem_setup_link(
        self, token: str, login: str, name: str, password: str
    ) -> tuple[str, AccountRecord]:
        from store.people import redeem_setup_link

        account = redeem_setup_link(self._catalogue, token, login, name, password)
        self._audit(account.id, "account.created", role=account.role, via="setup")
        self._audit(account.id, "sign_in.succeeded", method="setup")
        return self._sign_in.start_session(account.id), account

    def change_password(self, account_id: str, current: str, new: str) -> tuple[str, AccountRecord]:
        """The current password first; every session of the account ends, and a new one
        starts for the person who changed it."""
        from store.sign_in import SignInRefused, check_password

        check_password(new)
        try:
            self._sign_in.check(account_id, current)
        except SignInRefused as exc:
            self._audit(account_id, "sign_in.failed", method="change_password", reason=exc.key)
            raise
        self._sign_in.set_password(account_id, new)
        self._audit(account_id, "account.password_changed")
        return self._sign_in.start_session(account_id), self._catalogue.get_account(account_id)

    def anyone_can_sign_in(self) -> bool:
        return self._sign_in.admins_with_password() > 0

    def outside_accounts(self, origin: Origin) -> OutsideAccounts:
        """Accounts vouched for by an identity provider or a trusted proxy: made at the first
        sign-in (``builder_ui.services.single_sign_on.sign_in_with_sso``)."""
        return OutsideAccounts(self._catalogue, origin, self._origin)

    def start_session(self, account_id: str) -> tuple[str, AccountRecord]:
        """A session for an account the provider or the proxy vouched for; refused (like a
        wrong password) when the account is disabled."""
        from store.sign_in import SignInRefused

        account = self._catalogue.get_account(account_id)
        if not account.active:
            self._audit(account.id, "sign_in.failed", method=account.origin, reason="disabled")
            raise SignInRefused("sign_in.refused")
        self._audit(account.id, "sign_in.succeeded", method=account.origin)
        return self._sign_in.start_session(account.id), account


class OutsideAccounts:
    """``SsoAccounts`` over the catalogue: the account of an address the provider vouches
    for, and its teams kept in step with the provider's groups."""

    def __init__(self, catalogue: Catalogue, origin: Origin, where: str = "") -> None:
        self._catalogue = catalogue
        self._origin = origin
        self._where = where  # for the audit log

    def ensure_account(self, email: str, name: str, role: str) -> AccountRecord:
        from agents.errors import UserError
        from store.accounts import check_login, check_name, check_role
        from store.database import utc_now

        login = check_login(email)
        try:
            return self._catalogue.get_account(login)
        except NotFound:
            pass
        now = utc_now()
        account = AccountRecord(
            login, check_name(name), check_role(role), True, self._origin, now, now
        )
        try:
            self._catalogue.add_account(account)
        except UserError:  # made by another sign-in meanwhile
            return self._catalogue.get_account(login)
        from store.audit import new_draft

        self._catalogue.append_audit(
            new_draft(
                login,
                "account.created",
                "account",
                login,
                self._where,
                role=account.role,
                via=self._origin,
            )
        )
        return account

    def set_teams(self, email: str, teams: Collection[str], managed: Collection[str]) -> None:
        from agents.errors import UserError
        from store.accounts import TeamRecord, check_team_name, new_team_id
        from store.database import utc_now

        login = email.strip().lower()
        member_of = {team.id for team in self._catalogue.account_teams(login)}
        wanted = set(teams)
        for name in managed:
            try:
                team = self._catalogue.get_team(name)
            except NotFound:
                if name not in wanted:
                    continue
                with contextlib.suppress(UserError):  # made meanwhile
                    self._catalogue.add_team(
                        TeamRecord(new_team_id(), check_team_name(name), utc_now())
                    )
                team = self._catalogue.get_team(name)
            if name in wanted and team.id not in member_of:
                self._catalogue.add_member(team.id, login)
            elif name not in wanted and team.id in member_of:
                self._catalogue.remove_member(team.id, login)
