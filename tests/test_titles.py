"""A document's title comes from its content, in every format: the first heading, a PDF's
outline, or a plain text's short first line. A file name is never a title (``faq-12.txt`` is
noise to search); a title from a file's properties only when it is not a placeholder."""

from __future__ import annotations

import io

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from store.knowledge.chunking import chunk_document, search_text
from store.knowledge.parsers.common import property_title, title_line
from store.knowledge.parsing import parse_document
from store.knowledge.records import Limits
from tests.test_parsing import make_pdf

SMALL = Limits(max_file_mb=5, max_pages=100, max_uncompressed_mb=50, max_seconds=60)
ANSWER = "Vous disposez de deux jours par an, à poser au moins une semaine avant."


def test_a_short_first_line_followed_by_a_blank_line_is_the_title_of_a_text() -> None:
    data = f"Comment poser un jour de RTT ?\n\n{ANSWER}\n\nSuite.".encode()
    document = parse_document("faq-12.txt", data, SMALL)
    assert document.title == "Comment poser un jour de RTT ?"
    assert document.sections[0].kind == "heading"
    assert [s.heading_path for s in document.sections[1:]] == [
        ("Comment poser un jour de RTT ?",)
    ] * 2
    chunk = chunk_document(document)[0]
    assert search_text(chunk, document.title).startswith("Comment poser un jour de RTT ?")
    assert "faq-12" not in search_text(chunk, document.title)


@pytest.mark.parametrize(
    "text",
    [
        f"{ANSWER}\n\nUne deuxième phrase.",  # a sentence, not a title
        "Comment poser un jour de RTT ?\nVous disposez de deux jours.",  # no blank line
        "Comment poser un jour de RTT ?",  # nothing after it
        ("Un très long début " * 12) + "\n\nSuite",  # too long for a title
    ],
)
def test_a_text_without_a_title_line_has_no_title_and_never_its_file_name(text: str) -> None:
    document = parse_document("faq-12.txt", text.encode(), SMALL)
    assert document.title == ""
    assert all(s.kind == "paragraph" for s in document.sections)


def test_markdown_takes_its_first_top_heading_else_its_first_line() -> None:
    md = f"## Puis-je travailler depuis chez moi ?\n\n{ANSWER}\n\n### Matériel\n\n- écran\n"
    assert (
        parse_document("a.md", md.encode(), SMALL).title == "Puis-je travailler depuis chez moi ?"
    )
    md = f"Intro sans titre\n\n# Le vrai titre\n\n{ANSWER}\n"
    assert parse_document("a.md", md.encode(), SMALL).title == "Le vrai titre"
    md = f"Déclarer un accident du travail\n\n{ANSWER}\n\n- un\n- deux\n"
    assert parse_document("faq-3.md", md.encode(), SMALL).title == "Déclarer un accident du travail"


def test_html_takes_its_h1_before_the_title_tag_with_the_site_name() -> None:
    page = (
        "<html><head><title>Aide | Mairie de Villebourg</title></head><body>"
        "<header><h1>Mairie de Villebourg</h1></header><main><article>"
        "<h1>Refaire une carte d'identité perdue</h1>"
        f"<p>{ANSWER} " * 3 + "</p></article></main></body></html>"
    )
    document = parse_document("page-88.html", page.encode(), SMALL)
    assert document.title == "Refaire une carte d'identité perdue"
    bare = (
        f"<html><head><title>Tarifs de la cantine</title></head><body><p>{ANSWER}</p></body></html>"
    )
    assert parse_document("page-89.html", bare.encode(), SMALL).title == "Tarifs de la cantine"


def _docx(heading: str | None, core_title: str) -> bytes:
    document = docx.Document()
    document.core_properties.title = core_title
    if heading:
        document.add_heading(heading, level=2)
    document.add_paragraph(ANSWER)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_takes_its_first_heading_else_a_real_property_title() -> None:
    data = _docx("Que faire en cas de vol de mon ordinateur ?", "Document1")
    assert (
        parse_document("x.docx", data, SMALL).title == "Que faire en cas de vol de mon ordinateur ?"
    )
    assert parse_document("x.docx", _docx(None, "Guide du télétravail"), SMALL).title == (
        "Guide du télétravail"
    )
    assert parse_document("x.docx", _docx(None, "Document1"), SMALL).title == ""


def _pdf_with_outline() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf(["Premiere page", "Deuxieme page", "Fin"]))).pages:
        writer.add_page(page)
    top = writer.add_outline_item(title="Guide des congés", page_number=0)
    writer.add_outline_item(title="Report des congés", page_number=1, parent=top)
    writer.add_metadata({"/Title": "Microsoft Word - guide.docx"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_outline_gives_the_title_and_the_headings_of_its_pages() -> None:
    document = parse_document("scan-0042.pdf", _pdf_with_outline(), SMALL)
    assert document.title == "Guide des congés"
    by_text = {s.text: s for s in document.sections}
    assert by_text["Premiere page"].heading_path == ("Guide des congés",)
    assert by_text["Deuxieme page"].heading_path == ("Guide des congés", "Report des congés")
    assert by_text["Fin"].heading_path == ("Guide des congés", "Report des congés")


def test_a_pdf_without_outline_keeps_only_a_real_property_title() -> None:
    assert parse_document("a.pdf", make_pdf(["Texte"]), SMALL).title == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Guide du télétravail", "Guide du télétravail"),
        ("Document1", ""),
        ("Microsoft Word - note.docx", ""),
        ("note_interne.pdf", ""),
        ("Présentation PowerPoint", ""),
        ("sans titre", ""),
        ("faq-12", ""),  # the file's own name
        ("2024", ""),
        (None, ""),
    ],
)
def test_property_titles_that_are_placeholders_or_file_names_are_dropped(
    value: str | None, expected: str
) -> None:
    assert property_title(value, "faq-12.docx") == expected


def test_title_lines() -> None:
    assert title_line("Comment poser un jour de RTT ?")
    assert title_line("Déclarer un accident du travail")
    assert not title_line("Vous disposez de deux jours.")
    assert not title_line("12 34")
    assert not title_line("")


def test_titles_that_were_file_names_are_dropped_by_the_migration() -> None:
    import sqlite3

    from store.knowledge.schema import MIGRATIONS

    name, statements = MIGRATIONS[-1]
    assert name == "kb_0008_no_file_name_titles"
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE documents (filename TEXT, title TEXT)")
    rows = [
        ("faq-12.txt", "faq-12"),  # the old fallback: dropped
        ("Congés.md", "Congés"),  # the same words: dropped (the file is read again on upload)
        ("guide.md", "Guide de l'accueil"),  # a title from the content: kept
        ("notes.tar.gz", "notes"),  # not the name without its extension: kept
        ("vide.txt", ""),
    ]
    conn.executemany("INSERT INTO documents VALUES (?, ?)", rows)
    for statement in statements:
        conn.execute(statement)
    assert [r[0] for r in conn.execute("SELECT title FROM documents")] == [
        "",
        "",
        "Guide de l'accueil",
        "notes",
        "",
    ]
