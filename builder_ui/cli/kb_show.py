"""``atelier kb show KB DOC [--json]``: what was read from a document, passage by passage, with
its page and headings: to check a scanned PDF's OCR, or why a passage is (not) found."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.i18n import t
from builder_ui.cli.common import print_json, say
from builder_ui.cli.kb import AsJson, KbRef, find_document, kb_workspace

if TYPE_CHECKING:
    from store.knowledge.records import Chunk


def show(
    kb: KbRef,
    doc: Annotated[str, typer.Argument(metavar="DOC", help=t("cli.help.kb_show_doc"))],
    as_json: AsJson = False,
) -> None:
    with kb_workspace() as workspace:
        base = workspace.resolve_kb(kb)
        document = find_document(workspace, base.id, doc, prefer_ready=True)
        passages = workspace.document_passages(base.id, document.id)
    if as_json:
        print_json(
            {
                "id": document.id,
                "filename": document.filename,
                "status": document.status,
                "passages": [_passage_json(p) for p in passages],
            }
        )
        return
    if not passages:
        say(
            t(
                "cli.kb.show.empty",
                file=document.filename,
                status=t(f"cli.kb.status.{document.status}"),
            )
        )
        return
    for passage in passages:
        typer.echo(_heading(passage))
        typer.echo(passage.text)
        typer.echo()


def _heading(passage: Chunk) -> str:
    parts = [f"[{passage.ordinal + 1}]"]
    if passage.page is not None:
        parts.append(t("cli.kb.show.page", page=passage.page))
    if passage.heading_path:
        parts.append(" › ".join(passage.heading_path))
    return " · ".join(parts)


def _passage_json(passage: Chunk) -> dict[str, Any]:
    return {
        "ordinal": passage.ordinal,
        "page": passage.page,
        "heading_path": list(passage.heading_path),
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
    }
