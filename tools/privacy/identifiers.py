"""French identifiers found by pattern and confirmed by their own check digits, so that a number
that merely looks like one is left alone: the NIR (social security number, key 97 - n mod 97,
Corsica's 2A/2B), the IBAN (ISO 7064 mod 97-10), the SIREN and SIRET (Luhn; La Poste's SIRETs
by their digit sum), French phone numbers in their usual forms, and e-mail addresses.

These are the identifier recognisers of the coming pseudonymisation (issue 11): plain functions
over text, no model, no network. Names, addresses and dates of birth need the language pipeline
and are not found here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

IdentifierType = Literal["NIR", "IBAN", "SIRET", "SIREN", "TELEPHONE", "EMAIL"]

_SEP = r"[ .\-]?"
_NIR = re.compile(
    r"(?<![\dA-Za-z])([12])" + _SEP + r"(\d{2})" + _SEP + r"(\d{2})" + _SEP
    + r"(\d{2}|2[AB])" + _SEP + r"(\d{3})" + _SEP + r"(\d{3})" + _SEP + r"(\d{2})"
    + r"(?![\dA-Za-z])",
    re.IGNORECASE,
)  # fmt: skip
_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{1,4}){3,8})(?![A-Za-z0-9])")
_SIRET = re.compile(r"(?<!\d)(\d{3}[ ]?\d{3}[ ]?\d{3}[ ]?\d{5})(?!\d)")
_SIREN = re.compile(r"(?<!\d)(\d{3}[ ]?\d{3}[ ]?\d{3})(?![ ]?\d)")
_PHONE = re.compile(
    r"(?<![\d+])((?:\+33|0033)[ .\-]?(?:\(0\)[ .\-]?)?[1-9]|0[1-9])((?:[ .\-]?\d{2}){4})(?!\d)"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")


@dataclass(frozen=True)
class Identifier:
    type: IdentifierType
    start: int
    end: int


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def luhn_valid(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def siren_valid(text: str) -> bool:
    number = digits(text)
    return len(number) == 9 and luhn_valid(number)


def siret_valid(text: str) -> bool:
    number = digits(text)
    if len(number) != 14:
        return False
    if number.startswith("356000000"):  # La Poste's establishments: the digits' sum
        return sum(int(c) for c in number) % 5 == 0
    return luhn_valid(number)


def nir_valid(text: str) -> bool:
    """13 characters and a key: 97 - (the number mod 97); Corsica writes its department 2A
    (counted as 19) or 2B (18)."""
    compact = re.sub(r"[ .\-]", "", text).upper()
    if len(compact) != 15:
        return False
    body, key = compact[:13], compact[13:]
    body = body.replace("2A", "19", 1) if body[5:7] == "2A" else body
    body = body.replace("2B", "18", 1) if body[5:7] == "2B" else body
    if not (body.isdigit() and key.isdigit()):
        return False
    return 97 - int(body) % 97 == int(key)


def iban_valid(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def find_identifiers(text: str) -> list[Identifier]:
    """Every identifier of the text, in order, none overlapping another (the first found, in
    the order of the checks below, wins)."""
    found: list[Identifier] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, valid in _CHECKS:
        for start, end in _matches(pattern, text, valid):
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            found.append(Identifier(kind, start, end))
    return sorted(found, key=lambda f: f.start)


def _matches(
    pattern: re.Pattern[str], text: str, valid: Callable[[str], bool]
) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        if valid(match.group(0)):
            yield match.start(), match.end()


_CHECKS: list[tuple[IdentifierType, re.Pattern[str], Callable[[str], bool]]] = [
    ("EMAIL", _EMAIL, lambda _: True),
    ("IBAN", _IBAN, iban_valid),
    ("NIR", _NIR, nir_valid),
    ("SIRET", _SIRET, siret_valid),
    ("SIREN", _SIREN, siren_valid),
    ("TELEPHONE", _PHONE, lambda _: True),
]
