"""Supervised drafting for every interface: batches of messages drafted by an agent, the review
queue, the export of approved replies, the measures of oversight.

Each row of a batch is drafted through the same run as a conversation (its own conversation
thread, not listed among the person's), so whatever guards a conversation (quotas, the model
open to the person, personal data hidden from the model) guards a batch. Rows are drafted one at
a time; a row that fails is marked with the reason and the others go on; rows a stopped process
left half-drafted are drafted again. In the builder a daemon thread drafts a batch in the
background (one per batch per process) and the page follows its progress from the store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from agents.errors import AtelierError, NotFound, UserError
from agents.i18n import t
from builder_ui.services.batch_files import (
    PREVIEW_ROWS,
    Table,
    as_csv,
    as_xlsx,
    export_rows,
    read_table,
)
from builder_ui.services.oversight import OversightMeasures, draft_pairs_yaml, measures
from store.reply_draft_records import BatchRecord, DraftRecord
from store.reply_drafts import Row

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from agents.spec import AgentSpec
    from store.records import VersionRecord
    from store.workspace import Workspace
    from tools.registry import ToolRegistry

log = logging.getLogger(__name__)
Progress = Callable[[BatchRecord], None]
_RUNNING: set[str] = set()  # batches a thread of this process is drafting
_RUNNING_LOCK: Final = threading.Lock()


def draft_prompt(draft: DraftRecord) -> str:
    """What the agent is asked for a row: the message and the row's other columns."""
    lines = [draft.message]
    for name, value in draft.context.items():
        if value:
            lines.append(f"{name} : {value}")
    return "\n".join(lines)


def inert_export_text(text: str) -> str:
    """Text as it goes into an exported file: links and images (Markdown, HTML, bare
    addresses) to hosts outside the administrator's allowlist become plain words, never an
    image a program would fetch or a link (``agents.safe_text``)."""
    from agents.safe_text import safe_text
    from builder_ui.services.links import shown_hosts

    return safe_text(text, shown_hosts())


SAFE_EFFECTS: Final = frozenset({"computes", "reads_knowledge", "reads_web", "calls_service"})


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
    """Mixed into ``builder_ui.services.installation.Services``."""

    workspace: Workspace

    if TYPE_CHECKING:
        tools: ToolRegistry
        checkpointer: BaseCheckpointSaver[Any]

        def find_agent(self, ref: str) -> Any: ...
        def runtime(
            self,
            spec: AgentSpec,
            model: str | None = None,
            thread: str | None = None,
            agent_id: str | None = None,
        ) -> Any: ...
        def _record(self, agent_id: str, version: int, result: Any) -> None: ...

    def _answer_as_draft(self, version: VersionRecord, thread_id: str, result: Any) -> None:
        """After a conversation resumed on a person's approval (``Services.approve``): the
        answer kept as a draft when the agent is under review, as ``Services.chat`` does,
        with the person's last message as what it answers."""
        spec = version.spec
        if spec.oversight is None or not spec.oversight.review:
            return
        if result.outcome != "ok" or not result.answer.strip():
            return
        from agents.checkpoints import thread_messages

        said = thread_messages(self.checkpointer, thread_id)
        asked = next((m.text for m in reversed(said) if m.type == "human"), "")
        self.workspace.reply_drafts.conversation_draft(
            version.agent_id, version.number, thread_id, asked, result.answer
        )

    # --- starting ----------------------------------------------------------------------------

    def batch_columns(self, file_name: str, data: bytes) -> Table:
        """The file's columns and its first rows, for the person to choose from."""
        self.workspace.me()
        table = read_table(file_name, data)
        return Table(table.columns, table.rows[:PREVIEW_ROWS])

    def batch_rows(self, file_name: str, data: bytes) -> int:
        """How many rows the file holds (besides its header)."""
        self.workspace.me()
        return len(read_table(file_name, data).rows)

    def start_batch(
        self,
        agent_ref: str,
        file_name: str,
        data: bytes,
        message_column: str,
        context_columns: tuple[str, ...] | list[str] = (),
        assignee: str = "",
    ) -> BatchRecord:
        agent = self.find_agent(agent_ref)
        table = read_table(file_name, data)
        wanted = [message_column, *context_columns]
        missing = [c for c in wanted if c not in table.columns]
        if missing:
            raise UserError(
                "drafts.no_such_column", column=missing[0], columns=", ".join(table.columns)
            )
        rows = [
            Row(row[message_column], {c: row[c] for c in context_columns})
            for row in table.rows
            if row[message_column].strip()
        ]
        return self.workspace.reply_drafts.start_batch(
            agent.id, file_name, message_column, rows, tuple(context_columns), assignee
        )

    # --- drafting ----------------------------------------------------------------------------

    def draft_batch(self, batch_id: str, progress: Progress | None = None) -> BatchRecord:
        """Draft every row still to draft, one at a time; returns the batch as it ends."""
        doors = self.workspace.reply_drafts
        while True:
            # Over a quota, the batch stops with its rows left queued (and says so), rather
            # than failing every row left with the same reason.
            self.workspace.usage.check_quota()
            draft = doors.claim(batch_id)
            if draft is None:
                break
            self._draft_one(draft, again=bool(draft.instruction and draft.draft))
            if progress is not None:
                progress(doors.batch(batch_id))
        return doors.batch(batch_id)

    def _draft_one(self, draft: DraftRecord, *, again: bool) -> DraftRecord:
        doors = self.workspace.reply_drafts
        try:
            self.workspace.usage.check_quota()
            record = self.workspace.get_version(draft.agent_id, draft.agent_version)
            runtime = self.runtime(with_oversight(record.spec, self.tools), agent_id=draft.agent_id)
            # Sent back: the same conversation goes on, so the agent reads its draft and the
            # instruction; otherwise (a first draft, or a retry) the row's message.
            prompt = (
                t("drafts.prompt.instruction", instruction=draft.instruction)
                if again
                else draft_prompt(draft)
            )
            result = runtime.run(draft.thread_id, prompt)
            # Counted in usage like any run; its conversation is drafting's, in no list.
            self._record(draft.agent_id, record.number, replace(result, thread=""))
        except AtelierError as exc:
            return doors.failed(draft.id, exc.message() if isinstance(exc, UserError) else str(exc))
        except Exception:  # a row's failure must not stop the others
            log.exception("drafting row %s failed", draft.row)
            return doors.failed(draft.id, t("drafts.row_failed"))
        if result.outcome == "awaiting_approval":  # a tool with effects: nobody is there
            return doors.failed(draft.id, t("drafts.row_needs_approval"))
        if result.outcome != "ok" or not result.answer.strip():
            return doors.failed(draft.id, result.error or t("drafts.row_no_answer"))
        if result.model == "offline":  # it quotes documents and writes nothing: no draft
            return doors.failed(draft.id, t("drafts.row_no_model"))
        done = doors.drafted_again if again else doors.drafted
        return done(draft.id, result.answer)

    def retry_failed_rows(self, batch_id: str) -> int:
        """The batch's failed rows queued again (how many); ``draft_batch`` or
        ``start_background_drafting`` then drafts them. The batch's owner's."""
        return self.workspace.reply_drafts.retry_failed(batch_id)

    def start_background_drafting(self, batch_id: str) -> bool:
        """Drafts the batch in a daemon thread of this process, unless one already does;
        whether one was started."""
        self.workspace.reply_drafts.batch(batch_id)  # someone else's: not found, here
        with _RUNNING_LOCK:
            if batch_id in _RUNNING:
                return False
            _RUNNING.add(batch_id)

        def work() -> None:
            try:
                self.draft_batch(batch_id)
            except Exception:  # reported on the page by the rows' statuses
                log.exception("background drafting of %s stopped", batch_id)
            finally:
                with _RUNNING_LOCK:
                    _RUNNING.discard(batch_id)

        threading.Thread(target=work, name=f"drafting-{batch_id}", daemon=True).start()
        return True

    def drafting_now(self, batch_id: str) -> bool:
        """Whether a thread of this process drafts the person's batch now."""
        self.workspace.reply_drafts.batch(batch_id)
        with _RUNNING_LOCK:
            return batch_id in _RUNNING

    # --- reading -----------------------------------------------------------------------------

    def batches(self) -> list[BatchRecord]:
        return self.workspace.reply_drafts.batches()

    def batch(self, batch_id: str) -> BatchRecord:
        return self.workspace.reply_drafts.batch(batch_id)

    def batch_drafts(self, batch_id: str, status: str | None = None) -> list[DraftRecord]:
        return self.workspace.reply_drafts.batch_drafts(
            batch_id, None if status is None else [status]
        )

    def review_queue(
        self, batch_id: str | None = None, status: str = "to_review"
    ) -> list[DraftRecord]:
        return self.workspace.reply_drafts.queue(batch_id, status)

    def drafts_waiting(self) -> int:
        return self.workspace.reply_drafts.waiting()

    def reply_draft(self, draft_id: str) -> DraftRecord:
        return self.workspace.reply_drafts.draft(draft_id)

    def may_decide_draft(self, draft_id: str) -> bool:
        return self.workspace.reply_drafts.may_decide(draft_id)

    # --- deciding ----------------------------------------------------------------------------

    def approve_draft(self, draft_id: str, final: str | None = None) -> DraftRecord:
        return self.workspace.reply_drafts.approve(draft_id, final)

    def reject_draft(self, draft_id: str, reason: str) -> DraftRecord:
        return self.workspace.reply_drafts.reject(draft_id, reason)

    def send_back_draft(self, draft_id: str, instruction: str) -> DraftRecord:
        """Sent back with the instruction, and drafted again now when this person may use the
        agent; otherwise the batch's next drafting run (its owner's) writes it."""
        doors = self.workspace.reply_drafts
        sent = doors.send_back(draft_id, instruction)
        try:
            self.workspace.get_version(sent.agent_id, sent.agent_version)
        except NotFound:
            return sent
        return self._draft_one(doors.redraft(draft_id), again=True)

    # --- out ---------------------------------------------------------------------------------

    def export_batch(self, batch_id: str, fmt: str = "csv") -> bytes:
        """Every row of the batch with its status and, once approved, its reply."""
        if fmt not in ("csv", "xlsx"):
            raise UserError("drafts.export_format", fmt=fmt)
        batch = self.workspace.reply_drafts.batch(batch_id)
        drafts = self.workspace.reply_drafts.batch_drafts(batch_id)
        header, body = export_rows(drafts, batch.context_columns, batch.message_column)
        body = [[inert_export_text(cell) for cell in row] for row in body]
        self.workspace._audit("batch.exported", "agent", batch.agent_id, batch=batch.id, format=fmt)
        return as_csv(header, body) if fmt == "csv" else as_xlsx(header, body)

    def oversight_measures(self, agent_ref: str | None = None) -> OversightMeasures:
        agent_id = self.find_agent(agent_ref).id if agent_ref else None
        decided = self.workspace.reply_drafts.decided_on(agent_id)
        names = {a.id: a.name for a in self.workspace.list_agents()}
        return measures(decided, names)

    def draft_pairs(self, agent_ref: str) -> bytes:
        """Approved (draft, final) pairs of an agent, as test cases of its spec."""
        agent = self.find_agent(agent_ref)
        decided = self.workspace.reply_drafts.decided_on(agent.id)
        return draft_pairs_yaml(decided).encode("utf-8")

    # --- conversations -----------------------------------------------------------------------

    def conversation_drafts(self, thread: str) -> list[DraftRecord]:
        return self.workspace.reply_drafts.conversation_drafts(thread)

    def erase_batch(self, batch_id: str) -> None:
        from agents.checkpoints import erase_threads

        threads = self.workspace.reply_drafts.erase_batch(batch_id)
        checkpointer = getattr(self, "checkpointer", None)
        if threads and checkpointer is not None:
            erase_threads(checkpointer, threads)


__all__ = ["DraftingServices", "draft_prompt"]
