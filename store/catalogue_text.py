"""Matching what a person types in the catalogue's search box against agents' names,
descriptions and categories, the way a French reader would: case, accents and ligatures do
not matter, nor plurals ("congés" finds "Congé", "journaux" finds "journal"), and a word being
typed finds the words it begins ("compta" finds "Comptabilité").

Deliberately small: a few suffix rules, the same on both sides, rather than a stemmer that
would have to be installed and would still not know our words. "rédaction" does not find
"rédiger".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from store.knowledge.folding import fold

_WORD = re.compile(r"[a-z0-9]+")
SHORTEST_STEM = 3


def stem(word: str) -> str:
    """A folded word without its plural and its final mute ``e``: "journaux" -> "journal",
    "reseaux" -> "reseau", "reponses" -> "repons", "conges" -> "cong"."""
    if word.endswith("eaux"):  # "reseaux" -> "reseau", not "reseal"
        word = word[:-1]
    elif len(word) > 4 and word.endswith("aux"):
        word = word[:-3] + "al"
    elif len(word) > SHORTEST_STEM and word[-1] in "sx":
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def terms(text: str) -> tuple[str, ...]:
    """The stems of the words of ``text``, in order, each once."""
    return tuple(dict.fromkeys(stem(w) for w in _WORD.findall(fold(text))))


def matches(wanted: Iterable[str], found: Iterable[str]) -> bool:
    """Every wanted stem begins one of the found ones."""
    have = tuple(found)
    return all(any(term.startswith(want) for term in have) for want in wanted)
