"""A detector for tests: the names it is given, plus identifiers (``IdentifierDetector``)."""

from __future__ import annotations

import re

from tools.privacy.pseudonyms import Entity, IdentifierDetector

NAME = "Marie Dupont"
PHONE = "06 12 34 56 78"
NIR = "2 84 05 75 112 233 43"  # its key checked: 97 - (2840575112233 % 97)


class NamesDetector:
    """Finds the names it knows (any case) and French identifiers: enough to test the plumbing
    without loading a language pipeline."""

    def __init__(self, *names: str) -> None:
        self.names = names or (NAME, "Jean Martin")
        self.calls = 0

    def find(self, text: str) -> list[Entity]:
        self.calls += 1
        found = IdentifierDetector().find(text)
        for name in self.names:
            for match in re.finditer(re.escape(name), text, re.IGNORECASE):
                found.append(Entity("PERSONNE", match.start(), match.end()))
        return found
