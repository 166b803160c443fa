"""Retention: what is past the time an administrator set (``AdminSettings.retention``) is
erased for real, the same way deleting it by hand erases it.

The sweep is a list of expirers, one per kind of thing kept: each has a ``name`` (what the
counts and the audit log call it), the ``setting`` of ``RetentionSettings`` that gives its
number of days, and ``expire(before)``, which erases what is older than ``before`` and says how
many it erased. An expirer whose setting is empty is not called: kept until deleted. Adding a
kind of thing (supervised drafts and batches) is one more entry in ``expirers``.

- **Conversations**, by their last activity (their last run, or their start: what the person's
  list shows): their messages and tool-call journal out of the checkpointer's files (the
  caller's ``ThreadEraser``), the files attached to them (text and vectors), then their record.
  Each is erased while holding its conversation (``ThreadEraser.hold``): one being answered
  right now is skipped, and read again once held, in case a turn ended meanwhile. A
  conversation waiting on a person's approval past its time is erased too: a decision nobody
  took for that long is not one anybody is waiting for, and the person was told the date.
- **Uploads**, by their creation: files attached to conversations (the conversation stays),
  and files tools made for people (``store.files``).

Erasing is idempotent (something already gone counts for nothing), so several processes may
sweep at once; ``claim_sweep`` keeps the periodic sweep to one every ``SWEEP_EVERY`` for the
whole installation. The sweep is recorded in the audit log with its counts only; the builder's
periodic sweep only when it erased something (an entry every hour would drown the log).

Previews of the editor are not swept: a new preview, or deleting the agent, erases them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from agents.errors import NotFound
from store.database import stamp, utc_now

if TYPE_CHECKING:
    from store.admin_settings import RetentionSettings
    from store.files import FileStore
    from store.knowledge.service import KnowledgeStore
    from store.records import Catalogue
    from store.secrets import SecretStore

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SWEEP_EVERY = timedelta(hours=1)
SWEPT_KEY = "retention.swept"  # in the settings table: when the installation was last swept
SETTINGS = ("conversations_days", "drafts_days", "uploads_days")


class Expirer(Protocol):
    """One kind of thing kept for a number of days."""

    @property
    def name(self) -> str: ...

    @property
    def setting(self) -> str:
        """The field of ``RetentionSettings`` with its number of days."""
        ...

    def expire(self, before: datetime) -> int:
        """Erase, for real, what is older than ``before``; how many went."""
        ...


class ThreadEraser(Protocol):
    """What the checkpointer's holder does for the conversations sweep."""

    def hold(self, thread_id: str) -> AbstractContextManager[bool]:
        """The conversation for one turn's time: True when held, False at once when a turn
        holds it (it is skipped)."""
        ...

    def erase(self, thread_id: str) -> None:
        """Its messages and journal out of the checkpointer."""
        ...

    def compact(self) -> None:
        """After several ``erase``: the checkpointer's files rebuilt and their write-ahead log
        emptied, so that nothing erased stays in any file."""
        ...


@dataclass(frozen=True)
class SweepReport:
    """How many of each kind were erased, in ``expirers`` order; kinds kept until deleted are
    absent. ``skipped``: conversations being answered, left for the next sweep."""

    counts: dict[str, int] = field(default_factory=dict)
    skipped: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ConversationExpirer:
    name = "conversations"
    setting = "conversations_days"

    def __init__(
        self,
        catalogue: Catalogue,
        knowledge: Callable[[], KnowledgeStore],
        eraser: ThreadEraser,
    ) -> None:
        self._catalogue = catalogue
        self._knowledge = knowledge
        self._eraser = eraser
        self.skipped = 0

    def expire(self, before: datetime) -> int:
        from store.workspace_knowledge import erase_attachment_bases

        erased = 0
        for summary in self._catalogue.inactive_threads(before):
            thread_id = summary.thread.id
            with self._eraser.hold(thread_id) as held:
                if not held:
                    self.skipped += 1
                    continue
                try:
                    if self._catalogue.thread_activity(thread_id) >= before:
                        continue  # a turn ended between the list and the hold
                except NotFound:
                    continue  # erased meanwhile, by its owner or another sweep
                self._eraser.erase(thread_id)
                erase_attachment_bases(self._catalogue, self._knowledge, [thread_id])
                with contextlib.suppress(NotFound):
                    self._catalogue.delete_thread(thread_id)
                erased += 1
        if erased:
            self._eraser.compact()
        return erased


class UploadExpirer:
    name = "uploads"
    setting = "uploads_days"

    def __init__(self, knowledge: Callable[[], KnowledgeStore], files: FileStore) -> None:
        self._knowledge = knowledge
        self._files = files

    def expire(self, before: datetime) -> int:
        return self._attachments(before) + self._files.expire(before)

    def _attachments(self, before: datetime) -> int:
        """Files attached to conversations: text, stored bytes and vectors, as "Retirer"."""
        knowledge = self._knowledge()
        erased = 0
        for kb in knowledge.list_kbs(attachments=True):
            if not kb.thread_id:
                continue
            with contextlib.suppress(NotFound):  # the conversation went meanwhile
                for document in knowledge.list_documents(kb.id):
                    if document.created_at >= before:
                        continue
                    if document.status in ("queued", "indexing"):
                        continue  # being read: not past anything yet
                    with contextlib.suppress(NotFound):
                        knowledge.delete_document(document.id, wait=True)
                        erased += 1
        return erased


def expirers(
    catalogue: Catalogue,
    knowledge: Callable[[], KnowledgeStore],
    eraser: ThreadEraser,
    files: FileStore | None = None,
) -> list[Expirer]:
    """Every kind of thing a retention applies to, in the order they are swept."""
    from store.files import FileStore

    return [
        ConversationExpirer(catalogue, knowledge, eraser),
        UploadExpirer(knowledge, files or FileStore()),
        DraftExpirer(catalogue, eraser),
    ]


class DraftExpirer:
    """Drafts of replies (and batches left empty) last changed before the limit, with the
    conversations a batch drafted them in."""

    name = "drafts"
    setting = "drafts_days"

    def __init__(self, catalogue: Catalogue, eraser: ThreadEraser) -> None:
        self._catalogue = catalogue
        self._eraser = eraser

    def expire(self, before: datetime) -> int:
        from store.reply_drafts import expire_drafts

        count, threads = expire_drafts(self._catalogue, before)
        for thread_id in threads:
            self._eraser.erase(thread_id)
        if threads:
            self._eraser.compact()
        return count


def sweep(
    kinds: Sequence[Expirer], rules: RetentionSettings, now: datetime | None = None
) -> SweepReport:
    """Each kind with a number of days, erased up to ``now`` minus that many days."""
    now = now or utc_now()
    counts: dict[str, int] = {}
    skipped = 0
    for kind in kinds:
        days = getattr(rules, kind.setting, None)
        if days is None:
            continue
        counts[kind.name] = kind.expire(now - timedelta(days=days))
        skipped += int(getattr(kind, "skipped", 0))
    if counts:
        log.info("retention sweep: %s", ", ".join(f"{k} {n}" for k, n in counts.items()))
    return SweepReport(counts, skipped)


def record_sweep(
    catalogue: Catalogue, report: SweepReport, actor: str = "", origin: str = ""
) -> None:
    """The sweep in the audit log: how many of each kind, never which."""
    from store.audit import new_draft

    details: dict[str, object] = {**report.counts}
    if report.skipped:
        details["skipped"] = report.skipped
    catalogue.append_audit(new_draft(actor, "retention.applied", "settings", "", origin, **details))


def claim_sweep(store: SecretStore, now: datetime, every: timedelta = SWEEP_EVERY) -> bool:
    """Whether this process sweeps now: True for one process at most per ``every``, across
    every process of the installation (decided in one write transaction of the settings)."""
    mine = stamp(now)

    def change(current: str | None) -> str:
        if current is not None:
            try:
                if datetime.fromisoformat(current) > now - every:
                    return current
            except ValueError:
                pass
        return mine

    return store.update_setting(SWEPT_KEY, change, "retention") == mine


# --- when a person's things go ------------------------------------------------------------


def erased_on(moment: datetime, days: int | None) -> date | None:
    """The day something last active (or made) at ``moment`` goes, in local time; None when
    it is kept until deleted. The builder sweeps every hour, so it goes that day or just after."""
    if days is None:
        return None
    return (moment + timedelta(days=days)).astimezone().date()
