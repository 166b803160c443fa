"""``atelier agent diff`` and ``atelier agent restore``: two versions compared field by field,
an old version saved again as a new one. The builder's "Versions" section calls the same
services (``Services.compare_versions``, ``Services.restore_version``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from agents.i18n import t
from builder_ui.cli.common import open_services, print_json, say

if TYPE_CHECKING:  # the spec and the store are imported by the commands, not by ``--help``
    from agents.spec_diff import FieldChange
    from builder_ui.services.agent_versions import Comparison

AgentRef = Annotated[str, typer.Argument(metavar="AGENT", help=t("cli.help.agent_ref"))]
AsJson = Annotated[bool, typer.Option("--json", help=t("cli.help.json"))]
INDENT = "    "


def _number(metavar: str, help_key: str) -> Any:
    return typer.Argument(min=1, metavar=metavar, help=t(help_key))


def diff(
    agent: AgentRef,
    first: Annotated[int, _number("V1", "versions.cli.help.first")],
    second: Annotated[int, _number("V2", "versions.cli.help.second")],
    as_json: AsJson = False,
) -> None:
    comparison = open_services().compare_versions(agent, first, second)
    if as_json:
        print_json(comparison_data(comparison))
        return
    typer.echo(comparison_text(comparison))


def restore(
    agent: AgentRef,
    number: Annotated[int, _number("V", "versions.cli.help.restore_n")],
    as_json: AsJson = False,
) -> None:
    restored = open_services().restore_version(agent, number)
    if as_json:
        record = restored.record
        print_json(
            {
                "id": record.agent_id,
                "restored": restored.restored,
                "version": record.number,
                "changed": restored.changed,
            }
        )
        return
    say(restored.summary())


def comparison_data(comparison: Comparison) -> dict[str, Any]:
    """The comparison for machines: stable field ids beside the labels people read."""
    return {
        "id": comparison.agent.id,
        "name": comparison.agent.name,
        "from": comparison.first.number,
        "to": comparison.second.number,
        "changes": [
            {
                "field": change.field,
                "label": change.label,
                "before": change.before,
                "after": change.after,
                **_lines_data(change),
            }
            for change in comparison.changes
        ],
    }


def _lines_data(change: FieldChange) -> dict[str, Any]:
    """The instructions' line diff: ``[kind, text]`` pairs, kind added|removed|same|gap."""
    if not change.lines:
        return {}
    return {"lines": [[line.kind, line.text] for line in change.lines]}


def comparison_text(comparison: Comparison) -> str:
    first, second = comparison.first.number, comparison.second.number
    title = t(
        "versions.cli.title",
        name=comparison.agent.name,
        id=comparison.agent.id,
        first=first,
        second=second,
    )
    if comparison.same:
        return f"{title}\n{t('versions.same', first=first, second=second)}"
    parts = [title, t("versions.cli.count", count=len(comparison.changes))]
    for change in comparison.changes:
        parts.append("")
        parts.append(change.label)
        parts.extend(_field_lines(change, first, second))
    if any(change.lines for change in comparison.changes):
        parts += ["", t("versions.diff_legend")]
    return "\n".join(parts)


def _field_lines(change: FieldChange, first: int, second: int) -> list[str]:
    from agents.spec_diff import diff_text

    if change.lines:
        return [INDENT + line for line in diff_text(change.lines).splitlines()]
    out = []
    for number, value in ((first, change.before), (second, change.after)):
        head = t("versions.cli.value", number=number)
        lines = value.splitlines() or [""]
        out.append(f"{INDENT}{head} {lines[0]}")
        out += [f"{INDENT}{' ' * len(head)} {line}" for line in lines[1:]]
    return out
