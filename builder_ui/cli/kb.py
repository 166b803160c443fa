"""``atelier kb …``: knowledge bases from a terminal: create, add documents (and watch them being
indexed), list, delete; ``search``, ``show`` and ``reindex`` have modules of their own
(``cli_kb_search``, ``cli_kb_show``, ``cli_kb_reindex``), registered in ``cli``.

The commands go through ``store.workspace.Workspace``, the same access layer as the builder,
opened without the agent runtime: searching a base needs neither LangGraph nor a model, so
``atelier kb search --queries`` runs a whole evaluation set in one quick process. Indexing runs
in this process's ingestion worker; ``kb add`` waits for it. Every command closes the knowledge
store before returning, so that the worker stops and the process exits at once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.errors import NotFound, UserError
from agents.i18n import t
from builder_ui.cli import agent as cli_agents
from builder_ui.cli.common import ask_yes_no, fail, os_reason, print_json, say, table

if TYPE_CHECKING:
    from store.knowledge.records import DocumentRecord, KnowledgeBaseRecord
    from store.workspace import Workspace

kb_app = typer.Typer(help=t("cli.help.kb"), no_args_is_help=True)

KbRef = Annotated[str, typer.Argument(metavar="KB", help=t("cli.help.kb_ref"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]

FINISHED = ("ready", "failed")


@contextmanager
def kb_workspace() -> Iterator[Workspace]:
    """This person's workspace; its knowledge store is closed on the way out (its ingestion
    worker stops, a document it was indexing goes back to the queue for the next opener)."""
    from store.workspace import open_workspace

    workspace = open_workspace()
    try:
        yield workspace
    finally:
        service = sys.modules.get("store.knowledge.service")
        if service is not None:  # opened only by the commands that reached the store
            service.close_knowledge_stores()


# --- create ----------------------------------------------------------------------------------


@kb_app.command("create", help=t("cli.help.kb_create"))
def create(
    name: Annotated[str, typer.Argument(metavar="NAME", help=t("cli.help.kb_name"))],
    description: Annotated[
        str, typer.Option("--description", metavar="TEXT", help=t("cli.help.kb_description"))
    ] = "",
    embedder: Annotated[
        str | None, typer.Option("--embedder", metavar="ID", help=t("cli.help.kb_embedder"))
    ] = None,
    data_class: Annotated[
        str, typer.Option("--class", metavar="CLASS", help=t("cli.kb.class_help"))
    ] = "internal",
    as_json: AsJson = False,
) -> None:
    with kb_workspace() as workspace:
        kb = workspace.create_kb(
            name, embedder=embedder, description=description, data_class=data_class
        )
    if as_json:
        print_json({"id": kb.id, "name": kb.name, "embedder": kb.embedder})
    else:
        typer.echo(kb.id)
        say(t("cli.kb.created", name=kb.name, id=kb.id, embedder=kb.embedder))


# --- add -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Upload:
    """One file given on the command line and the document it became."""

    filename: str
    doc_id: str
    duplicate: bool  # the base already had this content: nothing new was added
    existing: str  # the stored document's file name (differs for a duplicate)


@kb_app.command("add", help=t("cli.help.kb_add"))
def add(
    kb: KbRef,
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help=t("cli.help.kb_files"))],
    as_json: AsJson = False,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=0, metavar="SECONDS", help=t("cli.help.kb_timeout")),
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help=t("cli.help.kb_replace"))] = False,
) -> None:
    contents = [(path.name, _read(path)) for path in files]  # all readable, or nothing added
    with kb_workspace() as workspace:
        base = workspace.resolve_kb(kb)
        from builder_ui.cli.common import open_services

        open_services().check_base_route(base.id)  # its agents' models may receive its data
        before = {d.id: d.status for d in workspace.list_documents(base.id)}
        records = workspace.add_documents(base.id, contents, replace=replace)
        uploads: list[_Upload] = []
        seen: set[str] = set()
        for (filename, _), record in zip(contents, records, strict=True):
            duplicate = record.id in seen or before.get(record.id, "failed") != "failed"
            seen.add(record.id)
            uploads.append(_Upload(filename, record.id, duplicate, record.filename))
        ids = list(dict.fromkeys(u.doc_id for u in uploads))
        try:
            final = _wait(workspace, base.id, ids, uploads, timeout, show_bar=not as_json)
            if any(r.replaces for r in records):
                workspace.settle_knowledge()  # the replaced versions erased before exiting
        except KeyboardInterrupt:
            say(t("cli.kb.add.interrupted"))
            raise typer.Exit(130) from None
    found = {d.id: d for d in final}
    if as_json:
        print_json({"documents": [_upload_json(u, found.get(u.doc_id)) for u in uploads]})
    else:
        for upload in uploads:
            typer.echo(_summary(upload, found.get(upload.doc_id)))
    failures = [
        (u.filename, _reason(found.get(u.doc_id))) for u in uploads if _failed(found.get(u.doc_id))
    ]
    if failures:
        lines = "\n".join(f"  {name} : {reason}" for name, reason in failures)
        fail(t("cli.kb.add.some_failed", count=len(failures), total=len(uploads), lines=lines), 2)
    pending = {u.doc_id for u in uploads if found[u.doc_id].status not in FINISHED}
    if pending:
        fail(t("cli.kb.add.timeout", count=len(pending), seconds=f"{timeout:g}"), 1)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError("cli.kb.cannot_read", path=str(path), reason=os_reason(exc)) from None


def _wait(
    workspace: Workspace,
    kb_id: str,
    ids: list[str],
    uploads: Sequence[_Upload],
    timeout: float | None,
    show_bar: bool,
) -> list[DocumentRecord]:
    """Until every document is ready or failed (or ``timeout``), with one progress bar per
    document on stderr at a terminal, or a line per document that starts indexing."""
    names: dict[str, str] = {}
    for upload in uploads:
        names.setdefault(upload.doc_id, upload.filename)  # the first file with that content
    if show_bar:
        bars = _Bars.start(names)
        if bars is not None:
            with bars.progress:
                return workspace.wait_for_documents(kb_id, ids, timeout, bars.update)
    announced: set[str] = set()

    def lines(current: list[DocumentRecord]) -> None:
        for document in current:
            if document.status == "indexing" and document.id not in announced:
                announced.add(document.id)
                say(t("cli.kb.add.indexing", file=names.get(document.id, document.filename)))

    return workspace.wait_for_documents(kb_id, ids, timeout, lines)


class _Bars:
    """``rich`` progress bars, one per document, with its status beside it."""

    def __init__(self, progress: Any, tasks: dict[str, Any]) -> None:
        self.progress = progress
        self.tasks = tasks

    @classmethod
    def start(cls, names: dict[str, str]) -> _Bars | None:
        try:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
        except ImportError:
            return None
        console = Console(stderr=True)
        if not console.is_terminal:
            return None
        width = min(40, max(len(n) for n in names.values()))
        progress = Progress(
            TextColumn(f"{{task.description:<{width}.{width}}}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
        )
        tasks = {
            doc_id: progress.add_task(name, total=100, status=_status("queued"))
            for doc_id, name in names.items()
        }
        return cls(progress, tasks)

    def update(self, current: list[DocumentRecord]) -> None:
        for document in current:
            task = self.tasks.get(document.id)
            if task is None:
                continue
            done = 100.0 if document.status in FINISHED else 100.0 * document.progress
            self.progress.update(task, completed=done, status=_status(document.status))


def _status(status: str) -> str:
    return t(f"cli.kb.status.{status}") if status in _STATUSES else status


_STATUSES = ("queued", "indexing", "ready", "failed")


def _failed(document: DocumentRecord | None) -> bool:
    """Failed, or deleted while this command waited for it."""
    return document is None or document.status == "failed"


def _reason(document: DocumentRecord | None) -> str:
    """Why the document is not indexed, without the file name the parser may start with (the
    summary line names the file already)."""
    if document is None:
        return t("cli.kb.add.gone")
    reason = document.error
    for prefix in (f"{document.filename} : ", f"{document.filename}: "):
        reason = reason.removeprefix(prefix)
    return reason


def _summary(upload: _Upload, document: DocumentRecord | None) -> str:
    if document is None or document.status == "failed":
        return t("cli.kb.add.failed", file=upload.filename, reason=_reason(document))
    if upload.duplicate:
        return t(
            "cli.kb.add.duplicate", file=upload.filename, existing=upload.existing, id=document.id
        )
    if document.status != "ready":
        return t(
            "cli.kb.add.pending",
            file=upload.filename,
            status=_status(document.status),
            percent=round(100 * document.progress),
        )
    if document.pages:
        line = t(
            "cli.kb.add.ready_pages",
            file=upload.filename,
            chunks=document.chunks,
            pages=document.pages,
            id=document.id,
        )
    else:
        line = t("cli.kb.add.ready", file=upload.filename, chunks=document.chunks, id=document.id)
    if document.replaces:
        line += t("cli.kb.add.replaced", ids=", ".join(document.replaces))
    return line


def _upload_json(upload: _Upload, document: DocumentRecord | None) -> dict[str, Any]:
    return {
        "id": upload.doc_id,
        "filename": upload.filename,
        "status": "failed" if document is None else document.status,
        "chunks": 0 if document is None else document.chunks,
        "pages": None if document is None else document.pages,
        "error": t("cli.kb.add.gone") if document is None else document.error,
        "duplicate": upload.duplicate,
        "replaced": [] if document is None else list(document.replaces),
    }


# --- list and docs ---------------------------------------------------------------------------


@kb_app.command("list", help=t("cli.help.kb_list"))
def list_kbs(as_json: AsJson = False) -> None:
    with kb_workspace() as workspace:
        bases = workspace.list_kbs()
    if as_json:
        print_json([_kb_json(kb) for kb in bases])
        return
    if not bases:
        say(t("cli.kb.list.empty"))
        return
    headers = [t(f"cli.kb.col.{c}") for c in ("id", "name", "documents", "chunks", "embedder")]
    rows = [(kb.id, kb.name, kb.documents, kb.chunks, kb.embedder) for kb in bases]
    typer.echo(table(headers, rows))


def _kb_json(kb: KnowledgeBaseRecord) -> dict[str, Any]:
    return {
        "id": kb.id,
        "name": kb.name,
        "description": kb.description,
        "documents": kb.documents,
        "chunks": kb.chunks,
        "embedder": kb.embedder,
        "data_class": kb.data_class,
        "created_at": kb.created_at.isoformat(),
    }


@kb_app.command("docs", help=t("cli.help.kb_docs"))
def list_docs(kb: KbRef, as_json: AsJson = False) -> None:
    with kb_workspace() as workspace:
        base = workspace.resolve_kb(kb)
        documents = workspace.list_documents(base.id)
    if as_json:
        print_json([_doc_json(d) for d in documents])
        return
    if not documents:
        say(t("cli.kb.docs.empty", name=base.name, id=base.id))
        return
    columns = ("id", "filename", "status", "progress", "chunks", "pages", "error")
    headers = [t(f"cli.kb.col.{c}") for c in columns]
    rows = [
        (
            d.id,
            d.filename,
            _status(d.status),
            f"{round(100 * d.progress)} %",
            d.chunks,
            d.pages if d.pages is not None else "-",
            one_line(d.error, 60),
        )
        for d in documents
    ]
    typer.echo(table(headers, rows))


def _doc_json(document: DocumentRecord) -> dict[str, Any]:
    return {
        "id": document.id,
        "filename": document.filename,
        "status": document.status,
        "progress": document.progress,
        "chunks": document.chunks,
        "pages": document.pages,
        "error": document.error,
        "size": document.size,
        "created_at": document.created_at.isoformat(),
        "updated_at": document.updated_at.isoformat(),
    }


# --- rm --------------------------------------------------------------------------------------


@kb_app.command("rm", help=t("cli.help.kb_rm"))
def remove(
    kb: KbRef,
    doc: Annotated[str | None, typer.Argument(metavar="[DOC]", help=t("cli.help.kb_doc"))] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=t("cli.help.yes"))] = False,
) -> None:
    with kb_workspace() as workspace:
        base = workspace.resolve_kb(kb)
        if doc is None:
            count = len(workspace.list_documents(base.id))
            agents = workspace.agents_using_kb(base.id)
            using = ", ".join(t("kb.agent_name", name=a.name) for a in agents)
            if using:
                say(t("cli.kb.rm.used_by", agents=using))
            question = t("cli.kb.rm.confirm_kb", name=base.name, id=base.id, count=count)
            _confirm(kb, question, yes)
            workspace.delete_kb(base.id)
            say(t("cli.kb.rm.done_kb", name=base.name, id=base.id))
            return
        document = find_document(workspace, base.id, doc)
        question = t(
            "cli.kb.rm.confirm_doc", file=document.filename, id=document.id, name=base.name
        )
        _confirm(doc, question, yes)
        workspace.delete_document(base.id, document.id)
        say(t("cli.kb.rm.done_doc", file=document.filename, id=document.id, name=base.name))


def find_document(
    workspace: Workspace, kb_id: str, ref: str, prefer_ready: bool = False
) -> DocumentRecord:
    """A document of the base by id, or by file name when only one has it (``prefer_ready``:
    or when only one of them is ready, as after a new version that failed)."""
    wanted = ref.strip()
    try:
        return workspace.get_document(kb_id, wanted)
    except NotFound:
        pass
    documents = workspace.list_documents(kb_id)
    matches = [d for d in documents if d.filename == wanted]
    if not matches:
        matches = [d for d in documents if d.filename.casefold() == wanted.casefold()]
    if not matches:
        raise NotFound("kb.document_not_found", ref=ref)
    ready = [d for d in matches if d.status == "ready"]
    if len(matches) > 1 and prefer_ready and len(ready) == 1:
        return ready[0]
    if len(matches) > 1:
        ids = ", ".join(sorted(d.id for d in matches))
        raise UserError("cli.kb.doc_ambiguous", ref=ref, ids=ids)
    return matches[0]


def _confirm(ref: str, question: str, yes: bool) -> None:
    if yes:
        return
    if not cli_agents.interactive():
        raise UserError("cli.rm.needs_yes", ref=ref)
    if not ask_yes_no(question):
        say(t("cli.rm.cancelled"))
        raise typer.Exit(1)


def one_line(text: Any, limit: int) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
