"""The measures of oversight: what people did with the drafts an agent wrote.

Computed from decided drafts (``approved`` or ``rejected``). The edit distance between a draft
and its final is Levenshtein's on characters, divided by the longer text's length (0: approved
unchanged; 1: nothing kept). Common beginnings and endings are set aside first (edits are
mostly local); when what is left is still too long for an exact count in reasonable time
(``EXACT_LIMIT`` cells), difflib's ratio stands in for it (``1 - ratio``), close enough for
a measure and never slower than a page load.
"""

from __future__ import annotations

import difflib
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from builder_ui.services.drafting import OversightFigures
    from store.reply_draft_records import DraftRecord

EXACT_LIMIT: Final = 4_000_000


def edit_distance(draft: str, final: str) -> float:
    """Normalised: 0.0 for equal texts, 1.0 for texts with nothing in common."""
    if draft == final:
        return 0.0
    longest = max(len(draft), len(final))
    start = 0
    while start < min(len(draft), len(final)) and draft[start] == final[start]:
        start += 1
    end = 0
    while (
        end < min(len(draft), len(final)) - start
        and draft[len(draft) - 1 - end] == final[len(final) - 1 - end]
    ):
        end += 1
    a, b = draft[start : len(draft) - end], final[start : len(final) - end]
    if len(a) * len(b) > EXACT_LIMIT:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        changed = (1.0 - matcher.ratio()) * max(len(a), len(b))
        return min(1.0, changed / longest)
    return _levenshtein(a, b) / longest


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return previous[-1]


def figures(drafts: Iterable[DraftRecord]) -> OversightFigures:
    """The figures of decided drafts (others are ignored)."""
    from builder_ui.services.drafting import OversightFigures

    unchanged = edited = rejected = sent_back = 0
    edits: list[float] = []
    seconds: list[float] = []
    for draft in drafts:
        if draft.status not in ("approved", "rejected"):
            continue
        if draft.instruction:
            sent_back += 1
        if draft.status == "rejected":
            rejected += 1
        else:
            distance = edit_distance(draft.draft, draft.final)
            edits.append(distance)
            if distance == 0.0:
                unchanged += 1
            else:
                edited += 1
        if draft.decided_at is not None and draft.drafted_at is not None:
            seconds.append(max(0.0, (draft.decided_at - draft.drafted_at).total_seconds()))
    return OversightFigures(
        decided=unchanged + edited + rejected,
        approved_unchanged=unchanged,
        approved_edited=edited,
        rejected=rejected,
        sent_back=sent_back,
        mean_edit=statistics.fmean(edits) if edits else 0.0,
        median_edit=statistics.median(edits) if edits else 0.0,
        median_seconds=statistics.median(seconds) if seconds else None,
    )


def grouped(drafts: list[DraftRecord], key: str) -> dict[str, OversightFigures]:
    """Figures per value of the drafts' field ``key`` (``agent_id``, ``decided_by``)."""
    groups: dict[str, list[DraftRecord]] = defaultdict(list)
    for draft in drafts:
        groups[str(getattr(draft, key))].append(draft)
    return {name: figures(group) for name, group in sorted(groups.items())}
