"""The built-in document parsers, one module per family of formats.

``parsing.new_registry`` registers them exactly as a plug-in registers its own.
"""

from __future__ import annotations

from store.knowledge.parsing import Parser


def builtin_parsers() -> list[Parser]:
    """In sniffing order within each kind: binary formats by their signature, then text formats
    (HTML before Markdown before plain text, the most specific first)."""
    from store.knowledge.parsers.office import PPTX, XLSX
    from store.knowledge.parsers.opendocument import ODP, ODS, ODT
    from store.knowledge.parsers.pdf import PDF
    from store.knowledge.parsers.tabular import CSV
    from store.knowledge.parsers.text import MARKDOWN, TEXT
    from store.knowledge.parsers.web import HTML
    from store.knowledge.parsers.word import DOCX

    return [PDF, DOCX, PPTX, XLSX, ODT, ODS, ODP, HTML, MARKDOWN, CSV, TEXT]
