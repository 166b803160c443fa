"""The audit log: who did what, when and from where, append-only and hash-chained.

Each entry names an actor (an account id, or the login tried for a failed sign-in), a dotted
action (``agent.created``), a target (kind and id), a few details (names, version numbers,
roles) and an origin (``web 192.0.2.7``, ``cli marie``). Never what was said or written: no
conversation, message, document text, password or secret value goes in, and ``check_details``
keeps the details to short scalars so that a careless caller cannot pour a text in.

The chain: each entry's ``hash`` is SHA-256 over the canonical JSON of its fields and the
previous entry's hash, and its ``seq`` is one past the previous one. The fields that say *who*
(actor, target id, details, origin: an address, an IP, the name of someone's base) enter it
through a **seal**, SHA-256 over them and a random salt of the entry's own. Erasing a person
(``erase_from_audit``) blanks those fields and the salt in every entry naming them, keeps the
seal, and records the erasure as an entry of its own that counts them: the log keeps that
something happened and when, the person's address is in no file any more, and the chain still
verifies. A blanked entry that no erasure claims is reported as changed. The catalogue also keeps a
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
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
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
    salt: str = ""
    sealed: str = ""  # the seal of an erased entry's blanked fields
    erased_by: int = 0  # the ``data.erased`` entry that blanked them, 0 if none

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
            "salt": self.salt,
            "sealed": self.sealed,
            "erased_by": self.erased_by,
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

    def erase_from_audit(self, login: str, draft: AuditDraft) -> AuditEntry:
        """Appends ``draft`` (a ``data.erased`` entry naming nobody) with, in its details, how
        many entries named ``login`` (``erased_entries``) and their seal
        (``erased_seal``, see ``erasure_seal``), and blanks those entries
        (``blank_personal``), in one transaction, leaving their text in no file."""
        ...


# --- the chain ------------------------------------------------------------------------------


def canonical(value: object) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def new_salt() -> str:
    return secrets.token_hex(16)


def seal(salt: str, draft: AuditDraft) -> str:
    """Who and what an entry names, committed: without the salt, not guessable back."""
    personal = {
        "salt": salt,
        "actor": draft.actor,
        "target_id": draft.target_id,
        "details": dict(draft.details),
        "origin": draft.origin,
    }
    return hashlib.sha256(canonical(personal)).hexdigest()


def entry_hash(
    seq: int,
    at: str,  # store.database.stamp(): ISO-8601 UTC with microseconds
    draft: AuditDraft,
    prev_hash: str,
    salt: str,
    sealed: str = "",  # an erased entry's seal, in place of its blanked fields
) -> str:
    body = {
        "seq": seq,
        "at": at,
        "action": draft.action,
        "target_kind": draft.target_kind,
        "personal": sealed or seal(salt, draft),
        "prev": prev_hash,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def draft_of(entry: AuditEntry) -> AuditDraft:
    return AuditDraft(
        entry.actor,
        entry.action,
        entry.target_kind,
        entry.target_id,
        entry.details,
        entry.origin,
    )


def rehash(entry: AuditEntry) -> str:
    """The hash ``entry`` should carry, from its fields as read back."""
    from store.database import stamp

    sealed = entry.sealed if entry.erased_by else ""
    return entry_hash(
        entry.seq, stamp(entry.at), draft_of(entry), entry.prev_hash, entry.salt, sealed
    )


def names(entry: AuditEntry, login: str) -> bool:
    """Whether the entry names the person: as actor, target or in a detail."""
    return (
        entry.actor == login
        or entry.target_id == login
        or any(value == login for value in entry.details.values())
    )


def blank_personal(entry: AuditEntry, erased_by: int) -> AuditEntry:
    """The entry once its person is erased: what happened and when, sealed, naming nobody."""
    return replace(
        entry,
        actor="",
        target_id="",
        details={},
        origin="",
        salt="",
        sealed=seal(entry.salt, draft_of(entry)),
        erased_by=erased_by,
    )


def erasure_seal(seqs: list[int]) -> str:
    return hashlib.sha256(canonical(sorted(seqs))).hexdigest()


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
    blanked: dict[int, list[int]] = {}  # erasure entry -> the entries it claims to have blanked
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
            if entry.erased_by:
                if entry.erased_by <= entry.seq:
                    return Verdict(count, head, "changed", entry.seq)
                blanked.setdefault(entry.erased_by, []).append(entry.seq)
            claimed = blanked.pop(entry.seq, [])
            if entry.action == "data.erased":
                got = (len(claimed), erasure_seal(claimed) if claimed else "")
                said = (
                    entry.details.get("erased_entries", 0),
                    entry.details.get("erased_seal", ""),
                )
                if got != said:
                    return Verdict(count, head, "changed", claimed[0] if claimed else entry.seq)
            elif claimed:
                return Verdict(count, head, "changed", claimed[0])
            prev, expected_seq, count = entry.hash, entry.seq + 1, count + 1
        after = batch[-1].seq
    if blanked:  # blanked by an erasure that is not in the log
        return Verdict(count, head, "changed", min(min(seqs) for seqs in blanked.values()))
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
    "salt",
    "sealed",
    "erased_by",
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
