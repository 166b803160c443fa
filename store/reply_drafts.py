"""Supervised drafting: the door ``Workspace.reply_drafts`` opens for one principal.

- Whoever may use an agent starts a batch with it (a file of messages, one draft per row) or
  gets drafts from it in a conversation; they own those drafts.
- Who decides a draft: the people and teams it is assigned to (the batch's assignment, or the
  reviewers the agent's spec names); when nobody is named, the person who asked. When reviewers
  are named, only they do, and never the person who asked, even as a member of a team named
  (four eyes).
- The owner of a batch follows all of its rows; an assigned reviewer reads and decides the
  drafts assigned to them. Everyone else finds nothing: someone else's draft or batch is
  reported exactly like a missing one.
- The creators of an agent (and administrators) read the measures of oversight on it; they do
  not read the drafts themselves (what citizens wrote stays with those who handle it).
- Every decision is in the audit log, never the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from agents.errors import NotFound, Refused, UserError
from store.database import utc_now
from store.reply_draft_records import (
    BatchRecord,
    DraftRecord,
    new_batch_id,
    new_draft_id,
)

if TYPE_CHECKING:
    from store.accounts import Principal
    from store.records import Catalogue
    from store.workspace import Workspace

MAX_ROWS: Final = 5_000
MAX_TEXT: Final = 20_000
MAX_REASON: Final = 2_000


def draft_not_found(ref: str) -> NotFound:
    return NotFound("drafts.not_found", ref=ref)


def batch_not_found(ref: str) -> NotFound:
    return NotFound("drafts.batch_not_found", ref=ref)


@dataclass(frozen=True)
class Row:
    """One message of a batch, with the other columns chosen to go with it."""

    message: str
    context: dict[str, str]


def assignees(text: str) -> list[str]:
    return [a.strip() for a in text.split(",") if a.strip()]


def _no_longer_waiting(status: str) -> UserError:
    """Decided (or sent back) meanwhile, by someone else or in another tab."""
    from agents.i18n import t

    return UserError("drafts.already_decided", status=t(f"drafts.status.{status}"))


class ReplyDrafts:
    def __init__(self, workspace: Workspace, catalogue: Catalogue) -> None:
        self._workspace = workspace
        self._catalogue = catalogue

    # --- who -----------------------------------------------------------------------------

    def _assignee(self, names: list[str], strict: bool = True) -> str:
        """Named reviewers checked: accounts that exist, teams by name; written back as
        ``login`` and ``team:Name``. Not ``strict`` (a conversation's answer, already given):
        a name that matches nobody is kept as written, so the draft waits for someone an
        administrator can still name, rather than the turn failing after its answer."""
        found = []
        for name in (n.strip() for n in names):
            if name.casefold().startswith("team:"):
                try:
                    found.append(f"team:{self._catalogue.get_team(name[5:].strip()).name}")
                except NotFound:
                    if strict:
                        raise UserError("drafts.unknown_team", team=name[5:].strip()) from None
                    found.append(name)
            else:
                login = name.lower() if "@" in name else name
                try:
                    found.append(self._catalogue.get_account(login).id)
                except NotFound:
                    if strict:
                        raise UserError("drafts.unknown_person", login=name) from None
                    found.append(login)
        return ",".join(dict.fromkeys(found))

    def _may_decide(self, me: Principal, draft: DraftRecord) -> bool:
        named = assignees(draft.assignee)
        if not named:
            return draft.requester == me.id
        if me.id == draft.requester:
            return False  # four eyes: reviewers are named, and the requester is not one
        if me.id in named:
            return True
        mine = {t.name.casefold() for t in self._catalogue.account_teams(me.id)}
        return any(n.startswith("team:") and n[5:].casefold() in mine for n in named)

    def _may_read(self, me: Principal, draft: DraftRecord) -> bool:
        return draft.requester == me.id or self._may_decide(me, draft)

    def _visible(self, draft_id: str) -> tuple[Principal, DraftRecord]:
        me = self._workspace.me()
        draft = self._catalogue.get_draft(draft_id)
        if draft is None or not self._may_read(me, draft):
            raise draft_not_found(draft_id)
        return me, draft

    # --- batches -------------------------------------------------------------------------

    def start_batch(
        self,
        agent_id: str,
        file_name: str,
        message_column: str,
        rows: list[Row],
        context_columns: tuple[str, ...] = (),
        assignee: str = "",
    ) -> BatchRecord:
        """A batch of ``rows``, each queued for a draft by the version of the agent the
        person gets."""
        me = self._workspace.me()
        version = self._workspace.get_version(agent_id)
        if not rows:
            raise UserError("drafts.no_rows")
        if len(rows) > MAX_ROWS:
            raise UserError("drafts.too_many_rows", count=len(rows), limit=MAX_ROWS)
        spec = version.spec
        named = assignees(assignee) or (list(spec.oversight.reviewers) if spec.oversight else [])
        who = self._assignee(named)
        now = utc_now()
        batch = BatchRecord(
            id=new_batch_id(),
            agent_id=version.agent_id,
            owner=me.id,
            file_name=file_name[:200],
            message_column=message_column,
            created_at=now,
            context_columns=context_columns,
            assignee=who,
        )
        ids = [new_draft_id() for _ in rows]
        drafts = [
            DraftRecord(
                id=ids[i],
                thread_id=f"draft-{ids[i]}",  # drafting's own conversation, in no list
                # (``store.workspace_pseudonyms.DRAFT_PREFIX``: its placeholders are the
                # requester's)
                agent_id=version.agent_id,
                agent_version=version.number,
                requester=me.id,
                message=row.message[:MAX_TEXT],
                created_at=now,
                batch_id=batch.id,
                row=i + 1,
                assignee=who,
                context={k: v[:2000] for k, v in row.context.items()},
            )
            for i, row in enumerate(rows)
        ]
        self._catalogue.add_batch(batch, drafts)
        self._workspace._audit(
            "batch.started", "agent", version.agent_id, batch=batch.id, rows=len(rows)
        )
        return self._catalogue.get_batch(batch.id) or batch

    def batches(self) -> list[BatchRecord]:
        """The person's own batches, and those with drafts assigned to them; newest first."""
        me = self._workspace.me()
        found = {b.id: b for b in self._catalogue.list_batches(me.id)}
        for batch in self._catalogue.list_batches():
            if batch.id not in found and batch.assignee:
                probe = DraftRecord("", "", 0, batch.owner, "", batch.created_at)
                if self._may_decide(me, _assigned(probe, batch.assignee)):
                    found[batch.id] = batch
        return sorted(found.values(), key=lambda b: b.created_at, reverse=True)

    def batch(self, batch_id: str) -> BatchRecord:
        me = self._workspace.me()
        batch = self._catalogue.get_batch(batch_id)
        if batch is None:
            raise batch_not_found(batch_id)
        probe = _assigned(DraftRecord("", "", 0, batch.owner, "", batch.created_at), batch.assignee)
        if batch.owner != me.id and not self._may_decide(me, probe):
            raise batch_not_found(batch_id)
        return batch

    def batch_drafts(self, batch_id: str, statuses: list[str] | None = None) -> list[DraftRecord]:
        self.batch(batch_id)
        me = self._workspace.me()
        drafts = self._catalogue.list_drafts(batch_id=batch_id, statuses=statuses)
        return [d for d in drafts if self._may_read(me, d)]

    # --- drafting (the batch's owner, or the person in a conversation) -------------------

    def claim(self, batch_id: str) -> DraftRecord | None:
        """The next row to draft, marked as being drafted; None when none is left. Rows a
        stopped process left half-drafted are taken again."""
        me = self._workspace.me()
        batch = self.batch(batch_id)
        if batch.owner != me.id:
            raise Refused("drafts.owner_only")
        for status in ("sent_back", "queued", "drafting"):
            for draft in self._catalogue.list_drafts(batch_id=batch_id, statuses=[status]):
                claimed = self._catalogue.change_draft(
                    draft.id, [status], status="drafting", attempts=draft.attempts + 1
                )
                if claimed is not None:
                    return claimed
        return None

    def retry_failed(self, batch_id: str) -> int:
        """The batch's failed rows queued again, to be drafted by its next run; how many. A
        failed row has no draft to send back: this is how it gets another try. Its owner's."""
        me = self._workspace.me()
        batch = self.batch(batch_id)
        if batch.owner != me.id:
            raise Refused("drafts.owner_only")
        failed = self._catalogue.list_drafts(batch_id=batch.id, statuses=["failed"])
        return sum(
            self._catalogue.change_draft(d.id, ["failed"], status="queued", error="") is not None
            for d in failed
        )

    def pending(self, batch_id: str) -> int:
        """Rows still to draft."""
        counts = self.batch(batch_id).counts
        return sum(counts.get(s, 0) for s in ("queued", "drafting", "sent_back"))

    def drafted(self, draft_id: str, text: str) -> DraftRecord:
        """The model's draft of a row this person is drafting."""
        me, draft = self._visible(draft_id)
        if draft.requester != me.id:
            raise draft_not_found(draft_id)
        done = self._catalogue.change_draft(
            draft_id, ["drafting"], status="to_review", draft=text[:MAX_TEXT],
            drafted_at=utc_now(), error="",
        )  # fmt: skip
        return done or self._fresh(draft_id)

    def failed(self, draft_id: str, error: str) -> DraftRecord:
        self._visible(draft_id)
        done = self._catalogue.change_draft(
            draft_id, ["drafting"], status="failed", error=error[:MAX_REASON]
        )
        return done or self._fresh(draft_id)

    def conversation_draft(
        self, agent_id: str, version: int, thread_id: str, message: str, text: str
    ) -> DraftRecord:
        """An answer in a conversation with an agent under review, kept as a draft."""
        me = self._workspace.me()
        thread = self._workspace.get_thread(thread_id)  # the person's own conversation
        record = self._workspace.get_version(agent_id, version)
        spec = record.spec
        reviewers = list(spec.oversight.reviewers) if spec.oversight else []
        who = self._assignee(reviewers, strict=False)
        draft = DraftRecord(
            id=new_draft_id(),
            agent_id=agent_id,
            agent_version=version,
            requester=me.id,
            message=message[:MAX_TEXT],
            created_at=utc_now(),
            status="to_review",
            thread_id=thread.id,
            assignee=who,
            draft=text[:MAX_TEXT],
            drafted_at=utc_now(),
        )
        self._catalogue.add_draft(draft)
        return draft

    def conversation_drafts(self, thread_id: str) -> list[DraftRecord]:
        thread = self._workspace.get_thread(thread_id)
        return self._catalogue.list_drafts(thread_id=thread.id)

    # --- reviewing -----------------------------------------------------------------------

    def queue(self, batch_id: str | None = None, status: str = "to_review") -> list[DraftRecord]:
        """Drafts this person may decide (or, for other statuses, read), in row order."""
        me = self._workspace.me()
        drafts = self._catalogue.list_drafts(batch_id=batch_id, statuses=[status])
        check = self._may_decide if status == "to_review" else self._may_read
        return [d for d in drafts if check(me, d)]

    def waiting(self) -> int:
        """How many drafts wait for this person's decision (the navigation shows it)."""
        return len(self.queue())

    def draft(self, draft_id: str) -> DraftRecord:
        return self._visible(draft_id)[1]

    def may_decide(self, draft_id: str) -> bool:
        me, draft = self._visible(draft_id)
        return self._may_decide(me, draft)

    def _deciding(self, draft_id: str) -> tuple[Principal, DraftRecord]:
        me, draft = self._visible(draft_id)
        if not self._may_decide(me, draft):
            raise Refused("drafts.not_yours_to_decide")
        if draft.status != "to_review":
            raise _no_longer_waiting(draft.status)
        return me, draft

    def approve(self, draft_id: str, final: str | None = None) -> DraftRecord:
        """The draft approved as it is, or as the person edited it (``final``)."""
        me, draft = self._deciding(draft_id)
        text = draft.draft if final is None else final.strip()
        if not text:
            raise UserError("drafts.final_empty")
        done = self._decide(draft, me, status="approved", final=text[:MAX_TEXT])
        self._workspace._audit(
            "draft.approved", "agent", draft.agent_id, draft=draft.id, edited=done.edited
        )
        return done

    def reject(self, draft_id: str, reason: str) -> DraftRecord:
        if not reason.strip():
            raise UserError("drafts.reason_needed")
        me, draft = self._deciding(draft_id)
        done = self._decide(draft, me, status="rejected", reason=reason.strip()[:MAX_REASON])
        self._workspace._audit("draft.rejected", "agent", draft.agent_id, draft=draft.id)
        return done

    def send_back(self, draft_id: str, instruction: str) -> DraftRecord:
        """Back to be drafted again, with ``instruction`` given to the agent."""
        if not instruction.strip():
            raise UserError("drafts.instruction_needed")
        _, draft = self._deciding(draft_id)
        done = self._catalogue.change_draft(
            draft.id, ["to_review"], status="sent_back",
            instruction=instruction.strip()[:MAX_REASON],
        )  # fmt: skip
        if done is None:
            raise _no_longer_waiting(self._fresh(draft_id).status)
        self._workspace._audit("draft.sent_back", "agent", draft.agent_id, draft=draft.id)
        return done

    def redraft(self, draft_id: str) -> DraftRecord:
        """A draft sent back, taken to be drafted again by whoever may decide it."""
        me, draft = self._visible(draft_id)
        if not (self._may_decide(me, draft) or draft.requester == me.id):
            raise draft_not_found(draft_id)
        claimed = self._catalogue.change_draft(
            draft_id, ["sent_back"], status="drafting", attempts=draft.attempts + 1
        )
        if claimed is None:
            raise _no_longer_waiting(self._fresh(draft_id).status)
        return claimed

    def drafted_again(self, draft_id: str, text: str) -> DraftRecord:
        """The new draft of a row sent back (by whoever took it with ``redraft``)."""
        self._visible(draft_id)
        done = self._catalogue.change_draft(
            draft_id, ["drafting"], status="to_review", draft=text[:MAX_TEXT],
            drafted_at=utc_now(), error="",
        )  # fmt: skip
        return done or self._fresh(draft_id)

    def _decide(self, draft: DraftRecord, me: Principal, **changes: object) -> DraftRecord:
        done = self._catalogue.change_draft(
            draft.id, ["to_review"], decided_at=utc_now(), decided_by=me.id, **changes
        )
        if done is None:  # decided meanwhile, by someone else
            raise _no_longer_waiting(self._fresh(draft.id).status)
        return done

    def _fresh(self, draft_id: str) -> DraftRecord:
        found = self._catalogue.get_draft(draft_id)
        if found is None:
            raise draft_not_found(draft_id)
        return found

    # --- measures --------------------------------------------------------------------------

    def decided_on(self, agent_id: str | None = None) -> list[DraftRecord]:
        """Decided drafts of the agents this person builds (all agents for an
        administrator), for the measures of oversight: the texts stay out of what is shown."""
        me = self._workspace.me()
        if agent_id is not None:
            agent = self._workspace._editable(agent_id)
            ids: list[str] | None = [agent.id]
        elif me.is_admin:
            ids = None
        else:
            ids = [a.id for a in self._workspace.list_agents()]
        return self._catalogue.list_drafts(agent_ids=ids, statuses=["approved", "rejected"])

    # --- erasure ---------------------------------------------------------------------------

    def erase_batch(self, batch_id: str) -> list[str]:
        """The owner's batch and its drafts; returns the conversations drafting used, for
        the caller to erase their messages."""
        me = self._workspace.me()
        batch = self.batch(batch_id)
        if batch.owner != me.id:
            raise batch_not_found(batch_id)
        drafts = self._catalogue.list_drafts(batch_id=batch_id)
        self._catalogue.delete_drafts([d.id for d in drafts])
        self._catalogue.erase_pseudonyms([d.thread_id for d in drafts if d.thread_id])
        self._workspace._audit("batch.erased", "agent", batch.agent_id, batch=batch.id)
        return [d.thread_id for d in drafts if d.thread_id]


def _assigned(draft: DraftRecord, assignee: str) -> DraftRecord:
    from dataclasses import replace

    return replace(draft, assignee=assignee)


def expire_drafts(catalogue: Catalogue, before: datetime) -> tuple[int, list[str]]:
    """Drafts last changed before ``before``, deleted; their count and the conversations
    (batch drafting's) whose messages the caller erases."""
    old = catalogue.drafts_before(before)
    catalogue.delete_drafts([d.id for d in old])
    threads = [d.thread_id for d in old if d.thread_id and d.batch_id is not None]
    catalogue.erase_pseudonyms(threads)  # a batch row's placeholders go with its draft
    return len(old), threads
