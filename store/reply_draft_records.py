"""Drafts of replies a person approves before they count, and the batches that make them.

An agent with ``oversight: review`` writes drafts, not answers: in a conversation, each answer
is a draft of that conversation; in a batch, a file of messages (citizens' reviews, one per row)
gives one draft per row, written in the background. A person (the requester, or the people and
teams named as reviewers) edits the draft and approves it, or rejects it with a reason, or sends
it back for a new draft with an instruction. Draft and final are both kept, with who decided
and when. Who may do what is ``store.reply_drafts``'s rule.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, Protocol

DraftStatus = Literal[
    "queued", "drafting", "failed", "to_review", "approved", "rejected", "sent_back"
]
DRAFT_STATUSES: Final[tuple[DraftStatus, ...]] = (
    "queued",
    "drafting",
    "failed",
    "to_review",
    "approved",
    "rejected",
    "sent_back",
)
DECIDED: Final = frozenset({"approved", "rejected"})
OPEN: Final = frozenset({"queued", "drafting", "sent_back"})  # a draft is still to be written


def new_draft_id() -> str:
    return "dr-" + secrets.token_hex(8)


def new_batch_id() -> str:
    return "lot-" + secrets.token_hex(5)


@dataclass(frozen=True)
class DraftRecord:
    id: str
    agent_id: str
    agent_version: int
    requester: str
    message: str
    created_at: datetime
    status: DraftStatus = "queued"
    batch_id: str | None = None
    row: int = 0
    thread_id: str = ""
    assignee: str = ""
    """Who decides: "" (the requester), or logins and ``team:NAME`` separated by commas."""
    context: dict[str, str] = field(default_factory=dict)
    draft: str = ""
    final: str = ""
    reason: str = ""
    instruction: str = ""
    error: str = ""
    drafted_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str = ""
    attempts: int = 0

    @property
    def edited(self) -> bool:
        return self.status == "approved" and self.final != self.draft


@dataclass(frozen=True)
class BatchRecord:
    id: str
    agent_id: str
    owner: str
    file_name: str
    message_column: str
    created_at: datetime
    context_columns: tuple[str, ...] = ()
    assignee: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def running(self) -> bool:
        return any(self.counts.get(s, 0) for s in OPEN)

    @property
    def drafted(self) -> int:
        """Rows whose draft is written (whatever was decided since) or failed."""
        return self.total - sum(self.counts.get(s, 0) for s in OPEN)


class ReplyDrafting(Protocol):
    """The drafts part of the catalogue (``store.records.Catalogue``); unscoped."""

    def add_batch(self, batch: BatchRecord, drafts: list[DraftRecord]) -> None:
        """The batch and its rows, in one step."""
        ...

    def get_batch(self, batch_id: str) -> BatchRecord | None:
        """With its counts by status."""
        ...

    def list_batches(self, owner: str | None = None) -> list[BatchRecord]:
        """Newest first; ``owner`` None: every batch."""
        ...

    def add_draft(self, draft: DraftRecord) -> None: ...

    def get_draft(self, draft_id: str) -> DraftRecord | None: ...

    def list_drafts(
        self,
        *,
        batch_id: str | None = None,
        thread_id: str | None = None,
        agent_ids: list[str] | None = None,
        statuses: list[str] | None = None,
        requester: str | None = None,
    ) -> list[DraftRecord]:
        """In the order of their batch's rows, then oldest first; every filter given must
        hold (``requester``: the person the drafts were made for)."""
        ...

    def change_draft(
        self, draft_id: str, expected: list[str] | None = None, **changes: Any
    ) -> DraftRecord | None:
        """The draft changed, when its status is one of ``expected`` (None: any); None when
        it is missing or was changed meanwhile (another process claimed or decided it)."""
        ...

    def delete_drafts(self, draft_ids: list[str]) -> None:
        """The drafts, and the batches left with none."""
        ...

    def drafts_before(self, before: datetime) -> list[DraftRecord]:
        """Drafts last changed before ``before`` (decided, written, or created)."""
        ...
