"""Review before the whole organisation sees an agent, from a terminal:

- ``atelier agent publish AGENT [--message TEXT]``: ask for the latest version to be published
  to the organisation (a request already waiting is replaced);
- ``atelier review list|show|approve|reject``: the reviewers' queue ("À relire");
- ``atelier agent unpublish AGENT``, ``atelier agent deprecate AGENT [--undo]``: administrators;
- ``atelier me notifications``: what one was told (shown, then marked read).

Every command calls ``Workspace.reviews`` through the services, like the builder's page.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.i18n import t
from builder_ui.cli.common import open_services, print_json, say, table

if TYPE_CHECKING:
    from agents.spec_diff import FieldChange
    from builder_ui.services.reviews import ReviewSheet

review_app = typer.Typer(help=t("cli.help.review"), no_args_is_help=True)

AgentRef = Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]
Comment = Annotated[
    str, typer.Option("--comment", "-c", metavar="TEXT", help=t("cli.help.review_comment"))
]
INDENT = "    "


# --- asking, unpublishing, deprecating (``atelier agent …``) ------------------------------------


def publish(
    agent: AgentRef,
    message: Annotated[
        str, typer.Option("--message", "-m", metavar="TEXT", help=t("cli.help.publish_message"))
    ] = "",
) -> None:
    services = open_services()
    record = services.find_agent(agent)
    reviews = services.workspace.reviews
    before = reviews.pending_request(record.id)
    request = reviews.request_publication(record.id, message)
    if before is not None:
        say(t("cli.review.replaced", version=before.version))
    say(t("cli.review.requested", name=record.name, version=request.version))


def unpublish(agent: AgentRef) -> None:
    services = open_services()
    services.workspace.require_admin()  # refused before anything is looked up
    record = services.workspace.reviews.unpublish(services.find_agent(agent).id)
    say(t("cli.review.unpublished", name=record.name))


def deprecate(
    agent: AgentRef,
    undo: Annotated[bool, typer.Option("--undo", help=t("cli.help.deprecate_undo"))] = False,
) -> None:
    services = open_services()
    services.workspace.require_admin()
    record = services.workspace.reviews.set_deprecated(services.find_agent(agent).id, not undo)
    say(t("cli.review.undeprecated" if undo else "cli.review.deprecated", name=record.name))


# --- the reviewers' queue (``atelier review …``) ------------------------------------------------


@review_app.command("list", help=t("cli.help.review_list"))
def list_requests(as_json: AsJson = False) -> None:
    from builder_ui.services.reviews import review_sheets

    sheets = review_sheets(open_services())
    if as_json:
        print_json([_as_data(sheet) for sheet in sheets])
        return
    if not sheets:
        say(t("cli.review.empty"))
        return
    headers = [t(f"cli.review.col.{c}") for c in ("id", "name", "version", "by", "since", "msg")]
    rows = [
        (
            s.agent_id,
            s.pending.agent.name,
            s.pending.request.version,
            s.pending.request.requested_by,
            _when(s.pending.request.created_at),
            _one_line(s.pending.request.message),
        )
        for s in sheets
    ]
    typer.echo(table(headers, rows))


@review_app.command("show", help=t("cli.help.review_show"))
def show(agent: AgentRef, as_json: AsJson = False) -> None:
    from builder_ui.services.reviews import review_sheet

    sheet = review_sheet(open_services(), agent)
    if as_json:
        print_json(_as_data(sheet))
        return
    pending, agent_record = sheet.pending, sheet.pending.agent
    lines = [
        f"{agent_record.icon or '🤖'} {agent_record.name} ({agent_record.id})",
        t("cli.review.owner", owner=agent_record.owner),
        t(
            "cli.review.asked",
            by=pending.request.requested_by,
            when=_when(pending.request.created_at),
            version=pending.request.version,
        ),
    ]
    if agent_record.description:
        lines.append(t("cli.review.description", text=agent_record.description))
    if pending.request.message:
        lines.append(t("cli.review.message", text=pending.request.message))
    if pending.published is not None:
        lines.append(t("cli.review.against", version=pending.published.number))
    else:
        lines.append(t("cli.review.first"))
    lines.append(t("cli.review.model", model=sheet.model))
    bases = ", ".join(pending.bases) or t("cli.review.none")
    lines.append(t("cli.review.bases", bases=bases))
    lines.append(t("cli.review.tools") if sheet.tools else t("cli.review.no_tools"))
    for tool in sheet.tools:
        lines.append(f"  - {tool.title} ({tool.id}) : {' '.join(tool.effects)} {tool.approval}")
    lines.append(t("cli.review.changes") if sheet.changes else t("cli.review.no_changes"))
    for change in sheet.changes:
        lines.append(f"  {change.label}")
        lines.extend(_change_lines(change))
    if any(change.lines for change in sheet.changes):
        lines += ["", t("versions.diff_legend")]
    typer.echo("\n".join(lines))


def _change_lines(change: FieldChange) -> list[str]:
    """The instructions as a line diff, each line after its sign; any other field as its
    two values, each after the version it is in."""
    from agents.spec_diff import diff_text

    if change.lines:
        return [INDENT + line for line in diff_text(change.lines).splitlines()]
    out = []
    for key, value in (
        ("cli.review.value.published", change.before),
        ("cli.review.value.requested", change.after),
    ):
        head = t(key)
        first, *more = value.splitlines() or [""]
        out.append(f"{INDENT}{head} {first}")
        out += [f"{INDENT}{' ' * len(head)} {line}" for line in more]
    return out


@review_app.command("approve", help=t("cli.help.review_approve"))
def approve(agent: AgentRef, comment: Comment = "") -> None:
    reviews = open_services().workspace.reviews
    record = reviews.review(agent).agent
    done = reviews.approve(record.id, comment)
    say(t("cli.review.approved", name=record.name, version=done.version))


@review_app.command("reject", help=t("cli.help.review_reject"))
def reject(agent: AgentRef, comment: Comment = "") -> None:
    reviews = open_services().workspace.reviews
    record = reviews.review(agent).agent
    done = reviews.reject(record.id, comment)
    say(t("cli.review.rejected", name=record.name, version=done.version))


# --- what one was told (``atelier me notifications``) ------------------------------------------


def notifications(
    everything: Annotated[
        bool, typer.Option("--all", help=t("cli.help.notifications_all"))
    ] = False,
    as_json: AsJson = False,
) -> None:
    from builder_ui.services.reviews import notification_text

    reviews = open_services().workspace.reviews
    found = reviews.notifications(unread_only=not everything)
    if as_json:
        print_json(
            [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "text": notification_text(n),
                    "parameters": n.parameters,
                    "created_at": n.created_at.isoformat(),
                    "read_at": n.read_at.isoformat() if n.read_at else None,
                }
                for n in found
            ]
        )
    elif not found:
        say(t("cli.review.no_notifications"))
    else:
        typer.echo("\n".join(f"{_when(n.created_at)}  {notification_text(n)}" for n in found))
    reviews.mark_read([n.id for n in found])


def _as_data(sheet: ReviewSheet) -> dict[str, Any]:
    pending = sheet.pending
    return {
        "agent": {
            "id": pending.agent.id,
            "name": pending.agent.name,
            "icon": pending.agent.icon,
            "description": pending.agent.description,
            "owner": pending.agent.owner,
            "published_version": pending.agent.published_version,
            "in_organisation": pending.in_organisation,
        },
        "version": pending.request.version,
        "requested_by": pending.request.requested_by,
        "requested_at": pending.request.created_at.isoformat(),
        "message": pending.request.message,
        "model": sheet.model,
        "bases": pending.bases,
        "tools": [
            {"id": x.id, "title": x.title, "effects": x.effects, "approval": x.approval}
            for x in sheet.tools
        ],
        "changes": [_change_data(change) for change in sheet.changes],
    }


def _change_data(change: FieldChange) -> dict[str, Any]:
    """One change for machines: the stable field id, its label, both values as a person
    reads them, and (the instructions only) the line diff, each line after its sign."""
    from agents.spec_diff import diff_text

    return {
        "field": change.field,
        "label": change.label,
        "before": change.before,
        "after": change.after,
        "diff": diff_text(change.lines).splitlines() if change.lines else [],
    }


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _one_line(text: Any, limit: int = 60) -> str:
    line = " ".join(str(text if text is not None else "—").split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
