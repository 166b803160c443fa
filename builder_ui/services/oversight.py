"""Measures of oversight: how people decide on an agent's drafts.

Per agent and per reviewer: how many drafts were approved unchanged, approved after edits,
rejected; how far the final text is from the draft (a normalised edit distance, 0 unchanged,
1 all rewritten); how long a decision took after the draft was written. Approved pairs
(draft, final) can leave as test cases of the agent's spec, to check a new version against
what people actually sent.
"""

from __future__ import annotations

import difflib
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from agents.spec import AgentSpec, dump_yaml
from store.reply_draft_records import DraftRecord


def edit_distance(draft: str, final: str) -> float:
    """0 when unchanged, up to 1 when nothing of the draft is left (1 - difflib's ratio of
    matching characters)."""
    if draft == final:
        return 0.0
    return round(1 - difflib.SequenceMatcher(None, draft, final, autojunk=False).ratio(), 4)


@dataclass(frozen=True)
class Measure:
    """Decisions of one group (an agent, or a reviewer)."""

    key: str
    label: str
    approved_unchanged: int = 0
    approved_edited: int = 0
    rejected: int = 0
    mean_distance: float = 0.0
    median_distance: float = 0.0
    median_minutes: float | None = None

    @property
    def decided(self) -> int:
        return self.approved_unchanged + self.approved_edited + self.rejected

    def share(self, count: int) -> float:
        return round(count / self.decided, 4) if self.decided else 0.0


@dataclass(frozen=True)
class OversightMeasures:
    by_agent: list[Measure] = field(default_factory=list)
    by_reviewer: list[Measure] = field(default_factory=list)


def _measure(key: str, label: str, drafts: list[DraftRecord]) -> Measure:
    approved = [d for d in drafts if d.status == "approved"]
    distances = [edit_distance(d.draft, d.final) for d in approved]
    minutes = [
        (d.decided_at - d.drafted_at).total_seconds() / 60
        for d in drafts
        if d.decided_at is not None and d.drafted_at is not None
    ]
    return Measure(
        key=key,
        label=label,
        approved_unchanged=sum(1 for d in approved if d.final == d.draft),
        approved_edited=sum(1 for d in approved if d.final != d.draft),
        rejected=sum(1 for d in drafts if d.status == "rejected"),
        mean_distance=round(statistics.fmean(distances), 4) if distances else 0.0,
        median_distance=round(statistics.median(distances), 4) if distances else 0.0,
        median_minutes=round(statistics.median(minutes), 1) if minutes else None,
    )


def measures(decided: list[DraftRecord], agent_names: dict[str, str]) -> OversightMeasures:
    by_agent: dict[str, list[DraftRecord]] = defaultdict(list)
    by_reviewer: dict[str, list[DraftRecord]] = defaultdict(list)
    for draft in decided:
        if draft.status not in ("approved", "rejected"):
            continue
        by_agent[draft.agent_id].append(draft)
        by_reviewer[draft.decided_by].append(draft)
    return OversightMeasures(
        by_agent=[_measure(k, agent_names.get(k, k), v) for k, v in sorted(by_agent.items())],
        by_reviewer=[_measure(k, k, v) for k, v in sorted(by_reviewer.items())],
    )


def draft_pairs_yaml(decided: list[DraftRecord]) -> str:
    """The approved pairs as the ``tests:`` section of the agent's spec: each message, with
    the first line of the reply people approved as what the answer must contain. Pasted into
    the spec (or the editor's YAML), they check a new version against what was sent."""
    cases = []
    for draft in decided:
        if draft.status != "approved":
            continue
        first = draft.final.strip().split("\n", 1)[0].strip()[:200]
        cases.append({"message": draft.message, "expect_contains": [first] if first else []})
    spec = AgentSpec.model_validate({"schema": "atelier/agent@1", "name": "x", "tests": cases})
    return dump_yaml({"tests": [c.model_dump() for c in spec.tests]})
