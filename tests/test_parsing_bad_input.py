"""Bad input never crashes parsing: corrupt, protected, empty, lying, unsupported or oversized
files are refused with a reason that says what to do (the samples: ``test_parsing``)."""

from __future__ import annotations

import time

import pytest
from test_parsing import (
    SMALL,
    encrypted_pdf,
    magic_parser,
    make_pdf,
    make_pptx,
    rejected,
    zip_with,
)

from store.knowledge.parsing import (
    DocumentRejected,
    ParserRegistry,
    check_deadline,
    parse_document,
)
from store.knowledge.records import Limits, ParsedDocument


def test_empty_file() -> None:
    assert rejected("vide.pdf", b"").key == "knowledge.parse.empty"
    assert rejected("blanc.txt", b"  \n\n ").key == "knowledge.parse.empty"


def test_text_disguised_as_pdf() -> None:
    error = rejected("rapport.pdf", b"Ceci n'est pas un PDF, juste du texte.")
    assert error.key == "knowledge.parse.extension_mismatch"
    assert "l'extension .pdf ne correspond pas au contenu" in error.message()


def test_pdf_disguised_as_docx() -> None:
    error = rejected("rapport.docx", make_pdf(["Bonjour"]))
    assert error.key == "knowledge.parse.extension_mismatch" and "PDF" in error.message()


def test_truncated_pdf_is_corrupt() -> None:
    data = make_pdf(["Une page", "Une autre"])
    error = rejected("coupe.pdf", data[: len(data) // 2])
    assert error.key == "knowledge.parse.corrupt"
    assert "illisible ou corrompu" in error.message()


def test_password_protected_pdf() -> None:
    error = rejected("secret.pdf", encrypted_pdf(user_password="secret"))
    assert error.key == "knowledge.parse.pdf_protected" and "mot de passe" in error.message()


def test_zip_bomb_disguised_as_docx() -> None:
    error = rejected("bombe.docx", zip_with("word/document.xml", 64 * 1024 * 1024), Limits())
    assert error.key == "knowledge.parse.zip_ratio"
    lowered = rejected(
        "gros.docx",
        zip_with("word/document.xml", 5 * 1024 * 1024),
        Limits(max_uncompressed_mb=1),
    )
    assert lowered.key == "knowledge.parse.too_big_unzipped"
    assert "ATELIER_KB_MAX_UNZIPPED_MB" in lowered.message()


def test_file_over_the_size_limit() -> None:
    error = rejected("gros.txt", b"a" * 2 * 1024 * 1024, Limits(max_file_mb=1))
    assert error.key == "knowledge.parse.too_big"
    assert "ATELIER_KB_MAX_FILE_MB" in error.message() and "1 Mo" in error.message()
    small = rejected("petit.txt", b"a" * 48_000, Limits(max_file_mb=0.01))
    assert "pèse 0.046 Mo, au-delà de la limite de 0.01 Mo" in small.message()  # never "0 Mo"


def test_too_many_pages() -> None:
    error = rejected("long.pdf", make_pdf(["a", "b", "c"]), Limits(max_pages=2))
    assert error.key == "knowledge.parse.too_many_pages"
    assert "ATELIER_KB_MAX_PAGES" in error.message() and "3" in error.message()
    slides = rejected("long.pptx", make_pptx(), Limits(max_pages=2))
    assert slides.key == "knowledge.parse.too_many_pages"


def test_unsupported_binary() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    error = rejected("photo.png", png)
    assert error.key == "knowledge.parse.unsupported"
    assert ".pdf" in error.message() and ".docx" in error.message()
    legacy = rejected("ancien.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert legacy.key == "knowledge.parse.legacy_office"
    protected = rejected("protege.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert protected.key == "knowledge.parse.office_protected"


def test_broken_zip_and_unknown_zip() -> None:
    assert rejected("casse.docx", b"PK\x03\x04" + bytes(100)).key == "knowledge.parse.corrupt"
    other = zip_with("content.xml", 0, {"mimetype": b"application/vnd.oasis.opendocument.text"})
    # OpenDocument is read now (issue 8): an empty content.xml is an unreadable file.
    assert rejected("texte.odt", other).key == "knowledge.parse.corrupt"
    unknown = zip_with("note.txt", 0, {})
    assert rejected("archive.zip", unknown).key == "knowledge.parse.unsupported"


def test_document_without_text() -> None:
    error = rejected("vide.html", b"<html><body><nav>Menu</nav><script>x()</script></body></html>")
    assert error.key == "knowledge.parse.no_text"


def test_a_crash_inside_a_parser_becomes_a_refusal() -> None:
    def explode(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
        raise RuntimeError("bug")

    registry = ParserRegistry()
    registry.register(magic_parser("boom", explode))
    error = _rejected_by(registry, "x.boom")
    assert error.key == "knowledge.parse.corrupt"


def test_time_limit_per_document() -> None:
    def slow(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
        while True:
            time.sleep(0.01)
            check_deadline()

    registry = ParserRegistry()
    registry.register(magic_parser("slow", slow))
    started = time.monotonic()
    error = _rejected_by(registry, "x.slow", Limits(max_seconds=0.2))
    assert error.key == "knowledge.parse.too_slow"
    assert "ATELIER_KB_MAX_SECONDS" in error.message() and "0.2" in error.message()
    assert time.monotonic() - started < 2


def _rejected_by(
    registry: ParserRegistry, filename: str, limits: Limits = SMALL
) -> DocumentRejected:
    with pytest.raises(DocumentRejected) as caught:
        parse_document(filename, b"MAGIC data", limits, registry=registry)
    return caught.value
