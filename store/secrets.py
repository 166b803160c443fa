"""Stored credentials: API keys and tokens that tools use, encrypted at rest, known by name.

A spec, an export, a log, a checkpoint or a prompt only ever holds a secret's *name*; the value
is encrypted with Fernet (AES-128-CBC and HMAC-SHA256) and leaves this module only through
``SecretStore.get``, which the workspace hands to a run's tools as a resolver. Nothing here logs
a value or puts one in an exception.

The key comes from ``ATELIER_SECRET_KEY`` (one Fernet key, or several separated by commas: the
first encrypts, all decrypt, so a key can be rotated), or else from ``secret.key`` in the data
directory, created on first use readable by its owner only. Losing the key loses the secrets:
they must then be set again.

Each token seals the owner and the name with the value, so a row copied to another person or
another name in the database file is refused rather than used. The database is ``erasable``: a
deleted or replaced secret is overwritten in the file and in its write-ahead log. The same file
holds the installation's settings (``store.admin_settings``), which contain names only.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from secrets import token_hex

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Connection, column, delete, insert, select, table, update
from sqlalchemy.engine import make_url

from agents.errors import NotFound, UserError
from store.config import data_dir
from store.database import Database, stamp, utc_now
from store.migrations import Migration

log = logging.getLogger(__name__)

ENV_KEY = "ATELIER_SECRET_KEY"
KEY_FILE = "secret.key"
DB_FILE = "secrets.sqlite3"
GENERATE_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
MAX_VALUE_CHARS = 65_536

INSTALLATION = ""
"""The owner of the installation's own secrets (the credentials named in the admin settings).
Never a person: a ``Workspace`` refuses a blank principal, so no one reaches these through it."""

MIGRATIONS: list[Migration] = [
    (
        "0001_secrets",
        [
            """CREATE TABLE secrets (
                owner TEXT NOT NULL,
                name TEXT NOT NULL,
                ciphertext TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (owner, name)
            )""",
        ],
    ),
    (
        "0002_settings",
        [
            """CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                updated_by TEXT NOT NULL
            )""",
        ],
    ),
]

secrets_table = table(
    "secrets",
    *map(column, ("owner", "name", "ciphertext", "created_at", "updated_at")),
)
settings_table = table("settings", *map(column, ("key", "value", "updated_at", "updated_by")))


@dataclass(frozen=True)
class SecretInfo:
    """What may be shown of a secret: its name and dates, never its value."""

    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredSetting:
    value: str
    updated_at: datetime
    updated_by: str


def secrets_path(*, create: bool = True) -> Path:
    """``create=False``: where the file would be, without creating the data directory."""
    return data_dir(create=create) / DB_FILE


def key_path() -> Path:
    return data_dir() / KEY_FILE


def check_name(name: str) -> str:
    """A secret's name as specs and commands write it: lower case, digits, ``_ . -``."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise UserError("secret.bad_name", name=str(name)[:80])
    return name


class SecretStore:
    """Thread-safe; several processes may open the same file. ``owner`` is a principal (the
    workspace passes its own) or ``INSTALLATION``."""

    def __init__(
        self,
        url_or_path: str | Path | None = None,
        *,
        key_file: Path | None = None,
        busy_timeout: float = 30.0,
    ) -> None:
        target = secrets_path() if url_or_path is None else url_or_path
        _create_private(target)
        self._db = Database(target, MIGRATIONS, busy_timeout=busy_timeout, erasable=True)
        self._key_file = key_file

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def close(self) -> None:
        self._db.close()

    # --- secrets ---------------------------------------------------------------------------

    def set(self, owner: str, name: str, value: str) -> SecretInfo:
        """Store or replace ``owner``'s secret ``name``; a replaced value is erased."""
        check_name(name)
        if not isinstance(value, str) or not value:
            raise UserError("secret.empty_value", name=name)
        if len(value) > MAX_VALUE_CHARS:
            raise UserError("secret.too_long", name=name, limit=MAX_VALUE_CHARS)
        token = self._fernet().encrypt(_seal(owner, name, value)).decode("ascii")
        now = stamp(utc_now())
        where = (secrets_table.c.owner == owner) & (secrets_table.c.name == name)

        def work(conn: Connection) -> tuple[str, bool]:
            created = conn.execute(select(secrets_table.c.created_at).where(where)).scalar()
            if created is None:
                row = {
                    "owner": owner,
                    "name": name,
                    "ciphertext": token,
                    "created_at": now,
                    "updated_at": now,
                }
                conn.execute(insert(secrets_table).values(row))
                return now, False
            conn.execute(
                update(secrets_table).where(where).values(ciphertext=token, updated_at=now)
            )
            return str(created), True

        created, replaced = self._db.write(work)
        if replaced:
            self._db.forget()
        log.info("secret %r %s", name, "replaced" if replaced else "stored")
        return SecretInfo(name, datetime.fromisoformat(created), datetime.fromisoformat(now))

    def get(self, owner: str, name: str) -> str:
        """The value, for a tool about to authenticate. ``NotFound`` names only ``name``."""
        check_name(name)
        token = self._db.read(
            lambda conn: conn.execute(
                select(secrets_table.c.ciphertext).where(
                    (secrets_table.c.owner == owner) & (secrets_table.c.name == name)
                )
            ).scalar()
        )
        if token is None:
            raise NotFound("secret.not_found", name=name)
        try:
            sealed = self._fernet().decrypt(str(token).encode("ascii"))
        except InvalidToken:
            raise UserError("secret.undecryptable", name=name, source=self._key_source()) from None
        return _unseal(sealed, owner, name)

    def list(self, owner: str) -> list[SecretInfo]:
        """Names and dates of ``owner``'s secrets, by name; no value is decrypted."""
        query = (
            select(secrets_table.c.name, secrets_table.c.created_at, secrets_table.c.updated_at)
            .where(secrets_table.c.owner == owner)
            .order_by(secrets_table.c.name)
        )
        rows = self._db.read(lambda conn: list(conn.execute(query)))
        return [
            SecretInfo(
                row.name,
                datetime.fromisoformat(row.created_at),
                datetime.fromisoformat(row.updated_at),
            )
            for row in rows
        ]

    def delete(self, owner: str, name: str) -> None:
        """Delete and erase ``owner``'s secret ``name`` (``NotFound`` if there is none)."""
        check_name(name)
        where = (secrets_table.c.owner == owner) & (secrets_table.c.name == name)
        removed = self._db.write(lambda conn: conn.execute(delete(secrets_table).where(where)))
        if not removed.rowcount:
            raise NotFound("secret.not_found", name=name)
        self._db.forget()
        log.info("secret %r deleted", name)

    def delete_all(self, owner: str) -> int:
        """Erase every secret of ``owner`` (a person leaving: GDPR erasure); how many there
        were."""
        where = secrets_table.c.owner == owner
        removed = self._db.write(lambda conn: conn.execute(delete(secrets_table).where(where)))
        self._db.forget()
        return int(removed.rowcount or 0)

    # --- installation settings (``store.admin_settings``) ----------------------------------

    def setting(self, key: str) -> StoredSetting | None:
        row = self._db.read(
            lambda conn: conn.execute(
                select(settings_table).where(settings_table.c.key == key)
            ).first()
        )
        if row is None:
            return None
        return StoredSetting(row.value, datetime.fromisoformat(row.updated_at), row.updated_by)

    def update_setting(self, key: str, change: Callable[[str | None], str], by: str) -> str:
        """``change(current text or None)`` gives the new text, written in the same write
        transaction: two processes changing settings at once take turns, none loses the
        other's change."""

        def work(conn: Connection) -> str:
            where = settings_table.c.key == key
            current = conn.execute(select(settings_table.c.value).where(where)).scalar()
            value = change(None if current is None else str(current))
            row = {"value": value, "updated_at": stamp(utc_now()), "updated_by": by}
            if current is None:
                conn.execute(insert(settings_table).values(key=key, **row))
            else:
                conn.execute(update(settings_table).where(where).values(row))
            return value

        return self._db.write(work)

    # --- the key ---------------------------------------------------------------------------

    def _fernet(self) -> MultiFernet:
        """Read on every use: a changed ``ATELIER_SECRET_KEY`` or key file takes effect at
        once, and no key stays in this object."""
        return installation_fernet(self._key_file)

    def _key_source(self) -> str:
        if os.environ.get(ENV_KEY, "").strip():
            return ENV_KEY
        return str(self._key_file or key_path())


def installation_fernet(key_file: Path | None = None) -> MultiFernet:
    """The installation's key (``ATELIER_SECRET_KEY``, else the key file), read on every use;
    what else Atelier keeps encrypted at rest (a conversation's pseudonyms) uses it too."""
    raw = os.environ.get(ENV_KEY, "").strip()
    if raw:
        try:
            return MultiFernet([Fernet(k.strip()) for k in raw.split(",") if k.strip()])
        except (ValueError, TypeError):
            raise UserError("secret.bad_env_key", name=ENV_KEY, command=GENERATE_KEY) from None
    return MultiFernet([Fernet(_key_from_file(key_file or key_path()))])


def _seal(owner: str, name: str, value: str) -> bytes:
    return json.dumps({"owner": owner, "name": name, "value": value}).encode("utf-8")


def _unseal(sealed: bytes, owner: str, name: str) -> str:
    """The value, if the token was made for this owner and this name."""
    try:
        data = json.loads(sealed)
    except ValueError:  # the error would quote the decrypted text: say nothing of it
        data = None
    if (
        not isinstance(data, dict)
        or data.get("owner") != owner
        or data.get("name") != name
        or not isinstance(data.get("value"), str)
    ):
        raise UserError("secret.tampered", name=name)
    return str(data["value"])


def _create_private(target: str | Path) -> None:
    """Create an SQLite file readable by its owner only before SQLite does (it would follow the
    umask); SQLite gives its -wal and -shm files the same mode."""
    text = str(target)
    if "://" in text:
        url = make_url(text)
        if url.get_backend_name() != "sqlite" or not url.database:
            return
        text = url.database
    path = Path(text).expanduser()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


# --- the key file ---------------------------------------------------------------------------

_key_lock = threading.Lock()


def _key_from_file(path: Path) -> bytes:
    with _key_lock:
        try:
            return _read_key_file(path)
        except FileNotFoundError:
            _create_key_file(path)
            return _read_key_file(path)


def _read_key_file(path: Path) -> bytes:
    """The key, from a regular file that nobody else may read (a symbolic link is refused: it
    could point anywhere)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UserError(
            "secret.key_file_unreadable", path=str(path), reason=exc.strerror or type(exc).__name__
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UserError("secret.key_file_not_file", path=str(path))
        if os.name == "posix" and info.st_mode & 0o077:
            mode = oct(stat.S_IMODE(info.st_mode))
            raise UserError("secret.key_file_open", path=str(path), mode=mode)
        key = handle.read(1024).strip()
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise UserError("secret.bad_key_file", path=str(path), command=GENERATE_KEY) from None
    return key


def _create_key_file(path: Path) -> None:
    """A new random key, mode 0600. Written to a private temporary file and linked into place,
    so that two processes starting at once agree on one key and nobody reads a half-written
    file: the loser of the race uses the winner's key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return  # another process created it first
        except OSError:  # a file system without hard links: create the file in place
            _create_key_file_in_place(path, temporary.read_bytes())
    finally:
        temporary.unlink(missing_ok=True)
    log.warning(
        "created the secret key %s: back it up with the data directory, the stored secrets "
        "cannot be read without it",
        path,
    )


def _create_key_file_in_place(path: Path, key: bytes) -> None:
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())


# --- one store per data directory -----------------------------------------------------------

_stores: dict[Path, SecretStore] = {}
_stores_lock = threading.Lock()


def open_secret_store() -> SecretStore:
    """This installation's secret store, shared by the process."""
    home = data_dir().resolve()
    with _stores_lock:
        store = _stores.get(home)
        if store is None:
            store = SecretStore(home / DB_FILE, key_file=home / KEY_FILE)
            _stores[home] = store
        return store


def close_secret_stores() -> None:
    """Close every store this process opened (tests; a clean shutdown)."""
    with _stores_lock:
        stores = list(_stores.values())
        _stores.clear()
    for store in stores:
        store.close()
