"""The fifty citizens' reviews used by the supervised-drafting story are what they claim."""

from __future__ import annotations

from citizen_reviews import FILE, as_csv, reviews

from tools.privacy.identifiers import find_identifiers, nir_valid


def test_the_file_is_the_generated_one() -> None:
    assert FILE.read_text("utf-8") == as_csv(reviews())


def test_each_review_holds_a_name_a_phone_and_a_valid_nir() -> None:
    rows = reviews()
    assert len(rows) == 50
    for row in rows:
        assert row.name in row.message and row.phone in row.message and row.nir in row.message
        assert nir_valid(row.nir)
        kinds = {i.type for i in find_identifiers(row.message)}
        assert {"NIR", "TELEPHONE"} <= kinds, row.message
