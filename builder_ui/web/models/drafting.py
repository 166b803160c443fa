"""The drafting pages' view of supervised drafting: the services' batches and drafts as the
"Brouillons" and "Supervision" pages and the chat's draft card read them.

The pages speak of a draft as ``pending`` (waiting for a decision), ``approved`` (unchanged),
``edited`` (approved after edits), ``rejected``, ``failed`` or ``drafting`` (queued, being
written, or sent back for a new one); the services keep the finer states. Every call goes
through the person's services, so through their workspace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from builder_ui.services.installation import Services
from store.reply_draft_records import DRAFT_STATUSES, BatchRecord, DraftRecord


def view_status(draft: DraftRecord) -> str:
    if draft.status == "to_review":
        return "pending"
    if draft.status == "approved":
        return "edited" if draft.edited else "approved"
    if draft.status in ("queued", "sent_back"):
        return "drafting"
    return draft.status


@dataclass(frozen=True)
class Preview:
    columns: list[str]
    rows: list[list[str]]
    total: int


@dataclass(frozen=True)
class BatchView:
    id: str
    name: str
    agent_name: str
    created_by: str
    total: int
    created_at: datetime
    running: bool
    done: int
    failed: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DraftView:
    id: str
    batch_id: str | None
    row: int
    message: str
    context: dict[str, str]
    draft: str
    status: str
    final: str
    reason: str
    error: str
    reviewers: list[str]
    decided_by: str
    decided_at: datetime | None
    source_name: str


@dataclass(frozen=True)
class Line:
    id: str
    label: str
    decided: int
    unchanged: float
    edited: float
    rejected: float
    edit_distance: float  # in percent of the text changed
    decide_seconds: float | None


@dataclass(frozen=True)
class Measures:
    scope: str
    by_agent: list[Line]
    by_reviewer: list[Line]


class DraftingPage:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._names: dict[str, str] | None = None

    def _agent_name(self, agent_id: str) -> str:
        if self._names is None:
            self._names = {o.agent.id: o.agent.name for o in self.services.open_agents()}
        return self._names.get(agent_id, agent_id)

    # --- batches ---------------------------------------------------------------------------

    def batch_columns(self, name: str, data: bytes) -> Preview:
        table = self.services.batch_columns(name, data)
        rows = [[row.get(c, "") for c in table.columns] for row in table.rows]
        return Preview(table.columns, rows, self.services.batch_rows(name, data))

    def start_batch(
        self,
        agent: str,
        name: str,
        data: bytes,
        *,
        message_column: str,
        context_columns: list[str],
        assign_to: str | None,
    ) -> BatchView:
        batch = self.services.start_batch(
            agent, name, data, message_column, tuple(context_columns), assign_to or ""
        )
        self.services.start_background_drafting(batch.id)
        return self._batch(batch)

    def _batch(self, batch: BatchRecord) -> BatchView:
        counts: dict[str, int] = {}
        for status, count in batch.counts.items():
            probe = DraftRecord("", "", 0, "", "", batch.created_at, status=status)  # type: ignore[arg-type]
            view = view_status(probe)
            counts[view] = counts.get(view, 0) + count
        if batch.counts.get("approved"):
            edited = len([d for d in self.services.batch_drafts(batch.id, "approved") if d.edited])
            counts["edited"] = edited
            counts["approved"] = batch.counts["approved"] - edited
        return BatchView(
            id=batch.id,
            name=batch.file_name,
            agent_name=self._agent_name(batch.agent_id),
            created_by=batch.owner,
            total=batch.total,
            created_at=batch.created_at,
            running=batch.running,
            done=batch.drafted - batch.counts.get("failed", 0),
            failed=batch.counts.get("failed", 0),
            counts={k: v for k, v in counts.items() if v},
        )

    def batches(self) -> list[BatchView]:
        return [self._batch(b) for b in self.services.batches()]

    def export_batch(self, batch_id: str, fmt: str) -> bytes:
        return self.services.export_batch(batch_id, fmt)

    # --- drafts ----------------------------------------------------------------------------

    def _draft(self, draft: DraftRecord, batches: dict[str, str] | None = None) -> DraftView:
        source = (batches or {}).get(draft.batch_id or "") or self._agent_name(draft.agent_id)
        return DraftView(
            id=draft.id,
            batch_id=draft.batch_id,
            row=draft.row,
            message=draft.message,
            context=dict(draft.context),
            draft=draft.draft,
            status=view_status(draft),
            final=draft.final,
            reason=draft.reason,
            error=draft.error,
            reviewers=[a for a in draft.assignee.split(",") if a],
            decided_by=draft.decided_by,
            decided_at=draft.decided_at,
            source_name=source,
        )

    def waiting_count(self) -> int:
        return self.services.drafts_waiting()

    def review_queue(self, batch: str | None = None, status: str | None = None) -> list[DraftView]:
        names = {b.id: b.file_name for b in self.services.batches()}
        found: list[DraftRecord] = []
        for real in DRAFT_STATUSES:
            found += self.services.review_queue(batch, real)
        views = [self._draft(d, names) for d in found]
        views.sort(key=lambda d: (d.batch_id or "", d.row))
        return [d for d in views if status is None or d.status == status]

    def may_decide(self, draft: DraftView) -> bool:
        return self.services.may_decide_draft(draft.id)

    def approve_draft(self, draft_id: str, text: str) -> Any:
        return self.services.approve_draft(draft_id, text)

    def reject_draft(self, draft_id: str, reason: str) -> Any:
        return self.services.reject_draft(draft_id, reason)

    def send_back_draft(self, draft_id: str, instruction: str) -> Any:
        return self.services.send_back_draft(draft_id, instruction)

    def conversation_drafts(self, thread: str) -> list[DraftView]:
        return [self._draft(d) for d in self.services.conversation_drafts(thread)]

    # --- supervision -----------------------------------------------------------------------

    def oversight_measures(self) -> Measures:
        measures = self.services.oversight_measures()

        def line(m: Any) -> Line:
            return Line(
                id=m.key,
                label=m.label,
                decided=m.decided,
                unchanged=m.share(m.approved_unchanged),
                edited=m.share(m.approved_edited),
                rejected=m.share(m.rejected),
                edit_distance=100 * m.mean_distance,
                decide_seconds=None if m.median_minutes is None else 60 * m.median_minutes,
            )

        me = self.services.workspace.me()
        return Measures(
            scope="organisation" if me.is_admin else "mine",
            by_agent=[line(m) for m in measures.by_agent],
            by_reviewer=[line(m) for m in measures.by_reviewer],
        )

    def draft_pairs(self, agent: str) -> bytes:
        return self.services.draft_pairs(agent)
