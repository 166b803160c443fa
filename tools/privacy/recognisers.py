"""Our own recognisers of French personal data, beside the language pipeline's names: the
identifiers confirmed by their check digits (``identifiers``), postal addresses, dates of birth,
and names introduced the way people introduce them ("Je suis Léa Fontaine", "Mme N'Diaye").

Each is a plain function, text -> spans, so that it can be tested and measured alone; the
French detector (``tools.privacy.french``) wraps them as Presidio recognisers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from tools.privacy.identifiers import find_identifiers

Span = tuple[str, int, int]  # (type, start, end)

_STREET: Final = (
    r"(?:rue|avenue|av\.|boulevard|bd|allée|allee|chemin|impasse|place|quai|route|cours|"
    r"square|passage|résidence|residence|lieu-dit|chaussée|faubourg|rond-point|sentier|"
    r"voie|villa|hameau|cité|cite|parvis|esplanade|promenade)"
)
_NAME_WORD: Final = r"[A-ZÀ-ÖØ-Ý][\w'’\-]*"
_ADDRESS: Final = re.compile(
    r"(?<![\w])\d{1,4}(?:\s?(?:bis|ter|quater|[ABCabc])\b)?,?\s+" + _STREET + r"\b"
    r"(?:\s+(?:de\s+la|de\s+l['’]|du|des|de|d['’]|la|le|les|l['’])?\s*" + _NAME_WORD + r"){1,5}"
    r"(?:,?\s+\d{5}(?:\s+[A-ZÀ-Ý][\w'’\-]*(?:[\s\-][A-ZÀ-Ý][\w'’\-]*){0,3})?)?",
    re.IGNORECASE,
)
_POSTBOX: Final = re.compile(r"\b(?:BP|CS|TSA)\s?\d{2,6}\b")
_MONTHS: Final = (
    r"(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    r"novembre|décembre|decembre)"
)
_DATE: Final = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|"
    r"(?:1er|\d{1,2})\s+" + _MONTHS + r"\s+(?:19|20)\d{2})"
)
_BIRTH: Final = re.compile(
    r"(?:\bn[ée]e?s?(?:\(e\))?|\bdate\s+de\s+naissance|\bDDN)\s*(?:le|:|en|au)?\s*(" + _DATE + ")",
    re.IGNORECASE,
)
_PARTICLE: Final = r"(?:(?:de|du|des|de\s+la|d['’]|le|la|van|von|ben|ould|el|al)\s+)?"
_PERSON_WORD: Final = r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’\-]+"
_INTRODUCED: Final = re.compile(
    r"(?:\b(?:je\s+suis|je\s+m['’]appelle|mon\s+nom\s+est|signé|cordialement,?|"
    r"madame|monsieur|mademoiselle|mme|mlle|m\.|dr|docteur|maître|me)\s+)"
    r"(" + _PARTICLE + _PERSON_WORD + r"(?:[\s\-]" + _PARTICLE + _PERSON_WORD + r"){0,2})",
    re.IGNORECASE,
)
# Words that may follow "je suis" or "Madame" without being a name.
_NOT_NAMES: Final = frozenset(
    [
        "très",
        "trop",
        "pas",
        "plus",
        "bien",
        "déçu",
        "déçue",
        "mécontent",
        "mécontente",
        "content",
        "contente",
        "inquiet",
        "inquiète",
        "désolé",
        "désolée",
        "étonné",
        "étonnée",
        "allé",
        "allée",
        "venu",
        "venue",
        "né",
        "née",
        "la",
        "le",
        "les",
        "un",
        "une",
        "votre",
        "mon",
        "ma",
        "mes",
        "sans",
        "en",
        "au",
        "aux",
        "à",
        "dans",
        "sur",
        "pour",
        "avec",
        "depuis",
        "toujours",
        "encore",
        "vraiment",
        "assez",
        "ici",
        "là",
        "monsieur",
        "madame",
        "bonjour",
        "merci",
        "le",
        "la",
        "directeur",
        "directrice",
        "responsable",
        "agent",
        "service",
        "usager",
        "usagère",
        "joignable",
        "disponible",
        "cliente",
        "client",
        "abonné",
        "abonnée",
        "allocataire",
        "locataire",
        "propriétaire",
        "retraité",
        "retraitée",
        "étudiant",
        "étudiante",
        "salarié",
        "salariée",
        "parent",
        "mère",
        "père",
        "obligé",
        "obligée",
    ]
)


def identifiers(text: str) -> list[Span]:
    return [(i.type, i.start, i.end) for i in find_identifiers(text)]


def addresses(text: str) -> list[Span]:
    found = [("ADRESSE", m.start(), m.end()) for m in _ADDRESS.finditer(text)]
    found += [("ADRESSE", m.start(), m.end()) for m in _POSTBOX.finditer(text)]
    return found


def dates_of_birth(text: str) -> list[Span]:
    return [("DATE_NAISSANCE", m.start(1), m.end(1)) for m in _BIRTH.finditer(text)]


def introduced_names(text: str) -> list[Span]:
    """A name right after the words that introduce one; the words that follow it are kept
    while they look like a name (not a common word)."""
    found = []
    for match in _INTRODUCED.finditer(text):
        said = match.group(0)[: match.start(1) - match.start(0)].casefold()
        by_self = any(w in said for w in ("suis", "appelle", "nom est"))  # lower case is fine
        words = re.finditer(r"[\w'’\-]+", match.group(1))
        start = end = match.start(1)
        for i, word in enumerate(words):
            value = word.group(0)
            if value.casefold() in _NOT_NAMES and not _is_particle(value):
                break
            if _ELIDED_VERB.match(value):  # m'a, l'ai, n'est: a sentence goes on
                break
            if i and not by_self and value[:1].islower() and not _is_particle(value):
                break
            end = match.start(1) + word.end()
        if end > start and not _only_particles(text[start:end]):
            found.append(("PERSONNE", start, end))
    return found


_ELIDED_VERB: Final = re.compile(r"^(?:[mtlnsjc]|qu)['’][a-zà-ÿ]")


def _is_particle(word: str) -> bool:
    return word.casefold() in ("de", "du", "des", "la", "le", "d'", "d’", "van", "von", "ben")


def _only_particles(text: str) -> bool:
    return all(_is_particle(w) for w in text.split())


RECOGNISERS: Final[dict[str, Callable[[str], list[Span]]]] = {
    "identifiers": identifiers,
    "addresses": addresses,
    "dates_of_birth": dates_of_birth,
    "introduced_names": introduced_names,
}
