"""OpenDocument files (.odt, .ods, .odp), built here as real packages (a stored ``mimetype``
first, then ``content.xml``), read like their Office counterparts; broken or hostile ones are
refused with a reason (issue 8, defect 7)."""

from __future__ import annotations

import io
import zipfile

import pytest
from test_knowledge_store import open_store, ready

from store.knowledge.parsing import DocumentRejected, accepted_extensions, parse_document
from store.knowledge.records import Limits

SMALL = Limits(max_file_mb=5, max_pages=100, max_uncompressed_mb=50, max_seconds=60)
NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)
MIME = "application/vnd.oasis.opendocument."


def package(kind: str, body: str, title: str = "", prolog: str = "") -> bytes:
    """An OpenDocument package: ``mimetype`` stored uncompressed and first, as the standard
    asks, then ``content.xml`` (and ``meta.xml`` when there is a title)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), MIME + kind, zipfile.ZIP_STORED)
        archive.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
            f"<office:document-content {NS}><office:body>{body}</office:body>"
            "</office:document-content>",
        )
        if title:
            archive.writestr(
                "meta.xml",
                f"<office:document-meta {NS}><office:meta><dc:title>{title}</dc:title>"
                "</office:meta></office:document-meta>",
            )
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return buffer.getvalue()


def make_odt() -> bytes:
    return package(
        "text",
        "<office:text>"
        '<text:h text:outline-level="1">Guide des congés</text:h>'
        "<text:p>Les congés se posent <text:span>quinze</text:span> jours<text:s/>avant."
        "<text:note><text:note-body><text:p>Note de bas de page.</text:p></text:note-body>"
        "</text:note></text:p>"
        '<text:h text:outline-level="2">Télétravail</text:h>'
        "<text:list><text:list-item><text:p>Deux jours par semaine</text:p></text:list-item>"
        "<text:list-item><text:p>Après la période d'essai</text:p></text:list-item></text:list>"
        "<table:table><table:table-row><table:table-cell><text:p>Jour</text:p></table:table-cell>"
        "<table:table-cell><text:p>Horaire</text:p></table:table-cell></table:table-row>"
        "<table:table-row><table:table-cell><text:p>Lundi</text:p></table:table-cell>"
        "<table:table-cell><text:p>8 h - 18 h</text:p></table:table-cell></table:table-row>"
        "</table:table>"
        "<text:p>Voir l'encadré.<draw:frame><draw:text-box><text:p>Encadré : le badge est"
        " obligatoire.</text:p></draw:text-box></draw:frame></text:p>"
        "</office:text>",
        title="Titre des métadonnées",
    )


def make_ods(rows: str = "") -> bytes:
    return package(
        "spreadsheet",
        "<office:spreadsheet>"
        '<table:table table:name="Agences">'
        "<table:table-column/>"
        "<table:table-row><table:table-cell><text:p>Ville</text:p></table:table-cell>"
        "<table:table-cell><text:p>Agents</text:p></table:table-cell></table:table-row>"
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Orléans</text:p>'
        '</table:table-cell><table:table-cell office:value-type="float" office:value="12">'
        "<text:p>12</text:p></table:table-cell>"
        '<table:table-cell table:number-columns-repeated="1020"/></table:table-row>'
        "<table:table-row><table:table-cell><text:p>Besançon</text:p></table:table-cell>"
        "<table:table-cell><text:p>7</text:p></table:table-cell></table:table-row>"
        f"{rows}"
        '<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table>"
        '<table:table table:name="Vide"><table:table-row><table:table-cell/></table:table-row>'
        "</table:table>"
        "</office:spreadsheet>",
    )


def make_odp() -> bytes:
    def frame(cls: str, text: str) -> str:
        return (
            f'<draw:frame presentation:class="{cls}"><draw:text-box>{text}</draw:text-box>'
            "</draw:frame>"
        )

    return package(
        "presentation",
        "<office:presentation>"
        '<draw:page draw:name="page1">'
        + frame("title", "<text:p>Bienvenue</text:p>")
        + frame("outline", "<text:p>Le badge est remis le premier jour.</text:p>")
        + "<presentation:notes>"
        + frame("notes", "<text:p>Penser aux clés.</text:p>")
        + "</presentation:notes></draw:page>"
        '<draw:page draw:name="page2">'
        + frame("title", "<text:p>Horaires</text:p>")
        + "<draw:frame><table:table><table:table-row>"
        "<table:table-cell><text:p>Jour</text:p></table:table-cell>"
        "<table:table-cell><text:p>Horaire</text:p></table:table-cell></table:table-row>"
        "<table:table-row><table:table-cell><text:p>Lundi</text:p></table:table-cell>"
        "<table:table-cell><text:p>9 h</text:p></table:table-cell></table:table-row>"
        "</table:table></draw:frame>"
        "<draw:custom-shape><text:p>Accueil au rez-de-chaussée</text:p></draw:custom-shape>"
        "</draw:page></office:presentation>",
    )


def texts(filename: str, data: bytes, limits: Limits = SMALL) -> list[tuple[str, str, tuple]]:
    document = parse_document(filename, data, limits)
    return [(s.kind, s.text, s.heading_path) for s in document.sections]


def test_odt_headings_paragraphs_lists_tables_and_text_boxes() -> None:
    document = parse_document("conges.odt", make_odt(), SMALL)
    assert document.format == "odt" and document.title == "Guide des congés"
    assert [(s.kind, s.text, s.heading_path) for s in document.sections] == [
        ("heading", "Guide des congés", ()),
        ("paragraph", "Les congés se posent quinze jours avant.", ("Guide des congés",)),
        ("heading", "Télétravail", ("Guide des congés",)),
        ("list_item", "Deux jours par semaine", ("Guide des congés", "Télétravail")),
        ("list_item", "Après la période d'essai", ("Guide des congés", "Télétravail")),
        ("table_row", "Jour: Lundi | Horaire: 8 h - 18 h", ("Guide des congés", "Télétravail")),
        ("paragraph", "Voir l'encadré.", ("Guide des congés", "Télétravail")),
        (
            "paragraph",
            "Encadré : le badge est obligatoire.",
            ("Guide des congés", "Télétravail"),
        ),
    ]
    assert document.sections[2].level == 2


def test_odt_without_a_heading_takes_its_title_from_the_metadata() -> None:
    data = package(
        "text", "<office:text><text:p>Bonjour.</text:p></office:text>", title="Note de service"
    )
    assert parse_document("note.odt", data, SMALL).title == "Note de service"


def test_ods_sheets_rows_named_by_their_headers_and_repeats_not_expanded() -> None:
    document = parse_document("agences.ods", make_ods(), SMALL)
    assert document.format == "ods"
    assert [(s.kind, s.text, s.heading_path) for s in document.sections] == [
        ("heading", "Agences", ()),
        ("sheet_row", "Ville: Orléans | Agents: 12", ("Agences",)),
        ("sheet_row", "Ville: Besançon | Agents: 7", ("Agences",)),
    ]


def test_a_repeated_ods_row_counts_against_the_row_limit_without_being_expanded() -> None:
    bomb = (
        '<table:table-row table:number-rows-repeated="2000000000">'
        "<table:table-cell><text:p>encore</text:p></table:table-cell></table:table-row>"
    )
    with pytest.raises(DocumentRejected) as caught:
        parse_document("agences.ods", make_ods(bomb), Limits(max_rows=5000))
    assert caught.value.key == "knowledge.parse.too_many_rows"
    assert "ATELIER_KB_MAX_ROWS" in caught.value.message("en")


def test_odp_slides_carry_their_number_title_tables_and_notes() -> None:
    document = parse_document("accueil.odp", make_odp(), SMALL)
    assert document.format == "odp" and document.pages == 2
    assert [(s.page, s.kind, s.text, s.heading_path) for s in document.sections] == [
        (1, "heading", "Bienvenue", ()),
        (1, "slide", "Le badge est remis le premier jour.", ("Bienvenue",)),
        (1, "paragraph", "Penser aux clés.", ("Bienvenue",)),
        (2, "heading", "Horaires", ()),
        (2, "table_row", "Jour: Lundi | Horaire: 9 h", ("Horaires",)),
        (2, "slide", "Accueil au rez-de-chaussée", ("Horaires",)),
    ]
    assert document.title == "Bienvenue"


def test_odp_slides_count_against_the_page_limit() -> None:
    with pytest.raises(DocumentRejected) as caught:
        parse_document("accueil.odp", make_odp(), Limits(max_pages=1))
    assert caught.value.key == "knowledge.parse.too_many_pages"


def test_a_corrupt_opendocument_file_is_refused_with_a_reason() -> None:
    broken = package("text", "<office:text><text:p>pas fermé</office:text>")
    with pytest.raises(DocumentRejected) as caught:
        parse_document("cassé.odt", broken, SMALL)
    assert caught.value.key == "knowledge.parse.corrupt"
    assert "cassé.odt" in caught.value.message("fr")
    truncated = make_odt()[:200]
    with pytest.raises(DocumentRejected) as caught:
        parse_document("tronqué.odt", truncated, SMALL)
    assert caught.value.key == "knowledge.parse.corrupt"


def test_entities_are_never_expanded_nor_fetched() -> None:
    prolog = (
        '<!DOCTYPE x [<!ENTITY a "hahahahahahahahahahaha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY secret SYSTEM "file:///etc/hostname">]>'
    )
    body = "<office:text><text:p>Début &b; &secret; fin.</text:p></office:text>"
    document = parse_document("piège.odt", package("text", body, prolog=prolog), SMALL)
    assert [s.text for s in document.sections] == ["Début fin."]


def test_the_zip_limit_applies_to_opendocument() -> None:
    big = "<text:p>" + "a" * 2_000_000 + "</text:p>"
    data = package("text", f"<office:text>{big}</office:text>")
    with pytest.raises(DocumentRejected) as caught:
        parse_document("gros.odt", data, Limits(max_uncompressed_mb=1))
    assert caught.value.key == "knowledge.parse.too_big_unzipped"


def test_an_opendocument_file_with_an_office_extension_is_refused() -> None:
    with pytest.raises(DocumentRejected) as caught:
        parse_document("conges.docx", make_odt(), SMALL)
    assert caught.value.key == "knowledge.parse.extension_mismatch"
    assert "OpenDocument (.odt)" in caught.value.message("fr")


def test_accepted_extensions_come_from_one_place() -> None:
    accepted = accepted_extensions()
    for ext in (".odt", ".ods", ".odp", ".pdf", ".docx", ".xlsx", ".pptx", ".csv", ".md"):
        assert ext in accepted
    assert list(accepted) == sorted(accepted)


@pytest.fixture
def _hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_CHROMA_URL", raising=False)


@pytest.mark.usefixtures("_hashing")
def test_the_store_indexes_opendocument_files_and_cites_them() -> None:
    store = open_store()
    try:
        kb = store.create_kb("Accueil", "alice")
        files = [
            ("conges.odt", make_odt()),
            ("agences.ods", make_ods()),
            ("accueil.odp", make_odp()),
        ]
        documents = ready(store, store.add_documents(kb.id, files))
        assert [d.status for d in documents] == ["ready"] * 3, [d.error for d in documents]
        best = store.search([kb.id], "badge remis premier jour", k=1)
        assert best[0].document == "accueil.odp" and best[0].page == 1
    finally:
        store.close()
