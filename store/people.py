"""Accounts and teams as the workspace offers them: an administrator's actions, each refused
inside (``Workspace.require_admin``) when the principal is not one, whatever the interface.

No default password, ever: an account gets one from its owner (typed twice on the CLI, or
through a one-time link), never from the administrator who created it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from agents.errors import InternalError, UserError
from store.accounts import (
    AccountRecord,
    Origin,
    TeamRecord,
    check_login,
    check_name,
    check_role,
    check_team_name,
    new_team_id,
)
from store.database import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable

    from store.person_data import PersonData, Summary
    from store.records import Catalogue
    from store.sign_in import LinkPurpose, SignIn, SignInLink
    from store.workspace import Workspace

INVITATION_DAYS = 7
RESET_HOURS = 24


class People:
    def __init__(self, workspace: Workspace, catalogue: Catalogue) -> None:
        self._workspace = workspace
        self._catalogue = catalogue

    @property
    def _sign_in(self) -> SignIn:
        return sign_in_of(self._catalogue)

    # --- accounts --------------------------------------------------------------------------

    def add_account(
        self, login: str, name: str = "", role: str = "user", origin: Origin = "local"
    ) -> AccountRecord:
        self._workspace.require_admin()
        now = utc_now()
        account = AccountRecord(
            id=check_login(login),
            name=check_name(name),
            role=check_role(role),
            active=True,
            origin=origin,
            created_at=now,
            updated_at=now,
        )
        self._catalogue.add_account(account)
        self._audit("account.created", "account", account.id, role=account.role, via=origin)
        return account

    def _audit(self, action: str, target_kind: str, target_id: str, **details: object) -> None:
        self._workspace._audit(action, target_kind, target_id, **details)

    def list_accounts(self) -> list[AccountRecord]:
        self._workspace.require_admin()
        return self._catalogue.list_accounts()

    def get_account(self, login: str) -> AccountRecord:
        self._workspace.require_admin()
        return self._catalogue.get_account(_key(login))

    def set_role(self, login: str, role: str) -> AccountRecord:
        me = self._workspace.require_admin()
        wanted = check_role(role)
        account = self._catalogue.get_account(_key(login))
        if account.role == "admin" and wanted != "admin":
            self._keep_an_admin(account, me.id)
        changed = self._catalogue.update_account(account.id, role=wanted)
        self._audit("account.role_changed", "account", account.id, before=account.role, role=wanted)
        return changed

    def disable(self, login: str) -> AccountRecord:
        """At once, on every path: the workspace checks the account on each operation, and
        the account's browser sessions end now."""
        me = self._workspace.require_admin()
        account = self._catalogue.get_account(_key(login))
        if account.role == "admin" and account.active:
            self._keep_an_admin(account, me.id)
        changed = self._catalogue.update_account(account.id, active=False)
        sign_in = getattr(self._catalogue, "sign_in", None)
        if sign_in is not None:
            sign_in.end_sessions(account.id)
        self._audit("account.disabled", "account", account.id)
        return changed

    def enable(self, login: str) -> AccountRecord:
        self._workspace.require_admin()
        account = self._catalogue.get_account(_key(login))
        changed = self._catalogue.update_account(account.id, active=True)
        self._audit("account.enabled", "account", account.id)
        return changed

    def _keep_an_admin(self, account: AccountRecord, me: str) -> None:
        if self._catalogue.count_active_admins() <= 1:
            raise UserError("account.last_admin", login=account.id)
        if account.id == me:
            raise UserError("account.not_yourself")

    def invitation(self, login: str, days: int = INVITATION_DAYS) -> SignInLink:
        """A link, valid once and for ``days``, where the person chooses their password."""
        self._workspace.require_admin()
        account = self._catalogue.get_account(_key(login))
        link = self._sign_in.create_link(account.id, "invitation", timedelta(days=days))
        self._audit("account.invited", "account", account.id, days=days)  # never the link
        return link

    def reset_link(self, login: str, hours: int = RESET_HOURS) -> SignInLink:
        """A new password is chosen through this link; the old one keeps working until then."""
        self._workspace.require_admin()
        account = self._catalogue.get_account(_key(login))
        link = self._sign_in.create_link(account.id, "reset", timedelta(hours=hours))
        self._audit("account.reset_link", "account", account.id, hours=hours)
        return link

    def set_password(self, login: str, password: str) -> None:
        """One's own password, or (an administrator) anyone's, typed by its owner at the
        administrator's terminal."""
        me = self._workspace.me()
        key = _key(login)
        if key != me.id:
            self._workspace.require_admin()
        account = self._catalogue.get_account(key)
        self._sign_in.set_password(account.id, password)
        self._audit("account.password_set", "account", account.id)

    def setup_link(self, hours: int = RESET_HOURS) -> SignInLink | None:
        """A one-time link to create the first administrator who signs in on the web, while
        no active administrator can (the data directory's owner has no password)."""
        self._workspace.require_admin()
        if self._sign_in.admins_with_password() > 0:
            return None
        link = self._sign_in.create_link("", "setup", timedelta(hours=hours))
        self._audit("account.setup_link", "installation", "", hours=hours)
        return link

    def with_password(self) -> set[str]:
        """The accounts that can sign in with a password."""
        self._workspace.require_admin()
        return self._sign_in.accounts_with_password()

    def has_password(self, login: str) -> bool:
        self._workspace.require_admin()
        return self._sign_in.has_password(_key(login))

    # --- a departing person's data ----------------------------------------------------------

    def export_person(self, login: str) -> PersonData:
        """Everything of the person's but their conversations (private to them: they export
        those themselves), for an administrator to hand over or keep."""
        me = self._workspace.require_admin()
        account = self._catalogue.get_account(_key(login))
        data = self._person_data(account.id, conversations=account.id == me.id)
        self._audit("data.exported", "account", account.id, conversations=account.id == me.id)
        return data

    def erase_person(self, login: str, erase_threads: Callable[[list[str]], None]) -> Summary:
        """Everything of the person's, then their account (``store.person_data``); refused for
        the last active administrator."""
        from store.person_data import erase_person_data, keep_an_admin

        self._workspace.require_admin()
        account = self._catalogue.get_account(_key(login))
        keep_an_admin(self._catalogue, account)
        summary = erase_person_data(
            self._person_data(account.id, conversations=True), erase_threads
        )
        self._workspace._erased(account.id, by="administrator")
        return summary

    def _person_data(self, account_id: str, *, conversations: bool) -> PersonData:
        from store.person_data import PersonData

        workspace = self._workspace
        return PersonData(
            account_id,
            self._catalogue,
            lambda: workspace._knowledge_store,
            lambda: workspace._secret_store,
            conversations=conversations,
        )

    # --- teams -----------------------------------------------------------------------------

    def add_team(self, name: str) -> TeamRecord:
        self._workspace.require_admin()
        team = TeamRecord(new_team_id(), check_team_name(name), utc_now())
        self._catalogue.add_team(team)
        self._audit("team.created", "team", team.id, name=team.name)
        return team

    def list_teams(self) -> list[TeamRecord]:
        self._workspace.require_admin()
        return self._catalogue.list_teams()

    def get_team(self, ref: str) -> TeamRecord:
        self._workspace.require_admin()
        return self._catalogue.get_team(ref)

    def add_member(self, team_ref: str, login: str) -> TeamRecord:
        self._workspace.require_admin()
        team = self._catalogue.get_team(team_ref)
        self._catalogue.add_member(team.id, _key(login))
        self._audit("team.member_added", "team", team.id, name=team.name, account=_key(login))
        return self._catalogue.get_team(team.id)

    def remove_member(self, team_ref: str, login: str) -> TeamRecord:
        self._workspace.require_admin()
        team = self._catalogue.get_team(team_ref)
        self._catalogue.remove_member(team.id, _key(login))
        self._audit("team.member_removed", "team", team.id, name=team.name, account=_key(login))
        return self._catalogue.get_team(team.id)

    def team_members(self, team_ref: str) -> list[AccountRecord]:
        self._workspace.require_admin()
        return self._catalogue.team_members(self._catalogue.get_team(team_ref).id)

    def my_teams(self) -> list[TeamRecord]:
        me = self._workspace.me()
        return self._catalogue.account_teams(me.id)


def _key(login: str) -> str:
    return login.strip().lower()


def owns_data_dir() -> bool:
    """Whether this process runs as the system user who owns the data directory: whoever can
    read it (it is 0700) holds every file of the installation anyway."""
    import os

    from store.config import data_dir

    getuid = getattr(os, "getuid", None)
    return getuid is None or data_dir().stat().st_uid == getuid()


def acting_account(catalogue: Catalogue, login: str) -> AccountRecord:
    """The account a terminal acts as (``ATELIER_USER``, ``--as``, or the system user). On an
    installation without any account yet, the data directory's owner becomes its first
    administrator. An unknown or disabled account is refused: the CLI exits with 2."""
    from agents.errors import NotFound, Refused
    from store.accounts import login_key

    key = login_key(login)
    try:
        account = catalogue.get_account(key)
    except NotFound:
        if catalogue.count_accounts() > 0 or not owns_data_dir():
            raise Refused("access.unknown_account", login=key) from None
        now = utc_now()
        account = AccountRecord(
            id=check_login(key, system=True),
            name="",
            role="admin",
            active=True,
            origin="system",
            created_at=now,
            updated_at=now,
        )
        try:
            catalogue.add_account(account)
        except UserError:  # another process enrolled the same person meanwhile
            account = catalogue.get_account(key)
        else:
            from store.audit import new_draft, terminal_origin

            first = new_draft(key, "account.created", "account", key, terminal_origin())
            catalogue.append_audit(replace(first, details={"role": "admin", "via": "system"}))
    if not account.active:
        raise Refused("access.disabled", login=key)
    return account


# --- one-time links, redeemed by whoever holds them --------------------------------------------
# The link is the authority here (it was printed for its holder), so these take the catalogue.


def sign_in_of(catalogue: Catalogue) -> SignIn:
    sign_in: Any = getattr(catalogue, "sign_in", None)
    if sign_in is None:
        raise InternalError("account.no_sign_in")
    return sign_in


def redeem_password_link(
    catalogue: Catalogue, token: str, purpose: LinkPurpose, password: str
) -> AccountRecord:
    """An invitation or a new-password link: the person's password is set, once."""
    from store.sign_in import check_password

    check_password(password)  # a refused password leaves the link usable
    sign_in = sign_in_of(catalogue)
    account_id = sign_in.use_link(token, purpose)
    account = catalogue.get_account(account_id)
    sign_in.set_password(account.id, password)
    return account


def redeem_setup_link(
    catalogue: Catalogue, token: str, login: str, name: str, password: str
) -> AccountRecord:
    """The first administrator who signs in on the web, created from the set-up link."""
    from store.sign_in import check_password

    now = utc_now()
    account = AccountRecord(
        id=check_login(login),
        name=check_name(name),
        role="admin",
        active=True,
        origin="local",
        created_at=now,
        updated_at=now,
    )
    check_password(password)
    sign_in = sign_in_of(catalogue)
    if sign_in.peek_link(token, "setup") is None:
        from store.sign_in import SignInRefused

        raise SignInRefused("sign_in.link_dead")
    catalogue.add_account(account)  # an existing login is refused before the link is spent
    sign_in.use_link(token, "setup")
    sign_in.set_password(account.id, password)
    return account
