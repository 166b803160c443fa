"""Untrusted text as plain text that carries no live link or image: what Atelier writes where
Markdown is not drawn by a page of its own (the CLI's answers, a batch's exported replies, the
export of a person's data), and where someone else's program may draw it later (an e-mail
client, a spreadsheet, a Markdown viewer).

``safe_text`` parses the text as ``agents.inert_text`` does and writes its words back as plain
text: emphasis marks go, lists and quotes keep their marks, code its characters. A link or an
image keeps its address only when it is ``http(s)`` to a host the policy permits (the
administrator's allowlist); any other address, bare ones and those inside HTML included, is
replaced by a short note naming its host (``[lien retiré : collector.example]``), so that
nothing can fetch it nor carry data out through it. E-mail addresses stay: nothing fetches one.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from agents.i18n import t
from agents.inert_text import (
    HostPolicy,
    NoHosts,
    _Node,
    _parser,
    _tree,
    address_host,
    safe_address,
)

# A web address written out (with a scheme, or starting "www."); e-mail addresses are not.
_WEB_ADDRESS = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*:(?://|(?=[^\s]))|www\.)[^\s<>\"'«»]*[^\s<>\"'«».,;:!?)\]]"
)
_FETCHED = ("http", "https", "ftp", "data", "javascript", "file", "www")


def safe_text(text: str, hosts: HostPolicy | None = None) -> str:
    """``text`` as plain text with every link and image to a host ``hosts`` does not permit
    replaced by a note (no policy: none is permitted)."""
    writer = _PlainWriter(hosts or NoHosts())
    blocks = writer.blocks(_tree(_parser().parse(text or "")))
    joined = "\n\n".join(b for b in blocks if b.strip())
    return "\n".join(line.rstrip() for line in joined.split("\n"))


def removed(kind: str, url: str) -> str:
    """The note standing for an address taken out: ``[lien retiré : collector.example]``."""
    return t(f"safe_text.{kind}_removed", host=address_host(url) or "?")


class _PlainWriter:
    def __init__(self, policy: HostPolicy) -> None:
        self.policy = policy

    def blocks(self, nodes: list[_Node]) -> list[str]:
        return [self.block(node) for node in nodes]

    def block(self, node: _Node) -> str:
        token = node.token
        kind = token.type
        if kind in ("paragraph_open", "heading_open"):
            return self.inline_of(node)
        if kind == "blockquote_open":
            inner = "\n\n".join(self.blocks(node.children))
            return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(node)
        if kind in ("fence", "code_block"):
            return self.words(token.content.rstrip("\n"))
        if kind == "hr":
            return "---"
        if kind == "html_block":
            return self.words(token.content.rstrip("\n"))
        if kind == "table_open":
            return self.table(node)
        if kind == "inline":
            return self.inline(node.token.children or [])
        return self.words(token.content)

    def inline_of(self, node: _Node) -> str:
        return "".join(self.block(child) for child in node.children)

    def list_block(self, node: _Node) -> str:
        ordered = node.token.type == "ordered_list_open"
        number = int(node.token.attrGet("start") or 1) if ordered else 0
        items = []
        for item in node.children:
            marker = f"{number}. " if ordered else "- "
            number += 1
            body = "\n".join(self.block(child) for child in item.children)
            lines = body.split("\n")
            items.append(
                "\n".join([marker + lines[0], *(" " * len(marker) + x for x in lines[1:])])
            )
        return "\n".join(items)

    def table(self, node: _Node) -> str:
        rows = []
        for section in node.children:
            for row in section.children:
                rows.append(
                    " | ".join(self.inline_of(cell).replace("\n", " ") for cell in row.children)
                )
        return "\n".join(rows)

    def inline(self, items: list[Token]) -> str:
        out: list[str] = []
        index = 0
        while index < len(items):
            token = items[index]
            if token.type == "link_open":
                depth, end = 1, index + 1
                while end < len(items) and depth:
                    depth += {"link_open": 1, "link_close": -1}.get(items[end].type, 0)
                    end += 1
                href = str(token.attrGet("href") or "")
                if token.markup in ("autolink", "linkify"):  # <https://…>: the address alone
                    out.append(
                        self.words(href) if not href.lower().startswith("mailto:") else href[7:]
                    )
                else:
                    out.append(self.link(href, items[index + 1 : end - 1]))
                index = end
                continue
            out.append(self.inline_token(token))
            index += 1
        return "".join(out)

    def inline_token(self, token: Token) -> str:
        kind = token.type
        if kind in ("softbreak", "hardbreak"):
            return "\n"
        if kind in ("em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close"):
            return ""
        if kind == "image":
            src = str(token.attrGet("src") or "")
            alt = self.inline(list(token.children or []))
            address = safe_address(src, self.policy)
            if address is not None:
                return f"{alt} ({address})" if alt.strip() else address
            note = removed("image", src)
            return f"{alt} {note}" if alt.strip() else note
        return self.words(token.content)

    def link(self, href: str, inner: list[Token]) -> str:
        label = self.inline(inner)
        address = safe_address(href, self.policy)
        if address is not None:
            return label if label.strip() in (href, address) else f"{label} ({address})"
        if href.lower().startswith("mailto:"):  # nothing fetches it: the address, as text
            mail = href[len("mailto:") :]
            return mail if label.strip() in ("", mail) else f"{label} ({mail})"
        note = removed("link", href)
        shown = label.strip()
        return note if not shown or shown == href else f"{label} {note}"

    def words(self, text: str) -> str:
        """Text as it is, each address written out in it kept only if permitted."""
        return _WEB_ADDRESS.sub(self._address, text)

    def _address(self, match: re.Match[str]) -> str:
        url = match.group(0)
        scheme = url.split(":", 1)[0].lower() if ":" in url else "www"
        if url.lower().startswith("www."):
            scheme = "www"
        if scheme not in _FETCHED:
            return url  # "mailto:", "tel:", a time "12:30" misread: nothing fetches them
        full = "https://" + url if scheme == "www" else url
        if safe_address(full, self.policy) is not None:
            return url
        return removed("link", full)
