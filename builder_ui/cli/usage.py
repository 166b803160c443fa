"""``atelier usage`` and ``atelier quota …``: a month's usage and cost, and monthly quotas.

What ``atelier usage`` shows follows the role of whom the terminal acts as (the workspace
decides, ``store.usage``): the whole installation for an administrator, their own agents for a
creator, their own spending for a user. Quotas are an administrator's to set; everyone may read
their own with ``atelier quota mine``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.i18n import t
from builder_ui.cli.common import print_json, say, table

if TYPE_CHECKING:
    from store.usage import QuotaState, UsageReport
    from store.workspace import Workspace

quota_app = typer.Typer(help=t("cli.help.quota"), no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help=t("usage.cli.help.json"))]
Person = Annotated[
    str | None, typer.Option("--person", metavar="EMAIL", help=t("usage.cli.help.person"))
]
Team = Annotated[str | None, typer.Option("--team", metavar="NAME", help=t("usage.cli.help.team"))]


def _workspace() -> Workspace:
    from store.workspace import open_workspace

    return open_workspace()


def usage(
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="agent|team|person|model", help=t("usage.cli.help.by")),
    ] = None,
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help=t("usage.cli.help.month"))
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", metavar="FILE", help=t("usage.cli.help.csv"))
    ] = None,
    as_json: AsJson = False,
) -> None:
    from builder_ui.services import usage as service

    found = service.report(_workspace(), month, by)
    if csv_file is not None:
        csv_file.write_text(service.to_csv(found), encoding="utf-8")
        say(t("usage.cli.csv_written", path=str(csv_file)))
    if as_json:
        print_json(_as_data(found))
        return
    _print(found)


def _as_data(found: UsageReport) -> dict[str, Any]:
    from builder_ui.services import usage as service

    total = found.total
    return {
        "month": found.month,
        "scope": found.scope,
        "by": found.by,
        "total": {
            "runs": total.runs,
            "input_tokens": total.input_tokens,
            "output_tokens": total.output_tokens,
            "tokens": total.tokens,
            "cost_eur": round(total.cost, 6),
            "people": total.people,
        },
        "lines": service.rows(found),
        "days": service.day_rows(found),
    }


def _print(found: UsageReport) -> None:
    from builder_ui.services import usage as service

    total = found.total
    typer.echo(t(f"usage.cli.title.{found.scope}", month=found.month))
    typer.echo(
        t(
            "usage.cli.total",
            runs=total.runs,
            tokens=total.tokens,
            cost=service.euros(total.cost),
            people=total.people,
        )
    )
    if not total.runs:
        say(t("usage.cli.nothing"))
        return
    if found.by == "all":
        headers = [t(f"usage.cli.col.{c}") for c in ("day", "runs", "tokens", "cost")]
        data = [[d.day, d.runs, d.tokens, service.euros(d.cost)] for d in found.days if d.runs]
    else:
        columns = ("name", "runs", "tokens", "cost", "people")
        headers = [t(f"usage.cli.col.{c}") for c in columns]
        data = [
            [r["name"], r["runs"], r["tokens"], service.euros(r["cost_eur"]), r["people"]]
            for r in service.rows(found)
        ]
    typer.echo()
    typer.echo(table(headers, data))


# --- quotas ------------------------------------------------------------------------------------


@quota_app.command("set", help=t("cli.help.quota_set"))
def set_quota(
    person: Person = None,
    team: Team = None,
    tokens: Annotated[
        int | None, typer.Option("--tokens", min=0, metavar="N", help=t("usage.cli.help.tokens"))
    ] = None,
    euros: Annotated[
        float | None,
        typer.Option("--euros", min=0, metavar="X", help=t("usage.cli.help.euros")),
    ] = None,
) -> None:
    from builder_ui.services import usage as service

    state = service.set_quota(
        _workspace(), person=person, team=team, tokens=tokens, euros_limit=euros
    )
    [row] = service.quota_rows([state])
    say(
        t(
            "usage.cli.quota_set",
            subject=row["subject"],
            name=row["name"],
            limit=row["limit"],
            unit=row["unit"],
            used=row["used"],
        )
    )


@quota_app.command("list", help=t("cli.help.quota_list"))
def list_quotas(as_json: AsJson = False) -> None:
    _show_quotas(_workspace().usage.list_quotas(), as_json)


@quota_app.command("mine", help=t("cli.help.quota_mine"))
def my_quotas(as_json: AsJson = False) -> None:
    _show_quotas(_workspace().usage.quota_state(), as_json)


@quota_app.command("rm", help=t("cli.help.quota_rm"))
def remove_quota(
    person: Person = None,
    team: Team = None,
    unit: Annotated[
        str | None, typer.Option("--unit", metavar="tokens|euros", help=t("usage.cli.help.unit"))
    ] = None,
) -> None:
    from agents.errors import UserError
    from builder_ui.services import usage as service

    if unit not in (None, "tokens", "euros"):
        raise UserError("usage.quota.bad_unit", unit=unit)
    service.remove_quota(_workspace(), person=person, team=team, unit=unit)  # type: ignore[arg-type]
    say(t("usage.cli.quota_removed", name=person or team))


def _show_quotas(states: list[QuotaState], as_json: bool) -> None:
    from builder_ui.services import usage as service

    rows = service.quota_rows(states)
    if as_json:
        print_json(rows)
        return
    if not rows:
        say(t("usage.cli.no_quota"))
        return
    columns = ("subject", "name", "unit", "limit", "used", "state", "resets_on")
    headers = [t(f"usage.cli.col.{c}") for c in ("subject", "name", "unit", "limit", "used")]
    headers += [t("usage.cli.col.state"), t("usage.cli.col.resets")]
    typer.echo(table(headers, [[row[c] for c in columns] for row in rows]))
