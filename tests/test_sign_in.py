"""Signing in with a password: Argon2 hashes only, guessers slowed down then refused for a while,
one-time links, browser sessions that end when idle, at sign-out or when the account goes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from people import enrol

from agents.errors import UserError
from store.people import redeem_password_link, redeem_setup_link
from store.sign_in import LOCK_AFTER, LOCK_MINUTES, SignIn, SignInRefused
from store.sql_catalogue import SqlCatalogue

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[SqlCatalogue]:
    catalogue = SqlCatalogue(tmp_path / "catalogue.sqlite3")
    enrol(catalogue, "alice@example.fr", role="admin")
    enrol(catalogue, "bob@example.fr")
    yield catalogue
    catalogue.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sign_in(catalogue: SqlCatalogue, clock: Clock) -> SignIn:
    return SignIn(catalogue._db, now=clock)


def test_only_an_argon2_hash_is_kept_and_the_right_password_signs_in(
    sign_in: SignIn, tmp_path: Path
) -> None:
    sign_in.set_password("bob@example.fr", PASSWORD)
    assert sign_in.check(" Bob@Example.fr ", PASSWORD) == "bob@example.fr"
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("catalogue.sqlite3*"))
    assert PASSWORD.encode() not in stored
    assert b"$argon2id$" in stored


def test_a_wrong_password_an_unknown_login_and_a_disabled_account_look_alike(
    sign_in: SignIn, catalogue: SqlCatalogue
) -> None:
    sign_in.set_password("bob@example.fr", PASSWORD)
    messages = set()
    for login, password in (("bob@example.fr", "wrong password!"), ("eve@example.fr", PASSWORD)):
        with pytest.raises(SignInRefused) as exc:
            sign_in.check(login, password)
        messages.add(exc.value.message())
    catalogue.update_account("bob@example.fr", active=False)
    with pytest.raises(SignInRefused) as exc:
        sign_in.check("bob@example.fr", PASSWORD)
    messages.add(exc.value.message())
    assert len(messages) == 1


def test_repeated_failures_are_slowed_down_then_refused_for_a_while(
    sign_in: SignIn, clock: Clock
) -> None:
    sign_in.set_password("bob@example.fr", PASSWORD)
    for _ in range(3):  # a few typos cost nothing
        with pytest.raises(SignInRefused):
            sign_in.check("bob@example.fr", "typo typo typo")
    assert sign_in.wait_seconds("bob@example.fr") == 0
    with pytest.raises(SignInRefused):
        sign_in.check("bob@example.fr", "typo typo typo")
    waits = [sign_in.wait_seconds("bob@example.fr")]
    assert waits[0] > 0
    # During the wait even the right password is refused, and says how long to wait.
    with pytest.raises(SignInRefused) as exc:
        sign_in.check("bob@example.fr", PASSWORD)
    assert exc.value.key == "sign_in.wait"
    failures = 4
    while failures < LOCK_AFTER:
        clock.advance(sign_in.wait_seconds("bob@example.fr"))
        with pytest.raises(SignInRefused):
            sign_in.check("bob@example.fr", "guess guess guess")
        failures += 1
        waits.append(sign_in.wait_seconds("bob@example.fr"))
    assert waits == sorted(waits) and waits[-1] == LOCK_MINUTES * 60
    clock.advance(LOCK_MINUTES * 60 - 5)
    with pytest.raises(SignInRefused):
        sign_in.check("bob@example.fr", PASSWORD)
    clock.advance(5)
    assert sign_in.check("bob@example.fr", PASSWORD) == "bob@example.fr"
    assert sign_in.wait_seconds("bob@example.fr") == 0  # success forgives


def test_an_unknown_login_is_slowed_down_like_a_known_one(sign_in: SignIn) -> None:
    for _ in range(5):
        with pytest.raises(SignInRefused):
            sign_in.check("eve@example.fr", "guess guess guess")
    assert sign_in.wait_seconds("eve@example.fr") > 0


def test_passwords_too_short_are_refused(sign_in: SignIn) -> None:
    with pytest.raises(UserError) as exc:
        sign_in.set_password("bob@example.fr", "short")
    assert exc.value.key == "sign_in.password_too_short"
    assert not sign_in.has_password("bob@example.fr")


def test_an_invitation_link_works_once_and_not_after_it_expires(
    catalogue: SqlCatalogue, sign_in: SignIn, clock: Clock
) -> None:
    link = sign_in.create_link("bob@example.fr", "invitation", timedelta(days=7))
    with pytest.raises(UserError):  # a refused password leaves the link usable
        redeem_password_link(catalogue, link.token, "invitation", "short")
    # (the catalogue's own SignIn uses the real clock: the link is still young)
    redeem_password_link(catalogue, link.token, "invitation", PASSWORD)
    assert sign_in.check("bob@example.fr", PASSWORD) == "bob@example.fr"
    with pytest.raises(SignInRefused):
        redeem_password_link(catalogue, link.token, "invitation", "another password!")
    late = sign_in.create_link("bob@example.fr", "reset", timedelta(hours=1))
    assert sign_in.peek_link(late.token, "reset") == "bob@example.fr"
    assert sign_in.peek_link(late.token, "invitation") is None  # a link serves its purpose only
    clock.advance(3601)
    with pytest.raises(SignInRefused):
        sign_in.use_link(late.token, "reset")


def test_the_setup_link_creates_one_administrator_once(catalogue: SqlCatalogue) -> None:
    link = catalogue.sign_in.create_link("", "setup", timedelta(hours=1))
    with pytest.raises(UserError):  # an existing login is refused and the link kept
        redeem_setup_link(catalogue, link.token, "bob@example.fr", "Bob", PASSWORD)
    admin = redeem_setup_link(catalogue, link.token, "claire@example.fr", "Claire", PASSWORD)
    assert (admin.role, admin.active) == ("admin", True)
    assert catalogue.sign_in.check("claire@example.fr", PASSWORD) == "claire@example.fr"
    with pytest.raises(SignInRefused):
        redeem_setup_link(catalogue, link.token, "dan@example.fr", "Dan", PASSWORD)


def test_a_browser_session_ends_when_idle_at_sign_out_and_with_a_new_password(
    sign_in: SignIn, clock: Clock
) -> None:
    idle = timedelta(minutes=30)
    token = sign_in.start_session("bob@example.fr")
    assert sign_in.session_account(token, idle) == "bob@example.fr"
    clock.advance(29 * 60)
    assert sign_in.session_account(token, idle) == "bob@example.fr"  # activity keeps it
    clock.advance(29 * 60)
    assert sign_in.session_account(token, idle) == "bob@example.fr"
    clock.advance(31 * 60)
    assert sign_in.session_account(token, idle) is None
    other = sign_in.start_session("bob@example.fr")
    sign_in.end_session(other)
    assert sign_in.session_account(other, idle) is None
    third = sign_in.start_session("bob@example.fr")
    sign_in.set_password("bob@example.fr", PASSWORD)
    assert sign_in.session_account(third, idle) is None
    assert sign_in.session_account("forged-token", idle) is None
