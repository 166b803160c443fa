"""The FAQ set for ``bench/retrieval.py``: question-titled pages and paraphrased questions.

``bench/data/faq_fr/*.json`` (written for Atelier, CC BY 4.0: see the folder's README) holds
pages (``id``, ``title``: the page's own question or heading, ``body``) and questions asked in
other words than the titles, each naming the page that answers it. The pages are uploaded as
people export an FAQ or a help centre: one file per entry, in several formats, under a file
name that says nothing (``faq-017.md``): the title is only in the content, as a first line, a
Markdown heading, an HTML ``<h1>`` or a Word heading. A hit at k: the page is among the first k
different documents found.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FAQ_DIR = Path(__file__).resolve().parent / "data" / "faq_fr"
FORMATS = ("txt", "txt", "txt", "md", "md", "md", "html", "html", "docx", "txt")


@dataclass(frozen=True)
class FaqPage:
    id: str
    title: str
    body: str


@dataclass(frozen=True)
class FaqQuestion:
    text: str
    page_id: str


def load_faq(folder: Path = FAQ_DIR) -> tuple[list[FaqPage], list[FaqQuestion]]:
    pages: list[FaqPage] = []
    questions: list[FaqQuestion] = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        pages += [FaqPage(p["id"], p["title"].strip(), p["body"].strip()) for p in data["pages"]]
        questions += [FaqQuestion(q["question"].strip(), q["page"]) for q in data["questions"]]
    ids = {p.id for p in pages}
    if len(ids) != len(pages) or any(q.page_id not in ids for q in questions):
        raise ValueError(f"{folder}: page ids repeat or a question names no page")
    return pages, questions


def page_file(page: FaqPage, number: int) -> tuple[str, bytes]:
    """The page as an exported FAQ entry: a file name that says nothing, the title inside."""
    kind = FORMATS[number % len(FORMATS)]
    name = f"faq-{number:03d}.{kind}"
    paragraphs = [p.strip() for p in page.body.split("\n\n") if p.strip()]
    if kind == "txt":
        return name, f"{page.title}\n\n{page.body}\n".encode()
    if kind == "md":
        level = "#" if number % 2 else "##"
        return name, f"{level} {page.title}\n\n{page.body}\n".encode()
    if kind == "html":
        body = "".join(_html_block(p) for p in paragraphs)
        document = (
            "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
            "<title>Aide en ligne</title></head><body><nav><a href='/'>Accueil</a> › "
            "<a href='/aide'>Aide</a></nav><main><article>"
            f"<h1>{html.escape(page.title)}</h1>{body}</article></main>"
            "<footer>Une question ? Contactez-nous.</footer></body></html>"
        )
        return name, document.encode()
    return name, _docx(page.title, paragraphs)


def _html_block(paragraph: str) -> str:
    lines = paragraph.splitlines()
    if all(line.lstrip().startswith("- ") for line in lines):
        items = "".join(f"<li>{html.escape(line.lstrip()[2:])}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    return f"<p>{html.escape(' '.join(lines))}</p>"


def _docx(title: str, paragraphs: Sequence[str]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        for line in paragraph.splitlines() if paragraph.lstrip().startswith("- ") else [paragraph]:
            if line.lstrip().startswith("- "):
                document.add_paragraph(line.lstrip()[2:], style="List Bullet")
            else:
                document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def first_page_hit(found: Sequence[str], page_id: str, depth: int = 10) -> int:
    """Rank (1-based) of the page among the first ``depth`` different documents, 0 if none."""
    documents = list(dict.fromkeys(found))[:depth]
    return documents.index(page_id) + 1 if page_id in documents else 0
