"""``atelier kb reindex KB [--embedder ID]``: rebuild a knowledge base's vectors, with another
embedder or with its own after the embeddings service changed its model.

The work runs in this process (every chunk is embedded again when the model changed: minutes
for a large base with a slow model), with a progress bar on stderr at a terminal. The base stays
searchable with its old vectors until the new collection is complete.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from agents.i18n import t
from builder_ui.cli.common import print_json, say
from builder_ui.cli.kb import AsJson, KbRef, kb_workspace


def reindex(
    kb: KbRef,
    embedder: Annotated[
        str | None, typer.Option("--embedder", metavar="ID", help=t("cli.help.kb_reindex_embedder"))
    ] = None,
    as_json: AsJson = False,
) -> None:
    with kb_workspace() as workspace:
        base = workspace.resolve_kb(kb)
        chosen = embedder or base.embedder
        with _Bar.start(base.name) as bar:
            done = workspace.reindex_kb(base.id, chosen, on_progress=bar.update)
    if as_json:
        print_json({"id": done.id, "name": done.name, "embedder": done.embedder})
    else:
        say(t("cli.kb.reindexed", name=done.name, id=done.id, embedder=done.embedder))


class _Bar:
    """One ``rich`` progress bar of chunks embedded, at a terminal; nothing elsewhere."""

    def __init__(self, progress: Any = None, task: Any = None) -> None:
        self._progress = progress
        self._task = task

    @classmethod
    def start(cls, name: str) -> _Bar:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        console = Console(stderr=True)
        if not console.is_terminal:
            return cls()
        progress = Progress(TextColumn(name), BarColumn(), MofNCompleteColumn(), console=console)
        return cls(progress, progress.add_task(name, total=None))

    def __enter__(self) -> _Bar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)
