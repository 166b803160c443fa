"""``create_document``: the agent's output as a Word (DOCX) or Markdown file the person
downloads; this is how an HR agent hands over a job ad.

The model writes Markdown (headings, paragraphs, lists, bold and italic, simple tables); for DOCX
it is read here into a few kinds of blocks and written with python-docx, with Word's own styles
(real headings and lists, so that a screen reader and the document map follow the structure).
Nothing in the text is executed or fetched: in Word a link is written as its text and address,
an image as its description, HTML as the characters it is made of; an address to a host outside
the administrator's allowlist (``context.link_hosts``) is not written at all, only a note naming
its host (an answer steered by a document could carry data out in one). A Markdown file is
written inert (``agents.inert_text``): links and images live only to permitted hosts.

The file goes to the person's own files through ``context.files`` (``store.files`` behind it):
the tool never opens a store, and without that sink it says so.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.errors import UserError
from agents.i18n import t
from agents.inert_text import HostPolicy, NoHosts, inert_markdown, literal, safe_address
from agents.safe_text import removed
from tools.registry import ToolContext, ToolDefinition

TOOL_ID = "create_document"
MODEL_DESCRIPTION = (
    "Crée un document à télécharger, au format Word (docx, par défaut) ou Markdown, à partir "
    "d'un titre et d'un contenu écrit en Markdown : titres (#, ##), paragraphes, listes à puces "
    "(-) ou numérotées (1.), **gras**, *italique*, tableaux simples (| a | b |). Utilisez-le "
    "quand la personne demande un fichier ou un document à remettre (une offre d'emploi, un "
    "compte rendu). La personne le télécharge depuis la conversation : ne donnez pas de lien."
)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MARKDOWN_TYPE = "text/markdown"
MAX_CONTENT_CHARS = 200_000
MAX_TABLE_COLUMNS = 20
AUTHOR = "Atelier"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class DocumentArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(
        min_length=1, max_length=200, description="Titre du document, repris dans son nom."
    )
    content: str = Field(
        min_length=1,
        max_length=MAX_CONTENT_CHARS,
        description="Le contenu, en Markdown (titres, paragraphes, listes, gras, tableaux).",
    )
    format: Literal["docx", "markdown"] = Field(
        default="docx", description="docx (Word, par défaut) ou markdown."
    )


class DocumentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str = Field(
        default="fr-FR",
        pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$",
        description="Langue déclarée des documents Word (lecteurs d'écran, correcteur).",
    )


def run(args: DocumentArgs, config: DocumentConfig, context: ToolContext) -> dict[str, Any]:
    if context.files is None:
        raise UserError("tool.create_document.no_files")
    title = " ".join(_xml_safe(args.title).split()) or "document"
    hosts = context.link_hosts or NoHosts()
    if args.format == "docx":
        data = markdown_to_docx(title, args.content, config.language, hosts)
        saved = context.files.save(f"{title}.docx", data, DOCX_TYPE)
    else:
        data = markdown_file(title, args.content, hosts)
        saved = context.files.save(f"{title}.md", data, MARKDOWN_TYPE)
    return {**saved, "download": t("tool.create_document.ready", filename=saved["filename"])}


DEFINITION = ToolDefinition(
    id=TOOL_ID,
    title=t("tool.create_document.title", "fr"),
    description=MODEL_DESCRIPTION,
    args_model=DocumentArgs,
    config_model=DocumentConfig,
    run=run,  # not consequential: it writes only into the person's own files
    timeout_s=30.0,
    uses_context=True,
    tags=("files",),
    effects=("writes_files",),
)


def markdown_file(title: str, content: str, hosts: HostPolicy | None = None) -> bytes:
    """The content as a Markdown file, inert (links and images only to ``hosts``), under its
    title unless it already starts with one."""
    text = inert_markdown(_newlines(content).strip("\n"), hosts or NoHosts()).markdown
    if not re.match(r"^#\s", text):
        text = f"# {literal(title)}\n\n{text}"
    return (text + "\n").encode("utf-8")


# --- Markdown, read into blocks ------------------------------------------------------------------


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class ListItem:
    ordered: bool
    depth: int
    text: str
    number: int = 1


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Quote:
    text: str


@dataclass
class Code:
    text: str


Block = Heading | Paragraph | ListItem | Table | Quote | Code

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|(\d{1,9})[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def parse_markdown(text: str) -> list[Block]:
    """The blocks of a Markdown text, in order (what Word needs of it; the rest is text)."""
    lines = _newlines(text).split("\n")
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Paragraph(_join(paragraph)))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush()
            mark, body = fence.group(1), []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(mark):
                body.append(lines[i])
                i += 1
            blocks.append(Code("\n".join(body)))
        elif not line.strip():
            flush()
        elif paragraph and _SETEXT.match(line):
            level = 1 if line.strip().startswith("=") else 2
            blocks.append(Heading(level, _join(paragraph)))
            paragraph.clear()
        elif _RULE.match(line):
            flush()
        elif heading := _HEADING.match(line):
            flush()
            blocks.append(Heading(len(heading.group(1)), (heading.group(2) or "").strip()))
        elif "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            flush()
            table = Table(_cells(line))
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                table.rows.append(_cells(lines[i]))
                i += 1
            blocks.append(table)
            continue
        elif item := _ITEM.match(line):
            flush()
            depth = min(len(item.group(1).expandtabs(4)) // 2, 2)
            number = int(item.group(3)) if item.group(3) else 1
            blocks.append(ListItem(item.group(3) is not None, depth, item.group(4).strip(), number))
        elif quote := _QUOTE.match(line):
            flush()
            quoted = [quote.group(1)]
            while i + 1 < len(lines) and (following := _QUOTE.match(lines[i + 1])):
                quoted.append(following.group(1))
                i += 1
            blocks.append(Quote(_join(quoted)))
        elif blocks and isinstance(blocks[-1], ListItem) and not paragraph and line[:1].isspace():
            blocks[-1].text += " " + line.strip()  # an item continued on the next line
        else:
            paragraph.append(line)
        i += 1
    flush()
    return blocks


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _join(lines: list[str]) -> str:
    """Lines of one paragraph: joined by a space, or a line break after two spaces or ``\\``."""
    out = ""
    for line in lines:
        hard = line.endswith("  ") or line.endswith("\\")
        piece = line.strip().removesuffix("\\").rstrip()
        out += piece + ("\n" if hard else " ")
    return out.strip()


def _cells(line: str) -> list[str]:
    row = line.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)]


# --- inline text: bold, italic, code, links ------------------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False


_INLINE = re.compile(
    r"""
    \\(?P<escaped>[\\`*_{}\[\]()#+\-.!|~>])
  | (?P<ticks>`+)(?P<code>.+?)(?P=ticks)
  | \*\*(?P<bold>.+?)\*\*(?!\*)
  | (?<!\w)__(?P<bold2>.+?)__(?!\w)
  | ~~(?P<strike>.+?)~~
  | \*(?P<italic>[^*\s](?:.*?[^*\s])?)\*
  | (?<!\w)_(?P<italic2>[^_\s](?:.*?[^_\s])?)_(?!\w)
  | (?P<image>!)?\[(?P<label>[^\]]*)\]\((?P<url>[^)\s]*)(?:\s+"[^"]*")?\)
  | <(?P<auto>https?://[^>\s]+)>
    """,
    re.VERBOSE | re.DOTALL,
)


def inline_runs(text: str, base: Run | None = None, hosts: HostPolicy | None = None) -> list[Run]:
    """``text`` cut into runs of one formatting each; the marks themselves are dropped. An
    address to a host ``hosts`` does not permit is replaced by a note naming its host."""
    base = base or Run("")
    policy = hosts or NoHosts()
    runs: list[Run] = []
    position = 0

    def plain(piece: str) -> None:
        if piece:
            runs.append(_styled(base, piece))

    for match in _INLINE.finditer(text):
        plain(text[position : match.start()])
        position = match.end()
        groups = match.groupdict()
        if groups["escaped"] is not None:
            plain(groups["escaped"])
        elif groups["code"] is not None:
            runs.append(Run(groups["code"].strip(), base.bold, base.italic, True, base.strike))
        elif groups["bold"] is not None or groups["bold2"] is not None:
            inner = groups["bold"] if groups["bold"] is not None else groups["bold2"]
            runs += inline_runs(inner, _with(base, bold=True), policy)
        elif groups["strike"] is not None:
            runs += inline_runs(groups["strike"], _with(base, strike=True), policy)
        elif groups["italic"] is not None or groups["italic2"] is not None:
            inner = groups["italic"] if groups["italic"] is not None else groups["italic2"]
            runs += inline_runs(inner, _with(base, italic=True), policy)
        elif groups["auto"] is not None:
            plain(_shown_address(groups["auto"], policy))
        elif groups["url"] is not None:
            label, url = groups["label"].strip(), groups["url"].strip()
            if groups["image"]:  # never fetched: its description stands for it
                plain(label)
                if url and safe_address(url, policy) is None:
                    plain(f" {removed('image', url)}" if label else removed("image", url))
            else:
                runs += inline_runs(label, base, policy) if label else []
                if url and url != label:
                    shown = _shown_address(url, policy)
                    plain(shown if not label else f" ({shown})" if shown == url else f" {shown}")
    plain(text[position:])
    return runs


def _shown_address(url: str, policy: HostPolicy) -> str:
    """An address as written in the document: itself when its host is permitted, else a note
    naming the host (``mailto:`` addresses are written as they are)."""
    if url.lower().startswith("mailto:") or safe_address(url, policy) is not None:
        return url
    return removed("link", url)


def _styled(base: Run, text: str) -> Run:
    return Run(text, base.bold, base.italic, base.code, base.strike)


def _with(base: Run, **flags: bool) -> Run:
    values = {"bold": base.bold, "italic": base.italic, "code": base.code, "strike": base.strike}
    values.update(flags)
    return Run("", **values)


# --- DOCX ----------------------------------------------------------------------------------------


def markdown_to_docx(
    title: str, content: str, language: str = "fr-FR", hosts: HostPolicy | None = None
) -> bytes:
    """A Word document: ``title`` as its title, then the blocks of ``content``; addresses only
    to ``hosts`` (the others: a note naming the host)."""
    import docx  # python-docx: imported on use, like the parsers of the knowledge store

    document = docx.Document()
    _set_properties(document, title, language)
    document.add_heading(_xml_safe(title), level=0)
    blocks = parse_markdown(_xml_safe(content))
    first = blocks[0] if blocks else None
    if isinstance(first, Heading) and first.level == 1 and _same(first.text, title):
        blocks = blocks[1:]  # the title, written again by the model
    for block in blocks:
        _write_block(document, block, hosts or NoHosts())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _write_block(document: Any, block: Block, hosts: HostPolicy) -> None:
    if isinstance(block, Heading):
        paragraph = document.add_paragraph(style=f"Heading {min(block.level, 9)}")
        _add_runs(paragraph, inline_runs(block.text, hosts=hosts))
    elif isinstance(block, Paragraph):
        _add_runs(document.add_paragraph(), inline_runs(block.text, hosts=hosts))
    elif isinstance(block, ListItem):
        suffix = "" if block.depth == 0 else f" {block.depth + 1}"
        if block.ordered:  # written out: Word's own numbering would run on from list to list
            paragraph = document.add_paragraph(style=f"List{suffix}")
            paragraph.add_run(f"{block.number}. ")
        else:
            paragraph = document.add_paragraph(style=f"List Bullet{suffix}")
        _add_runs(paragraph, inline_runs(block.text, hosts=hosts))
    elif isinstance(block, Quote):
        _add_runs(document.add_paragraph(style="Quote"), inline_runs(block.text, hosts=hosts))
    elif isinstance(block, Code):
        paragraph = document.add_paragraph(style="No Spacing")
        _add_runs(paragraph, [Run(block.text, code=True)])
    elif isinstance(block, Table):
        _write_table(document, block, hosts)


def _write_table(document: Any, block: Table, hosts: HostPolicy) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    columns = max(1, min(len(block.header), MAX_TABLE_COLUMNS))
    table = document.add_table(rows=1 + len(block.rows), cols=columns)
    table.style = "Table Grid"
    for r, cells in enumerate([block.header, *block.rows]):
        row = table.rows[r]
        for c in range(columns):
            text = cells[c] if c < len(cells) else ""
            paragraph = row.cells[c].paragraphs[0]
            runs = inline_runs(text, hosts=hosts)
            if r == 0:
                runs = [Run(x.text, True, x.italic, x.code, x.strike) for x in runs]
            _add_runs(paragraph, runs)
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # a header row: repeated on each page, read as such
    repeat.set(qn("w:val"), "true")
    header.append(repeat)


def _add_runs(paragraph: Any, runs: list[Run]) -> None:
    for item in runs:
        pieces = item.text.split("\n")
        for index, piece in enumerate(pieces):
            run = paragraph.add_run(piece)
            run.bold = item.bold or None
            run.italic = item.italic or None
            if item.strike:
                run.font.strike = True
            if item.code:
                run.font.name = "Courier New"
            if index < len(pieces) - 1:
                run.add_break()


def _set_properties(document: Any, title: str, language: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = document.core_properties
    properties.title = _xml_safe(title)[:255]
    properties.author = AUTHOR
    properties.last_modified_by = AUTHOR
    properties.comments = ""
    properties.language = language
    style = document.styles["Normal"].element
    rpr = style.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)


def _xml_safe(text: str) -> str:
    """Characters XML cannot hold (control characters, lone surrogates) are dropped."""
    return _NOT_XML.sub("", text)


def _same(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join("".join(r.text for r in inline_runs(s)).split()).casefold()

    return norm(a) == norm(b)
