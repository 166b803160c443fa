"""HTML: the page's main content, without its menus, banners and footers.

Menus, banners, footers and scripts are removed first; trafilatura then finds the main content and
writes it as Markdown, which keeps headings, lists and tables, and the Markdown reader builds the
sections. A page where trafilatura finds nothing falls back to the text left after that clean-up.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import use_config

from store.knowledge.parsers.common import clean, decode_text, first_heading, property_title
from store.knowledge.parsers.text import markdown_sections, text_of
from store.knowledge.parsing import Parser
from store.knowledge.records import Limits, ParsedDocument, Section

_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_EMPHASIS = re.compile(r"(\*\*|__)(\S(?:.*?\S)?)\1|(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# Not content: scripts, menus, and the page's banner and footer (an article's own header, which
# often holds its title, stays).
_NOT_CONTENT = (
    "//script | //style | //noscript | //template | //nav | //aside | //form"
    " | //header[not(ancestor::article or ancestor::main)]"
    " | //footer[not(ancestor::article or ancestor::main)]"
    " | //*[@role='navigation' or @role='banner' or @role='contentinfo' or @role='search']"
)


@cache
def _config() -> Any:
    """trafilatura's defaults, except: small pages are kept (its floor is 250 characters), no
    timer based on signals (we parse in a worker thread), and our own size limit applies."""
    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    config.set("DEFAULT", "MAX_FILE_SIZE", str(1 << 40))
    return config


def parse_html(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    page = _XML_DECLARATION.sub("", text_of(data, filename), count=1)
    try:
        tree = lxml_html.document_fromstring(page)
    except (ValueError, TypeError, etree.ParserError):
        tree = None
    if tree is None:
        return ParsedDocument(title="", sections=[], format="html")
    # The page's own heading says what it is about; <title> often adds the site's name.
    head_title = property_title(" ".join(tree.xpath("//head/title//text()")), filename)
    for element in tree.xpath(_NOT_CONTENT):
        element.drop_tree()
    h1 = clean(" ".join(str(part) for part in tree.xpath("(//h1)[1]//text()")))
    markdown = trafilatura.extract(
        copy.deepcopy(tree),
        output_format="markdown",
        include_tables=True,
        include_formatting=True,
        include_links=False,
        include_images=False,
        include_comments=False,
        config=_config(),
    )
    if markdown and markdown.strip():
        sections = markdown_sections(_EMPHASIS.sub(_plain, markdown))
    else:
        sections = [Section(clean(line)) for line in tree.text_content().split("\n") if clean(line)]
    title = h1 or first_heading(sections) or head_title
    return ParsedDocument(title=title, sections=sections, format="html")


def _plain(match: re.Match[str]) -> str:
    return match.group(2) or match.group(3) or ""


def _is_html(data: bytes, filename: str) -> bool:
    text = decode_text(data)
    return text is not None and bool(_HTML_START.match(text[:4096]))


HTML = Parser(
    id="html",
    label="HTML",
    extensions=(".html", ".htm", ".xhtml"),
    sniff=_is_html,
    parse=parse_html,
    text_based=True,
)
