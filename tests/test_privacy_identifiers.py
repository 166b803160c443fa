"""French identifiers found in text and confirmed by their check digits (issue 11's own
recognisers): NIR with its key (Corsica too), IBAN, SIREN and SIRET (Luhn, La Poste), phones
in their usual forms, e-mail addresses; numbers that merely look like one are left alone."""

from __future__ import annotations

import random

import pytest

from tools.privacy.identifiers import (
    find_identifiers,
    iban_valid,
    luhn_valid,
    nir_valid,
    siren_valid,
    siret_valid,
)


def nir(body: str) -> str:
    """A NIR with its key, for a 13-character body (2A/2B counted as 19/18)."""
    number = body.replace("2A", "19") if body[5:7] == "2A" else body
    number = number.replace("2B", "18") if body[5:7] == "2B" else number
    return f"{body}{97 - int(number) % 97:02d}"


def iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{country}{check:02d}{bban}"


def luhn_complete(prefix: str) -> str:
    for last in "0123456789":
        if luhn_valid(prefix + last):
            return prefix + last
    raise AssertionError(prefix)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in find_identifiers(text)]


def test_check_digits() -> None:
    assert nir_valid(nir("1840575123456"))
    assert not nir_valid("1840575123456" + "00")
    assert nir_valid(nir("2920B2A123456".replace("0B", "05")))  # Corsica, 2A
    assert iban_valid("FR76 3000 6000 0112 3456 7890 189")
    assert not iban_valid("FR76 3000 6000 0112 3456 7890 188")
    assert siren_valid("732 829 320") and not siren_valid("732 829 321")
    assert siret_valid("732 829 320 00074") and not siret_valid("732 829 320 00075")
    assert siret_valid("35600000049837")  # La Poste: the sum of the digits
    assert not siret_valid("35600000049838")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Appelez le 06 12 34 56 78.", "06 12 34 56 78"),
        ("tel: 06.12.34.56.78", "06.12.34.56.78"),
        ("joignable au 0612345678 demain", "0612345678"),
        ("depuis l'étranger : +33 6 12 34 56 78", "+33 6 12 34 56 78"),
        ("ou +33612345678", "+33612345678"),
        ("ou 0033 1 23 45 67 89", "0033 1 23 45 67 89"),
        ("standard : +33 (0)1 23 45 67 89", "+33 (0)1 23 45 67 89"),
        ("fixe 01-23-45-67-89", "01-23-45-67-89"),
    ],
)
def test_phones_in_their_usual_forms(text: str, expected: str) -> None:
    assert kinds(text) == [("TELEPHONE", expected)]


def test_a_citizens_message_with_every_kind() -> None:
    number = nir("2920575123456")
    parts = (number[0], number[1:3], number[3:5], number[5:7], number[7:10], number[10:13])
    spaced = " ".join((*parts, number[13:]))
    account = iban("FR", "30006000011234567890189")
    text = (
        f"Madame, mon numéro de sécu est {spaced}, mon IBAN {account} et "
        "l'entreprise (SIRET 732 829 320 00074, SIREN 552100554) ne répond pas : "
        "appelez-moi au 06 12 34 56 78 ou écrivez à jeanne.martin@exemple.fr."
    )
    assert kinds(text) == [
        ("NIR", spaced),
        ("IBAN", account),
        ("SIRET", "732 829 320 00074"),
        ("SIREN", "552100554"),
        ("TELEPHONE", "06 12 34 56 78"),
        ("EMAIL", "jeanne.martin@exemple.fr"),
    ]


def test_numbers_that_only_look_like_identifiers_are_left_alone() -> None:
    for text in (
        "Commande 732 829 321 livrée",  # nine digits, wrong Luhn
        "Dossier 1840575123456 00",  # a NIR's shape with a wrong key
        "FR76 3000 6000 0112 3456 7890 188",  # an IBAN with a wrong check
        "Le 12 34 56 78 90 est un code",  # ten digits not starting with 0
        "En 2026, 3 450 personnes",
    ):
        assert find_identifiers(text) == [], text


def test_generated_identifiers_are_all_found() -> None:
    rng = random.Random(20261204)
    for _ in range(300):
        body = f"{rng.choice('12')}{rng.randrange(100):02d}{rng.randrange(1, 13):02d}"
        body += f"{rng.randrange(1, 96):02d}{rng.randrange(1000):03d}{rng.randrange(1000):03d}"
        number = nir(body)
        siren = luhn_complete(f"{rng.randrange(10**8):08d}")
        account = iban("FR", f"{rng.randrange(10**23):023d}")
        text = f"NIR {number} ; SIREN {siren} ; IBAN {account}."
        assert kinds(text) == [("NIR", number), ("SIREN", siren), ("IBAN", account)], text
