"""``atelier tool openapi FILE_OR_URL``: the operations of an OpenAPI document, to choose from.

The document is read by ``builder_ui.services.openapi_import``, as the editor's import reads it:
a URL is fetched through the egress guard of the administrator's stored policy, so the command
reaches no further than an agent would.
"""

from __future__ import annotations

from typing import Annotated

import typer

from agents.i18n import t
from builder_ui.cli.common import print_json, say, table


def list_operations(
    document: Annotated[
        str, typer.Argument(metavar="FILE_OR_URL", help=t("openapi.cli.help_document"))
    ],
    as_json: Annotated[bool, typer.Option("--json", help=t("cli.help.json"))] = False,
) -> None:
    from builder_ui.cli.secret import closing_secrets
    from builder_ui.services.openapi_import import open_document

    with closing_secrets():  # the admin settings are read from the secret store
        api = open_document(document)
    if as_json:
        print_json(api.summary())
        return
    say(
        t(
            "openapi.cli.summary",
            title=api.title,
            version=api.version or "?",
            spec=api.spec_version,
            count=len(api.operations),
            base_url=api.base_url or "?",
        )
    )
    headers = [t(f"openapi.cli.col.{c}") for c in ("method", "path", "operation_id", "summary")]
    rows = [
        (
            op.method,
            op.path,
            op.operation_id,
            t("openapi.cli.unusable", problem=op.problem.message())
            if op.problem
            else _one_line(op.summary),
        )
        for op in api.operations
    ]
    typer.echo(table(headers, rows))


def _one_line(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
