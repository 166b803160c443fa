"""The organisation's story (issue 10, item 7) in a real Chromium, one browser context per person,
against one real builder: Claire builds an agent and shares it with her team; Karim, her
teammate, chats with it; Oscar, in another department, cannot see it; Claire asks for it to be
published to the whole organisation; Rita reviews and publishes it; now Oscar finds it; Camille,
an administrator, reads each step in the audit log. Skipped like ``tests/test_browser.py``
without Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from people import enrol
from test_browser import (
    ARTIFACTS,
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    STEP_TIMEOUT_MS,
    _axe_violations,
    _sign_in,
    app_url,
)

from agents.i18n import t
from store.sql_catalogue import SqlCatalogue

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["app_url"]  # the fixture, shared with tests/test_browser.py

pytestmark = pytest.mark.browser

CLAIRE = "claire@example.fr"  # communication officer: a creator in Communication
KARIM = "karim@example.fr"  # her teammate: a user
OSCAR = "oscar@example.fr"  # three departments away: a creator
RITA = "rita@example.fr"  # a reviewer
CAMILLE = "camille@example.fr"  # the administrator
AGENT = "Rédacteur de communiqués"
REPLY = "Voici un communiqué clair et bref."
OFFLINE = {"ATELIER_PREVIEW_MODEL": None, "ATELIER_DEFAULT_MODEL": None}


def the_organisation(home: Path) -> None:
    catalogue = SqlCatalogue(home / "catalogue.sqlite3")
    try:
        for login, role in ((CLAIRE, "creator"), (KARIM, "user"), (OSCAR, "creator"),
                            (RITA, "reviewer")):  # fmt: skip
            enrol(catalogue, login, role=role)  # type: ignore[arg-type]
            catalogue.sign_in.set_password(login, PASSWORD)
        from store.accounts import TeamRecord
        from store.database import utc_now

        catalogue.add_team(TeamRecord("tm-communication", "Communication", utc_now()))
        for login in (CLAIRE, KARIM):
            catalogue.add_member("tm-communication", login)
    finally:
        catalogue.close()


@contextmanager
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def person(chromium: Browser, url: str, login: str) -> Page:
    context = chromium.new_context(viewport={"width": 1280, "height": 1400}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    _sign_in(page, url, login)
    return page


def go(page: Page, nav: str, **values: object) -> None:
    page.get_by_role("link", name=t(nav, "fr", **values)).first.click()


@pytest.mark.parametrize("app_url", [OFFLINE], indirect=True)
def test_the_story_of_a_shared_then_published_agent(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    the_organisation(tmp_path / "home")
    problems: dict[str, list[str]] = {}

    def axe(page: Page, name: str) -> None:
        """No serious or critical violation on the pages the story fills (French)."""
        if AXE.is_file():
            problems[name] = _axe_violations(page)

    with browser() as chromium:
        # Claire builds the agent and shares it with her team.
        claire = person(chromium, app_url, CLAIRE)
        claire.get_by_role("button", name="Nouvel agent").click()
        name = claire.get_by_label("Nom", exact=True)
        name.fill(AGENT)
        name.press("Tab")
        instructions = claire.get_by_label("Instructions", exact=True)
        instructions.fill("Tu rédiges des communiqués de presse courts.")
        instructions.press("Tab")
        claire.get_by_role("button", name="Enregistrer").click()
        expect(claire.get_by_text("Version 1 enregistrée.")).to_be_visible()
        claire.get_by_text(t("ui.share.title", "fr"), exact=True).click()
        claire.get_by_text(t("ui.share.kind.team", "fr"), exact=True).click()
        claire.get_by_label(t("ui.share.who", "fr"), exact=True).fill("Communication")
        claire.get_by_role("button", name=t("ui.share.submit", "fr")).click()
        expect(
            claire.get_by_text(t("ui.share.done.use", "fr", who="Communication"))
        ).to_be_visible()
        axe(claire, "editor with sharing")

        # Karim, her teammate, finds it on Discuter and chats with it.
        karim = person(chromium, app_url, KARIM)
        chat = karim.get_by_placeholder(t("ui.chat.placeholder", "fr"))
        expect(chat).to_be_visible()
        expect(karim.get_by_text(AGENT).first).to_be_visible()
        chat.fill("Un communiqué sur la nouvelle médiathèque, s'il te plaît.")
        chat.press("Enter")
        expect(karim.get_by_text("Aucun modèle de langage n", exact=False).first).to_be_visible()
        # ...and says it helped: a thumb up and a comment, the conversation kept to himself.
        karim.get_by_role("radio", name=t("ui.a11y.thumbs_up", "fr")).click()
        axe(karim, "feedback form")
        karim.get_by_label(t("ui.feedback.comment", "fr")).fill("Très utile pour la médiathèque.")
        karim.get_by_role("button", name=t("ui.feedback.send", "fr")).click()
        expect(karim.get_by_text(t("ui.feedback.sent", "fr"))).to_be_visible()

        # Oscar, outside the team, sees nothing of it.
        oscar = person(chromium, app_url, OSCAR)
        go(oscar, "ui.nav.chat")
        expect(oscar.get_by_placeholder(t("ui.chat.placeholder", "fr"))).to_have_count(0)
        expect(oscar.get_by_text(AGENT)).to_have_count(0)

        # Claire asks for it to be published to the whole organisation.
        go(claire, "ui.nav.editor")
        claire.get_by_text(t("ui.publication.title", "fr")).first.click()
        claire.get_by_label(t("ui.publication.message", "fr")).fill("Prêt pour tous.")
        claire.get_by_role("button", name=t("ui.publication.ask", "fr")).click()
        expect(claire.get_by_text(t("ui.publication.asked", "fr", version=1))).to_be_visible()

        # Rita reviews it and publishes it.
        rita = person(chromium, app_url, RITA)
        go(rita, "ui.nav.review_count", count=1)
        expect(rita.get_by_text(AGENT).first).to_be_visible()
        expect(rita.get_by_text("Prêt pour tous.")).to_be_visible()
        axe(rita, "review with a request")
        rita.get_by_role("button", name=t("ui.review.approve", "fr")).click()
        expect(rita.get_by_text(t("ui.review.approved", "fr", name=AGENT))).to_be_visible()

        # Now Oscar finds it.
        oscar.reload()
        go(oscar, "ui.nav.chat")
        expect(oscar.get_by_placeholder(t("ui.chat.placeholder", "fr"))).to_be_visible()
        expect(oscar.get_by_text(AGENT).first).to_be_visible()

        # He finds it in the catalogue, in his own words, and makes his own copy of it.
        go(oscar, "ui.nav.catalogue")
        oscar.get_by_label(t("ui.catalogue.search", "fr"), exact=True).fill("communiqué")
        oscar.get_by_label(t("ui.catalogue.search", "fr"), exact=True).press("Enter")
        expect(oscar.get_by_text(AGENT).first).to_be_visible()
        axe(oscar, "catalogue with a card")
        oscar.get_by_role("button", name=t("ui.catalogue.fork", "fr")).first.click()
        expect(oscar.get_by_text("est maintenant dans vos agents", exact=False)).to_be_visible()

        # Claire is told; Camille reads each step in the audit log.
        claire.reload()
        go(claire, "ui.nav.home")
        expect(claire.get_by_text(t("ui.notifications.title", "fr")).first).to_be_visible()
        camille = person(chromium, app_url, CAMILLE)
        go(camille, "ui.nav.admin")
        camille.get_by_role("tab", name=t("ui.audit.tab", "fr")).click()
        for action in ("agent.forked", "review.approved"):  # the newest, on the first page
            label = t(f"audit.action.{action}", "fr")
            expect(camille.get_by_text(label, exact=True).first).to_be_attached()
        camille.screenshot(path=str(ARTIFACTS / "story-audit.png"), full_page=True)
    assert {name: found for name, found in problems.items() if found} == {}
    # Each step is in the log, by whom it was done, and the chain holds.
    catalogue = SqlCatalogue(tmp_path / "home" / "catalogue.sqlite3")
    try:
        entries = [(e.actor, e.action) for e in catalogue.audit_range(0, 10_000)]
        for step in (
            (CLAIRE, "agent.created"),
            (CLAIRE, "agent.shared"),
            (KARIM, "feedback.given"),
            (CLAIRE, "review.requested"),
            (RITA, "review.approved"),
            (OSCAR, "agent.forked"),
        ):
            assert step in entries, step
        assert [a for _, a in entries if a.startswith("sign_in")].count("sign_in.succeeded") >= 5
    finally:
        catalogue.close()
