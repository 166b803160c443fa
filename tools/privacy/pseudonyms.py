"""Stable placeholders for the personal data of one conversation.

``Pseudonyms.hide`` replaces each piece of personal data a ``Detector`` finds with a placeholder
naming its kind and its order of appearance (``<PERSONNE_1>``, ``<IBAN_1>``); the same value
always gets the same placeholder in a conversation, whatever its spelling ("Marie Dupont",
"marie  dupont"; "06 12 34 56 78", "0612345678"), so the model can follow who is who.
``reveal`` puts the values back in what the person sees, except inside a web address: a
placeholder the model wrote into a link or an image address stays a placeholder, so that
restoring it cannot build an address that carries the data out.

The mapping is data (``to_data``/``from_data``): the caller keeps it encrypted beside the
conversation and erases it with it. Detection is behind the ``Detector`` protocol: the French
pipeline (Presidio, spaCy and our own recognisers) in ``tools.privacy.french``, or
``IdentifierDetector`` (identifiers only, no language model) where a pipeline is not wanted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from tools.privacy.identifiers import find_identifiers

ENTITY_TYPES: Final = (
    "PERSONNE",
    "NIR",
    "IBAN",
    "SIRET",
    "SIREN",
    "TELEPHONE",
    "EMAIL",
    "ADRESSE",
    "DATE_NAISSANCE",
)
"""The kinds of personal data Atelier hides, as they appear in placeholders."""

PLACEHOLDER: Final = re.compile(r"<(" + "|".join(ENTITY_TYPES) + r")_(\d{1,6})>")
_NUMBERS: Final = frozenset({"NIR", "IBAN", "SIRET", "SIREN", "TELEPHONE"})
# Where a revealed value could leave: a web address, a Markdown link or image target.
_ADDRESS: Final = re.compile(
    r"(?:https?|ftp|mailto|data|javascript):[^\s)\]<>\"']*(?:<[A-Z_]+_\d+>[^\s)\]<>\"']*)*"
    r"|www\.[^\s)\]<>\"']*(?:<[A-Z_]+_\d+>[^\s)\]<>\"']*)*"
    r"|\]\([^)]*\)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Entity:
    """A piece of personal data found in a text: its kind and where it is."""

    type: str
    start: int
    end: int


class Detector(Protocol):
    def find(self, text: str) -> list[Entity]:
        """The personal data in ``text``, in any order; overlaps are allowed (the longest
        wins when hiding)."""
        ...


class IdentifierDetector:
    """Identifiers confirmed by their check digits, phones and e-mails: no names, no model."""

    def find(self, text: str) -> list[Entity]:
        kinds = {"TELEPHONE": "TELEPHONE"}
        return [Entity(kinds.get(i.type, i.type), i.start, i.end) for i in find_identifiers(text)]


def key_of(kind: str, value: str) -> str:
    """What makes two spellings of one value the same value."""
    if kind in _NUMBERS:
        number = re.sub(r"[^0-9A-Za-z]", "", value).upper()
        if kind == "TELEPHONE":
            number = re.sub(r"^(?:0033|33)", "0", number)
        return f"{kind}:{number}"
    folded = unicodedata.normalize("NFC", value).casefold()
    return f"{kind}:{' '.join(folded.split())}"


def non_overlapping(entities: Iterable[Entity]) -> list[Entity]:
    """Entities sorted by position, an overlapped one dropped in favour of the longer."""
    chosen: list[Entity] = []
    for entity in sorted(entities, key=lambda e: (-(e.end - e.start), e.start)):
        if entity.end <= entity.start:
            continue
        if all(entity.end <= c.start or entity.start >= c.end for c in chosen):
            chosen.append(entity)
    return sorted(chosen, key=lambda e: e.start)


class Pseudonyms:
    """The placeholders of one conversation and the values they stand for."""

    def __init__(self, detector: Detector, values: dict[str, str] | None = None) -> None:
        self.detector = detector
        self._values: dict[str, str] = dict(values or {})  # placeholder -> original value
        self._keys: dict[str, str] = {key_of(_kind(p), v): p for p, v in self._values.items()}

    def __len__(self) -> int:
        return len(self._values)

    def found(self, text: str) -> list[Entity]:
        """The personal data in ``text``, without overlaps, placeholders left out."""
        taken = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
        return [
            e
            for e in non_overlapping(self.detector.find(text))
            if not any(e.start < end and e.end > start for start, end in taken)
        ]

    def hide(self, text: str) -> str:
        """``text`` with every piece of personal data replaced by its placeholder."""
        out: list[str] = []
        position = 0
        for entity in self.found(text):
            out.append(text[position : entity.start])
            out.append(self.placeholder(entity.type, text[entity.start : entity.end]))
            position = entity.end
        out.append(text[position:])
        return "".join(out)

    def placeholder(self, kind: str, value: str) -> str:
        key = key_of(kind, value)
        known = self._keys.get(key)
        if known is not None:
            return known
        count = sum(1 for p in self._values if _kind(p) == kind) + 1
        made = f"<{kind}_{count}>"
        self._values[made] = value
        self._keys[key] = made
        return made

    def reveal(self, text: str) -> str:
        """``text`` with the placeholders of this conversation put back, except inside web
        addresses and link targets, where they stay placeholders."""
        if not self._values or "<" not in text:
            return text
        out: list[str] = []
        position = 0
        for match in _ADDRESS.finditer(text):
            out.append(self._put_back(text[position : match.start()]))
            out.append(match.group(0))
            position = match.end()
        out.append(self._put_back(text[position:]))
        return "".join(out)

    def _put_back(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: self._values.get(m.group(0), m.group(0)), text)

    def reveal_data(self, value: Any) -> Any:
        """``reveal`` through the strings of plain data (a tool call's arguments)."""
        if isinstance(value, str):
            return self.reveal(value)
        if isinstance(value, dict):
            return {k: self.reveal_data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.reveal_data(v) for v in value]
        return value

    def to_data(self) -> dict[str, str]:
        return dict(self._values)

    @classmethod
    def from_data(cls, detector: Detector, data: Any) -> Pseudonyms:
        values = data if isinstance(data, dict) else {}
        kept = {
            str(p): str(v)
            for p, v in values.items()
            if isinstance(p, str) and PLACEHOLDER.fullmatch(p) and isinstance(v, str)
        }
        return cls(detector, kept)


def _kind(placeholder: str) -> str:
    match = PLACEHOLDER.fullmatch(placeholder)
    return match.group(1) if match else ""
