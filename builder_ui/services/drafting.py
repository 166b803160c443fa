"""Supervised drafting, for every interface: batches of messages drafted in the background,
the review queue, decisions, exports and the measures of oversight. Over
``Workspace.reply_drafts`` (who may see and decide what is decided there).

- A **batch** is a CSV or XLSX file of messages, one per row (citizens' reviews with their date
  and service): ``batch_preview`` shows its columns and first rows, ``start_batch`` queues one
  draft per row, ``draft_batch`` drafts them one by one (synchronously: the CLI) and
  ``start_drafting`` does the same in a background thread (the builder: one thread per batch
  in this process, safe when the page reruns; progress is read back from the store with
  ``batch``). A row the model fails is marked ``failed`` with the reason, the others go on; a
  runner stopped mid-way (a crash) resumes where it stopped: rows left ``drafting`` are
  drafted again.
- Each draft is a **one-shot run** of the agent on the row's message (with the chosen columns
  as context), in a conversation of its own that is erased once the text is kept: the draft
  record holds what counts, the checkpointer keeps nothing of it. Runs count in usage like
  any other (without a conversation).
- A person **decides** a draft: approved unchanged (``final=None``), approved after edits,
  rejected with a reason, or sent back with an instruction: a new draft is written with the
  instruction added (at once for who may use the agent, else by the batch's runner).
- In a **conversation** with an agent under ``oversight: review``, each answer is recorded as a
  draft of that conversation (``Services.chat`` calls ``note_conversation_draft``); the person
  sees it marked as a draft (``conversation_drafts``) and it is decided the same way.
- **Exports** (``export_batch``) put each reply beside its row; every text goes through
  ``safe_text`` first (links and images made inert). ``draft_pairs`` turns decided drafts into
  test cases.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from agents.errors import NotFound, UserError
from store.reply_draft_records import BatchRecord, DraftRecord

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from agents.runtime import RunResult
    from agents.spec import AgentSpec
    from builder_ui.services.batch_files import TablePreview
    from store.records import VersionRecord
    from store.workspace import Workspace
    from tools.registry import ToolRegistry

ExportFormat = Literal["csv", "xlsx"]
Progress = Callable[[BatchRecord], None]

__all__ = [
    "BatchRecord",
    "DraftRecord",
    "DraftingServices",
    "OversightFigures",
    "OversightMeasures",
]


@dataclass(frozen=True)
class OversightFigures:
    """What people did with the drafts of one agent, or of one reviewer.

    ``decided`` = ``approved_unchanged`` + ``approved_edited`` + ``rejected``; shares are
    fractions of ``decided`` (0.0 when none). ``mean_edit`` and ``median_edit`` are the
    normalised edit distance between draft and final of approved drafts (0: unchanged, 1:
    rewritten entirely; Levenshtein on characters divided by the longer length).
    ``median_seconds``: time from the draft being written to the decision, None without any.
    ``sent_back``: drafts that were sent back at least once (decided or not)."""

    decided: int = 0
    approved_unchanged: int = 0
    approved_edited: int = 0
    rejected: int = 0
    sent_back: int = 0
    mean_edit: float = 0.0
    median_edit: float = 0.0
    median_seconds: float | None = None

    @property
    def share_unchanged(self) -> float:
        return self.approved_unchanged / self.decided if self.decided else 0.0

    @property
    def share_edited(self) -> float:
        return self.approved_edited / self.decided if self.decided else 0.0

    @property
    def share_rejected(self) -> float:
        return self.rejected / self.decided if self.decided else 0.0


@dataclass(frozen=True)
class OversightMeasures:
    """``overall``; ``by_agent`` keyed by agent id (``agent_names`` gives their names);
    ``by_reviewer`` keyed by the login who decided. ``edits``: each approved draft's
    normalised edit distance, for a histogram."""

    overall: OversightFigures
    by_agent: dict[str, OversightFigures] = field(default_factory=dict)
    by_reviewer: dict[str, OversightFigures] = field(default_factory=dict)
    agent_names: dict[str, str] = field(default_factory=dict)
    edits: list[float] = field(default_factory=list)


def under_review(spec: AgentSpec, result: RunResult) -> bool:
    """Whether the turn's answer is a draft a person approves: the agent says
    ``oversight: review`` and the turn ended with an answer."""
    return (
        spec.oversight is not None
        and spec.oversight.review
        and result.outcome == "ok"
        and bool(result.answer.strip())
    )


def last_question(messages: Sequence[BaseMessage]) -> str:
    """The person's last message in a conversation (what a draft answers)."""
    for message in reversed(messages):
        if message.type == "human":
            return message.text
    return ""


SAFE_EFFECTS = frozenset({"computes", "reads_knowledge", "reads_web", "calls_service"})


def with_oversight(spec: AgentSpec, tools: ToolRegistry) -> AgentSpec:
    """The agent as it runs when its answers are drafts (``oversight: review``): every tool
    with effects (writing files, acting outside, or effects it does not declare) asks a
    person first, whatever the spec says, so that no such tool runs on a draft nobody
    approved. In a batch nobody is there to approve: the row fails and says why."""
    if spec.oversight is None or not spec.oversight.review or not spec.tools:
        return spec
    uses = []
    for use in spec.tools:
        try:
            effects = set(tools.get(use.id).declared_effects)
        except UserError:
            effects = {"undeclared"}
        if not effects <= SAFE_EFFECTS and use.approval != "always_ask":
            use = use.model_copy(update={"approval": "always_ask"})
        uses.append(use)
    return spec.model_copy(update={"tools": uses})


class DraftingServices:
    """Mixed into ``Services``: it provides ``workspace`` and the runtime."""

    if TYPE_CHECKING:
        workspace: Workspace
        checkpointer: BaseCheckpointSaver[Any]

    # --- reading a file of messages ----------------------------------------------------------

    def batch_preview(self, file_name: str, data: bytes, rows: int = 5) -> TablePreview:
        """The file's columns and its first ``rows`` rows, to choose the message column.
        Raises ``UserError`` for an empty file, a file that is not CSV or XLSX, or one past
        ``MAX_ROWS`` rows."""
        from builder_ui.services.batch_files import read_table

        self.workspace.me()  # a disabled account reads no file either
        return read_table(file_name, data).preview(rows)

    def batch_columns(self, file_name: str, data: bytes) -> list[str]:
        """The file's column names, in order (see ``batch_preview``)."""
        return self.batch_preview(file_name, data, rows=0).columns

    # --- batches -----------------------------------------------------------------------------

    def start_batch(
        self,
        agent_ref: str,
        file_name: str,
        data: bytes,
        message_column: str,
        context_columns: Sequence[str] = (),
        assignee: str = "",
    ) -> BatchRecord:
        """A batch of the file's rows with the agent ``agent_ref`` (an id or a name), each
        row queued for a draft; nothing is drafted yet (``draft_batch``, ``start_drafting``).
        Rows with an empty message are left out. ``assignee``: who reviews, as logins and
        ``team:NAME`` separated by commas; empty: the reviewers the agent's spec names, else
        the person who starts it. Nothing is created when the file or a column is wrong."""
        from builder_ui.services.batch_files import read_table
        from store.reply_drafts import Row

        agent = self.workspace.resolve_agent(agent_ref)  # a wrong agent: before reading
        table = read_table(file_name, data)
        message = table.column(message_column)
        context = [table.column(c) for c in context_columns if c.strip()]
        context = [c for c in dict.fromkeys(context) if c != message]
        rows = [
            (number, Row(row[message], {c: row[c] for c in context}))
            for number, row in enumerate(table.rows, start=1)
            if row[message].strip()
        ]
        if not rows:
            raise UserError("batch.err.no_messages", name=table.file_name, column=message)
        return self.workspace.reply_drafts.start_batch(
            agent.id, table.file_name, message, rows, tuple(context), assignee
        )

    def draft_batch(
        self, batch_id: str, progress: Progress | None = None, retry_failed: bool = False
    ) -> BatchRecord:
        """Drafts the batch's queued rows (and those sent back) one by one, here and now, and
        returns the batch as it ends; rows a stopped runner left half-drafted are drafted
        again, and with ``retry_failed`` the failed ones too. ``progress`` receives the batch
        (with its counts) after each row. The batch's owner's."""
        from builder_ui.services.draft_runner import write_draft

        doors = self.workspace.reply_drafts
        doors.requeue_stalled(batch_id, failed=retry_failed)
        while (draft := doors.claim(batch_id)) is not None:
            try:
                write_draft(self, draft)  # type: ignore[arg-type]
            except UserError:
                doors.requeue_stalled(batch_id)  # over a quota, or refused: it waits
                raise
            if progress is not None:
                progress(doors.batch(batch_id))
        return doors.batch(batch_id)

    def start_drafting(self, batch_id: str, retry_failed: bool = False) -> bool:
        """``draft_batch`` in a background thread of this process; False when one already
        drafts this batch here (the builder's page reruns). Progress: ``batch(batch_id)``;
        an error that stopped it (a quota reached): ``drafting_error(batch_id)``."""
        from builder_ui.services.draft_runner import RUNNERS

        self.workspace.reply_drafts.own_batch(batch_id)  # its owner's, before any thread
        return RUNNERS.start(
            batch_id, lambda: self.draft_batch(batch_id, retry_failed=retry_failed)
        )

    def drafting_now(self, batch_id: str) -> bool:
        """Whether a background thread of this process drafts the batch right now."""
        from builder_ui.services.draft_runner import RUNNERS

        self.batch(batch_id)
        return RUNNERS.running(batch_id)

    def drafting_error(self, batch_id: str) -> str:
        """Why this process's last background run of the batch stopped before its end, in
        plain words ("" when it did not)."""
        from builder_ui.services.draft_runner import RUNNERS

        self.batch(batch_id)
        return RUNNERS.errors.get(batch_id, "")

    def cancel_batch(self, batch_id: str) -> BatchRecord:
        """The batch stops after the row being drafted; its owner's."""
        return self.workspace.reply_drafts.cancel_batch(batch_id)

    def delete_batch(self, batch_id: str) -> int:
        """The batch and its drafts, erased for good (its owner's); how many drafts went."""
        return self.workspace.reply_drafts.erase_batch(batch_id)

    def batches(self) -> list[BatchRecord]:
        """The person's batches and those assigned to them for review, newest first."""
        return self.workspace.reply_drafts.batches()

    def batch(self, batch_id: str) -> BatchRecord:
        """With its counts by status (``BatchRecord.counts``, ``.status``)."""
        return self.workspace.reply_drafts.batch(batch_id)

    def batch_drafts(
        self, batch_id: str, statuses: Sequence[str] | None = None
    ) -> list[DraftRecord]:
        """The batch's drafts the person may read, in row order."""
        wanted = list(statuses) if statuses is not None else None
        return self.workspace.reply_drafts.batch_drafts(batch_id, wanted)

    # --- reviewing ---------------------------------------------------------------------------

    def review_queue(self, batch_id: str | None = None, mine: bool = True) -> list[DraftRecord]:
        """Drafts waiting for a decision (``to_review``), in row order: with ``mine``, those
        this person may decide; without, also those they only follow (a batch's owner
        watching its reviewers)."""
        drafts = self.workspace.reply_drafts
        if mine:
            return drafts.queue(batch_id)
        return drafts.queue(batch_id, status="to_review", readable=True)

    def waiting_count(self) -> int:
        """How many drafts wait for this person's decision (the navigation shows it)."""
        return self.workspace.reply_drafts.waiting()

    def reply_draft(self, draft_id: str) -> DraftRecord:
        """One draft this person may read. Not ``draft``: that name is the editor's unsaved
        edits (``AgentServices.draft``)."""
        return self.workspace.reply_drafts.draft(draft_id)

    def may_decide(self, draft_id: str) -> bool:
        """Whether this person may approve, reject or send back the draft (the page shows
        the buttons only then; the store refuses anyway)."""
        return self.workspace.reply_drafts.may_decide(draft_id)

    def approve_draft(self, draft_id: str, final: str | None = None) -> DraftRecord:
        """Approved unchanged (``final`` None) or as edited."""
        return self.workspace.reply_drafts.approve(draft_id, final)

    def reject_draft(self, draft_id: str, reason: str) -> DraftRecord:
        """Rejected, saying why (required)."""
        return self.workspace.reply_drafts.reject(draft_id, reason)

    def send_back_draft(self, draft_id: str, instruction: str, wait: bool = False) -> DraftRecord:
        """Sent back with ``instruction`` (required): a new draft is written with it added,
        in the background (``wait``: here and now, as the CLI does) when this person may use
        the agent; otherwise by the batch's runner when its owner resumes it. Returns the
        draft as it is when this returns (``to_review`` again after ``wait``)."""
        from builder_ui.services.draft_runner import RUNNERS, write_draft

        doors = self.workspace.reply_drafts
        sent = doors.send_back(draft_id, instruction)
        try:
            self.workspace.get_agent(sent.agent_id)
        except NotFound:  # a reviewer the agent is not shared with: the batch's runner
            return sent

        def again() -> DraftRecord:
            return write_draft(self, doors.redraft(draft_id))  # type: ignore[arg-type]

        if wait:
            return again()
        RUNNERS.start(draft_id, again)
        return sent

    # --- conversations -------------------------------------------------------------------------

    def conversation_drafts(self, thread: str) -> list[DraftRecord]:
        """The drafts of the person's conversation, oldest first: each answer of an agent
        under ``oversight: review``, to show marked as a draft with its status."""
        return self.workspace.reply_drafts.conversation_drafts(thread)

    def note_conversation_draft(
        self, agent_id: str, version: int, thread_id: str, message: str, answer: str
    ) -> DraftRecord:
        """The answer just given in the conversation, kept as a draft to review (called by
        ``Services.chat`` when the agent's spec says ``oversight: review``)."""
        return self.workspace.reply_drafts.conversation_draft(
            agent_id, version, thread_id, message, answer
        )

    def _keep_as_draft(
        self, version: VersionRecord, thread_id: str, message: str | None, result: RunResult
    ) -> None:
        """After a turn in a conversation (``Services.chat``, ``Services.approve``): the
        answer kept as a draft when the agent is under review. ``message`` None: the
        person's last message in the conversation."""
        if not under_review(version.spec, result):
            return
        if message is None:
            from agents.checkpoints import thread_messages

            message = last_question(thread_messages(self.checkpointer, thread_id))
        self.note_conversation_draft(
            version.agent_id, version.number, thread_id, message, result.answer
        )

    # --- exports and measures ----------------------------------------------------------------

    def export_batch(
        self, batch_id: str, fmt: ExportFormat = "csv", only_approved: bool = False
    ) -> bytes:
        """The batch's rows as the file had them (the message and the chosen columns), with
        the reply beside each: the approved text; for other rows, their status (and the
        rejection's reason) and no reply. ``only_approved``: approved rows alone. Every text
        is made inert first (``safe_text``). UTF-8 with BOM and ``;`` for CSV (Excel in
        France opens it as it is)."""
        from builder_ui.services.batch_export import as_csv, as_xlsx, export_rows

        batch = self.batch(batch_id)
        drafts = self.batch_drafts(batch_id, ["approved"] if only_approved else None)
        header, rows = export_rows(batch, drafts)
        self.workspace.reply_drafts.note_export(batch.id, fmt, len(rows))
        if fmt == "xlsx":
            return as_xlsx(header, rows, batch.file_name)
        if fmt != "csv":
            raise UserError("batch.err.export_format", fmt=fmt)
        return as_csv(header, rows)

    def oversight_measures(
        self, agent_ref: str | None = None, since: datetime | None = None
    ) -> OversightMeasures:
        """The measures of oversight over the agents this person edits (one, with
        ``agent_ref``; every agent for an administrator), decided on or after ``since``."""
        from builder_ui.services.oversight import figures, grouped

        agent_id = self.workspace.resolve_agent(agent_ref).id if agent_ref else None
        decided = self.workspace.reply_drafts.decided_on(agent_id)
        if since is not None:
            decided = [d for d in decided if d.decided_at is not None and d.decided_at >= since]
        names = {}
        for known in {d.agent_id for d in decided}:
            with contextlib.suppress(NotFound):
                names[known] = self.workspace.get_agent(known).name
        from builder_ui.services.oversight import edit_distance

        return OversightMeasures(
            overall=figures(decided),
            by_agent=grouped(decided, "agent_id"),
            by_reviewer=grouped(decided, "decided_by"),
            agent_names=names,
            edits=[edit_distance(d.draft, d.final) for d in decided if d.status == "approved"],
        )

    def draft_pairs(self, agent_ref: str) -> bytes:
        """The decided drafts of the agent (one this person edits) that this person may read,
        as JSON Lines to become test cases: one object per draft, ``{"message", "context",
        "draft", "final", "status", "edited", "reason"}``, oldest first, UTF-8. JSONL rather
        than the spec's ``tests:`` entries, which hold a message and expected phrases, not a
        reference reply: an evaluation compares ``draft`` to ``final``."""
        import json

        agent = self.workspace.resolve_agent(agent_ref)
        doors = self.workspace.reply_drafts
        lines = []
        for decided in doors.decided_on(agent.id):
            try:
                draft = doors.draft(decided.id)  # only those this person may read
            except NotFound:
                continue
            pair = {
                "message": draft.message,
                "context": draft.context,
                "draft": draft.draft,
                "final": draft.final,
                "status": draft.status,
                "edited": draft.edited,
                "reason": draft.reason,
            }
            lines.append(json.dumps(pair, ensure_ascii=False))
        doors.note_pairs(agent.id, len(lines))
        return "".join(line + "\n" for line in lines).encode("utf-8")
