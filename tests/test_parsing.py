"""Document parsing: the shared samples against their reference Markdown, small generated files of
every format, and every kind of bad input refused with a reason that names what to change."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from agents.i18n import catalogue
from store.knowledge.parsers import pdf as pdf_parser
from store.knowledge.parsing import (
    DocumentRejected,
    Parser,
    ParserRegistry,
    default_parsers,
    default_registry,
    parse_document,
)
from store.knowledge.records import Limits, ParsedDocument, Section

ROOT = Path(__file__).resolve().parents[1]
SMALL = Limits(max_file_mb=5, max_pages=100, max_uncompressed_mb=50, max_seconds=60)


def text_of(document: ParsedDocument) -> str:
    return "\n".join(section.text for section in document.sections)


def rejected(filename: str, data: bytes, limits: Limits = SMALL) -> DocumentRejected:
    with pytest.raises(DocumentRejected) as caught:
        parse_document(filename, data, limits)
    return caught.value


# ----------------------------------------------------------------------------- generated samples


def make_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF, one text line per page (Helvetica, Latin-1 text)."""
    count = len(pages)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{4 + 2 * i} 0 R".encode() for i in range(count))
        + f"] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = b"BT /F1 12 Tf 72 720 Td (" + escaped.encode("latin-1") + b") Tj ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R"
            " /Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A page that is only an image: what a scanner produces."""
    from PIL import Image, ImageDraw

    picture = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(picture).rectangle((40, 60, 560, 140), outline=0, width=4)
    buffer = io.BytesIO()
    picture.save(buffer, format="PDF")
    return buffer.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Document confidentiel"]))))
    writer.encrypt(user_password, owner_password="proprietaire", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Règlement intérieur", level=1)
    document.add_paragraph("Ce règlement s'applique à tous les agents.")
    document.add_heading("Horaires", level=2)
    document.add_paragraph("Arriver avant 9 h 30", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Jour", "Horaire"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Lundi", "8 h - 18 h"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    for title, body in [
        ("Bienvenue", "Présentation du service"),
        ("Calendrier", "Ouverture en mai"),
    ]:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text_frame.text = body
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Tarifs"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
    for (r, c), value in {(0, 0): "Offre", (0, 1): "Prix", (1, 0): "Base", (1, 1): "10 €"}.items():
        table.cell(r, c).text = value
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Agences"
    sheet.append(["Ville", "Téléphone", "Agents"])
    sheet.append(["Orléans", "02 38 00 00 00", 12])
    sheet.append(["Besançon", "03 81 00 00 00", 7.0])
    other = workbook.create_sheet("Vide")
    other.append([None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_with(member: str, size: int, extra: dict[str, bytes] | None = None) -> bytes:
    """A zip holding ``member`` of ``size`` zero bytes, written in small pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
        with archive.open(member, "w") as handle:
            piece = bytes(1024 * 1024)
            for _ in range(size // len(piece)):
                handle.write(piece)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- shared samples


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _reference_text(markdown: str) -> str:
    markdown = re.sub(r"<!--.*?-->", " ", markdown)
    return re.sub(r"^\s*\d+\.\s", " ", markdown, flags=re.MULTILINE)  # list numbers


DOCX_SAMPLES = [
    "docx_lists.docx",
    "docx_rich_cells.docx",
    "lorem_ipsum.docx",
    "textbox.docx",
    "unit_test_headers.docx",
    "word_sample.docx",
    "word_tables.docx",
]


@pytest.mark.parametrize("name", DOCX_SAMPLES)
def test_docx_samples_match_their_reference(shared_data: Path, name: str) -> None:
    path = shared_data / "docs" / name
    document = parse_document(name, path.read_bytes())
    reference = (shared_data / "docs" / f"{name}.md").read_text("utf-8")
    expected, found = _words(_reference_text(reference)), _words(text_of(document))
    recall = len(expected & found) / len(expected)
    print(f"{name}: word recall {recall:.3f} ({len(expected - found)} missing)")
    assert recall >= 0.9, sorted(expected - found)
    headings = {s.text for s in document.sections if s.kind == "heading"}
    for line in re.findall(r"^#+\s+(.*)$", reference, flags=re.MULTILINE):
        assert line.strip() in headings, line


def test_docx_headings_build_the_heading_path(shared_data: Path) -> None:
    data = (shared_data / "docs" / "unit_test_headers.docx").read_bytes()
    sections = parse_document("unit_test_headers.docx", data).sections
    paragraph = next(s for s in sections if s.text == "Paragraph 1.2.3.1")
    assert paragraph.heading_path == ("Test Document", "Section 1", "Section 1.2", "Section 1.2.3")
    levels = {s.text: s.level for s in sections if s.kind == "heading"}
    assert levels["Test Document"] < levels["Section 1"] < levels["Section 1.1"]


def test_docx_tables_lists_and_text_boxes(shared_data: Path) -> None:
    docs = shared_data / "docs"
    tables = parse_document("t.docx", (docs / "word_tables.docx").read_bytes()).sections
    assert "Header 0.0: Cell 1.0 | Header 0.1: Cell 1.1 | Header 0.2: Cell 1.2" in [
        s.text for s in tables if s.kind == "table_row"
    ]
    lists = parse_document("l.docx", (docs / "docx_lists.docx").read_bytes()).sections
    assert [s.text for s in lists if s.kind == "list_item"][:3] == [
        "List item 1",
        "List item 2",
        "List item 3",
    ]
    boxes = text_of(parse_document("b.docx", (docs / "textbox.docx").read_bytes()))
    assert "Health Bureau" in boxes and boxes.count("Student falls ill") == 1


@pytest.mark.parametrize("name", ["2305.03393v1-pg9.pdf", "multi_page.pdf", "normal_4pages.pdf"])
def test_pdf_samples_parse_with_pages(shared_data: Path, name: str) -> None:
    document = parse_document(name, (shared_data / "docs" / name).read_bytes())
    assert document.format == "pdf" and document.pages and len(text_of(document)) > 500
    assert all(s.page is not None and 1 <= s.page <= document.pages for s in document.sections)


def test_pdf_page_numbers_follow_the_pages(shared_data: Path) -> None:
    data = (shared_data / "docs" / "multi_page.pdf").read_bytes()
    document = parse_document("multi_page.pdf", data)
    assert document.pages == 5
    assert {s.page for s in document.sections} == {1, 2, 3, 4, 5}

    def page_of(phrase: str) -> int | None:
        return next(s.page for s in document.sections if phrase in s.text)

    assert page_of("The Evolution of the Word Processor") == 1
    assert page_of("The Modern Era (1990s - Present)") == 2
    assert page_of("Specialized Word Processing Tools") == 3
    assert page_of("Word Processors in a Post-Digital Era") == 4
    assert page_of("reflects humanity") == 5


def test_scanned_pdf_is_read_by_ocr(shared_data: Path) -> None:
    if pdf_parser.tesseract_command() is None:
        pytest.skip("tesseract (with fra or eng) is not installed: OCR cannot be tested")
    data = (shared_data / "docs" / "ocr_test.pdf").read_bytes()
    document = parse_document("ocr_test.pdf", data)
    assert "Docling" in text_of(document) and "Markdown" in text_of(document)
    assert {s.page for s in document.sections} == {1}
    assert document.warnings and "OCR" in document.warnings[0]


def test_scanned_pdf_without_ocr_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_parser, "tesseract_command", lambda: None)
    error = rejected("scan.pdf", scanned_pdf())
    assert error.key == "knowledge.parse.scan_without_ocr"
    assert "tesseract" in error.message() and "numérisée" in error.message()


def test_scanned_pages_are_skipped_with_a_warning_beside_text_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pypdf import PdfReader, PdfWriter

    monkeypatch.setattr(pdf_parser, "tesseract_command", lambda: None)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Page de texte"]))))
    writer.append(PdfReader(io.BytesIO(scanned_pdf())))
    buffer = io.BytesIO()
    writer.write(buffer)
    document = parse_document("mixte.pdf", buffer.getvalue(), SMALL)
    assert text_of(document) == "Page de texte"
    assert document.warnings and "2" in document.warnings[0]


# ----------------------------------------------------------------------------- every format


def test_generated_pdf_keeps_each_page() -> None:
    document = parse_document("note.pdf", make_pdf(["Première page", "Deuxième page"]), SMALL)
    assert [(s.page, s.text) for s in document.sections] == [
        (1, "Première page"),
        (2, "Deuxième page"),
    ]


def test_pdf_with_only_an_owner_password_is_read() -> None:
    document = parse_document("restreint.pdf", encrypted_pdf(user_password=""), SMALL)
    assert text_of(document) == "Document confidentiel"


def test_docx_generated() -> None:
    document = parse_document("reglement.docx", make_docx(), SMALL)
    kinds = [(s.kind, s.text) for s in document.sections]
    assert ("heading", "Règlement intérieur") in kinds
    assert ("list_item", "Arriver avant 9 h 30") in kinds
    assert ("table_row", "Jour: Lundi | Horaire: 8 h - 18 h") in kinds
    row = next(s for s in document.sections if s.kind == "table_row")
    assert row.heading_path == ("Règlement intérieur", "Horaires")


def test_pptx_sections_carry_their_slide_number() -> None:
    document = parse_document("service.pptx", make_pptx(), SMALL)
    assert document.pages == 3 and document.format == "pptx"
    body = next(s for s in document.sections if s.text == "Ouverture en mai")
    assert body.page == 2 and body.kind == "slide" and body.heading_path == ("Calendrier",)
    heading = next(s for s in document.sections if s.text == "Bienvenue")
    assert heading.kind == "heading" and heading.page == 1
    row = next(s for s in document.sections if s.kind == "table_row")
    assert (row.page, row.text) == (3, "Offre: Base | Prix: 10 €")


def test_xlsx_rows_are_named_by_their_headers() -> None:
    document = parse_document("agences.xlsx", make_xlsx(), SMALL)
    rows = [s for s in document.sections if s.kind == "sheet_row"]
    assert [s.text for s in rows] == [
        "Ville: Orléans | Téléphone: 02 38 00 00 00 | Agents: 12",
        "Ville: Besançon | Téléphone: 03 81 00 00 00 | Agents: 7",
    ]
    assert rows[0].heading_path == ("Agences",)
    assert [s.text for s in document.sections if s.kind == "heading"] == ["Agences"]


def test_csv_semicolons_in_latin1() -> None:
    data = "Nom;Prénom;Ville\nDupont;Élodie;Orléans\nMartin;François;Besançon\n".encode("latin-1")
    document = parse_document("agents.csv", data, SMALL)
    assert [s.text for s in document.sections] == [
        "Nom: Dupont | Prénom: Élodie | Ville: Orléans",
        "Nom: Martin | Prénom: François | Ville: Besançon",
    ]


def test_html_keeps_the_content_not_the_menus() -> None:
    page = """<!DOCTYPE html><html><head><title>Carte d'identité</title></head><body>
    <nav><ul><li><a href="/">Accueil</a></li><li><a href="/aide">Menu principal</a></li></ul></nav>
    <main><article><h1>Renouveler sa carte d'identité</h1>
    <p>Pour renouveler votre carte, prenez <b>rendez-vous</b> en mairie. Le délai moyen est de
    trois semaines selon les communes et la période de l'année.</p>
    <h2>Pièces à fournir</h2><ul><li>Une photo d'identité récente</li>
    <li>Un justificatif de domicile</li></ul></article></main>
    <footer><p>Mentions légales - Plan du site - Tous droits réservés</p></footer></body></html>"""
    document = parse_document("carte.html", page.encode("utf-8"), SMALL)
    text = text_of(document)
    assert "prenez rendez-vous en mairie" in text
    assert "Menu principal" not in text and "Mentions légales" not in text
    item = next(s for s in document.sections if s.text == "Un justificatif de domicile")
    assert item.kind == "list_item"
    assert item.heading_path == ("Renouveler sa carte d'identité", "Pièces à fournir")


def test_markdown_headings_lists_tables_and_code() -> None:
    source = """# Guide

Introduction du guide.

## Installation

- Télécharger le paquet
- Lancer l'installeur

```bash
make install
```

### Tarifs

| Offre | Prix |
| --- | --- |
| Base | 10 € |

## Support
Écrire au support.
"""
    sections = parse_document("guide.md", source.encode("utf-8"), SMALL).sections
    by_text = {s.text: s for s in sections}
    assert by_text["Lancer l'installeur"].kind == "list_item"
    assert by_text["Lancer l'installeur"].heading_path == ("Guide", "Installation")
    assert by_text["make install"].kind == "code"
    assert by_text["Offre: Base | Prix: 10 €"].heading_path == ("Guide", "Installation", "Tarifs")
    assert by_text["Écrire au support."].heading_path == ("Guide", "Support")
    assert by_text["Support"].level == 2 and by_text["Support"].heading_path == ("Guide",)


def test_plain_text_in_cp1252() -> None:
    text = (
        "L'élève a reçu une lettre de l'école… Où est-il allé ?\n\nDeuxième paragraphe : coût 12 €."
    )
    document = parse_document("lettre.txt", text.encode("cp1252"), SMALL)
    assert [s.text for s in document.sections] == text.split("\n\n")


def test_extension_chooses_among_text_formats() -> None:
    assert parse_document("a.md", b"# Titre\n\ncorps", SMALL).format == "markdown"
    assert parse_document("a.txt", b"# Titre\n\ncorps", SMALL).format == "text"
    assert parse_document("page", b"<html><body><p>Bonjour</p></body></html>", SMALL).format == (
        "html"
    )


def magic_parser(name: str, parse: object) -> Parser:
    return Parser(
        id=name,
        label=name,
        extensions=(f".{name}",),
        sniff=lambda data, filename: data.startswith(b"MAGIC"),
        parse=parse,  # type: ignore[arg-type]
    )


# ----------------------------------------------------------------------------- the registry


def test_registry_holds_every_builtin_format() -> None:
    registry = default_registry()
    assert [p.id for p in default_parsers()] == [
        "pdf",
        "docx",
        "pptx",
        "xlsx",
        "odt",
        "ods",
        "odp",
        "html",
        "markdown",
        "csv",
        "text",
    ]
    for ext in (".pdf", ".docx", ".pptx", ".xlsx", ".csv", ".html", ".md", ".txt"):
        assert registry.for_extension(ext) is not None, ext
    with pytest.raises(ValueError, match="already"):
        registry.register(default_parsers()[0])


def test_a_plugin_format_registers_like_the_builtins() -> None:
    def parse(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
        return ParsedDocument("x", [Section(data.decode()[5:].strip())], format="magic")

    registry = ParserRegistry()
    for parser in default_parsers():
        registry.register(parser)
    registry.register(magic_parser("magic", parse))
    document = parse_document("a.magic", b"MAGIC bonjour", SMALL, registry=registry)
    assert text_of(document) == "bonjour"


def test_every_refusal_key_exists_in_both_languages() -> None:
    """``DocumentRejected("key")`` escapes the pattern of test_i18n; checked here instead."""
    pattern = re.compile(r"""(?:DocumentRejected|\bt)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    used: set[str] = set()
    for path in [
        ROOT / "store/knowledge/parsing.py",
        *(ROOT / "store/knowledge/parsers").glob("*.py"),
    ]:
        used.update(pattern.findall(path.read_text("utf-8")))
    assert len(used) >= 15
    for lang in ("fr", "en"):
        missing = sorted(used - set(catalogue(lang)))
        assert not missing, f"{lang}: {missing}"


def test_an_archive_renamed_docx_is_told_apart_from_an_unknown_format() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as folder:
        folder.writestr("note.txt", "bonjour")
    error = rejected("archive.docx", archive.getvalue())
    assert error.key == "knowledge.parse.not_what_it_claims"
    assert "Word (.docx)" in error.message() and "formats acceptés" not in error.message()
