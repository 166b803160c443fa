"""Chunking: exact offsets, headings carried, rows whole, sentences whole, overlap."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from store.knowledge.chunking import (
    chunk_document,
    document_text,
    search_text,
    sentence_spans,
)
from store.knowledge.records import Chunk, ParsedDocument, Section

SENTENCES = [
    "Les congés payés sont de vingt-cinq jours ouvrés par an.",
    "Ils se prennent de préférence entre le 1er mai et le 31 octobre.",
    "M. Dupont, au service RH, valide les demandes sous huit jours.",
    "Le report sur l'année suivante est possible jusqu'au 31 mars.",
    "Au-delà, les jours non pris sont perdus, sauf accord écrit du responsable.",
    "Les jours de fractionnement s'ajoutent quand une partie est prise hors saison.",
]
LONG_PARAGRAPH = " ".join(SENTENCES * 3)


def guide() -> ParsedDocument:
    return ParsedDocument(
        title="Guide RH",
        sections=[
            Section("Congés", "heading", 1, (), 1),
            Section(LONG_PARAGRAPH, "paragraph", 1, ("Congés",)),
            Section("Report", "heading", 2, ("Congés",), 2),
            Section("Le report se demande par écrit.", "paragraph", 2, ("Congés", "Report")),
            Section("Nom | Service | Jours reportés", "table_row", 2, ("Congés", "Report")),
            *[
                Section(f"Agent {i} | Service {i % 3} | {i}", "table_row", 2, ("Congés", "Report"))
                for i in range(12)
            ],
            Section("Formation", "heading", 3, (), 1),
            Section("Chaque agent a droit à un bilan.", "list_item", 3, ("Formation",)),
            Section("Les demandes passent par l'intranet.", "list_item", 3, ("Formation",)),
        ],
    )


def assert_exact(doc: ParsedDocument, chunks: list[Chunk]) -> None:
    text = document_text(doc)
    for i, chunk in enumerate(chunks):
        assert chunk.ordinal == i
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip()


@pytest.mark.parametrize(("target", "overlap"), [(120, 0), (200, 60), (400, 150), (1000, 200)])
def test_offsets_point_at_the_exact_passage(target: int, overlap: int) -> None:
    doc = guide()
    chunks = chunk_document(doc, target, overlap)
    assert_exact(doc, chunks)
    assert all(len(c.text) <= target for c in chunks)


def test_document_text_joins_blocks_with_a_newline_and_sections_with_a_blank_line() -> None:
    doc = ParsedDocument(
        "t",
        [
            Section("Titre", "heading", level=1),
            Section("Un.", "paragraph"),
            Section("a | b", "table_row"),
            Section("c | d", "table_row"),
            Section("   ", "paragraph"),
            Section("Fin.", "paragraph"),
        ],
    )
    assert document_text(doc) == "Titre\n\nUn.\n\na | b\nc | d\n\nFin."


def test_headings_start_chunks_and_travel_in_the_heading_path() -> None:
    chunks = chunk_document(guide(), 400, 100)
    paths = [c.heading_path for c in chunks]
    assert paths[0] == ("Congés",)
    assert ("Congés", "Report") in paths
    assert paths[-1] == ("Formation",)
    for chunk in chunks:
        assert not chunk.text.startswith(("Congés", "Report", "Formation"))
    # No chunk mixes two headings' content.
    report = [c for c in chunks if c.heading_path == ("Congés", "Report")]
    assert report[0].text.startswith("Le report se demande")
    assert all("vingt-cinq" not in c.text for c in report)


def test_headings_are_tracked_when_the_parser_gives_no_paths() -> None:
    doc = ParsedDocument(
        "t",
        [
            Section("Chapitre 1", "heading", level=1),
            Section("Section A", "heading", level=2),
            Section("Texte de A.", "paragraph"),
            Section("Chapitre 2", "heading", level=1),
            Section("Texte de 2.", "paragraph"),
        ],
    )
    chunks = chunk_document(doc, whole_below=0)
    assert [(c.text, c.heading_path) for c in chunks] == [
        ("Texte de A.", ("Chapitre 1", "Section A")),
        ("Texte de 2.", ("Chapitre 2",)),
    ]


def test_a_heading_with_nothing_under_it_is_kept_as_its_own_chunk() -> None:
    doc = ParsedDocument(
        "t",
        [
            Section("Annexes", "heading", level=1),
            Section("Glossaire", "heading", level=1),
            Section("Un mot.", "paragraph", heading_path=("Glossaire",)),
            Section("Index", "heading", level=1),
        ],
    )
    chunks = chunk_document(doc, whole_below=0)
    assert [c.text for c in chunks] == ["Annexes", "Un mot.", "Index"]
    assert_exact(doc, chunks)


def test_table_rows_are_never_split() -> None:
    doc = guide()
    text = document_text(doc)
    chunks = chunk_document(doc, 150, 50)
    rows = [s.text for s in doc.sections if s.kind == "table_row"]
    for row in rows:
        start = text.index(row)
        end = start + len(row)
        holders = [c for c in chunks if c.start <= start and end <= c.end]
        assert holders, f"row {row!r} is not whole in any chunk"
        for c in chunks:
            assert not start < c.start < end and not start < c.end < end, "a cut inside a row"
    # Rows get no overlap: each row is in exactly one chunk.
    for row in rows[1:]:
        assert sum(row in c.text for c in chunks) == 1


def test_a_huge_row_is_cut_rather_than_grown_without_bound() -> None:
    cell = "mot " * 500
    doc = ParsedDocument("t", [Section(f"A | {cell}", "sheet_row")])
    chunks = chunk_document(doc, 200, 0)
    assert len(chunks) > 1
    assert all(len(c.text) <= 200 for c in chunks)
    assert_exact(doc, chunks)


def test_long_paragraphs_are_split_at_sentence_boundaries() -> None:
    doc = ParsedDocument("t", [Section(LONG_PARAGRAPH)])
    chunks = chunk_document(doc, 300, 0)
    assert len(chunks) > 3
    for chunk in chunks:
        assert len(chunk.text) <= 300
        assert chunk.text.endswith(".")
        assert any(chunk.text.startswith(s) for s in SENTENCES)
    # Without overlap the chunks tile the paragraph.
    assert " ".join(c.text for c in chunks) == LONG_PARAGRAPH


def test_a_sentence_longer_than_the_target_is_cut_between_words() -> None:
    sentence = " ".join(f"mot{i}" for i in range(200))
    doc = ParsedDocument("t", [Section(sentence)])
    chunks = chunk_document(doc, 100, 0)
    assert all(len(c.text) <= 100 for c in chunks)
    assert " ".join(c.text for c in chunks) == sentence


def test_overlap_carries_the_tail_sentences_of_the_previous_chunk() -> None:
    doc = ParsedDocument("t", [Section(LONG_PARAGRAPH)])
    chunks = chunk_document(doc, 300, 140)
    assert_exact(doc, chunks)
    for previous, current in itertools.pairwise(chunks):
        assert current.start < previous.end, "consecutive chunks must overlap"
        shared = document_text(doc)[current.start : previous.end]
        assert len(shared) <= 140
        assert any(shared.startswith(s) for s in SENTENCES), "overlap starts at a sentence"
        assert current.end > previous.end, "every chunk brings something new"


def test_no_overlap_across_headings() -> None:
    chunks = chunk_document(guide(), 300, 140)
    for previous, current in itertools.pairwise(chunks):
        if previous.heading_path != current.heading_path:
            assert current.start > previous.end


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "M. Dupont est arrivé en 52 av. J.-C. Decaux aussi. Voir p. 3 pour la suite. Fin !"
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert sentences == [
        "M. Dupont est arrivé en 52 av. J.-C. Decaux aussi.",
        "Voir p. 3 pour la suite.",
        "Fin !",
    ]


def test_a_page_change_closes_a_half_full_chunk() -> None:
    doc = ParsedDocument(
        "t",
        [
            Section(SENTENCES[0] + " " + SENTENCES[1], page=1),
            Section(SENTENCES[2], page=2),
            Section(SENTENCES[3], page=2),
        ],
    )
    chunks = chunk_document(doc, 240, 0, whole_below=0)
    assert [c.page for c in chunks] == [1, 2]
    assert chunks[1].text.startswith("M. Dupont")


def test_empty_documents_have_no_chunks() -> None:
    assert chunk_document(ParsedDocument("vide", [])) == []
    assert document_text(ParsedDocument("vide", [])) == ""
    blank = ParsedDocument("blanc", [Section("  \n "), Section("", "table_row")])
    assert chunk_document(blank) == []


def test_invalid_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="target_chars"):
        chunk_document(guide(), 10, 0)
    with pytest.raises(ValueError, match="overlap_chars"):
        chunk_document(guide(), 200, 200)


def test_search_text_prefixes_title_and_heading_path() -> None:
    chunk = Chunk(0, "Le report se demande par écrit.", 2, ("Congés", "Report"), 0, 31)
    assert search_text(chunk, "Guide RH") == "Guide RH > Congés > Report\n\n" + chunk.text
    assert search_text(chunk, "Congés") == "Congés > Report\n\n" + chunk.text
    bare = Chunk(0, "Texte.", None, (), 0, 6)
    assert search_text(bare) == "Texte."


def test_every_piaf_passage_chunks_exactly(shared_data: Path) -> None:
    data = json.loads((shared_data / "piaf" / "piaf-v1.0.json").read_text("utf-8"))
    contexts = [(a["title"], p["context"]) for a in data["data"] for p in a["paragraphs"]]
    for title, context in contexts[:300]:
        doc = ParsedDocument(title, [Section(context)])
        chunks = chunk_document(doc, 300, 100)
        assert_exact(doc, chunks)
        assert chunks[0].start == 0 and chunks[-1].end == len(context.rstrip())


def test_a_chunk_is_cited_at_the_page_that_holds_most_of_its_text() -> None:
    # The second chunk starts with the last sentence of page 1 (overlap), then page 2.
    doc = ParsedDocument(
        "t",
        [
            Section(" ".join(SENTENCES[:3]), page=1),
            Section(" ".join(SENTENCES[3:] + SENTENCES[:2]), page=2),
        ],
    )
    chunks = chunk_document(doc, 200, 80)
    assert chunks[1].text.startswith(SENTENCES[2])  # the overlap, from page 1
    assert [c.page for c in chunks][:2] == [1, 2]


def test_a_short_document_is_one_passage_unless_its_headings_or_pages_cut_it() -> None:
    title = "Comment poser un jour de RTT ?"
    body = [
        Section("Vous disposez de deux jours. " * 30, heading_path=(title,)),
        Section("Une semaine avant. " * 30, heading_path=(title,)),
    ]
    doc = ParsedDocument(title, [Section(title, "heading", level=1), *body])
    text = document_text(doc)
    (chunk,) = chunk_document(doc)
    assert chunk.text == text[chunk.start : chunk.end]
    assert chunk.text.startswith("Vous disposez") and chunk.text.endswith("Une semaine avant.")
    assert chunk.heading_path == (title,)
    assert len(chunk_document(doc, whole_below=0)) == 2  # the rule, not the target, kept it whole

    with_section = ParsedDocument(
        title,
        [
            Section(title, "heading", level=1),
            body[0],
            Section("Délais", "heading", level=2, heading_path=(title,)),
            Section("Une semaine avant. " * 20, heading_path=(title, "Délais")),
        ],
    )
    assert [c.heading_path for c in chunk_document(with_section)] == [(title,), (title, "Délais")]
    on_two_pages = ParsedDocument(
        "", [Section("Page un. " * 60, page=1), Section("Page deux. " * 50, page=2)]
    )
    assert [c.page for c in chunk_document(on_two_pages)] == [1, 2]


def test_a_document_past_one_and_a_half_targets_is_cut() -> None:
    doc = ParsedDocument("", [Section("Une phrase de vingt-cinq caractères. " * 45)])
    assert len(document_text(doc)) > 1500
    assert len(chunk_document(doc)) > 1
    shorter = ParsedDocument("", [Section("Une phrase de vingt-cinq caractères. " * 38)])
    assert 1000 < len(document_text(shorter)) <= 1500
    assert len(chunk_document(shorter)) == 1
