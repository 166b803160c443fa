"""The audit log: who did what, when and from where, append-only and hash-chained.

Each entry names an actor (an account id, or the login tried for a failed sign-in), a dotted
action (``agent.created``), a target (kind and id), a few details (names, version numbers,
roles) and an origin (``web 192.0.2.7``, ``cli marie``). Never what was said or written: no
conversation, message, document text, password or secret value goes in, and ``check_details``
keeps the details to short scalars so that a careless caller cannot pour a text in.

The chain: each entry's ``hash`` is SHA-256 over the canonical JSON of its fields and the
previous entry's hash, and its ``seq`` is one past the previous one. The catalogue also keeps a
**head** beside the log (the number of entries and the last hash), written in the same
transaction as each entry, under the catalogue's write lock (``BEGIN IMMEDIATE`` on SQLite, a row
lock on PostgreSQL), so the chain stays linear with several processes. ``verify`` recomputes it:
a changed field breaks that entry's hash, a removed entry leaves a gap in ``seq`` (or a broken
link), an inserted one breaks the link after it, and removed *last* entries leave the log short
of the head. Anyone who can rewrite the file can also recompute every hash and the head: the
chain shows edits made by hand, and the head hash that ``verify`` prints, kept elsewhere, shows
the rest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

GENESIS = "0" * 64  # the "previous hash" of the first entry
MAX_DETAIL = 200  # characters of one detail's value: a name, never a text
MAX_DETAILS = 12
MAX_ACTOR = 200  # a failed sign-in's login is whatever was typed

Detail = str | int | float | bool | None


@dataclass(frozen=True)
class AuditDraft:
    """An entry before the catalogue numbers, dates and chains it."""

    actor: str
    action: str
    target_kind: str = ""
    target_id: str = ""
    details: Mapping[str, Detail] = field(default_factory=dict)
    origin: str = ""


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    target_kind: str
    target_id: str
    details: Mapping[str, Detail]
    origin: str
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor": self.actor,
            "action": self.action,
            "target_kind": self.target_kind,
            "target_id": self.target_id,
            "details": dict(self.details),
            "origin": self.origin,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class AuditHead:
    """What the catalogue keeps beside the log: how many entries, and the last one's hash."""

    count: int = 0
    hash: str = GENESIS


@dataclass(frozen=True)
class AuditQuery:
    """Entries newest first; every filter is optional. ``action`` is a prefix on the dotted
    name (``sign_in`` finds ``sign_in.failed``); ``since`` is inclusive, ``until`` exclusive."""

    actor: str = ""
    action: str = ""
    target_kind: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


class AuditLog(Protocol):
    """The audit part of the catalogue (``store.records.Catalogue``)."""

    def append_audit(self, draft: AuditDraft) -> AuditEntry:
        """Numbered, dated and chained under the write lock, with the head, in one
        transaction."""
        ...

    def audit_entries(self, query: AuditQuery) -> list[AuditEntry]:
        """Newest first (by ``seq``), filtered and paged."""
        ...

    def audit_range(self, after: int, limit: int) -> list[AuditEntry]:
        """Entries with ``seq > after`` in order, at most ``limit``: for ``verify``."""
        ...

    def audit_head(self) -> AuditHead: ...


# --- the chain ------------------------------------------------------------------------------


def canonical(value: object) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_hash(
    seq: int,
    at: str,  # store.database.stamp(): ISO-8601 UTC with microseconds
    draft: AuditDraft,
    prev_hash: str,
) -> str:
    body = {
        "seq": seq,
        "at": at,
        "actor": draft.actor,
        "action": draft.action,
        "target_kind": draft.target_kind,
        "target_id": draft.target_id,
        "details": dict(draft.details),
        "origin": draft.origin,
        "prev": prev_hash,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def rehash(entry: AuditEntry) -> str:
    """The hash ``entry`` should carry, from its fields as read back."""
    from store.database import stamp

    draft = AuditDraft(
        entry.actor,
        entry.action,
        entry.target_kind,
        entry.target_id,
        entry.details,
        entry.origin,
    )
    return entry_hash(entry.seq, stamp(entry.at), draft, entry.prev_hash)


def check_details(details: Mapping[str, object]) -> dict[str, Detail]:
    """Short scalars only: names, numbers, roles. A long or nested value is a bug in a hook
    (a text about to be logged), refused loudly rather than cut silently."""
    if len(details) > MAX_DETAILS:
        raise ValueError(f"an audit entry takes at most {MAX_DETAILS} details")
    checked: dict[str, Detail] = {}
    for key, value in details.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            raise ValueError(f"audit detail {key!r} must be a scalar, not {type(value).__name__}")
        if isinstance(value, str) and len(value) > MAX_DETAIL:
            raise ValueError(f"audit detail {key!r} is longer than {MAX_DETAIL} characters")
        checked[str(key)] = value
    return checked


def new_draft(
    actor: str,
    action: str,
    target_kind: str = "",
    target_id: str = "",
    origin: str = "",
    **details: object,
) -> AuditDraft:
    return AuditDraft(
        actor=actor[:MAX_ACTOR],
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        details=check_details(details),
        origin=origin[:MAX_ACTOR],
    )


# --- verification ---------------------------------------------------------------------------

Problem = Literal["changed", "removed", "inserted", "truncated", "head"]
VERIFY_BATCH = 1000


@dataclass(frozen=True)
class Verdict:
    """``problem`` is None when the chain holds; otherwise the first entry found wrong:
    ``changed`` (its fields no longer match its hash), ``removed`` (``seq`` is the first
    missing one), ``inserted`` (an entry that does not follow its predecessor), ``truncated``
    (the log ends before the head's count: ``seq`` is the first missing one), ``head`` (the
    last hash differs from the head's, or the log runs past it)."""

    count: int  # entries read
    head: AuditHead
    problem: Problem | None = None
    seq: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(log: AuditLog) -> Verdict:
    head = log.audit_head()
    expected_seq, prev, count = 1, GENESIS, 0
    after = 0
    while True:
        batch = log.audit_range(after, VERIFY_BATCH)
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                return Verdict(count, head, "removed", expected_seq)
            if rehash(entry) != entry.hash:
                return Verdict(count, head, "changed", entry.seq)
            if entry.prev_hash != prev:
                return Verdict(count, head, "inserted", entry.seq)
            prev, expected_seq, count = entry.hash, entry.seq + 1, count + 1
        after = batch[-1].seq
    if count < head.count:
        return Verdict(count, head, "truncated", count + 1)
    if count > head.count or prev != head.hash:
        return Verdict(count, head, "head", count)
    return Verdict(count, head)


# --- exports ----------------------------------------------------------------------------------

ExportFormat = Literal["jsonl", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv")
CSV_COLUMNS = [
    "seq",
    "at",
    "actor",
    "action",
    "target_kind",
    "target_id",
    "details",
    "origin",
    "prev_hash",
    "hash",
]


def export_lines(entries: Iterator[AuditEntry], fmt: ExportFormat) -> Iterator[str]:
    """Oldest first, every field, so the export can be verified again elsewhere."""
    if fmt == "jsonl":
        for entry in entries:
            yield json.dumps(entry.as_dict(), ensure_ascii=False, sort_keys=True) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    for entry in entries:
        row = entry.as_dict()
        row["details"] = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
        yield _drain(buffer)


def _cell(value: object) -> object:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def terminal_origin() -> str:
    """``cli <system user>``: from where a terminal acts, whatever account it acts as."""
    import getpass

    try:
        user = getpass.getuser().strip()
    except (OSError, KeyError, ImportError):  # a container without a password database
        user = ""
    return f"cli {user or '?'}"[:MAX_ACTOR]
