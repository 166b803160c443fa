"""``atelier catalogue search``, ``atelier agent fork`` and ``atelier agent feedback``: the
catalogue page's services from a terminal."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from agents.i18n import t
from builder_ui.cli.common import open_services, print_json, say, table

catalogue_app = typer.Typer(help=t("cli.catalogue.help"), no_args_is_help=True)

AgentRef = Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.catalogue.json"))]


@catalogue_app.command("search", help=t("cli.catalogue.search.help"))
def search(
    text: Annotated[str, typer.Argument(metavar="TEXT", help=t("cli.catalogue.text"))] = "",
    as_json: AsJson = False,
    category: Annotated[str, typer.Option("--category", help=t("cli.catalogue.category"))] = "",
    team: Annotated[str, typer.Option("--team", help=t("cli.catalogue.team"))] = "",
    sort: Annotated[str, typer.Option("--sort", help=t("cli.catalogue.sort"))] = "popularity",
    limit: Annotated[int, typer.Option("--limit", min=1, help=t("cli.catalogue.limit"))] = 50,
) -> None:
    from store.agent_catalogue import Filters

    cards = open_services().catalogue_search(
        text, Filters(team=team, category=category), sort, limit
    )
    if as_json:
        print_json([_card_data(c) for c in cards])
        return
    if not cards:
        say(t("catalogue.none"))
        return
    rows = [
        (
            c.agent_id,
            f"{c.icon} {c.name}",
            c.category,
            c.owner_name,
            f"v{c.version}",
            _rating(c.thumbs_up, c.ratings),
            c.uses_30_days,
            c.forks,
        )
        for c in cards
    ]
    columns = ("id", "name", "category", "owner", "version", "rating", "uses", "forks")
    headers = [t(f"cli.catalogue.col.{c}") for c in columns]
    typer.echo(table(headers, rows))


def _rating(up: int, count: int) -> str:
    return f"{round(100 * up / count)} % ({count})" if count else "-"


def _card_data(card: Any) -> dict[str, Any]:
    lineage = card.lineage
    return {
        "id": card.agent_id,
        "name": card.name,
        "description": card.description,
        "icon": card.icon,
        "category": card.category,
        "owner": card.owner,
        "owner_name": card.owner_name,
        "teams": list(card.teams),
        "version": card.version,
        "model": card.model,
        "uses_documents": card.uses_documents,
        "uses_tools": card.uses_tools,
        "thumbs_up": card.thumbs_up,
        "thumbs_down": card.thumbs_down,
        "rating": card.rating,
        "uses_30_days": card.uses_30_days,
        "forks": card.forks,
        "forked_from": (
            {
                "id": lineage.forked_from,
                "name": lineage.forked_name,
                "version": lineage.forked_version,
            }
            if lineage is not None
            else None
        ),
        "updated_at": card.updated_at.isoformat(),
    }


def fork(
    agent: AgentRef,
    name: Annotated[str, typer.Option("--name", help=t("cli.agent.fork.name"))] = "",
    as_json: AsJson = False,
) -> None:
    made = open_services().fork_agent(agent, name or None)
    version = made.version
    if as_json:
        print_json(
            {"id": version.agent_id, "name": version.spec.name, "dropped_bases": made.dropped_bases}
        )
        return
    typer.echo(version.agent_id)
    say(t("catalogue.forked", name=version.spec.name, id=version.agent_id))
    if made.dropped_bases:
        say(t("catalogue.dropped_bases", names=", ".join(made.dropped_bases)))


def feedback(agent: AgentRef, as_json: AsJson = False) -> None:
    found = open_services().agent_feedback(agent)
    if as_json:
        print_json(
            [
                {
                    "rating": f.rating,
                    "comment": f.comment,
                    "exchange": f.exchange or None,
                    "author": f.author,
                    "version": f.version,
                    "created_at": f.created_at.isoformat(),
                }
                for f in found
            ]
        )
        return
    if not found:
        say(t("feedback.none"))
        return
    up = sum(f.rating == "up" for f in found)
    say(t("ui.feedback.summary", up=up, down=len(found) - up))
    for f in found:
        typer.echo(
            f"{f.created_at:%Y-%m-%d %H:%M}  v{f.version}  {t('feedback.' + f.rating)}  {f.author}"
        )
        if f.comment:
            typer.echo(f"    {f.comment}")
        typer.echo(
            "    "
            + (
                f.exchange.replace("\n", "\n    ")
                if f.exchange
                else t("feedback.exchange_not_given")
            )
        )
