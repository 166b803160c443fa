"""What the knowledge pages show, worked out without Streamlit: the state of a base's documents,
where a passage comes from, the bases an agent can attach.

The page ``views/knowledge.py``, the editor's "Base de connaissances" section and the preview's
sources read these, so what a person sees is tested without a browser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from agents.knowledge import describe_similarity
from builder_ui.web.models.transcript import escape_markdown
from store.knowledge.parsing import accepted_extensions
from store.knowledge.records import DocumentRecord, KnowledgeBaseRecord
from store.knowledge.stages import stage_text

# What ``st.file_uploader`` accepts: the formats the parsers read (store/knowledge/parsers/).
# What the file picker offers: every format the knowledge store reads, plug-ins included.
ACCEPTED_TYPES = tuple(ext.lstrip(".") for ext in accepted_extensions())
PENDING = ("queued", "indexing")
SEARCH_MODES = ("auto", "tool", "both")  # ``KnowledgeSettings.mode``

Translate = Callable[..., str]  # ``state.tr``: a message key and its parameters -> text


def is_pending(document: DocumentRecord) -> bool:
    return document.status in PENDING


@dataclass(frozen=True)
class DocumentsSummary:
    """How far a base's documents have gone."""

    total: int = 0
    ready: int = 0
    pending: int = 0
    failed: int = 0
    passages: int = 0  # of the ready documents
    progress: float = 1.0  # of the pending documents together, 0..1

    @property
    def busy(self) -> bool:
        """Something is still being indexed: the page keeps refreshing."""
        return self.pending > 0


def summarise(documents: Sequence[DocumentRecord]) -> DocumentsSummary:
    pending = [d for d in documents if is_pending(d)]
    ready = [d for d in documents if d.status == "ready"]
    progress = sum(_clamp(d.progress) for d in pending) / len(pending) if pending else 1.0
    return DocumentsSummary(
        total=len(documents),
        ready=len(ready),
        pending=len(pending),
        failed=sum(1 for d in documents if d.status == "failed"),
        passages=sum(d.chunks for d in ready),
        progress=progress,
    )


def _clamp(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def progress_value(document: DocumentRecord) -> float:
    """For ``st.progress``: a queued document shows an empty bar, never a full one."""
    return _clamp(document.progress) if document.status == "indexing" else 0.0


def counted(tr: Translate, key: str, count: int) -> str:
    """``key.zero``, ``key.one`` or ``key.many``: "aucun passage", "1 passage", "3 passages"."""
    form = "zero" if count == 0 else "one" if count == 1 else "many"
    return tr(f"{key}.{form}", count=count)


def summary_line(summary: DocumentsSummary, tr: Translate) -> str:
    """``3 documents · 120 passages · 1 en cours d'indexation · 1 en échec``."""
    parts = [counted(tr, "ui.kb.count.documents", summary.total)]
    parts.append(counted(tr, "ui.kb.count.passages", summary.passages))
    if summary.pending:
        parts.append(counted(tr, "ui.kb.count.pending", summary.pending))
    if summary.failed:
        parts.append(counted(tr, "ui.kb.count.failed", summary.failed))
    return " · ".join(parts)


def status_label(document: DocumentRecord, tr: Translate, lang: str | None = None) -> str:
    """The status in words: while a document is indexed, the stage it is at (reading,
    splitting, the meaning of its passages with a percentage, saving); never colour alone."""
    if document.status in PENDING:
        return stage_text(document, lang)
    return tr(f"ui.kb.status.{document.status}")


STATUS_ICONS = {
    "queued": ":material/schedule:",
    "indexing": ":material/sync:",
    "ready": ":material/check_circle:",
    "failed": ":material/error:",
}


def ready_detail(document: DocumentRecord, tr: Translate) -> str:
    """``12 pages · 34 passages`` (pages only for formats that have them)."""
    parts = []
    if document.pages:
        parts.append(counted(tr, "ui.kb.count.pages", document.pages))
    parts.append(counted(tr, "ui.kb.count.passages", document.chunks))
    return " · ".join(parts)


def plain_reason(error: str, tr: Translate) -> str:
    """A failure reason as a sentence: the store writes them as clauses ("le fichier est
    vide ; ..."), to be read after a prefix in the CLI."""
    text = " ".join(error.split())
    if not text:
        return tr("ui.kb.failed_unknown")
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def file_size(size: int, tr: Translate) -> str:
    if size < 1024:
        return tr("ui.kb.size.bytes", size=size)
    if size < 1024 * 1024:
        return tr("ui.kb.size.kb", size=max(1, round(size / 1024)))
    return tr("ui.kb.size.mb", size=f"{size / (1024 * 1024):.1f}")


def split_added(
    before: Iterable[DocumentRecord], returned: Sequence[DocumentRecord]
) -> tuple[list[DocumentRecord], list[DocumentRecord]]:
    """The documents an upload added (a failed one uploaded again is tried again: added too),
    and those the base already held (same content: the store gives the existing document
    back instead of indexing it twice)."""
    held = {d.id for d in before if d.status != "failed"}
    added = [d for d in returned if d.id not in held]
    already = [d for d in returned if d.id in held]
    return added, already


# --- passages and citations -----------------------------------------------------------------------


class Sourced(Protocol):
    """A search ``Passage`` or an answer's ``Citation``: both say where their text comes from."""

    @property
    def document(self) -> str: ...

    @property
    def page(self) -> int | None: ...

    @property
    def heading_path(self) -> tuple[str, ...]: ...


def passage_source(passage: Sourced, tr: Translate) -> str:
    """``conges.pdf, p. 3``: the document and, when it has pages, the page."""
    where = passage.document
    if passage.page is not None:
        where += ", " + tr("ui.kb.page", n=passage.page)
    return where


def source_label(passage: Sourced, tr: Translate) -> str:
    """``conges.pdf, p. 3 — Télétravail``: the source and the nearest heading, which tells apart
    two passages of one document."""
    where = passage_source(passage, tr)
    headings = [h.strip() for h in passage.heading_path if h.strip()]
    return f"{where} — {headings[-1]}" if headings else where


def heading_trail(passage: Sourced) -> str:
    """``Congés › Poser un congé``: the headings above the passage."""
    return " › ".join(h.strip() for h in passage.heading_path if h.strip())


def format_score(score: float, lang: str) -> str:
    """Three decimals, with the decimal comma in French."""
    text = f"{score:.3f}"
    return text.replace(".", ",") if lang == "fr" else text


def score_line(similarity: float | None, lang: str, tr: Translate) -> str:
    """One figure explained in words: the similarity that ``min_score`` is compared with, or,
    for a passage found by its words alone, that it was."""
    if similarity is None:
        return tr("ui.kb.found_by_words")
    return describe_similarity(similarity, lang).line


# --- the editor's choice of bases -----------------------------------------------------------------


@dataclass(frozen=True)
class BaseOption:
    ref: str  # what the spec holds: a base id (or, in a loaded spec, a name)
    label: str
    known: bool  # the person has this base


def base_options(
    bases: Sequence[KnowledgeBaseRecord], selected: Sequence[str], unknown_label: Translate
) -> list[BaseOption]:
    """The editor's options: every base of the person (by id), plus each ref of the spec that
    is not one of those ids. A ref naming a base (a template written by hand) stays as written
    and stands for that base; a ref matching nothing stays too, labelled as missing, so that
    loading a spec never drops a base silently. ``unknown_label(key, ref=...)`` names those."""
    ids = {kb.id for kb in bases}
    by_name = {kb.name.strip().casefold(): kb for kb in bases}
    named: dict[str, list[str]] = {}  # base id -> the refs naming it
    unknown: list[str] = []
    for ref in dict.fromkeys(selected):
        if ref in ids:
            continue
        match = by_name.get(ref.strip().casefold())
        if match is None:
            unknown.append(ref)
        else:
            named.setdefault(match.id, []).append(ref)
    options: list[BaseOption] = []
    for kb in bases:
        refs = named.get(kb.id, [])
        if not refs or kb.id in selected:  # offered once, under the ref the spec uses
            options.append(BaseOption(kb.id, kb.name, True))
        options += [BaseOption(ref, kb.name, True) for ref in refs]
    options += [
        BaseOption(ref, unknown_label("ui.kb_field.unknown", ref=ref), False) for ref in unknown
    ]
    return options


def unknown_refs(options: Sequence[BaseOption], selected: Sequence[str]) -> list[str]:
    missing = {o.ref for o in options if not o.known}
    return [ref for ref in selected if ref in missing]


def quoted(text: str) -> str:
    """A passage as a Markdown quote, its own Markdown shown literally (``*`` stays a star)."""
    lines = [escape_markdown(line) for line in text.strip().splitlines()]
    return "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
