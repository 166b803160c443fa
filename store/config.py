"""Where Atelier keeps its files and who is acting, read from the environment.

Everything lives under one data directory so that tests (and a second install on the same machine)
can point ``ATELIER_HOME`` elsewhere and never touch a real home.
"""

from __future__ import annotations

import getpass
import os
from contextvars import ContextVar
from pathlib import Path

DEFAULT_PRINCIPAL = "local"

# ``atelier --as LOGIN``: set by the command line for the command it runs, over ATELIER_USER.
_acting_as: ContextVar[str | None] = ContextVar("atelier_acting_as", default=None)


def act_as(login: str | None) -> None:
    _acting_as.set(login.strip() if login and login.strip() else None)


def data_dir(*, create: bool = True) -> Path:
    """The data directory, created on first use and readable by its owner only: it holds
    private documents and conversations. ``create=False``: only where it would be (reading
    what may be there, such as ``atelier agent validate`` on a machine with no data yet)."""
    raw = os.environ.get("ATELIER_HOME", "").strip()
    path = Path(raw).expanduser() if raw else Path.home() / ".atelier"
    if create:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def default_principal() -> str:
    """Whom a terminal acts as: ``--as``, else ``ATELIER_USER``, else the system user."""
    chosen = _acting_as.get()
    if chosen:
        return chosen
    name = os.environ.get("ATELIER_USER", "").strip()
    if name:
        return name
    try:
        name = getpass.getuser().strip()
    except (OSError, KeyError, ImportError):
        # getpass falls back to the password database, which a container may lack.
        name = ""
    return name or DEFAULT_PRINCIPAL


def catalogue_path() -> Path:
    return data_dir() / "catalogue.sqlite3"


def threads_path() -> Path:
    """The LangGraph checkpointer's file, kept apart so the catalogue stays small and fast."""
    return data_dir() / "threads.sqlite3"
