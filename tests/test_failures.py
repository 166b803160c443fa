"""Failure reasons are stored as message references and read in each reader's language."""

from __future__ import annotations

from agents.errors import UserError
from store.knowledge.failures import failure, failure_of, failure_text


def test_a_stored_reason_reads_in_each_language() -> None:
    stored = failure_of(UserError("knowledge.parse.empty", name="vide.txt"))
    assert failure_text(stored, "fr").startswith("le fichier vide.txt est vide")
    assert failure_text(stored, "en").startswith("the file vide.txt is empty")


def test_parameters_of_any_kind_survive_storage() -> None:
    stored = failure("kb.embedder_failed", reason=ConnectionError("refused"))
    assert "refused" in failure_text(stored, "en")


def test_plain_text_from_older_rows_is_shown_as_it_is() -> None:
    assert failure_text("ancienne raison ; réessayez", "en") == "ancienne raison ; réessayez"
    assert failure_text("{pas du json", "en") == "{pas du json"
    assert failure_text("", "fr") == ""
