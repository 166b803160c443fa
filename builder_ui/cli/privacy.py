"""``atelier privacy pseudonymise``: the French detector on a file, from a terminal.

- ``atelier privacy pseudonymise FILE`` prints the text with placeholders (``<PERSONNE_1>``);
- ``atelier privacy pseudonymise --jsonl FILE`` reads one ``{"text": …}`` per line and writes,
  in the same order, one ``{"text": <the text with placeholders>, "entities": [{"type", "start",
  "end"}]}`` per line, the offsets in the text as it was read. ``-`` reads standard input.

The placeholders of a file (or of each line) are numbered on their own: nothing is kept.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from agents.errors import UserError
from agents.i18n import t

privacy_app = typer.Typer(help=t("cli.privacy.help"), no_args_is_help=True)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).expanduser().read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        raise UserError("file.not_found", path=path) from None


@privacy_app.command("pseudonymise", help=t("cli.privacy.pseudonymise.help"))
def pseudonymise(
    file: Annotated[str, typer.Argument(metavar="FILE", help=t("cli.privacy.file"))],
    jsonl: Annotated[bool, typer.Option("--jsonl", help=t("cli.privacy.jsonl"))] = False,
) -> None:
    from tools.privacy.french import french_detector
    from tools.privacy.pseudonyms import Pseudonyms

    text = _read(file)
    detector = french_detector()
    if not jsonl:
        typer.echo(Pseudonyms(detector).hide(text), nl=not text.endswith("\n"))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            raise UserError("cli.privacy.bad_line", line=number) from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise UserError("cli.privacy.bad_line", line=number)
        pseudonyms = Pseudonyms(detector)
        found = pseudonyms.found(item["text"])
        out = {
            "text": pseudonyms.hide(item["text"]),
            "entities": [{"type": e.type, "start": e.start, "end": e.end} for e in found],
        }
        typer.echo(json.dumps(out, ensure_ascii=False))
