"""What knowledge is made of, as plain records shared by parsing, chunking, indexing and the
runtime. Pure data: no I/O here."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SectionKind = Literal[
    "heading", "paragraph", "list_item", "table_row", "slide", "sheet_row", "code"
]
DocumentStatus = Literal["queued", "indexing", "ready", "failed"]
# Where a document is, finer than its status: ``indexing`` goes through reading (the file is
# parsed), splitting (into passages), embedding (each passage's vector is computed: the long
# part, with progress) and saving (vectors and passages written; then ready).
DocumentStage = Literal["queued", "reading", "splitting", "embedding", "saving", "ready", "failed"]
DOCUMENT_STAGES: tuple[DocumentStage, ...] = (
    "queued",
    "reading",
    "splitting",
    "embedding",
    "saving",
    "ready",
    "failed",
)


@dataclass(frozen=True)
class Section:
    """One structural piece of a parsed document, in reading order."""

    text: str
    kind: SectionKind = "paragraph"
    page: int | None = None  # 1-based page (PDF), slide (PPTX) or None
    heading_path: tuple[str, ...] = ()  # the headings above it, outermost first
    level: int = 0  # heading level for kind == "heading" (1 = top)


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    sections: list[Section]
    pages: int | None = None
    format: str = ""  # parser id: pdf, docx, pptx, xlsx, csv, html, markdown, text
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A passage as indexed and cited. ``start``/``end`` are character offsets into the
    document's text as ``chunking.document_text`` joins it."""

    ordinal: int
    text: str
    page: int | None
    heading_path: tuple[str, ...]
    start: int
    end: int


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """What one document may cost. Each refusal names its limit and the variable to change."""

    max_file_mb: float = 50
    max_pages: int = 2000
    max_uncompressed_mb: float = 300  # DOCX/XLSX/PPTX are zip files: zip bombs
    max_seconds: float = 300
    max_rows: int = 200_000  # rows of one spreadsheet or CSV file, all sheets together

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            max_file_mb=_env_number("ATELIER_KB_MAX_FILE_MB", cls.max_file_mb),
            max_pages=int(_env_number("ATELIER_KB_MAX_PAGES", cls.max_pages)),
            max_uncompressed_mb=_env_number("ATELIER_KB_MAX_UNZIPPED_MB", cls.max_uncompressed_mb),
            max_seconds=_env_number("ATELIER_KB_MAX_SECONDS", cls.max_seconds),
            max_rows=int(_env_number("ATELIER_KB_MAX_ROWS", cls.max_rows)),
        )


@dataclass(frozen=True)
class KnowledgeBaseRecord:
    id: str
    name: str
    owner: str
    embedder: str
    created_at: datetime
    description: str = ""
    documents: int = 0
    chunks: int = 0
    thread_id: str = ""  # the conversation whose attached files it holds; "" for a base
    data_class: str = "internal"  # public, internal or sensitive


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    kb_id: str
    filename: str
    content_hash: str
    size: int
    status: DocumentStatus
    created_at: datetime
    updated_at: datetime
    progress: float = 0.0  # 0..1
    error: str = ""
    pages: int | None = None
    chunks: int = 0
    replaces: tuple[str, ...] = ()  # documents this one replaces once it is ready
    # ``error`` in the process's language; ``failure`` as stored, to show it in another
    # (``failures.failure_text``).
    failure: str = ""
    stage: DocumentStage = "queued"  # ``DOCUMENT_STAGES``; its words: ``stages.stage_text``


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with where it comes from: what a citation shows."""

    chunk_id: str
    kb_id: str
    document_id: str
    document: str  # file name
    text: str
    score: float
    page: int | None = None
    heading_path: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    scores: dict[str, float] = field(default_factory=dict)  # per retriever: dense, bm25
    title: str = ""  # the document's title, from its content; "" when it has none
    # One result per document: the document's other passages that matched, best first.
    others: tuple[Passage, ...] = ()

    @property
    def label(self) -> str:
        """What a person reads as the document's name: its title, else its file name."""
        return self.title or self.document
