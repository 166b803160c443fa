"""The PIAF bench's own logic, and its product path on a few passages with the hashing
embedder (fast, no model): keeps ``bench/retrieval.py`` in step with the store's API."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(ROOT))

from bench.piaf import (  # noqa: E402
    PIAF,
    PiafPassage,
    Question,
    clean_title,
    first_hit,
    load_piaf,
    score,
)


def test_titles_lose_their_html() -> None:
    assert clean_title("<i>Looney Tunes</i>") == "Looney Tunes"
    assert clean_title('Ferdinand <abbr title="premier">I<sup>er</sup></abbr> (roi)') == (
        "Ferdinand Ier (roi)"
    )
    assert clean_title("L&#39;Écuyer  du\nroi") == "L'Écuyer du roi"


def test_a_hit_is_the_own_passage_or_an_answer_with_spaces_collapsed() -> None:
    question = Question("Où ?", ("à Paris",), "p1")
    assert first_hit([("p0", "rien"), ("p1", "autre chose")], question) == 2
    assert first_hit([("p0", "né à\n  Paris en 1900")], question) == 1
    assert first_hit([("p0", "né À PARIS")], question) == 0  # case-sensitive, as SQuAD
    quality = score([[("p1", "")], [("p0", ""), ("p2", "")]], [question, question])
    assert (quality.hit1, quality.hit5, quality.mrr) == (0.5, 0.5, 0.5)


@pytest.mark.skipif(not PIAF.is_file(), reason=f"PIAF is absent ({PIAF}): needs ../shared/data")
def test_piaf_loads_with_clean_titles() -> None:
    passages, questions = load_piaf()
    assert (len(passages), len(questions)) == (761, 3835)
    assert not any("<" in p.title or "/" in p.title for p in passages)


def test_the_product_path_maps_passages_back(tmp_path: Path) -> None:
    from bench.retrieval_product import atelier_home, evaluate_product, ingest_product
    from store.knowledge.service import open_knowledge_store

    passages = [
        PiafPassage("p0", "Paris", "Paris est la capitale de la France depuis longtemps."),
        PiafPassage("p1", "Paris", "La Seine traverse la ville de Paris d'est en ouest."),
        PiafPassage("p2", "Lyon", "Lyon est connue pour sa gastronomie et ses traboules."),
    ]
    questions = [
        Question("Quel fleuve traverse Paris ?", ("La Seine",), "p1"),
        Question("Pourquoi Lyon est-elle connue ?", ("sa gastronomie",), "p2"),
    ]
    with atelier_home(tmp_path / "home"):
        store = open_knowledge_store()
        kb_id, doc_passage, stats = ingest_product(store, "hashing", passages, lambda _: None)
        assert sorted(doc_passage.values()) == ["p0", "p1", "p2"]  # same title, 3 documents
        assert (stats["documents"], stats["failed"], stats["chunks"]) == (3, 0, 3)
        quality = evaluate_product(store, kb_id, doc_passage, questions)
    assert quality["bm25"].hit5 == 1.0
    assert quality["hybrid"].hit5 == 1.0


def test_faq_pages_are_files_whose_title_is_only_in_the_content(tmp_path: Path) -> None:
    from bench.faq import FaqPage, FaqQuestion, first_page_hit, page_file
    from bench.retrieval_product import atelier_home, evaluate_faq, ingest
    from store.knowledge.parsing import parse_document
    from store.knowledge.records import Limits

    pages = [
        FaqPage(f"p{n}", f"Question numéro {n} sur le badge ?", f"Réponse {n}.\n\n- un\n- deux")
        for n in range(10)
    ]
    files = [page_file(page, n) for n, page in enumerate(pages)]
    assert sorted({name.rsplit(".", 1)[1] for name, _ in files}) == ["docx", "html", "md", "txt"]
    for (name, data), page in zip(files, pages, strict=True):
        parsed = parse_document(name, data, Limits())
        assert parsed.title == page.title, name
        assert page.title not in name and "faq-" in name
    assert first_page_hit(["a", "a", "b", "c"], "c") == 3
    assert first_page_hit(["a", "b"], "c") == 0

    questions = [FaqQuestion("numéro 3", "p3"), FaqQuestion("numéro 7 badge", "p7")]
    with atelier_home(tmp_path / "home"):
        from store.knowledge.service import open_knowledge_store

        store = open_knowledge_store()
        named = [(*page_file(page, n), page.id) for n, page in enumerate(pages)]
        kb_id, owner_of, stats = ingest(store, "hashing", "FAQ", named, lambda _: None)
        assert (stats["documents"], stats["failed"]) == (10, 0)
        quality = evaluate_faq(store, kb_id, owner_of, questions)
    assert quality["bm25"].hit5 == 1.0 and quality["hybrid"].hit5 == 1.0


def test_the_faq_set_is_whole() -> None:
    from bench.faq import FAQ_DIR, load_faq

    if not any(FAQ_DIR.glob("*.json")):
        pytest.skip(f"the FAQ set is absent ({FAQ_DIR})")
    pages, questions = load_faq()
    assert len(pages) >= 100 and len(questions) >= 150
    assert {q.page_id for q in questions} == {p.id for p in pages}  # every page is asked
    titles = {p.id: p.title.casefold() for p in pages}
    assert all(q.text.casefold() != titles[q.page_id] for q in questions)
    assert (FAQ_DIR / "LICENSE").is_file()
