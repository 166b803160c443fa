"""Signing in with a password: Argon2 hashes, one-time links, slowing down guessers, sessions.

Nothing here is readable back: a password is kept as its Argon2 hash, a link or a browser session
as the SHA-256 of its random token, so a copy of the database opens no account. A login that
keeps failing is first slowed down (a growing wait between attempts), then refused for a while;
unknown logins are counted the same way and checked against a hash too, so the answer and its
timing do not tell whether an account exists.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Row, delete, func, insert, select, update

from agents.errors import UserError
from store.accounts import login_key
from store.database import Database, stamp, utc_now
from store.tables import accounts, browser_sessions, passwords, sign_in_failures, sign_in_links

LinkPurpose = Literal["invitation", "reset", "setup"]

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
FREE_ATTEMPTS = 3  # failures before the first wait
MAX_WAIT_S = 60  # the longest wait between two attempts while slowed down
LOCK_AFTER = 10  # failures in a row before the login is refused for a while
LOCK_MINUTES = 15
SESSION_TOUCH_S = 60  # a browser session's last activity is written at most once a minute

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone " + secrets.token_hex(8))


class SignInRefused(UserError):
    """Wrong login or password, a wait imposed on a guesser, a dead link: the person's to fix,
    and never telling whether an account exists."""


@dataclass(frozen=True)
class SignInLink:
    token: str
    account_id: str
    purpose: LinkPurpose
    expires_at: datetime


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError("sign_in.password_too_short", minimum=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise UserError("sign_in.password_too_long", maximum=MAX_PASSWORD)
    return password


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SignIn:
    """Over the catalogue's database (``SqlCatalogue.database``); thread- and process-safe."""

    def __init__(self, database: Database, now: Callable[[], datetime] = utc_now) -> None:
        self._db = database
        self._now = now

    # --- passwords -------------------------------------------------------------------------

    def set_password(self, account_id: str, password: str) -> None:
        hashed = _hasher.hash(check_password(password))
        row = {"account_id": account_id, "hash": hashed, "updated_at": stamp(self._now())}

        def work(conn: Connection) -> None:
            conn.execute(delete(passwords).where(passwords.c.account_id == account_id))
            conn.execute(insert(passwords).values(row))
            # A new password ends every open session of the account.
            conn.execute(
                delete(browser_sessions).where(browser_sessions.c.account_id == account_id)
            )

        self._db.write(work)

    def admins_with_password(self) -> int:
        """Active administrators who can sign in with a password."""
        query = (
            select(func.count())
            .select_from(passwords.join(accounts, accounts.c.id == passwords.c.account_id))
            .where(accounts.c.role == "admin", accounts.c.active == 1)
        )
        return int(self._db.read(lambda conn: conn.execute(query).scalar_one()))

    def accounts_with_password(self) -> set[str]:
        query = select(passwords.c.account_id)
        return set(self._db.read(lambda conn: list(conn.execute(query).scalars())))

    def has_password(self, account_id: str) -> bool:
        query = select(passwords.c.account_id).where(passwords.c.account_id == account_id)
        return self._db.read(lambda conn: conn.execute(query).first() is not None)

    def check(self, login: str, password: str) -> str:
        """The account id when ``login`` and ``password`` match an active account; otherwise
        ``SignInRefused``, the same for an unknown login, a wrong password or a disabled
        account, or a wait to respect first."""
        key = login_key(login)
        now = self._now()
        wait = self.wait_seconds(key, now)
        if wait > 0:
            raise SignInRefused("sign_in.wait", seconds=wait)
        query = (
            select(passwords.c.hash, accounts.c.active)
            .join(accounts, accounts.c.id == passwords.c.account_id)
            .where(passwords.c.account_id == key)
        )
        row = self._db.read(lambda conn: conn.execute(query).first())
        ok: bool
        try:
            ok = _hasher.verify(row.hash if row is not None else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None or not row.active:
            self._failed(key, now)
            raise SignInRefused("sign_in.refused")
        self._db.write(
            lambda conn: conn.execute(
                delete(sign_in_failures).where(sign_in_failures.c.login == key)
            )
        )
        if _hasher.check_needs_rehash(row.hash):
            self.set_password(key, password)
        return key

    def wait_seconds(self, login: str, now: datetime | None = None) -> int:
        """How long ``login`` must wait before its next attempt (0: it may try now)."""
        key = login_key(login)
        query = select(sign_in_failures).where(sign_in_failures.c.login == key)
        row = self._db.read(lambda conn: conn.execute(query).first())
        if row is None:
            return 0
        until = datetime.fromisoformat(row.last_failure_at) + _penalty(row.failures)
        left = (until - (now or self._now())).total_seconds()
        return max(0, int(left + 0.999))

    def _failed(self, key: str, now: datetime) -> None:
        def work(conn: Connection) -> None:
            query = select(sign_in_failures.c.failures).where(sign_in_failures.c.login == key)
            failures = conn.execute(query).scalar_one_or_none()
            if failures is None:
                values = {"login": key, "failures": 1, "last_failure_at": stamp(now)}
                conn.execute(insert(sign_in_failures).values(values))
            else:
                conn.execute(
                    update(sign_in_failures)
                    .where(sign_in_failures.c.login == key)
                    .values(failures=failures + 1, last_failure_at=stamp(now))
                )

        self._db.write(work)

    # --- one-time links --------------------------------------------------------------------

    def create_link(
        self, account_id: str, purpose: LinkPurpose, valid_for: timedelta
    ) -> SignInLink:
        token = secrets.token_urlsafe(32)
        now = self._now()
        link = SignInLink(token, account_id, purpose, now + valid_for)
        row = {
            "token_hash": _digest(token),
            "account_id": account_id,
            "purpose": purpose,
            "created_at": stamp(now),
            "expires_at": stamp(link.expires_at),
            "used_at": None,
        }
        self._db.write(lambda conn: conn.execute(insert(sign_in_links).values(row)))
        return link

    def peek_link(self, token: str, purpose: LinkPurpose) -> str | None:
        """The account a live link is for (``""`` for a set-up link), or None."""
        row = self._db.read(lambda conn: self._live_link(conn, token, purpose))
        return None if row is None else str(row.account_id)

    def use_link(self, token: str, purpose: LinkPurpose) -> str:
        """Marks the link used, once; returns its account id. A used, expired or unknown link
        is ``SignInRefused("sign_in.link_dead")``."""

        def work(conn: Connection) -> str:
            row = self._live_link(conn, token, purpose)
            if row is None:
                raise SignInRefused("sign_in.link_dead")
            conn.execute(
                update(sign_in_links)
                .where(sign_in_links.c.token_hash == row.token_hash)
                .values(used_at=stamp(self._now()))
            )
            return str(row.account_id)

        result: str = self._db.write(work)
        return result

    def _live_link(self, conn: Connection, token: str, purpose: LinkPurpose) -> Row[Any] | None:
        query = select(sign_in_links).where(
            sign_in_links.c.token_hash == _digest(token), sign_in_links.c.purpose == purpose
        )
        row = conn.execute(query).first()
        if row is None or row.used_at is not None:
            return None
        if datetime.fromisoformat(row.expires_at) <= self._now():
            return None
        return row

    # --- browser sessions ------------------------------------------------------------------

    def start_session(self, account_id: str) -> str:
        token = secrets.token_urlsafe(32)
        now = stamp(self._now())
        row = {
            "token_hash": _digest(token),
            "account_id": account_id,
            "created_at": now,
            "last_seen_at": now,
        }
        self._db.write(lambda conn: conn.execute(insert(browser_sessions).values(row)))
        return token

    def session_account(self, token: str, idle: timedelta) -> str | None:
        """The account of a live session, which counts as activity; None when it is unknown,
        ended, or idle for longer than ``idle`` (it is then ended)."""
        digest = _digest(token)
        query = select(browser_sessions).where(browser_sessions.c.token_hash == digest)
        row = self._db.read(lambda conn: conn.execute(query).first())
        if row is None:
            return None
        now = self._now()
        last = datetime.fromisoformat(row.last_seen_at)
        if now - last > idle:
            self.end_session(token)
            return None
        if (now - last).total_seconds() >= SESSION_TOUCH_S:
            self._db.write(
                lambda conn: conn.execute(
                    update(browser_sessions)
                    .where(browser_sessions.c.token_hash == digest)
                    .values(last_seen_at=stamp(now))
                )
            )
        return str(row.account_id)

    def end_session(self, token: str) -> None:
        digest = _digest(token)
        self._db.write(
            lambda conn: conn.execute(
                delete(browser_sessions).where(browser_sessions.c.token_hash == digest)
            )
        )

    def end_sessions(self, account_id: str) -> None:
        """Every browser session of the account (disabled, password changed)."""
        self._db.write(
            lambda conn: conn.execute(
                delete(browser_sessions).where(browser_sessions.c.account_id == account_id)
            )
        )


def _penalty(failures: int) -> timedelta:
    if failures >= LOCK_AFTER:
        return timedelta(minutes=LOCK_MINUTES)
    if failures <= FREE_ATTEMPTS:
        return timedelta(0)
    return timedelta(seconds=min(MAX_WAIT_S, 2 ** (failures - FREE_ATTEMPTS)))
