"""People and teams in memory: the reference for ``SqlAccounts`` (``store.accounts``)."""

from __future__ import annotations

import threading
from dataclasses import replace

from agents.errors import NotFound, UserError
from store.accounts import (
    AccountRecord,
    Role,
    TeamRecord,
    account_not_found,
    team_key,
    team_not_found,
)
from store.database import utc_now


class MemoryAccounts:
    """Mixed into ``MemoryCatalogue``; thread-safe under its own lock."""

    def __init__(self) -> None:
        self._people_lock = threading.RLock()
        self._accounts: dict[str, AccountRecord] = {}
        self._teams: dict[str, TeamRecord] = {}
        self._members: dict[str, set[str]] = {}  # team id -> account ids

    def add_account(self, account: AccountRecord) -> None:
        with self._people_lock:
            if account.id in self._accounts:
                raise UserError("account.exists", login=account.id)
            self._accounts[account.id] = account

    def get_account(self, account_id: str) -> AccountRecord:
        with self._people_lock:
            try:
                return self._accounts[account_id]
            except KeyError:
                raise account_not_found(account_id) from None

    def list_accounts(self) -> list[AccountRecord]:
        with self._people_lock:
            return sorted(self._accounts.values(), key=lambda a: a.id)

    def count_accounts(self) -> int:
        with self._people_lock:
            return len(self._accounts)

    def count_active_admins(self) -> int:
        with self._people_lock:
            return sum(1 for a in self._accounts.values() if a.role == "admin" and a.active)

    def update_account(
        self,
        account_id: str,
        *,
        name: str | None = None,
        role: Role | None = None,
        active: bool | None = None,
    ) -> AccountRecord:
        with self._people_lock:
            account = self.get_account(account_id)
            changed = replace(
                account,
                name=account.name if name is None else name,
                role=account.role if role is None else role,
                active=account.active if active is None else active,
                updated_at=utc_now(),
            )
            self._accounts[account_id] = changed
            return changed

    def delete_account(self, account_id: str) -> None:
        with self._people_lock:
            self.get_account(account_id)
            del self._accounts[account_id]
            for members in self._members.values():
                members.discard(account_id)

    def add_team(self, team: TeamRecord) -> None:
        with self._people_lock:
            for existing in self._teams.values():
                if team_key(existing.name) == team_key(team.name):
                    raise UserError("team.exists", name=existing.name)
            self._teams[team.id] = replace(team, members=0)
            self._members[team.id] = set()

    def _team(self, ref: str) -> TeamRecord:
        team = self._teams.get(ref)
        if team is None:
            team = next(
                (t for t in self._teams.values() if team_key(t.name) == team_key(ref)), None
            )
        if team is None:
            raise team_not_found(ref)
        return replace(team, members=len(self._members[team.id]))

    def get_team(self, team_ref: str) -> TeamRecord:
        with self._people_lock:
            return self._team(team_ref)

    def list_teams(self) -> list[TeamRecord]:
        with self._people_lock:
            found = [self._team(team_id) for team_id in self._teams]
            return sorted(found, key=lambda t: team_key(t.name))

    def add_member(self, team_id: str, account_id: str) -> None:
        with self._people_lock:
            team = self._team(team_id)
            self.get_account(account_id)
            self._members[team.id].add(account_id)

    def remove_member(self, team_id: str, account_id: str) -> None:
        with self._people_lock:
            team = self._team(team_id)
            if account_id not in self._members[team.id]:
                raise NotFound("team.not_member", login=account_id, team=team.name)
            self._members[team.id].discard(account_id)

    def team_members(self, team_id: str) -> list[AccountRecord]:
        with self._people_lock:
            team = self._team(team_id)
            return sorted((self._accounts[a] for a in self._members[team.id]), key=lambda a: a.id)

    def account_teams(self, account_id: str) -> list[TeamRecord]:
        with self._people_lock:
            found = [
                replace(t, members=0)
                for t in self._teams.values()
                if account_id in self._members[t.id]
            ]
            return sorted(found, key=lambda t: team_key(t.name))
