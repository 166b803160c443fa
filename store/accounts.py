"""People and teams: who may sign in, with which role, in which teams.

An account's id is its login, and it is what every ``owner`` column holds: an e-mail address for
the people an administrator adds (or single sign-on creates), or the system user's name for the
data directory's owner, the first administrator. Roles are ordered: an administrator may do what
a reviewer does, a reviewer what a creator does, a creator what a user does.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, cast

from agents.errors import NotFound, UserError
from store.knowledge.folding import fold

Role = Literal["admin", "reviewer", "creator", "user"]
ROLES: tuple[Role, ...] = ("admin", "reviewer", "creator", "user")
Origin = Literal["local", "sso", "proxy", "system"]

# Who builds agents and knowledge bases; a ``user`` chats with the agents open to them.
BUILDER_ROLES: frozenset[Role] = frozenset({"admin", "reviewer", "creator"})

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SYSTEM_LOGIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")
MAX_NAME = 120


@dataclass(frozen=True)
class AccountRecord:
    id: str
    name: str
    role: Role
    active: bool
    origin: Origin
    created_at: datetime
    updated_at: datetime

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name and self.name != self.id else self.id


@dataclass(frozen=True)
class TeamRecord:
    id: str
    name: str
    created_at: datetime
    members: int = 0


@dataclass(frozen=True)
class Principal:
    """Who acts, as the workspace found them at the start of an operation."""

    id: str
    name: str
    role: Role
    teams: frozenset[str]  # team ids

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_build(self) -> bool:
        return self.role in BUILDER_ROLES


class Accounts(Protocol):
    """The people and teams part of the catalogue (``store.records.Catalogue``)."""

    def add_account(self, account: AccountRecord) -> None:
        """Raises ``UserError("account.exists")``."""
        ...

    def get_account(self, account_id: str) -> AccountRecord:
        """Raises ``NotFound("account.not_found")``."""
        ...

    def list_accounts(self) -> list[AccountRecord]:
        """By id."""
        ...

    def count_accounts(self) -> int: ...

    def update_account(
        self,
        account_id: str,
        *,
        name: str | None = None,
        role: Role | None = None,
        active: bool | None = None,
    ) -> AccountRecord:
        """Raises ``NotFound``."""
        ...

    def count_active_admins(self) -> int: ...

    def delete_account(self, account_id: str) -> None:
        """The account and what only it holds: its password, browser sessions, one-time links,
        failed sign-ins, team memberships and grants to it, leaving them in no file. Whatever
        it owns (agents, conversations) must be erased first. Raises ``NotFound``."""
        ...

    def add_team(self, team: TeamRecord) -> None:
        """Raises ``UserError("team.exists")`` when the name (accents and case aside) is taken."""
        ...

    def get_team(self, team_ref: str) -> TeamRecord:
        """By id or by name (accents and case aside); raises ``NotFound("team.not_found")``."""
        ...

    def list_teams(self) -> list[TeamRecord]:
        """By name, with their number of members."""
        ...

    def add_member(self, team_id: str, account_id: str) -> None:
        """Once; again is a no-op. Raises ``NotFound`` for an unknown team or account."""
        ...

    def remove_member(self, team_id: str, account_id: str) -> None:
        """Raises ``NotFound("team.not_member")``."""
        ...

    def team_members(self, team_id: str) -> list[AccountRecord]: ...

    def account_teams(self, account_id: str) -> list[TeamRecord]: ...


def account_not_found(account_id: str) -> NotFound:
    return NotFound("account.not_found", ref=account_id)


def team_not_found(ref: str) -> NotFound:
    return NotFound("team.not_found", ref=ref)


def login_key(login: str) -> str:
    """Logins compare without case or surrounding spaces."""
    return login.strip().lower()


def check_login(login: str, *, system: bool = False) -> str:
    """An e-mail address (or, for the data directory's owner, a system user name)."""
    key = login_key(login)
    if _EMAIL.match(key) or (system and _SYSTEM_LOGIN.match(key)):
        return key
    raise UserError("account.bad_email", login=login.strip())


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise UserError("account.bad_role", role=role, roles=", ".join(ROLES))
    return cast(Role, role)


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if len(cleaned) > MAX_NAME:
        raise UserError("account.name_too_long", limit=MAX_NAME)
    return cleaned


def team_key(name: str) -> str:
    """Team names compare without accents, case or extra spaces: "Équipe RH" = "equipe rh"."""
    return " ".join(fold(name).split())


def check_team_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise UserError("team.empty_name")
    if len(cleaned) > MAX_NAME:
        raise UserError("team.name_too_long", limit=MAX_NAME)
    return cleaned


def new_team_id() -> str:
    return "tm-" + secrets.token_hex(5)
