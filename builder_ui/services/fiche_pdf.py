"""The transparency sheet as a PDF (fpdf2, pure Python). The PDF's own fonts cover French
accents and « » (Windows-1252); the few characters they lack (a typographic apostrophe, œ, an
ellipsis) are written with the closest ones they have, so that nothing is dropped."""

from __future__ import annotations

from typing import Final

from agents.i18n import t
from builder_ui.services.fiche import TransparencySheet, sheet_sections

_PLAIN: Final = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "—": "-", "–": "-", " ": " ",
     "\u202f": " ", "•": "-"}
)  # fmt: skip


def _latin(text: str) -> str:
    text = text.translate(_PLAIN).replace("œ", "oe").replace("Œ", "OE")
    return text.encode("latin-1", "replace").decode("latin-1")


def sheet_pdf(sheet: TransparencySheet, lang: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_latin(t("fiche.title", lang, name=sheet.name, version=sheet.version)))
    pdf.set_lang(lang or "fr")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(
        0,
        9,
        _latin(t("fiche.title", lang, name=sheet.name, version=sheet.version)),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    for heading, text in sheet_sections(sheet, lang):
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, _latin(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, _latin(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(0, 5, _latin(t("fiche.generated", lang)), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
