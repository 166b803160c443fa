"""Comparing French words the way a reader does: case, accents and ligatures do not matter.

A leaf (standard library only): the BM25 analysis, the test embedder and the access layer's
matching of a base's name ("procedures-rh" for "Procédures RH") all use it, and the access layer
must not import numpy to do so.
"""

from __future__ import annotations

import re
import unicodedata

LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'"})
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower-case, expand ligatures and strip accents: "Œuvre Été" -> "oeuvre ete"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(LIGATURES))
    return _COMBINING.sub("", decomposed)
