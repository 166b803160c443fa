"""People and teams in SQL: the accounts part of ``SqlCatalogue`` (see ``store.accounts``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from agents.errors import NotFound, UserError
from store.accounts import (
    AccountRecord,
    Role,
    TeamRecord,
    account_not_found,
    team_key,
    team_not_found,
)
from store.catalogue_cache import ANY
from store.database import stamp, utc_now
from store.sql_catalogue_cache import moved
from store.tables import (
    accounts,
    browser_sessions,
    grants,
    passwords,
    sign_in_failures,
    sign_in_links,
    team_members,
    teams,
)

T = TypeVar("T")


class SqlAccounts:
    """Mixed into ``SqlCatalogue``: it provides ``_read`` and ``_write``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _write: Callable[[Callable[[Connection], Any]], Any]
    _forget: Callable[[], None]  # empties the write-ahead log after an erasure

    def add_account(self, account: AccountRecord) -> None:
        row = {
            "id": account.id,
            "name": account.name,
            "role": account.role,
            "active": 1 if account.active else 0,
            "origin": account.origin,
            "created_at": stamp(account.created_at),
            "updated_at": stamp(account.updated_at),
        }

        def work(conn: Connection) -> None:
            if conn.execute(select(accounts.c.id).where(accounts.c.id == account.id)).first():
                raise UserError("account.exists", login=account.id)
            conn.execute(insert(accounts).values(row))

        self._write(work)

    def get_account(self, account_id: str) -> AccountRecord:
        def work(conn: Connection) -> AccountRecord:
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
            if row is None:
                raise account_not_found(account_id)
            return _account(row)

        result: AccountRecord = self._read(work)
        return result

    def list_accounts(self) -> list[AccountRecord]:
        query = select(accounts).order_by(accounts.c.id)
        result: list[AccountRecord] = self._read(
            lambda conn: [_account(row) for row in conn.execute(query)]
        )
        return result

    def count_accounts(self) -> int:
        query = select(func.count()).select_from(accounts)
        return int(self._read(lambda conn: conn.execute(query).scalar_one()))

    def count_active_admins(self) -> int:
        query = (
            select(func.count())
            .select_from(accounts)
            .where(accounts.c.role == "admin", accounts.c.active == 1)
        )
        return int(self._read(lambda conn: conn.execute(query).scalar_one()))

    def update_account(
        self,
        account_id: str,
        *,
        name: str | None = None,
        role: Role | None = None,
        active: bool | None = None,
    ) -> AccountRecord:
        changes: dict[str, Any] = {"updated_at": stamp(utc_now())}
        if name is not None:
            changes["name"] = name
        if role is not None:
            changes["role"] = role
        if active is not None:
            changes["active"] = 1 if active else 0

        def work(conn: Connection) -> AccountRecord:
            done = conn.execute(update(accounts).where(accounts.c.id == account_id).values(changes))
            if done.rowcount == 0:
                raise account_not_found(account_id)
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).one()
            return _account(row)

        result: AccountRecord = self._write(work)
        return result

    def delete_account(self, account_id: str) -> None:
        def work(conn: Connection) -> None:
            if not conn.execute(select(accounts.c.id).where(accounts.c.id == account_id)).first():
                raise account_not_found(account_id)
            for owned in (passwords, browser_sessions, sign_in_links):
                conn.execute(delete(owned).where(owned.c.account_id == account_id))
            conn.execute(delete(sign_in_failures).where(sign_in_failures.c.login == account_id))
            conn.execute(delete(team_members).where(team_members.c.account_id == account_id))
            conn.execute(
                delete(grants).where(
                    grants.c.grantee_kind == "account", grants.c.grantee_id == account_id
                )
            )
            moved(conn, ANY)  # the grants to the account went with it
            conn.execute(delete(accounts).where(accounts.c.id == account_id))

        self._write(work)
        self._forget()

    # --- teams -----------------------------------------------------------------------------

    def add_team(self, team: TeamRecord) -> None:
        row = {
            "id": team.id,
            "name": team.name,
            "name_key": team_key(team.name),
            "created_at": stamp(team.created_at),
        }

        def work(conn: Connection) -> None:
            taken = select(teams.c.name).where(teams.c.name_key == row["name_key"])
            existing = conn.execute(taken).scalar_one_or_none()
            if existing is not None:
                raise UserError("team.exists", name=existing)
            conn.execute(insert(teams).values(row))

        self._write(work)

    def get_team(self, team_ref: str) -> TeamRecord:
        def work(conn: Connection) -> TeamRecord:
            return _team(conn, _team_row(conn, team_ref))

        result: TeamRecord = self._read(work)
        return result

    def list_teams(self) -> list[TeamRecord]:
        counts = (
            select(team_members.c.team_id, func.count().label("members"))
            .group_by(team_members.c.team_id)
            .subquery()
        )
        query = (
            select(teams.c.id, teams.c.name, teams.c.created_at, counts.c.members)
            .select_from(teams.outerjoin(counts, counts.c.team_id == teams.c.id))
            .order_by(teams.c.name_key)
        )

        def work(conn: Connection) -> list[TeamRecord]:
            return [
                TeamRecord(r.id, r.name, datetime.fromisoformat(r.created_at), r.members or 0)
                for r in conn.execute(query)
            ]

        result: list[TeamRecord] = self._read(work)
        return result

    def add_member(self, team_id: str, account_id: str) -> None:
        def work(conn: Connection) -> None:
            tid = _team_row(conn, team_id).id
            if not conn.execute(select(accounts.c.id).where(accounts.c.id == account_id)).first():
                raise account_not_found(account_id)
            known = select(team_members.c.team_id).where(
                team_members.c.team_id == tid, team_members.c.account_id == account_id
            )
            if conn.execute(known).first() is None:
                row = {"team_id": tid, "account_id": account_id, "added_at": stamp(utc_now())}
                conn.execute(insert(team_members).values(row))

        self._write(work)

    def remove_member(self, team_id: str, account_id: str) -> None:
        def work(conn: Connection) -> None:
            team = _team_row(conn, team_id)
            done = conn.execute(
                delete(team_members).where(
                    team_members.c.team_id == team.id, team_members.c.account_id == account_id
                )
            )
            if done.rowcount == 0:
                raise NotFound("team.not_member", login=account_id, team=team.name)

        self._write(work)

    def team_members(self, team_id: str) -> list[AccountRecord]:
        def work(conn: Connection) -> list[AccountRecord]:
            tid = _team_row(conn, team_id).id
            query = (
                select(accounts)
                .join(team_members, team_members.c.account_id == accounts.c.id)
                .where(team_members.c.team_id == tid)
                .order_by(accounts.c.id)
            )
            return [_account(row) for row in conn.execute(query)]

        result: list[AccountRecord] = self._read(work)
        return result

    def account_teams(self, account_id: str) -> list[TeamRecord]:
        query = (
            select(teams)
            .join(team_members, team_members.c.team_id == teams.c.id)
            .where(team_members.c.account_id == account_id)
            .order_by(teams.c.name_key)
        )

        def work(conn: Connection) -> list[TeamRecord]:
            return [_team(conn, row, count=False) for row in conn.execute(query)]

        result: list[TeamRecord] = self._read(work)
        return result


def _account(row: Row[Any]) -> AccountRecord:
    return AccountRecord(
        id=row.id,
        name=row.name,
        role=row.role,
        active=bool(row.active),
        origin=row.origin,
        created_at=datetime.fromisoformat(row.created_at),
        updated_at=datetime.fromisoformat(row.updated_at),
    )


def _team_row(conn: Connection, ref: str) -> Row[Any]:
    row = conn.execute(select(teams).where(teams.c.id == ref)).first()
    if row is None:
        row = conn.execute(select(teams).where(teams.c.name_key == team_key(ref))).first()
    if row is None:
        raise team_not_found(ref)
    return row


def _team(conn: Connection, row: Row[Any], *, count: bool = True) -> TeamRecord:
    members = 0
    if count:
        query = select(func.count()).where(team_members.c.team_id == row.id)
        members = int(conn.execute(query).scalar_one())
    return TeamRecord(row.id, row.name, datetime.fromisoformat(row.created_at), members)
