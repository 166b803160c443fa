"""The audit log as administrators read it: the one door for the "Journal" tab of the
administration page and ``atelier audit``. Every method asks the workspace first, so anyone
else is refused here (``Refused``), whatever the interface. Nobody writes through this door:
entries are appended by the workspace's own operations (``Workspace._audit``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from agents.errors import UserError
from store.audit import (
    EXPORT_FORMATS,
    VERIFY_BATCH,
    AuditEntry,
    AuditQuery,
    ExportFormat,
    Verdict,
    export_lines,
    verify_chain,
)

if TYPE_CHECKING:
    from store.records import Catalogue
    from store.workspace import Workspace

MAX_PAGE = 1000


class AuditJournal:
    def __init__(self, workspace: Workspace, catalogue: Catalogue) -> None:
        self._workspace = workspace
        self._catalogue = catalogue

    def entries(
        self,
        *,
        actor: str = "",
        action: str = "",
        target_kind: str = "",
        target_id: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuditEntry]:
        """Newest first; ``action`` is a prefix of the dotted name (``kb`` finds every
        knowledge base action); ``since`` inclusive, ``until`` exclusive; one page of
        ``limit`` entries (at most ``MAX_PAGE``) after ``offset``."""
        self._workspace.require_admin()
        if since is not None and until is not None and until <= since:
            raise UserError("audit.bad_range")
        query = AuditQuery(
            actor=actor.strip().lower() if "@" in actor else actor.strip(),
            action=action.strip(),
            target_kind=target_kind.strip(),
            target_id=target_id.strip(),
            since=since,
            until=until,
            limit=min(max(limit, 0), MAX_PAGE),
            offset=max(offset, 0),
        )
        return self._catalogue.audit_entries(query)

    def verify(self) -> Verdict:
        """The whole chain recomputed, and the first entry found changed, removed or added."""
        self._workspace.require_admin()
        return verify_chain(self._catalogue)

    def export(self, fmt: str = "jsonl") -> Iterator[str]:
        """Every entry, oldest first, as JSON lines or CSV (all fields, hashes included, so
        the copy can be checked again). The export itself is recorded."""
        self._workspace.require_admin()
        if fmt not in EXPORT_FORMATS:
            raise UserError("audit.bad_format", format=fmt, formats=", ".join(EXPORT_FORMATS))
        chosen: ExportFormat = "csv" if fmt == "csv" else "jsonl"
        self._workspace._audit("audit.exported", "audit", "", format=chosen)
        return export_lines(self._all(), chosen)

    def _all(self) -> Iterator[AuditEntry]:
        after = 0
        while batch := self._catalogue.audit_range(after, VERIFY_BATCH):
            yield from batch
            after = batch[-1].seq
