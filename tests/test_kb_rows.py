"""Spreadsheets and CSV files are read row by row and bounded by rows (issue 8, defect 19b).

A 1,000,000-row CSV used to hold the only ingestion worker for five minutes before failing.
Now rows are counted as they are read and, past ``ATELIER_KB_MAX_ROWS`` (200,000 by default),
the file is refused at once with a reason that names the limit and its variable.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_knowledge_store import open_store, ready

from agents.i18n import t
from store.knowledge.failures import failure_text
from store.knowledge.parsers.office import sheet_rows
from store.knowledge.parsing import DocumentRejected, RowCounter, parse_document
from store.knowledge.records import Limits

MILLION = 1_000_000


@pytest.fixture(autouse=True)
def _hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.delenv("ATELIER_CHROMA_URL", raising=False)
    monkeypatch.delenv("ATELIER_KB_MAX_ROWS", raising=False)


def big_csv(rows: int) -> bytes:
    lines = ["Ville;Code;Agents"]
    lines.extend(f"Ville {i};{i:07d};{i % 50}" for i in range(rows))
    return ("\n".join(lines) + "\n").encode()


def test_the_default_limit_is_200000_rows_and_reads_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Limits.from_env().max_rows == 200_000
    monkeypatch.setenv("ATELIER_KB_MAX_ROWS", "1500")
    assert Limits.from_env().max_rows == 1500


def test_a_million_row_csv_is_refused_with_the_limit_and_its_variable() -> None:
    with pytest.raises(DocumentRejected) as caught:
        parse_document("communes.csv", big_csv(MILLION), Limits())
    error = caught.value
    assert error.key == "knowledge.parse.too_many_rows"
    assert error.params["limit"] == 200_000 and error.params["var"] == "ATELIER_KB_MAX_ROWS"
    assert "200000" in error.message("fr") and "ATELIER_KB_MAX_ROWS" in error.message("fr")
    assert "rows" in error.message("en")


def test_rows_are_pulled_one_at_a_time_and_reading_stops_at_the_limit() -> None:
    pulled = 0

    def rows() -> Iterator[list[str]]:
        nonlocal pulled
        yield ["Ville", "Agents"]
        for i in range(MILLION):
            pulled += 1
            yield [f"Ville {i}", str(i)]

    counter = RowCounter("communes.xlsx", Limits(max_rows=1000))
    with pytest.raises(DocumentRejected):
        sheet_rows(rows(), counter)
    assert pulled == 1001 and counter.count == 1001


def test_a_file_within_the_limit_is_read_whole() -> None:
    document = parse_document("communes.csv", big_csv(1000), Limits(max_rows=1000))
    assert len(document.sections) == 1000
    assert document.sections[-1].text == "Ville: Ville 999 | Code: 0000999 | Agents: 49"


def test_the_store_fails_a_million_row_csv_before_embedding_anything() -> None:
    store = open_store()
    try:
        kb = store.create_kb("Communes", "alice")
        (doc,) = ready(store, store.add_documents(kb.id, [("communes.csv", big_csv(MILLION))]))
        assert doc.status == "failed" and doc.chunks == 0
        assert "ATELIER_KB_MAX_ROWS" in doc.error
        assert failure_text(doc.failure, "en").startswith("communes.csv has more than 200000 rows")
        assert store.search([kb.id], "Ville 12", k=1) == []
    finally:
        store.close()


def test_the_reason_reads_in_both_languages() -> None:
    for lang in ("fr", "en"):
        text = t("knowledge.parse.too_many_rows", lang, name="a.csv", limit=10, var="V")
        assert "a.csv" in text and "10" in text and "V" in text
