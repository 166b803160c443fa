"""Retention as the interfaces reach it (``store.retention`` does the erasing).

- ``RetentionServices``, mixed into ``Services``: the rules as everyone reads them (to be told
  when their things go), and the administrator's setting and applying them
  (``Workspace.organisation``, which refuses anyone else).
- ``CheckpointEraser``: the checkpointer's part of erasing a conversation, as deleting one does
  (messages, tool-call journal, write-ahead log emptied, file rebuilt), holding the
  conversation the way a turn does (``agents.thread_lock``) so that one being answered is
  skipped rather than erased mid-turn.
- ``Sweeper``: the builder's sweep, at start and then every hour, in a daemon thread; it acts for
  nobody (the audit log's actor is empty, its origin ``builder``) and, when several processes
  serve one installation, one of them sweeps each hour (``store.retention.claim_sweep``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.database import utc_now
from store.retention import SWEEP_EVERY, Clock, SweepReport, erased_on
from store.workspace import Workspace

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from builder_ui.services.installation import Installation
    from store.admin_settings import RetentionSettings
    from store.records import ConversationSummary

log = logging.getLogger(__name__)

BUILDER_ORIGIN = "builder"


class CheckpointEraser:
    """``store.retention.ThreadEraser`` over a LangGraph checkpointer."""

    def __init__(self, checkpointer: BaseCheckpointSaver[Any]) -> None:
        from agents.thread_lock import locks_for

        self._saver = checkpointer
        self._locks = locks_for(checkpointer)

    @contextmanager
    def hold(self, thread_id: str) -> Iterator[bool]:
        from agents.thread_lock import ConversationBusy

        stack = ExitStack()
        try:
            stack.enter_context(self._locks.hold(thread_id, wait=0.0))
        except ConversationBusy:
            held = False
        else:
            held = True
        with stack:
            yield held

    def erase(self, thread_id: str) -> None:
        from agents.call_journal import forget_thread

        self._saver.delete_thread(thread_id)  # SQLite: overwritten, its log emptied
        forget_thread(self._saver, thread_id)

    def compact(self) -> None:
        from agents.checkpoints import erase_threads

        erase_threads(self._saver, [])  # the file rebuilt (VACUUM), its log emptied again


class RetentionServices:
    """Mixed into ``Services`` (which provides ``workspace`` and ``checkpointer``)."""

    workspace: Workspace
    checkpointer: BaseCheckpointSaver[Any]

    def retention_rules(self) -> RetentionSettings:
        """The installation's retention, for everyone: it says when their things go."""
        from store.admin_settings import saved_admin_settings

        self.workspace.me()
        return saved_admin_settings().retention

    def set_retention(
        self, conversations: int | None, drafts: int | None, uploads: int | None
    ) -> RetentionSettings:
        """An administrator's: days each kind is kept (None: until deleted)."""
        return self.workspace.organisation.set_retention(conversations, drafts, uploads)

    def apply_retention(self, now: datetime | None = None) -> SweepReport:
        """An administrator's: erase now whatever is past its time."""
        organisation = self.workspace.organisation
        organisation.by  # noqa: B018 - refused before the checkpointer is touched
        return organisation.apply_retention(CheckpointEraser(self.checkpointer), now)


# --- when a person's things go ------------------------------------------------------------


def conversation_erased_on(summary: ConversationSummary, rules: RetentionSettings) -> date | None:
    return erased_on(summary.last_activity, rules.conversations_days)


def upload_erased_on(created_at: datetime, rules: RetentionSettings) -> date | None:
    return erased_on(created_at, rules.uploads_days)


# --- the builder's sweep ------------------------------------------------------------------


def sweep_installation(installation: Installation, now: datetime | None = None) -> SweepReport:
    """Everything past its time in this installation, for nobody in particular; in the audit
    log when something was erased."""
    from store.admin_settings import load_admin_settings
    from store.knowledge.service import open_knowledge_store
    from store.retention import expirers, record_sweep, sweep

    catalogue = installation._catalogue
    rules = load_admin_settings().retention
    kinds = expirers(catalogue, open_knowledge_store, CheckpointEraser(installation.checkpointer))
    report = sweep(kinds, rules, now)
    if report.total:
        record_sweep(catalogue, report, "", BUILDER_ORIGIN)
    return report


@dataclass
class Sweeper:
    """Sweeps ``installation`` (whose data directory is ``home``) now, then every ``every``."""

    installation: Installation
    home: Path
    clock: Clock = utc_now
    every: timedelta = SWEEP_EVERY

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0  # sweeps tried, for those waiting on one

    def run_once(self) -> SweepReport | None:
        """A sweep if retention is set and no process of the installation swept within
        ``every``; None otherwise."""
        from store.admin_settings import load_admin_settings
        from store.config import data_dir
        from store.retention import claim_sweep
        from store.secrets import open_secret_store, secrets_path

        if data_dir(create=False).resolve() != self.home:
            return None  # this process now serves another data directory (tests)
        if not secrets_path(create=False).exists():
            return None  # nothing was ever set
        store = open_secret_store()
        rules = load_admin_settings(store).retention
        if rules == type(rules)():
            return None  # everything kept until deleted
        now = self.clock()
        if not claim_sweep(store, now, self.every):
            return None
        return sweep_installation(self.installation, now)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="atelier-retention", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # the next round tries again; the builder keeps serving
                log.exception("retention sweep failed")
            self.rounds += 1
            self._stop.wait(self.every.total_seconds())


_SWEEPERS: dict[Path, Sweeper] = {}
_SWEEPERS_LOCK = threading.Lock()


def keep_sweeping(installation: Installation) -> Sweeper:
    """The builder's sweeper for this process and data directory, started once."""
    from store.config import data_dir

    home = data_dir().resolve()
    with _SWEEPERS_LOCK:
        sweeper = _SWEEPERS.get(home)
        if sweeper is None:
            sweeper = _SWEEPERS[home] = Sweeper(installation, home)
            sweeper.start()
        return sweeper
