"""End to end in a real headless Chromium: create an agent, save it, ask the preview chat; create
a knowledge base, upload a document through the real file picker, search it.

The app runs as a real ``streamlit run`` subprocess with its data in a temporary ``ATELIER_HOME``
a scripted preview model (``ATELIER_PREVIEW_MODEL``) and the instant ``hashing`` embedder, so no
network is involved. Chromium is
Debian's (``make browser-deps``); the test is skipped with the reason when it is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.template_catalogue import list_templates

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPLIES = """\
- tool_calls: [{name: calculator, args: {expression: "6*7"}}]
- text: "6 fois 7 font 42."
"""
STARTUP_TIMEOUT_S = 30
STEP_TIMEOUT_MS = 20_000


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: run `make browser-deps` (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"playwright cannot be imported: {exc}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"streamlit did not become healthy within {STARTUP_TIMEOUT_S} s")


@pytest.fixture
def app_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The app's address. Parametrised indirectly, a test changes its environment: a variable
    set to None is removed."""
    _require_browser()
    replies = tmp_path / "replies.yaml"
    replies.write_text(REPLIES, "utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "ATELIER_HOME": str(tmp_path / "home"),
        "ATELIER_PREVIEW_MODEL": f"scripted:{replies}",
        "ATELIER_LANG": "fr",
        "ATELIER_USER": "camille",
        "ATELIER_EMBEDDER": "hashing",
    }
    env.pop("ATELIER_DEFAULT_MODEL", None)
    for name, value in getattr(request, "param", {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "builder_ui/web/app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    log = (tmp_path / "streamlit.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_create_save_and_preview_an_agent(app_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1700}, locale="fr-FR")
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(app_url)
            expect(page.get_by_role("heading", name="Vos assistants")).to_be_visible()

            page.get_by_role("button", name="Nouvel agent").click()
            name = page.get_by_label("Nom", exact=True)
            expect(name).to_be_visible()
            name.fill("Assistant calcul")
            name.press("Tab")
            instructions = page.get_by_label("Instructions", exact=True)
            instructions.fill("Tu aides les agents du service à faire leurs calculs.")
            instructions.press("Tab")
            page.get_by_text("Calculatrice", exact=True).click()
            policy = page.get_by_role("combobox", name="Validation avant utilisation")
            expect(policy).to_be_visible()

            page.get_by_role("button", name="Enregistrer").click()
            expect(page.get_by_text("Version 1 enregistrée.")).to_be_visible()

            chat = page.get_by_placeholder("Écrivez un message à l'assistant")
            chat.fill("Combien font 6 fois 7 ?")
            chat.press("Enter")
            expect(page.get_by_text("6 fois 7 font 42.")).to_be_visible()
            expect(page.get_by_text("Outil utilisé : Calculatrice")).to_be_visible()

            # Streamlit scrolls inside its main block: back to the top for the whole picture.
            page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / "builder-e2e.png"), full_page=True)

            page.get_by_role("link", name="Accueil").click()
            expect(page.get_by_role("heading", name="Assistant calcul")).to_be_visible()
            expect(page.get_by_text("Dernière version : 1")).to_be_visible()
            expect(page.get_by_role("button", name="Utiliser ce modèle")).to_have_count(
                len(list_templates())
            )
            page.screenshot(path=str(ARTIFACTS / "builder-home.png"), full_page=True)
        finally:
            browser.close()


GUIDE = """# Guide de l'agent

## Télétravail

Le télétravail est possible deux jours par semaine, sur accord du responsable.

## Congés

Toute demande de congé se fait dans l'outil RH au moins quinze jours avant le départ.
"""


OFFLINE_PREVIEW = {"ATELIER_PREVIEW_MODEL": None}  # the offline model quotes the passages


@pytest.mark.parametrize("app_url", [OFFLINE_PREVIEW], indirect=True)
def test_create_a_knowledge_base_upload_and_search(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    guide = tmp_path / "guide-agent.md"
    guide.write_text(GUIDE, "utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2000}, locale="fr-FR")
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(app_url)
            page.get_by_role("link", name="Connaissances").click()
            expect(page.get_by_role("heading", name="Bases de connaissances")).to_be_visible()

            page.get_by_label("Nom de la base").fill("Procédures RH")
            page.get_by_label("Description (facultative)").fill("Congés, télétravail et frais")
            page.get_by_role("button", name="Créer la base").click()
            expect(page.get_by_text("Base « Procédures RH » créée.")).to_be_visible()

            page.locator("input[type=file]").set_input_files(str(guide))
            add = page.get_by_role("button", name="Ajouter à la base")
            expect(add).to_be_enabled()
            add.click()
            # Indexed in the background; the list refreshes by itself until it is ready.
            expect(page.get_by_text("Prêt")).to_be_visible()
            expect(page.get_by_text("1 document · ", exact=False)).to_be_visible()

            question = page.get_by_label("Question")
            question.fill("Combien de jours de télétravail ?")
            question.press("Enter")
            expect(page.get_by_text("[1] guide-agent.md — Télétravail")).to_be_visible()
            expect(page.get_by_text("deux jours par semaine").first).to_be_visible()
            page.get_by_role("heading", name="Tester la recherche").click()  # leave the field

            page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / "knowledge.png"), full_page=True)

            # An agent answering from the base: the preview shows the sources under the answer.
            page.get_by_role("link", name="Accueil").click()
            page.get_by_role("button", name="Nouvel agent").click()
            name = page.get_by_label("Nom", exact=True)
            name.fill("FAQ RH")
            name.press("Tab")
            page.get_by_label("Instructions", exact=True).fill("Réponds à partir des documents.")
            page.get_by_role("combobox", name="Bases de connaissances").click()
            page.get_by_role("option", name="Procédures RH").click()
            page.keyboard.press("Escape")
            chat = page.get_by_placeholder("Écrivez un message à l'assistant")
            chat.fill("Combien de jours de télétravail ?")
            chat.press("Enter")
            expect(page.get_by_text("Sources", exact=True)).to_be_visible()
            page.get_by_text("[1] guide-agent.md — Télétravail").click()
            opened = page.get_by_test_id("stExpander").filter(has_text="[1] guide-agent.md")
            score = opened.get_by_text("Similarité ")
            expect(score).to_be_visible()
            score.scroll_into_view_if_needed()
            page.wait_for_timeout(500)  # the expander's opening animation
            page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / "knowledge-preview.png"), full_page=True)
        finally:
            browser.close()


def test_approve_a_tool_call_in_the_preview(app_url: str) -> None:
    """The calculator set to "Toujours demander": the preview pauses on an approval card."""
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1400}, locale="fr-FR")
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(app_url)
            page.get_by_role("button", name="Nouvel agent").click()
            name = page.get_by_label("Nom", exact=True)
            name.fill("Assistant calcul")
            name.press("Tab")
            page.get_by_text("Calculatrice", exact=True).click()
            page.get_by_role("combobox", name="Validation avant utilisation").click()
            page.get_by_role("option", name="Toujours demander").click()

            chat = page.get_by_placeholder("Écrivez un message à l'assistant")
            chat.fill("Combien font 6 fois 7 ?")
            chat.press("Enter")
            expect(page.get_by_text("Validation demandée")).to_be_visible()
            card = page.get_by_test_id("stChatMessage").filter(has_text="Validation demandée")
            expect(card.get_by_role("button", name="Approuver")).to_be_visible()
            expect(card.get_by_role("button", name="Modifier")).to_be_visible()
            expect(card.get_by_role("button", name="Refuser")).to_be_visible()
            expect(page.get_by_placeholder("Validation en attente", exact=False)).to_be_disabled()
            card.get_by_text("Validation demandée").evaluate("e => e.scrollIntoView()")
            page.wait_for_timeout(300)
            card.screenshot(path=str(ARTIFACTS / "approval-card.png"))
            page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / "approval.png"), full_page=True)

            card.get_by_role("button", name="Approuver").click()
            expect(page.get_by_text("6 fois 7 font 42.")).to_be_visible()
            expect(page.get_by_text("Approuvé par camille")).to_be_visible()
            expect(page.get_by_placeholder("Écrivez un message à l'assistant")).to_be_enabled()
            page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / "approval-done.png"), full_page=True)
        finally:
            browser.close()


def test_administration_page(app_url: str) -> None:
    """Network rules saved with their warning; a credential added, listed by name only."""
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1500}, locale="fr-FR")
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(app_url)
            page.get_by_role("link", name="Administration").click()
            expect(page.get_by_role("heading", name="Administration")).to_be_visible()
            expect(page.get_by_text("pas encore de rôles", exact=False)).to_be_visible()

            hosts = page.get_by_role("textbox", name="Sites autorisés (un par ligne)")
            hosts.fill("geo.api.gouv.fr\n*.gouv.fr")
            page.get_by_text("Permettre de joindre cette machine (localhost)").click()
            page.get_by_role("button", name="Enregistrer").first.click()
            expect(page.get_by_text("Règles d'accès au réseau enregistrées.")).to_be_visible()
            expect(page.get_by_text("les outils peuvent joindre cette machine")).to_be_visible()
            page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / "admin.png"), full_page=True)

            page.get_by_role("tab", name="Identifiants").click()
            page.get_by_role("textbox", name="Nom", exact=True).fill("geo_api")
            page.get_by_role("textbox", name="Valeur (clé ou jeton)").fill("valeur-tres-secrete")
            page.get_by_role("button", name="Enregistrer l'identifiant").click()
            expect(page.get_by_text("Identifiant « geo_api » enregistré.")).to_be_visible()
            expect(page.get_by_text("geo_api", exact=True)).to_be_visible()
            expect(page.get_by_text("valeur-tres-secrete")).to_have_count(0)
            expect(page.get_by_role("textbox", name="Valeur (clé ou jeton)")).to_have_value("")
            page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
            page.screenshot(path=str(ARTIFACTS / "admin-credentials.png"), full_page=True)
        finally:
            browser.close()
