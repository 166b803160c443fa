"""CSV (and TSV): one section per row, each value named by its column ("Ville: Orléans | …").

French spreadsheets export with ``;`` and Windows-1252, so both the separator and the encoding are
detected rather than assumed. Rows are read one at a time and counted: past ``Limits.max_rows``
the file is refused before the rest is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from store.knowledge.parsers.common import clean, looks_like_header, row_text
from store.knowledge.parsers.text import text_of
from store.knowledge.parsing import Parser, RowCounter, check_deadline
from store.knowledge.records import Limits, ParsedDocument, Section

_DELIMITERS = ";,\t|"
_SNIFF_SAMPLE = 64 * 1024


def rows_of(text: str, filename: str) -> Iterator[list[str]]:
    """The rows, with the separator (and quoting) sniffed from the first lines."""
    if filename.lower().endswith(".tsv"):
        return csv.reader(io.StringIO(text), dialect="excel-tab")
    sample = text[:_SNIFF_SAMPLE]
    if len(text) > _SNIFF_SAMPLE:
        sample = sample[: sample.rfind("\n") + 1] or sample  # whole lines only
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        delimiter = max(_DELIMITERS, key=sample.count)
        return csv.reader(io.StringIO(text), delimiter=delimiter)
    return csv.reader(io.StringIO(text), dialect)


def parse_csv(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    text = text_of(data, filename)
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    headers: list[str] | None = None
    sections: list[Section] = []
    counter = RowCounter(filename, limits)
    first = True
    for number, row in enumerate(rows_of(text, filename)):
        if number % 1000 == 0:
            check_deadline()  # blank rows too take time
        values = [clean(value) for value in row]
        if not any(values):
            continue
        if first:
            first = False
            if looks_like_header(values):
                headers = values
                continue
        counter.add()
        sections.append(Section(row_text(values, headers), "table_row"))
    if not sections and headers:  # a header and nothing else is still text
        sections.append(Section(row_text(headers), "table_row"))
    return ParsedDocument("", sections, format="csv")  # a table names its columns, not itself


def _never(data: bytes, filename: str) -> bool:
    """A CSV file is text: only its extension tells it apart."""
    return False


CSV = Parser(
    id="csv",
    label="CSV",
    extensions=(".csv", ".tsv"),
    sniff=_never,
    parse=parse_csv,
    text_based=True,
)
