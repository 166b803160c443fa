"""A document's stage in words, for the pages and the CLI: "Lecture du fichier",
"Calcul du sens des passages"... (``records.DOCUMENT_STAGES``)."""

from __future__ import annotations

from agents.i18n import t
from store.knowledge.records import DOCUMENT_STAGES, DocumentRecord


def stage_text(document: DocumentRecord, lang: str | None = None) -> str:
    """What is happening to the document, in ``lang``; while it is embedded, with its
    percentage ("Calcul du sens des passages (40 %)")."""
    stage = document.stage if document.stage in DOCUMENT_STAGES else document.status
    if stage == "embedding":
        percent = round(100 * min(max(document.progress, 0.0), 1.0))
        return t("kb.stage.embedding", lang, percent=percent)
    return t(f"kb.stage.{stage}", lang)
