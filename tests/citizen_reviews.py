"""Fifty citizens' reviews of public services, the pilot's real work in miniature: each names its
author and holds a phone number and a social security number (NIR, with a valid key), in the
forms people write them. Deterministic: ``reviews()`` always gives the same rows, and
``tests/data/avis-usagers.csv`` is their CSV (``python tests/citizen_reviews.py`` rewrites it;
a test checks they agree). Names and numbers are made up."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from pathlib import Path

FILE = Path(__file__).parent / "data" / "avis-usagers.csv"
FIRST = [
    "Marie",
    "Jean",
    "Fatou",
    "Léa",
    "Karim",
    "Chloé",
    "Mathis",
    "Inès",
    "Yann",
    "Aïcha",
    "Hugo",
    "Camille",
    "Nadia",
    "Théo",
    "Sofia",
    "Louis",
    "Zoé",
    "Mehdi",
    "Anaïs",
    "Paul",
]
LAST = ["Dupont", "Martin", "Diallo", "Lefèvre", "Benali", "Moreau", "Nguyen", "Girard",
        "Le Gall", "Haddad", "Fontaine", "Rousseau", "Traoré", "Lambert", "Da Silva", "Mercier",
        "Garnier", "Chevalier", "Roux", "Perrin"]  # fmt: skip
SERVICES = ["Caisse d'allocations familiales", "Préfecture", "Mairie", "France Travail",
            "Centre des impôts", "Assurance maladie"]  # fmt: skip
OPENINGS = [
    "J'attends depuis trois mois une réponse à mon dossier.",
    "Accueil très aimable, merci à l'agent qui m'a reçu.",
    "Impossible d'obtenir un rendez-vous en ligne depuis deux semaines.",
    "Mon paiement a été suspendu sans explication.",
    "Le formulaire en ligne plante à la dernière étape.",
]


@dataclass(frozen=True)
class Review:
    date: str
    service: str
    message: str
    name: str
    phone: str
    nir: str


def nir(rng: random.Random) -> str:
    body = (
        f"{rng.choice('12')}{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}"
        f"{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    )
    key = 97 - int(body) % 97
    spaced = rng.random() < 0.5
    text = f"{body}{key:02d}"
    if spaced:
        parts = [text[0], text[1:3], text[3:5], text[5:7], text[7:10], text[10:13], text[13:]]
        return " ".join(parts)
    return text


def phone(rng: random.Random) -> str:
    pairs = [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    first = rng.choice("67")
    form = rng.randrange(4)
    if form == 0:
        return f"0{first} " + " ".join(pairs)
    if form == 1:
        return f"0{first}." + ".".join(pairs)
    if form == 2:
        return f"0{first}" + "".join(pairs)
    return f"+33 {first} " + " ".join(pairs)


def reviews(count: int = 50) -> list[Review]:
    rng = random.Random(2026)
    rows = []
    for i in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        number, social = phone(rng), nir(rng)
        message = (
            f"{rng.choice(OPENINGS)} Je suis {name}, joignable au {number}. "
            f"Mon numéro de sécurité sociale : {social}."
        )
        date = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
        rows.append(Review(date, rng.choice(SERVICES), message, name, number, social))
    return rows


def as_csv(rows: list[Review]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "service", "message"])
    for row in rows:
        writer.writerow([row.date, row.service, row.message])
    return out.getvalue()


if __name__ == "__main__":
    FILE.write_text(as_csv(reviews()), "utf-8")
