"""The editor's "Versions" section in a real browser: two versions compared, the instructions'
diff readable as text with its signs, a restore, and no serious axe-core violation in the section
(opened, in French). Skipped like ``tests/test_browser.py`` without Chromium or
axe-core."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import ARTIFACTS, AXE, _axe_violations, _page, _sign_in, app_url

from agents.i18n import t
from agents.spec import AgentSpec
from store.sql_catalogue import SqlCatalogue

__all__ = ["app_url"]  # the fixture, shared with tests/test_browser.py

OWNER = "camille@example.fr"
V1 = """\
schema: atelier/agent@1
name: Guichet
instructions: |
  Tu réponds aux usagers.
  Tu restes poli.
"""
V2 = V1.replace("Guichet", "Accueil").replace("Tu restes poli.", "Tu vouvoies.")


def two_versions(home: Path) -> None:
    catalogue = SqlCatalogue(home / "catalogue.sqlite3")
    try:
        first = catalogue.create_agent(AgentSpec.from_yaml(V1), OWNER, "premier")
        catalogue.save_version(first.agent_id, AgentSpec.from_yaml(V2), OWNER, "second")
    finally:
        catalogue.close()


@pytest.mark.parametrize(
    ("app_url", "lang"),
    # French only: in English the home page's "Open" button is named "Open the list" (the
    # accessibility renaming of Streamlit's own "Open" catches it), so it cannot be found by its
    # label; reported to the lead.
    [({"ATELIER_LANG": "fr"}, "fr")],
    indirect=["app_url"],
)
def test_versions_compared_and_restored_in_a_browser(
    app_url: str, lang: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    if not AXE.is_file():
        pytest.skip(f"axe-core is absent ({AXE}): run `make axe-deps` (needs npm)")
    two_versions(tmp_path / "home")
    with _page(1280, 1400, lang) as page:
        _sign_in(page, app_url, lang=lang)
        page.get_by_role("button", name=t("ui.home.open", lang), exact=True).click()
        expect(page.get_by_placeholder(t("ui.preview.placeholder", lang))).to_be_visible()
        page.get_by_text(t("ui.versions.title", lang, count=2)).click()
        diff = page.get_by_test_id("stCode").filter(has_text="Tu vouvoies.")
        expect(diff).to_contain_text("- Tu restes poli.")
        expect(diff).to_contain_text("+ Tu vouvoies.")
        expect(page.get_by_text(t("versions.diff_legend", lang))).to_be_visible()
        violations = _axe_violations(page)
        page.screenshot(path=str(ARTIFACTS / f"a11y-versions-{lang}.png"), full_page=True)
        assert not violations, "\n".join(violations)

        page.get_by_role("button", name=t("versions.ui.restore", lang, number=1)).click()
        restored = t("versions.restored", lang, number=1, new=3)
        expect(page.get_by_text(restored)).to_be_visible()
