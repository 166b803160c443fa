"""BM25 with French analysis, and reciprocal rank fusion."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.knowledge.fusion import BM25_WEIGHT, DEFAULT_K, DENSE_WEIGHT, fuse_dense_bm25, rrf
from store.knowledge.lexical import Bm25Index, analyze, fold

CORPUS = {
    "ete": "L'Été indien s'installe sur la Bretagne.",
    "formation": "La formation continue des agents est financée par le CPF.",
    "artagnan": "D'Artagnan rejoint les mousquetaires du roi.",
    "hiver": "En hiver, les routes de montagne sont fermées.",
    "oeuvre": "L'œuvre complète de Molière tient en deux volumes.",
}


@pytest.fixture(scope="module")
def index() -> Bm25Index:
    return Bm25Index.build(list(CORPUS), list(CORPUS.values()))


def test_fold_lowers_case_strips_accents_and_expands_ligatures() -> None:
    assert fold("L'Été Œuvre À Noël ÇA") == "l'ete oeuvre a noel ca"


def test_analysis_folds_case_accents_and_elisions() -> None:
    assert analyze("l'Été") == ["ete"]
    assert analyze("L’ÉTÉ") == ["ete"]  # typographic apostrophe
    assert analyze("jusqu'à l'aube, qu'il disait") == ["aub", "dis"]
    assert analyze("aujourd'hui") == ["aujourd", "hui"]


def test_stop_words_and_question_words_are_ignored() -> None:
    assert analyze("Quel est le nom de la ville ?") == ["nom", "vill"]
    assert analyze("le la les de du") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ete", "ete"),
        ("ÉTÉ", "ete"),
        ("formations", "formation"),
        ("un agent", "formation"),
        ("artagnan", "artagnan"),
        ("oeuvres de Moliere", "oeuvre"),
        ("Montagnes", "hiver"),
        ("route fermée", "hiver"),
    ],
)
def test_search_finds_folded_and_stemmed_forms(index: Bm25Index, query: str, expected: str) -> None:
    results = index.search(query, 3)
    assert results and results[0][0] == expected


def test_search_orders_by_score_and_leaves_out_non_matches(index: Bm25Index) -> None:
    results = index.search("formation des agents en hiver", 10)
    ids = [cid for cid, _ in results]
    assert set(ids) == {"formation", "hiver"}
    scores = [s for _, s in results]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert index.search("formation", 0) == []
    assert index.search("le la les", 5) == []
    assert index.search("xylophone", 5) == []


def test_an_empty_index_answers_nothing(tmp_path: Path) -> None:
    empty = Bm25Index.build([], [])
    assert len(empty) == 0 and empty.search("formation", 5) == []
    empty.save(tmp_path / "empty")
    assert Bm25Index.load(tmp_path / "empty").search("formation", 5) == []


def test_build_refuses_mismatched_or_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="ids"):
        Bm25Index.build(["a"], ["un", "deux"])
    with pytest.raises(ValueError, match="unique"):
        Bm25Index.build(["a", "a"], ["un", "deux"])


def test_save_and_load_give_the_same_answers(index: Bm25Index, tmp_path: Path) -> None:
    index.save(tmp_path / "bm25")
    loaded = Bm25Index.load(tmp_path / "bm25")
    for query in ("ete", "formations", "mousquetaires du roi"):
        assert loaded.search(query, 5) == index.search(query, 5)
    (tmp_path / "bm25" / "atelier.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="rebuild"):
        Bm25Index.load(tmp_path / "bm25")


def test_rrf_adds_reciprocal_ranks() -> None:
    fused = dict(rrf([["a", "b", "c"], ["b", "d"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["c"] == pytest.approx(1 / 63)
    assert fused["d"] == pytest.approx(1 / 62)
    assert [i for i, _ in rrf([["a", "b", "c"], ["b", "d"]], k=60)] == ["b", "a", "d", "c"]


def test_rrf_weights_k_ties_and_duplicates() -> None:
    weighted = rrf([["a"], ["b"]], k=10, weights=[1.0, 2.0])
    assert weighted == [("b", pytest.approx(2 / 11)), ("a", pytest.approx(1 / 11))]
    assert [i for i, _ in rrf([["a"], ["b"]], k=10)] == ["a", "b"]  # tie: first seen first
    assert dict(rrf([["a", "a", "b"]], k=0)) == {"a": 1.0, "b": pytest.approx(1 / 3)}
    assert rrf([]) == []
    with pytest.raises(ValueError, match="weights"):
        rrf([["a"], ["b"]], weights=[1.0])
    with pytest.raises(ValueError, match="k must"):
        rrf([["a"]], k=-1)


def test_hybrid_fusion_uses_the_measured_defaults() -> None:
    fused = dict(fuse_dense_bm25(["a", "b"], ["b", "c"]))
    assert fused["a"] == pytest.approx(DENSE_WEIGHT / (DEFAULT_K + 1))
    assert fused["b"] == pytest.approx(
        DENSE_WEIGHT / (DEFAULT_K + 2) + BM25_WEIGHT / (DEFAULT_K + 1)
    )
    assert fused["c"] == pytest.approx(BM25_WEIGHT / (DEFAULT_K + 2))
