"""The audit log in memory: the reference for ``SqlAudit`` (``store.audit``)."""

from __future__ import annotations

import threading
from dataclasses import replace

from store.audit import (
    AuditDraft,
    AuditEntry,
    AuditHead,
    AuditQuery,
    blank_personal,
    entry_hash,
    erasure_seal,
    names,
    new_salt,
)
from store.database import stamp, utc_now


class MemoryAudit:
    """Mixed into ``MemoryCatalogue``; thread-safe under its own lock."""

    def __init__(self) -> None:
        self._audit_lock = threading.Lock()
        self._audit: list[AuditEntry] = []
        self._audit_head = AuditHead()

    def append_audit(self, draft: AuditDraft) -> AuditEntry:
        with self._audit_lock:
            return self._append(draft)

    def _append(self, draft: AuditDraft) -> AuditEntry:
        head = self._audit_head
        seq = head.count + 1
        now = utc_now()
        salt = new_salt()
        digest = entry_hash(seq, stamp(now), draft, head.hash, salt)
        entry = AuditEntry(
            seq,
            now,
            draft.actor,
            draft.action,
            draft.target_kind,
            draft.target_id,
            dict(draft.details),
            draft.origin,
            head.hash,
            digest,
            salt,
        )
        self._audit.append(entry)
        self._audit_head = AuditHead(seq, digest)
        return entry

    def audit_entries(self, query: AuditQuery) -> list[AuditEntry]:
        prefix = query.action.rstrip(".")
        with self._audit_lock:
            found = [
                e
                for e in reversed(self._audit)
                if (not query.actor or e.actor == query.actor)
                and (not prefix or e.action == prefix or e.action.startswith(prefix + "."))
                and (not query.target_kind or e.target_kind == query.target_kind)
                and (not query.target_id or e.target_id == query.target_id)
                and (query.since is None or e.at >= query.since)
                and (query.until is None or e.at < query.until)
            ]
        start = max(query.offset, 0)
        return found[start : start + max(query.limit, 0)]

    def audit_range(self, after: int, limit: int) -> list[AuditEntry]:
        with self._audit_lock:
            found = [e for e in self._audit if e.seq > after]
        return found[: max(limit, 0)]

    def audit_head(self) -> AuditHead:
        with self._audit_lock:
            return self._audit_head

    def erase_from_audit(self, login: str, draft: AuditDraft) -> AuditEntry:
        with self._audit_lock:
            named = [i for i, e in enumerate(self._audit) if names(e, login)]
            seqs = [self._audit[i].seq for i in named]
            details = {
                **draft.details,
                "erased_entries": len(seqs),
                "erased_seal": erasure_seal(seqs) if seqs else "",
            }
            erasure = self._append(replace(draft, details=details))
            for i in named:
                self._audit[i] = blank_personal(self._audit[i], erasure.seq)
            return erasure
