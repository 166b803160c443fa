"""Issue 11's story in a real Chromium: a civil servant imports a file of fifty citizens' reviews
holding names, phone numbers and social security numbers; an assistant under review, that
pseudonymises personal data, drafts a reply to each in the background; she reads each message
beside its draft, edits one, approves them all, and exports the replies with the personal data
back in place. The model (scripted, recording what it receives) saw none of it. Skipped like
``tests/test_browser.py`` without Chromium."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from citizen_reviews import FILE, reviews
from test_browser import AXE, STEP_TIMEOUT_MS, _axe_violations, _settled, app_url
from test_browser_story import browser, go, person

from agents.i18n import t
from agents.spec import AgentSpec
from store.sql_catalogue import SqlCatalogue

__all__ = ["app_url"]  # the fixture, from tests/test_browser.py

pytestmark = pytest.mark.browser

CAMILLE = "camille@example.fr"  # signs in first in test_browser's fixture world
AGENT = "Réponses aux usagers"
REPLY = "Bonjour <PERSONNE_1>, nous vous rappellerons au <TELEPHONE_1>. Cordialement."


def the_agent(home: Path, script: Path) -> None:
    catalogue = SqlCatalogue(home / "catalogue.sqlite3")
    try:
        spec = AgentSpec.from_yaml(
            f"schema: atelier/agent@1\nname: {AGENT}\ninstructions: Tu rédiges.\n"
            f"model: {{provider: scripted, name: '{script}'}}\n"
            "guardrails: {pii: pseudonymise}\noversight: review\n"
        )
        catalogue.create_agent(spec, CAMILLE)
    finally:
        catalogue.close()


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Where the scripted model of the builder (started after this) writes what it receives."""
    path = tmp_path / "received.jsonl"
    monkeypatch.setenv("ATELIER_SCRIPTED_RECORD", str(path))
    return path


@pytest.mark.parametrize(
    "app_url", [{"_replies": json.dumps([{"text": REPLY, "repeat": True}])}], indirect=True
)
def test_fifty_reviews_drafted_without_personal_data_reaching_the_model(
    received: Path, app_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    home = tmp_path / "home"
    the_agent(home, tmp_path / "replies.yaml")  # the fixture's script
    problems: dict[str, list[str]] = {}
    with browser() as chromium:
        page = person(chromium, app_url, CAMILLE)
        go(page, "ui.nav.drafts")
        page.get_by_role("tab", name=t("ui.drafts.tab.new", "fr")).click()
        page.locator("input[type=file]").set_input_files(str(FILE))
        expect(page.get_by_text(t("ui.drafts.new.start", "fr"))).to_be_visible()
        if AXE.is_file():
            problems["new batch"] = _axe_violations(page)
        page.get_by_role("button", name=t("ui.drafts.new.start", "fr")).click()
        # The drafting runs in the background; the queue fills as it goes.
        tab = page.get_by_role("tab", name=t("ui.drafts.tab.queue_count", "fr", count=50))
        expect(tab).to_be_visible(timeout=180_000)
        tab.click()
        reply = page.get_by_role("textbox", name=t("ui.drafts.queue.reply", "fr"))
        first = reviews()[0]
        expect(page.get_by_text(first.message[:40], exact=False).first).to_be_visible()
        if AXE.is_file():
            problems["queue"] = _axe_violations(page)
        expect(reply).to_have_value(f"Bonjour {first.name}, nous vous rappellerons au "
                                    f"{first.phone}. Cordialement.")  # fmt: skip
        reply.fill(f"Bonjour {first.name}, votre dossier est rouvert.")
        approve = page.get_by_role("button", name=t("ui.drafts.queue.approve", "fr"), exact=True)
        approve.click()
        for left in range(49, 0, -1):
            position = t("ui.drafts.queue.position", "fr", index=1, count=left)
            expect(page.get_by_text(position, exact=True)).to_be_visible()
            _settled(page)  # the page as it rests: the next draft's button, not the last one's
            approve.click()
        expect(page.get_by_text(t("ui.drafts.queue.empty", "fr"))).to_be_visible()
        page.get_by_role("tab", name=t("ui.drafts.tab.batches", "fr")).click()
        export = page.get_by_role("button", name=t("ui.drafts.batches.export_csv", "fr"))
        expect(export).to_be_visible()
        _settled(page)  # the page at rest: the button of this run, not of the last one
        with page.expect_download(timeout=STEP_TIMEOUT_MS) as download:
            export.click()
        exported = Path(download.value.path()).read_text("utf-8-sig")
    assert {name: found for name, found in problems.items() if found} == {}

    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))[1:]
    assert len(rows) == 50
    by_message = {row[0]: row for row in rows}
    for i, review in enumerate(reviews()):
        row = by_message[review.message]
        assert row[1] == "approuvé", row  # message, status, reply, draft, who, when, why
        if i == 0:
            assert row[2] == f"Bonjour {review.name}, votre dossier est rouvert."
        else:  # each reply with its own person's name and number back in place
            assert row[2] == (f"Bonjour {review.name}, nous vous rappellerons au "
                              f"{review.phone}. Cordialement.")  # fmt: skip
    said = received.read_text("utf-8")
    assert said.count("\n") >= 50
    for review in reviews():
        for secret in (review.name, review.phone, review.nir):
            assert secret not in said, secret
