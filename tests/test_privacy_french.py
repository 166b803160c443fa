"""The French detector with the real pipeline (Presidio, spaCy's fr_core_news_sm and our own
recognisers), loaded once for this module: names (lower case, hyphens, apostrophes, particles),
identifiers confirmed by their check digits, addresses and dates of birth are hidden; numbers
that fail their check digits and ordinary words are not. The fifty citizens' reviews of the
drafting story lose every name, phone number and NIR."""

from __future__ import annotations

import pytest
from citizen_reviews import reviews

from tools.privacy.french import FrenchDetector, french_detector
from tools.privacy.pseudonyms import Pseudonyms


@pytest.fixture(scope="module")
def detector() -> FrenchDetector:
    return french_detector()


def hidden(detector: FrenchDetector, text: str) -> str:
    return Pseudonyms(detector).hide(text)


def test_the_fifty_reviews_keep_no_name_phone_or_nir(detector: FrenchDetector) -> None:
    for review in reviews():
        shown = hidden(detector, review.message)
        for secret in (review.name, review.phone, review.nir):
            assert secret not in shown, (secret, shown)
        assert "<PERSONNE_1>" in shown and "<TELEPHONE_1>" in shown and "<NIR_1>" in shown


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Bonjour, je m'appelle jean-pierre de la fontaine.", "jean-pierre de la fontaine"),
        ("Mme N'Diaye m'a reçu hier.", "N'Diaye"),
        ("Monsieur d'Artagnan a téléphoné.", "d'Artagnan"),
        ("Marie-Claire Dubois a écrit au service.", "Marie-Claire Dubois"),
        ("Née le 12/03/1985 à Lyon.", "12/03/1985"),
        ("Date de naissance : 3 mars 1990", "3 mars 1990"),
        ("J'habite 3 bis avenue Jean-Jaurès, 69007 Lyon.", "3 bis avenue Jean-Jaurès, 69007 Lyon"),
        ("Écrire au 12 rue de la Paix 75002 Paris.", "12 rue de la Paix 75002 Paris"),
        ("IBAN : FR76 3000 6000 0112 3456 7890 189", "FR76 3000 6000 0112 3456 7890 189"),
        ("Appelez le +33 (0)6 12 34 56 78.", "6 12 34 56 78"),
        ("Mon adresse : jp.martin@exemple.fr", "jp.martin@exemple.fr"),
    ],
)
def test_personal_data_is_hidden(detector: FrenchDetector, text: str, gone: str) -> None:
    shown = hidden(detector, text)
    assert gone not in shown, shown
    assert "<" in shown


@pytest.mark.parametrize(
    "text",
    [
        "Le dossier 1 23 45 67 890 123 45 est complet.",  # 15 digits, a wrong NIR key
        "Votre référence : 732 829 321 12",  # not a SIRET
        "Merci pour votre accueil, le délai était de trois semaines.",
        "Bonjour, la CAF de Lyon a bien reçu votre demande.",
    ],
)
def test_what_is_not_personal_data_stays(detector: FrenchDetector, text: str) -> None:
    assert hidden(detector, text) == text


def test_hide_and_reveal_round_trip(detector: FrenchDetector) -> None:
    pseudonyms = Pseudonyms(detector)
    text = "Je suis Léa Fontaine, joignable au 06 12 34 56 78."
    shown = pseudonyms.hide(text)
    assert shown == "Je suis <PERSONNE_1>, joignable au <TELEPHONE_1>."
    assert pseudonyms.reveal("Bonjour <PERSONNE_1>, nous appelons le <TELEPHONE_1>.") == (
        "Bonjour Léa Fontaine, nous appelons le 06 12 34 56 78."
    )


def test_a_missing_pipeline_is_said_never_downloaded(detector: FrenchDetector) -> None:
    """Presidio would pip-install a missing spaCy model: ours says what to do instead."""
    from agents.errors import UserError
    from tools.privacy.french import _engine

    with pytest.raises(UserError) as refused:
        _engine("fr_pipeline_that_is_not_installed")
    assert "fr_pipeline_that_is_not_installed" in refused.value.message("fr")
    assert "make install" in refused.value.message("en")
