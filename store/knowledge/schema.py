"""The knowledge database's tables and the records its rows become.

Named, idempotent migrations, applied by ``store.migrations.apply_migrations`` (the catalogue's
machinery, given this list). Chunk text is stored here, never in Chroma: see ``db``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import TableClause, column, table

from store.knowledge.failures import failure_text
from store.knowledge.records import Chunk, DocumentRecord
from store.migrations import Migration

MIGRATIONS: list[Migration] = [
    (
        "kb_0001_bases_documents_chunks",
        [
            """CREATE TABLE knowledge_bases (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                owner TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                embedder TEXT NOT NULL,
                collection TEXT NOT NULL,
                version INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL
            )""",
            "CREATE INDEX knowledge_bases_by_owner ON knowledge_bases (owner, created_at)",
            """CREATE TABLE documents (
                id TEXT PRIMARY KEY,
                kb_id TEXT NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
                filename TEXT NOT NULL,
                title TEXT NOT NULL DEFAULT '',
                content_hash TEXT NOT NULL,
                size INTEGER NOT NULL,
                status TEXT NOT NULL,
                progress DOUBLE PRECISION NOT NULL DEFAULT 0,
                error TEXT NOT NULL DEFAULT '',
                pages INTEGER,
                chunks INTEGER NOT NULL DEFAULT 0,
                worker TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (kb_id, content_hash)
            )""",
            "CREATE INDEX documents_by_kb ON documents (kb_id, created_at)",
            "CREATE INDEX documents_by_status ON documents (status)",
            """CREATE TABLE chunks (
                id TEXT PRIMARY KEY,
                kb_id TEXT NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
                document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                ordinal INTEGER NOT NULL,
                text TEXT NOT NULL,
                page INTEGER,
                heading_path TEXT NOT NULL DEFAULT '[]',
                start_char INTEGER NOT NULL,
                end_char INTEGER NOT NULL
            )""",
            "CREATE INDEX chunks_by_kb ON chunks (kb_id)",
            "CREATE INDEX chunks_by_document ON chunks (document_id, ordinal)",
        ],
    ),
    (
        # The BM25 terms of each chunk, analysed once at indexing (``lexical.stored_terms``):
        # rebuilding a base's BM25 index then skips the analysis, most of its cost.
        "kb_0002_chunk_terms",
        ["ALTER TABLE chunks ADD COLUMN terms TEXT NOT NULL DEFAULT ''"],
    ),
    (
        # ``erasures`` counts the deletions in a base, ``erased`` how many of them its current
        # collection no longer holds (see ``rebuild``): a base whose erasure a stopped process
        # left half done is finished at the next start. ``replaces``: the documents (ids, space
        # separated) an upload replaces once it is ready.
        "kb_0003_erasures_and_replacements",
        [
            "ALTER TABLE knowledge_bases ADD COLUMN erasures INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE knowledge_bases ADD COLUMN erased INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE documents ADD COLUMN replaces TEXT NOT NULL DEFAULT ''",
        ],
    ),
    (
        # ``retired``: the collections (names, space separated) a rebuild switched the base away
        # from, until they are dropped and Chroma's files purged. An erasure is unfinished while
        # one is left: a stop between the switch and the drop leaves the deleted vectors on disk.
        "kb_0004_retired_collections",
        ["ALTER TABLE knowledge_bases ADD COLUMN retired TEXT NOT NULL DEFAULT ''"],
    ),
    (
        # ``stage``: where a document's indexing is (``records.DOCUMENT_STAGES``), so that a
        # page shows "reading", "embedding"... rather than 0 % until it jumps to ready.
        "kb_0005_document_stage",
        [
            "ALTER TABLE documents ADD COLUMN stage TEXT NOT NULL DEFAULT ''",
            "UPDATE documents SET stage = status WHERE status <> 'indexing'",
            "UPDATE documents SET stage = 'embedding' WHERE status = 'indexing'",
        ],
    ),
    (
        # ``thread_id``: the conversation whose attached files the base holds ('' for a
        # knowledge base people make). Such a base is its conversation's only: listed nowhere,
        # named by no spec, searched in that conversation, erased with it.
        "kb_0006_conversation_bases",
        [
            "ALTER TABLE knowledge_bases ADD COLUMN thread_id TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX knowledge_bases_by_thread ON knowledge_bases (thread_id)",
        ],
    ),
    (
        # The most protected kind of data the base holds: public, internal or sensitive; only
        # models allowed that class read its passages (``builder_ui.services.data_routing``).
        "kb_0007_data_classes",
        ["ALTER TABLE knowledge_bases ADD COLUMN data_class TEXT NOT NULL DEFAULT 'internal'"],
    ),
    (
        # Titles come from a document's content since issue 12; earlier versions fell back on
        # the file name, which is noise to search and must not be shown as a title. A title that
        # is its file's name without the extension is dropped (the file is re-read for its own
        # title when it is uploaded again).
        "kb_0008_no_file_name_titles",
        [
            "UPDATE documents SET title = '' WHERE title <> '' AND "
            "substr(filename, 1, length(title) + 1) = title || '.'"
            " AND instr(substr(filename, length(title) + 2), '.') = 0"
        ],
    ),
]


def _table(name: str, columns: str) -> TableClause:
    return table(name, *(column(c) for c in columns.split()))


bases = _table(
    "knowledge_bases",
    "id name owner description embedder collection version created_at erasures erased retired"
    " thread_id data_class",
)
documents = _table(
    "documents",
    "id kb_id filename title content_hash size status progress error pages chunks worker"
    " created_at updated_at replaces stage",
)
chunks = _table(
    "chunks", "id kb_id document_id ordinal text page heading_path start_char end_char terms"
)
DOCUMENT_FIELDS = [c.name for c in documents.c if c.name not in ("worker", "title")]


@dataclass(frozen=True)
class KbState:
    """What indexing and search need to know about a base beyond its public record."""

    id: str
    embedder: str
    collection: str
    version: int
    erasures: int = 0  # deletions so far (``erased``: see the migration)
    erased: int = 0
    retired: tuple[str, ...] = ()  # old collections still to drop

    @property
    def erasure_unfinished(self) -> bool:
        return self.erasures > self.erased or bool(self.retired)


@dataclass(frozen=True)
class ChunkRow:
    id: str
    kb_id: str
    document_id: str
    filename: str
    chunk: Chunk
    title: str = ""  # the document's, from its content (``parsers.common``)


@dataclass(frozen=True)
class SearchTexts:
    version: int
    ids: list[str]
    document_ids: list[str]
    texts: list[str]


@dataclass(frozen=True)
class SearchTerms:
    """A base's chunks as BM25 terms, with the base's version."""

    version: int
    ids: list[str]
    terms: list[list[str]]


@dataclass(frozen=True)
class Indexed:
    """A document's chunks as indexing produced them, ready to be written."""

    ids: list[str]
    chunks: list[Chunk]
    title: str
    pages: int | None


def queued(worker: str) -> dict[str, Any]:
    return {
        "status": "queued",
        "stage": "queued",
        "progress": 0.0,
        "error": "",
        "chunks": 0,
        "worker": worker,
    }


def chunk_of(row: Any) -> Chunk:
    return Chunk(
        ordinal=row.ordinal,
        text=row.text,
        page=row.page,
        heading_path=tuple(json.loads(row.heading_path)),
        start=row.start_char,
        end=row.end_char,
    )


def document_of(row: Any) -> DocumentRecord:
    data = {k: v for k, v in row._mapping.items() if k in DOCUMENT_FIELDS}
    data["created_at"] = datetime.fromisoformat(data["created_at"])
    data["updated_at"] = datetime.fromisoformat(data["updated_at"])
    data["replaces"] = tuple(data.get("replaces", "").split())
    data["stage"] = data.get("stage") or data["status"]
    data["failure"] = data.get("error", "")
    data["error"] = failure_text(data["failure"])
    return DocumentRecord(**data)
