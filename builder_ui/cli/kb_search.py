"""``atelier kb search KB QUERY`` (a table, or ``--json``) and ``atelier kb search KB --queries
FILE --json`` (one JSON line per question, in one process: a whole evaluation set in seconds).
The search is the one agents use (``Workspace.search``)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli.common import os_reason, print_json, say, table
from builder_ui.cli.kb import AsJson, KbRef, kb_workspace, one_line

if TYPE_CHECKING:
    from store.knowledge.records import Passage

PASSAGE_WIDTH = 100  # characters of a passage in the table view (JSON has it whole)


class Mode(StrEnum):
    hybrid = "hybrid"
    dense = "dense"
    bm25 = "bm25"


def search(
    kb: KbRef,
    query: Annotated[
        str | None, typer.Argument(metavar="[QUERY]", help=t("cli.help.kb_query"))
    ] = None,
    queries: Annotated[
        Path | None, typer.Option("--queries", metavar="FILE", help=t("cli.help.kb_queries"))
    ] = None,
    k: Annotated[
        int, typer.Option("--k", min=1, max=100, metavar="N", help=t("cli.help.kb_k"))
    ] = 5,
    min_score: Annotated[
        float,
        typer.Option("--min-score", min=0.0, max=1.0, metavar="X", help=t("cli.help.kb_min_score")),
    ] = 0.0,
    mode: Annotated[Mode, typer.Option("--mode", help=t("cli.help.kb_mode"))] = Mode.hybrid,
    passages: Annotated[bool, typer.Option("--passages", help=t("cli.help.kb_passages"))] = False,
    as_json: AsJson = False,
) -> None:
    if query is not None and queries is not None:
        raise UserError("cli.kb.search.query_and_queries")
    if queries is not None:
        if not as_json:
            raise UserError("cli.kb.search.queries_need_json")
        lines = _query_lines(queries)
        with kb_workspace() as workspace:
            base = workspace.resolve_kb(kb)
            for line in lines:
                found = workspace.search(
                    [base.id], line, k, min_score, mode.value, per_document=not passages
                )
                hits = [_hit_json(p) for p in found]
                typer.echo(json.dumps({"query": line, "hits": hits}, ensure_ascii=False))
        return
    if query is None or not query.strip():
        raise UserError("cli.kb.search.no_query")
    with kb_workspace() as workspace:
        found = workspace.search([kb], query, k, min_score, mode.value, per_document=not passages)
    if as_json:
        print_json({"query": query, "hits": [_hit_json(p) for p in found]})
        return
    if not found:
        say(t("cli.kb.search.none"))
        return
    columns = ("rank", "document", "page", "score", "similarity", "passage")
    headers = [t(f"cli.kb.col.{c}") for c in columns]
    rows = [
        (
            rank,
            p.label if p.label == p.document else f"{p.label} ({p.document})",
            p.page if p.page is not None else "-",
            f"{p.score:.4f}",  # the fused rank score; ``--min-score`` applies to the similarity
            f"{p.scores['dense']:.3f}" if "dense" in p.scores else "-",
            one_line(p.text, PASSAGE_WIDTH),
        )
        for rank, p in enumerate(found, 1)
    ]
    typer.echo(table(headers, rows))


def _query_lines(path: Path) -> list[str]:
    """One query per non-blank line of ``path`` (``-``: standard input)."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text("utf-8")
    except OSError as exc:
        raise UserError(
            "cli.kb.search.cannot_read", path=str(path), reason=os_reason(exc)
        ) from None
    except UnicodeDecodeError:
        raise UserError("cli.kb.search.not_utf8", path=str(path)) from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _hit_json(passage: Passage) -> dict[str, Any]:
    return {
        "document": passage.document,
        "title": passage.title,
        "page": passage.page,
        "text": passage.text,
        "score": round(passage.score, 6),
        "scores": {name: round(value, 6) for name, value in passage.scores.items()},
        "document_id": passage.document_id,
        "chunk_id": passage.chunk_id,
        "heading_path": list(passage.heading_path),
        "others": [other.chunk_id for other in passage.others],
    }
