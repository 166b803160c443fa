"""``atelier agent fiche AGENT [--format md|pdf] [-o FILE]``: the agent's transparency sheet
(``builder_ui.services.fiche``), for whoever may use the agent."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Annotated, Literal

import typer

from agents.errors import UserError
from agents.i18n import t
from builder_ui.cli.common import open_services, say, write_new_file


def fiche(
    agent: Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))],
    fmt: Annotated[
        Literal["md", "pdf"], typer.Option("--format", "-f", help=t("fiche.cli.format"))
    ] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=t("fiche.cli.output"))
    ] = None,
) -> None:
    from builder_ui.services.fiche import sheet_markdown, transparency_sheet
    from builder_ui.services.fiche_pdf import sheet_pdf

    if fmt == "pdf" and output is None:
        raise UserError("fiche.cli.pdf_needs_output")
    sheet = transparency_sheet(open_services(), agent)
    if output is None:
        typer.echo(sheet_markdown(sheet), nl=False)
        return
    data = sheet_pdf(sheet) if fmt == "pdf" else sheet_markdown(sheet).encode("utf-8")

    def write(out: IO[bytes]) -> None:
        out.write(data)

    say(t("fiche.cli.written", path=str(write_new_file(output, write))))
