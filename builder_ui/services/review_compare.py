"""What changed between the published version of an agent and the one asked for: the
reviewer's diff. Field by field; the instructions as a text diff (``difflib``).

A stand-in: the shared field-by-field comparison of two specs replaces it at merge.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from agents.i18n import t
from agents.spec import AgentSpec


@dataclass(frozen=True)
class FieldChange:
    """One top-level field of the spec that differs; ``before`` is ``None`` for a first
    publication. ``diff`` holds the unified diff of the instructions."""

    field: str
    before: Any
    after: Any
    diff: list[str]


def compare(
    previous: AgentSpec | None, requested: AgentSpec, lang: str | None = None
) -> list[FieldChange]:
    """The fields of ``requested`` that differ from ``previous`` (every set field when
    there is none), in the spec's order."""
    after = requested.to_data()
    before = previous.to_data() if previous is not None else {}
    changes = []
    for name in dict.fromkeys([*after, *before]):
        old, new = before.get(name), after.get(name)
        if old == new or name == "schema":
            continue
        diff: list[str] = []
        if name == "instructions":
            diff = list(
                difflib.unified_diff(
                    str(old or "").splitlines(),
                    str(new or "").splitlines(),
                    t("review.diff.published", lang) if previous is not None else "",
                    t("review.diff.requested", lang),
                    lineterm="",
                )
            )
        changes.append(FieldChange(name, old, new, diff))
    return changes
