"""The "Journal" tab of the administration page, driven with ``AppTest``: an administrator
filters the audit log, checks it, and finds a tampered entry named; reading the page exports
nothing (the download is made, and recorded, only when its button is pressed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from web_driver import signed_in

from builder_ui.web import state
from store.config import catalogue_path
from store.sql_catalogue import open_catalogue
from store.workspace import Workspace

APP = str(Path(__file__).resolve().parents[1] / "builder_ui" / "web" / "app.py")
ADMIN = "views/admin.py"


def journal_page(lang: str = "fr") -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=60)).run()
    assert not at.exception, at.exception
    if lang != "fr":
        at.selectbox(key=state.LANGUAGE_PICKER).select(lang).run()
    at.switch_page(ADMIN).run()
    assert not at.exception, at.exception
    return at


def some_history() -> None:
    catalogue = open_catalogue()
    people = Workspace("alice", catalogue, origin="cli alice").people
    people.add_team("Communication")
    people.add_account("bob@example.fr", role="creator")
    people.set_role("bob@example.fr", "reviewer")


def table(at: AppTest) -> list[dict[str, object]]:
    records: list[dict[str, object]] = at.dataframe[0].value.to_dict("records")
    return records


def test_the_administrator_filters_the_log() -> None:
    at = journal_page()  # alice, an administrator, signs in first: her account exists
    some_history()
    at.run()
    assert "Journal" in [t.label for t in at.tabs]
    rows = table(at)
    assert [r["Action"] for r in rows][:3] == ["Rôle changé", "Compte créé", "Équipe créée"]
    assert rows[0]["Qui"] == "alice" and rows[0]["Sur"] == "compte bob@example.fr"
    assert rows[0]["D'où"] == "cli alice"
    assert rows[0]["Détails"] == "avant : creator · rôle : reviewer"
    at.selectbox(key=state.keys.AUDIT_ACTION).set_value("team.created")
    at.button(key=f"FormSubmitter:{state.keys.AUDIT_FILTERS}-Filtrer").click().run()
    assert not at.exception, at.exception
    assert [r["Action"] for r in table(at)] == ["Équipe créée"]
    at.selectbox(key=state.keys.AUDIT_ACTION).set_value("kb.deleted")
    at.button(key=f"FormSubmitter:{state.keys.AUDIT_FILTERS}-Filtrer").click().run()
    assert "Aucune entrée ne correspond à ces filtres." in [i.value for i in at.info]
    catalogue = open_catalogue()
    assert all(e.action != "audit.exported" for e in catalogue.audit_range(0, 100))


def test_the_check_names_a_tampered_entry() -> None:
    at = journal_page()
    some_history()
    at.button(key=state.keys.AUDIT_VERIFY).click().run()
    assert [s.value for s in at.success][-1].startswith("Journal intact : 3 entrée(s).")
    with sqlite3.connect(catalogue_path()) as conn:
        conn.execute('UPDATE audit_log SET details = \'{"role": "admin"}\' WHERE seq = 3')
    conn.close()
    at.button(key=state.keys.AUDIT_VERIFY).click().run()
    assert [e.value for e in at.error] == [
        "Journal altéré : l'entrée n° 3 a été modifiée depuis son écriture."
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_journal_speaks_the_persons_language(lang: str) -> None:
    at = journal_page(lang)
    labels = [t.label for t in at.tabs]
    assert ("Audit log" if lang == "en" else "Journal") in labels
    text = "\n".join(
        [w.label for w in at.text_input]
        + [w.label for w in at.button]
        + [str(c.value) for c in at.caption]
        + [str(s.value) for s in at.subheader]
    )
    assert "ui.audit" not in text
    assert ("Check integrity" if lang == "en" else "Vérifier l'intégrité") in text
