"""Stable placeholders, put back where the person reads, never inside a web address."""

from __future__ import annotations

from tools.privacy.pseudonyms import Entity, IdentifierDetector, Pseudonyms


class Names:
    """A detector that knows a fixed list of names (the French pipeline is tested apart)."""

    def __init__(self, *names: str) -> None:
        self.names = names

    def find(self, text: str) -> list[Entity]:
        found = IdentifierDetector().find(text)
        lowered = text.casefold()
        for name in self.names:
            start = lowered.find(name.casefold())
            while start >= 0:
                found.append(Entity("PERSONNE", start, start + len(name)))
                start = lowered.find(name.casefold(), start + 1)
        return found


def test_same_value_same_placeholder_whatever_the_spelling() -> None:
    p = Pseudonyms(Names("Marie Dupont"))
    first = p.hide("Marie Dupont appelle du 06 12 34 56 78.")
    second = p.hide("Rappeler marie dupont au 0612345678 ou au +33 6 12 34 56 78.")
    assert first == "<PERSONNE_1> appelle du <TELEPHONE_1>."
    assert second == "Rappeler <PERSONNE_1> au <TELEPHONE_1> ou au <TELEPHONE_1>."
    assert p.reveal("Bonjour <PERSONNE_1>, nous vous rappelons au <TELEPHONE_1>.") == (
        "Bonjour Marie Dupont, nous vous rappelons au 06 12 34 56 78."
    )


def test_numbering_per_kind_and_unknown_placeholders_left_alone() -> None:
    p = Pseudonyms(Names("Ali Ben", "Léa Roux"))
    assert p.hide("Léa Roux et Ali Ben") == "<PERSONNE_1> et <PERSONNE_2>"
    assert p.reveal("<PERSONNE_2>, <PERSONNE_9>") == "Ali Ben, <PERSONNE_9>"


def test_a_placeholder_in_a_link_or_image_address_is_not_put_back() -> None:
    p = Pseudonyms(Names("Marie Dupont"))
    p.hide("Je suis Marie Dupont, marie.dupont@exemple.fr")
    answer = (
        "Merci <PERSONNE_1>. ![x](https://collector.example/?q=<PERSONNE_1>) "
        "[ici](http://a.example/<EMAIL_1>) https://b.example/?who=<PERSONNE_1>&m=<EMAIL_1> "
        "www.c.example/<PERSONNE_1>"
    )
    shown = p.reveal(answer)
    assert shown.startswith("Merci Marie Dupont.")
    assert "collector.example/?q=<PERSONNE_1>" in shown
    assert "Marie" not in shown.split("Merci Marie Dupont.", 1)[1]
    assert "marie.dupont@" not in shown


def test_the_mapping_is_plain_data_and_bad_data_is_dropped() -> None:
    p = Pseudonyms(Names("Marie Dupont"))
    p.hide("Marie Dupont")
    again = Pseudonyms.from_data(Names(), p.to_data())
    assert again.reveal("<PERSONNE_1>") == "Marie Dupont"
    assert again.hide("marie dupont") == "marie dupont"  # this detector finds no name
    assert Pseudonyms.from_data(Names(), {"<X>": "y", "<PERSONNE_1>": 3}).to_data() == {}
    assert Pseudonyms.from_data(Names(), ["not", "a", "mapping"]).to_data() == {}


def test_placeholders_already_in_the_text_are_not_hidden_again() -> None:
    p = Pseudonyms(Names("PERSONNE"))
    assert p.hide("<PERSONNE_3> a écrit") == "<PERSONNE_3> a écrit"


def test_reveal_data_walks_tool_arguments() -> None:
    p = Pseudonyms(Names())
    p.hide("IBAN FR76 3000 6000 0112 3456 7890 189")
    args = {"to": ["<IBAN_1>"], "n": 2}
    assert p.reveal_data(args) == {"to": ["FR76 3000 6000 0112 3456 7890 189"], "n": 2}
