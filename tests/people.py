"""Accounts for tests: the workspace checks its principal on every operation, so a test's
people must exist (and be active) in the catalogue it uses."""

from __future__ import annotations

from store.accounts import AccountRecord, Origin, Role
from store.database import utc_now
from store.organisation import Organisation
from store.records import Catalogue


def enrol(
    catalogue: Catalogue, *logins: str, role: Role = "creator", origin: Origin = "local"
) -> None:
    """Add each login as an active account with ``role`` (once; again is a no-op)."""
    known = {a.id for a in catalogue.list_accounts()}
    for login in logins:
        if login in known:
            continue
        now = utc_now()
        catalogue.add_account(AccountRecord(login, "", role, True, origin, now, now))


def organisation(login: str = "alice") -> Organisation:
    """The installation's settings as ``login``, an administrator (enrolled if missing)."""
    from store.sql_catalogue import open_catalogue
    from store.workspace import Workspace

    catalogue = open_catalogue()
    enrol(catalogue, login, role="admin")
    return Workspace(login, catalogue).organisation
