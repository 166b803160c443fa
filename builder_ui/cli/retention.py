"""``atelier admin retention show|set|apply``: how long conversations, drafts and uploads are
kept, and erasing now what is past its time. An administrator's (``Workspace.organisation``
refuses anyone else, exit 2). ``apply`` prints counts only, never what was erased; the
builder also sweeps on its own every hour (``builder_ui.services.retention``)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from agents.i18n import t
from builder_ui.cli.common import open_services, print_json, say
from builder_ui.cli.secret import closing_secrets

retention_app = typer.Typer(help=t("retention.cli.help"), no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]


def _days(key: str) -> Any:
    return typer.Option(f"--{key}", min=0, metavar="DAYS", help=t(f"retention.cli.help.{key}"))


Conversations = Annotated[int | None, _days("conversations")]
Drafts = Annotated[int | None, _days("drafts")]
Uploads = Annotated[int | None, _days("uploads")]


def _lines(rules: Any) -> list[str]:
    lines = []
    for kind in ("conversations", "drafts", "uploads"):
        days = getattr(rules, f"{kind}_days")
        kept = t("retention.kept_forever") if days is None else t("retention.days", days=days)
        lines.append(f"{t(f'retention.kind.{kind}')} : {kept}")
    return lines


@retention_app.command("show", help=t("retention.cli.help.show"))
def show(as_json: AsJson = False) -> None:
    with closing_secrets():
        rules = open_services().workspace.organisation.retention()
    if as_json:
        print_json(rules.model_dump(mode="json"))
        return
    typer.echo("\n".join(_lines(rules)))


@retention_app.command("set", help=t("retention.cli.help.set"))
def set_rules(
    conversations: Conversations = None, drafts: Drafts = None, uploads: Uploads = None
) -> None:
    """A number of days for each kind named; 0 keeps it until deleted; one not named keeps
    its current rule."""
    with closing_secrets():
        services = open_services()
        current = services.workspace.organisation.retention()

        def chosen(given: int | None, now: int | None) -> int | None:
            if given is None:
                return now
            return given or None

        rules = services.set_retention(
            chosen(conversations, current.conversations_days),
            chosen(drafts, current.drafts_days),
            chosen(uploads, current.uploads_days),
        )
    say(t("retention.cli.saved"))
    typer.echo("\n".join(_lines(rules)))


@retention_app.command("apply", help=t("retention.cli.help.apply"))
def apply(as_json: AsJson = False) -> None:
    with closing_secrets():
        try:
            report = open_services().apply_retention()
        finally:
            service = sys.modules.get("store.knowledge.service")
            if service is not None:  # its ingestion worker stops with the command
                service.close_knowledge_stores()
    if as_json:
        print_json({"erased": report.counts, "skipped": report.skipped})
        return
    if not report.counts:
        say(t("retention.cli.nothing_set"))
        return
    for kind, count in report.counts.items():
        typer.echo(f"{t(f'retention.kind.{kind}')} : {t('retention.cli.erased', count=count)}")
    if report.skipped:
        say(t("retention.cli.skipped", count=report.skipped))
