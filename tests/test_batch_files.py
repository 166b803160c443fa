"""Files of messages as people bring them: UTF-8 with a BOM, Windows-1252 with ``;`` (Excel in
France), XLSX; and the wrong ones (empty, not a table, a missing column, too many rows), each
refused with a plain message and nothing half-created."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from drafting_world import OLGA, agent, people, replies, script

from agents.errors import NotFound, UserError
from builder_ui.services.batch_files import MAX_ROWS, read_table
from builder_ui.services.installation import Installation, Services
from store.knowledge.service import close_knowledge_stores

FRENCH = "date;service;message\n2026-02-01;Préfecture;Délai trop long, très déçue.\n"


@pytest.fixture
def olga() -> Iterator[Services]:
    installation = Installation.open()
    people(installation)
    yield Services.open(OLGA, shared=installation)
    close_knowledge_stores()


@pytest.mark.parametrize(
    "data",
    [
        FRENCH.encode("cp1252"),  # Latin-1 / Windows-1252, as Excel saves CSV in France
        b"\xef\xbb\xbf" + FRENCH.encode("utf-8"),  # UTF-8 with a BOM
        FRENCH.replace(";", ",")
        .replace("Délai trop long, très déçue.", '"Délai trop long, très déçue."')
        .encode(),
        FRENCH.replace(";", "\t").encode("utf-8"),
    ],
    ids=["windows-1252", "utf-8-bom", "commas", "tabs"],
)
def test_csv_files_as_spreadsheets_write_them(data: bytes) -> None:
    table = read_table("avis.csv", data)
    assert table.columns == ["date", "service", "message"]
    assert table.rows == [
        {"date": "2026-02-01", "service": "Préfecture", "message": "Délai trop long, très déçue."}
    ]


def test_quoted_cells_keep_their_lines_and_separators() -> None:
    data = b'message;service\n"Bonjour;\nje cherche ""mon"" dossier";CAF\n'
    (row,) = read_table("a.csv", data).rows
    assert row == {"message": 'Bonjour;\nje cherche "mon" dossier', "service": "CAF"}


def test_a_row_with_more_values_than_columns_is_refused_with_its_line() -> None:
    data = b"date,message\n2026-01-01,Bonjour\n2026-01-02,Trop long, vraiment\n"
    with pytest.raises(UserError) as refused:
        read_table("avis.csv", data)
    assert refused.value.key == "batch.err.extra_values"
    assert "3" in refused.value.message() and "avis.csv" in refused.value.message()


def test_headers_missing_or_repeated_get_a_name() -> None:
    table = read_table("a.csv", b"message;;message\nA;B;C\n")
    assert table.columns == ["message", "Colonne B", "message (2)"]
    assert table.column(" MESSAGE ") == "message"


def test_xlsx_dates_and_numbers_read_as_people_see_them() -> None:
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["date", "numéro", "message", None, None])
    sheet.append([dt.datetime(2026, 3, 4), 12.0, "Bonjour", None, None])
    out = io.BytesIO()
    book.save(out)
    table = read_table("avis.xlsx", out.getvalue())
    assert table.columns == ["date", "numéro", "message"]
    assert table.rows == [{"date": "2026-03-04", "numéro": "12", "message": "Bonjour"}]


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("avis.csv", b"", "batch.err.empty"),
        ("avis.csv", b"  \n\n", "batch.err.empty"),
        ("avis.csv", b"date;message\n", "batch.err.no_rows"),
        ("avis.pdf", b"%PDF-1.7 ...", "batch.err.format"),
        ("avis.docx", b"PK\x03\x04", "batch.err.format"),
        ("avis.xlsx", b"ceci n'est pas un classeur", "batch.err.unreadable"),
        ("avis.csv", b"\x00\x01\x02\x03binaire\x00" * 50, "batch.err.not_text"),
    ],
)
def test_wrong_files_are_refused_with_a_plain_message(name: str, data: bytes, key: str) -> None:
    with pytest.raises(UserError) as refused:
        read_table(name, data)
    assert refused.value.key == key
    assert name in refused.value.message()


def test_a_huge_file_is_refused_with_its_limit() -> None:
    data = ("message\n" + "Bonjour\n" * (MAX_ROWS + 1)).encode()
    with pytest.raises(UserError) as refused:
        read_table("avis.csv", data)
    assert refused.value.key == "batch.err.too_many_rows"
    assert "5000" in refused.value.message().replace("\u202f", "").replace(" ", "")
    assert len(read_table("avis.csv", ("message\n" + "Oui\n" * MAX_ROWS).encode()).rows) == MAX_ROWS


def test_nothing_is_created_from_a_wrong_file_or_column(olga: Services, tmp_path: Path) -> None:
    agent_id = agent(olga, script(tmp_path / "s.yaml", replies(1)))
    data = FRENCH.encode("cp1252")
    with pytest.raises(UserError) as missing:
        olga.start_batch(agent_id, "avis.csv", data, "texte")
    assert missing.value.key == "batch.err.no_column"
    assert "date, service, message" in missing.value.message()
    with pytest.raises(UserError):
        olga.start_batch(agent_id, "avis.csv", data, "message", ["ville"])
    with pytest.raises(UserError):
        olga.start_batch(agent_id, "avis.csv", b"", "message")
    with pytest.raises(UserError) as empty:
        olga.start_batch(agent_id, "avis.csv", b"message;date\n;2026-01-01\n", "message")
    assert empty.value.key == "batch.err.no_messages"
    with pytest.raises(NotFound):
        olga.start_batch("Agent inconnu", "avis.csv", data, "message")
    with pytest.raises(UserError):
        olga.start_batch(agent_id, "avis.csv", data, "message", assignee="team:Inconnue")
    with pytest.raises(UserError):
        olga.start_batch(agent_id, "avis.csv", data, "message", assignee="personne@example.fr")
    assert olga.batches() == []


def test_rows_without_a_message_are_left_out_and_numbered_as_in_the_file(
    olga: Services, tmp_path: Path
) -> None:
    agent_id = agent(olga, script(tmp_path / "s.yaml", replies(2)))
    data = "message;service\nPremier;A\n;B\nTroisième;C\n".encode()
    batch = olga.start_batch(agent_id, "avis.csv", data, "message", ["service"])
    drafts = olga.batch_drafts(batch.id)
    assert [(d.row, d.message, d.context) for d in drafts] == [
        (1, "Premier", {"service": "A"}),
        (3, "Troisième", {"service": "C"}),
    ]
