"""A generated French set for measuring the detection of personal data: short messages such as
citizens write to a public service, each with the spans of its personal data (the gold).

Formats vary as people write them: numbers spaced or not, with dots or hyphens, +33 or 0033;
names in capitals or lower case, hyphenated, with apostrophes and particles; addresses with or
without a postcode; dates of birth in figures or words. Negatives are there too: sentences
without personal data, and numbers that look like identifiers but fail their check digits.
Seeded: the same set every run. Names, numbers and places are made up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

FIRST = ["Marie", "Jean", "Fatou", "Léa", "Karim", "Chloé", "Mathis", "Inès", "Yann", "Aïcha",
         "Hugo", "Camille", "Nadia", "Théo", "Sofia", "Louis", "Zoé", "Mehdi", "Anaïs", "Paul",
         "Jean-Pierre", "Marie-Claire", "Océane", "Noël", "Hélène", "Grégoire"]  # fmt: skip
LAST = ["Dupont", "Martin", "Diallo", "Lefèvre", "Benali", "Moreau", "Nguyen", "Girard",
        "Le Gall", "Haddad", "Fontaine", "Rousseau", "Traoré", "Lambert", "Da Silva", "Mercier",
        "N'Diaye", "d'Artagnan", "de La Fontaine", "Saint-Martin", "Dubois-Legrand", "Kowalski",
        "de Villiers", "Le Roux", "O'Neill", "Ben Salah"]  # fmt: skip
STREETS = ["rue de la Paix", "avenue Jean-Jaurès", "boulevard Voltaire", "allée des Tilleuls",
           "chemin du Moulin", "impasse des Lilas", "place de la République",
           "quai de la Loire"]  # fmt: skip
CITIES = [("75011", "Paris"), ("69007", "Lyon"), ("13001", "Marseille"), ("31000", "Toulouse"),
          ("35000", "Rennes"), ("59000", "Lille")]  # fmt: skip
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]  # fmt: skip
NEUTRAL = [
    "Le délai de traitement était de trois semaines, c'est trop long.",
    "Merci pour votre accueil au guichet ce matin.",
    "La CAF de Lyon n'a pas répondu à mon courrier.",
    "Le site plante à la dernière étape du formulaire.",
    "Votre référence de dossier est le 2024-118, merci de la rappeler.",
    "Les horaires d'ouverture ne sont pas affichés à l'entrée.",
]


@dataclass
class Sample:
    text: str = ""
    gold: list[tuple[str, int, int]] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.text += text

    def put(self, kind: str, value: str) -> None:
        start = len(self.text)
        self.text += value
        self.gold.append((kind, start, len(self.text)))


def luhn_digit(body: str) -> str:
    total = 0
    for position, char in enumerate(reversed(body + "0")):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def nir(rng: random.Random) -> str:
    dept = rng.choice(["75", "69", "13", "2A", "2B", "59", "33", "97"])
    body = (
        f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{dept}"
        f"{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    )
    number = int(body.replace("2A", "19").replace("2B", "18"))
    key = f"{97 - number % 97:02d}"
    full = body + key
    form = rng.randrange(3)
    if form == 0:
        return full
    parts = [full[0], full[1:3], full[3:5], full[5:7], full[7:10], full[10:13], full[13:]]
    return (" " if form == 1 else ".").join(parts)


def iban(rng: random.Random) -> str:
    bban = "".join(str(rng.randint(0, 9)) for _ in range(23))
    moved = bban + "152700"  # "FR00" moved to the end, letters as numbers
    check = 98 - int(moved) % 97
    compact = f"FR{check:02d}{bban}"
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def siren(rng: random.Random) -> str:
    body = "".join(str(rng.randint(0, 9)) for _ in range(8))
    return body + luhn_digit(body)


def siret(rng: random.Random) -> str:
    body = siren(rng) + "".join(str(rng.randint(0, 9)) for _ in range(4))
    return body + luhn_digit(body)


def spaced(number: str, groups: tuple[int, ...], rng: random.Random) -> str:
    if rng.random() < 0.5:
        return number
    out, position = [], 0
    for size in groups:
        out.append(number[position : position + size])
        position += size
    return " ".join(out)


def phone(rng: random.Random) -> str:
    pairs = [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    first = rng.choice("1234567")
    return rng.choice(
        [
            f"0{first} " + " ".join(pairs),
            f"0{first}." + ".".join(pairs),
            f"0{first}" + "".join(pairs),
            f"0{first}-" + "-".join(pairs),
            f"+33 {first} " + " ".join(pairs),
            f"+33{first}" + "".join(pairs),
            f"+33 (0){first} " + " ".join(pairs),
            f"0033 {first} " + " ".join(pairs),
        ]
    )


def person(rng: random.Random) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    roll = rng.random()
    if roll < 0.2:
        return name.lower()
    if roll < 0.3:
        first, last = name.split(" ", 1)
        return f"{first} {last.upper()}"
    return name


def email(rng: random.Random) -> str:
    first = rng.choice(FIRST).lower().replace("é", "e").replace("ï", "i").replace("è", "e")
    last = rng.choice(LAST).lower().replace(" ", "").replace("'", "")
    last = last.replace("è", "e").replace("é", "e")
    domain = rng.choice(["exemple.fr", "courriel.example", "mairie-exemple.fr", "gmail.com"])
    return f"{first}{rng.choice(['.', '_', '-', ''])}{last}@{domain}"


def address(rng: random.Random) -> str:
    number = f"{rng.randint(1, 180)}{rng.choice(['', '', ' bis', ' ter'])}"
    postcode, city = rng.choice(CITIES)
    tail = rng.choice([f", {postcode} {city}", f" {postcode} {city}", ""])
    return f"{number} {rng.choice(STREETS)}{tail}"


def birth(rng: random.Random) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1940, 2005)
    return rng.choice(
        [
            f"{day:02d}/{month:02d}/{year}",
            f"{day:02d}.{month:02d}.{year}",
            f"{day} {MONTHS[month - 1]} {year}",
            f"{year}-{month:02d}-{day:02d}",
        ]
    )


def sample(rng: random.Random) -> Sample:
    s = Sample()
    s.say(rng.choice(NEUTRAL) + " ")
    for kind in rng.sample(
        ["PERSONNE", "TELEPHONE", "NIR", "IBAN", "SIRET", "SIREN", "EMAIL", "ADRESSE", "DATE"],
        k=rng.randint(1, 3),
    ):
        if kind == "PERSONNE":
            s.say(rng.choice(["Je suis ", "Signé : ", "Mme ", "M. ", "De la part de ", ""]))
            s.put("PERSONNE", person(rng))
            s.say(". ")
        elif kind == "TELEPHONE":
            s.say(rng.choice(["Rappelez-moi au ", "Tél : ", "mon portable ", "joignable au "]))
            s.put("TELEPHONE", phone(rng))
            s.say(". ")
        elif kind == "NIR":
            s.say(rng.choice(["Mon numéro de sécurité sociale : ", "NIR ", "n° SS "]))
            s.put("NIR", nir(rng))
            s.say(". ")
        elif kind == "IBAN":
            s.say(rng.choice(["Mon IBAN : ", "Virement sur ", "RIB "]))
            s.put("IBAN", iban(rng))
            s.say(". ")
        elif kind == "SIRET":
            s.say(rng.choice(["SIRET de mon entreprise : ", "Siret "]))
            s.put("SIRET", spaced(siret(rng), (3, 3, 3, 5), rng))
            s.say(". ")
        elif kind == "SIREN":
            s.say(rng.choice(["SIREN ", "Notre numéro SIREN est le "]))
            s.put("SIREN", spaced(siren(rng), (3, 3, 3), rng))
            s.say(". ")
        elif kind == "EMAIL":
            s.say(rng.choice(["Écrivez-moi à ", "Mon courriel : ", "contact : "]))
            s.put("EMAIL", email(rng))
            s.say(". ")
        elif kind == "ADRESSE":
            s.say(rng.choice(["J'habite au ", "Adresse : ", "Envoyez le courrier au "]))
            s.put("ADRESSE", address(rng))
            s.say(". ")
        else:
            s.say(rng.choice(["Né le ", "née le ", "Date de naissance : ", "DDN "]))
            s.put("DATE_NAISSANCE", birth(rng))
            s.say(". ")
    if rng.random() < 0.3:  # a number that looks like an identifier and is not one
        s.say(f"Ancien dossier 1 85 06 75 {rng.randint(100, 999)} 123 00, refusé.")
    return s


def generated_set(count: int = 400, seed: int = 2026) -> list[Sample]:
    rng = random.Random(seed)
    return [sample(rng) for _ in range(count)]
