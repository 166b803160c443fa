"""End to end in a real headless Chromium: create an agent, save it, ask the preview chat; create
a knowledge base, upload a document through the real file picker, search it.

The app runs as a real ``streamlit run`` subprocess with its data in a temporary ``ATELIER_HOME``
a scripted preview model (``ATELIER_PREVIEW_MODEL``) and the instant ``hashing`` embedder, so no
network is involved. Chromium is Debian's (``make system-deps``); the tests are skipped with
the reason when it is missing. The accessibility check runs axe-core from npm (``make axe-deps``,
which ``make test`` runs) and is skipped, saying so, without it.

Every wait is on a condition with a generous timeout (``STEP_TIMEOUT_MS``), never a sleep: the
machine may be busy with other work (checked with two processes loading both cores).
"""

from __future__ import annotations

import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from processes import stop

from agents.template_catalogue import list_templates

if TYPE_CHECKING:
    from playwright.sync_api import Page

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
STARTUP_TIMEOUT_S = 120
STEP_TIMEOUT_MS = 60_000  # for every expect() and every action: a loaded machine is slow
AXE = Path(os.environ.get("ATELIER_AXE_JS") or ROOT / ".cache/axe/node_modules/axe-core/axe.min.js")


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: run `make system-deps` (apt-get install chromium)")
    try:
        from playwright.sync_api import expect
    except ImportError as exc:
        pytest.skip(f"playwright cannot be imported: {exc}")
    # expect() has its own default (5 s) that page.set_default_timeout does not change.
    expect.set_options(timeout=STEP_TIMEOUT_MS)


@contextmanager
def _page(width: int, height: int, lang: str = "fr") -> Iterator[Page]:
    """A page of a fresh headless Chromium, waiting up to ``STEP_TIMEOUT_MS`` for anything."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            locale = "fr-FR" if lang == "fr" else "en-GB"
            page = browser.new_page(viewport={"width": width, "height": height}, locale=locale)
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.set_default_navigation_timeout(STEP_TIMEOUT_MS)
            yield page
        finally:
            browser.close()


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


PASSWORD = "une phrase de passe assez longue"
PEOPLE = {"camille@example.fr": "admin", "bruno@example.fr": "creator"}


def _enrol_people(home: Path) -> None:
    """The people of the tests, with their passwords, before the app starts."""
    from people import enrol

    from store.sql_catalogue import SqlCatalogue

    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    catalogue = SqlCatalogue(home / "catalogue.sqlite3")
    try:
        for login, role in PEOPLE.items():
            enrol(catalogue, login, role=role)  # type: ignore[arg-type]
            catalogue.sign_in.set_password(login, PASSWORD)
    finally:
        catalogue.close()


def _sign_in(page: Page, url: str, login: str = "camille@example.fr", lang: str = "fr") -> None:
    """Through the sign-in page, as a person would; then the sidebar offers to sign out."""
    from playwright.sync_api import expect

    from agents.i18n import t

    page.goto(url)
    page.get_by_label(t("ui.sign_in.email", lang), exact=True).fill(login)
    page.get_by_label(t("ui.sign_in.password", lang), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("ui.sign_in.button", lang)).click()
    expect(page.get_by_role("button", name=t("ui.sign_in.sign_out", lang))).to_be_visible()


@pytest.fixture
def app_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The app's address. Parametrised indirectly, a test changes its environment: a variable
    set to None is removed."""
    _require_browser()
    param = dict(getattr(request, "param", {}))
    replies = tmp_path / "replies.yaml"
    replies.write_text(param.pop("_replies", REPLIES), "utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "ATELIER_HOME": str(tmp_path / "home"),
        "ATELIER_PREVIEW_MODEL": f"scripted:{replies}",
        "ATELIER_LANG": "fr",
        "ATELIER_USER": "camille@example.fr",
        "ATELIER_EMBEDDER": "hashing",
    }
    env.pop("ATELIER_DEFAULT_MODEL", None)
    _enrol_people(tmp_path / "home")
    for name, value in param.items():
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
        stop(process)
        log.close()


def test_create_save_and_preview_an_agent(app_url: str) -> None:
    from playwright.sync_api import expect

    with _page(1440, 1700) as page:
        _sign_in(page, app_url)
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


GUIDE = """# Guide de l'agent

## Télétravail

Le télétravail est possible deux jours par semaine, sur accord du responsable.

## Congés

Toute demande de congé se fait dans l'outil RH au moins quinze jours avant le départ.
"""


OFFLINE_PREVIEW = {"ATELIER_PREVIEW_MODEL": None}  # the offline model quotes the passages


@pytest.mark.parametrize("app_url", [OFFLINE_PREVIEW], indirect=True)
def test_create_a_knowledge_base_upload_and_search(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    guide = tmp_path / "guide-agent.md"
    guide.write_text(GUIDE, "utf-8")
    with _page(1280, 2000) as page:
        _sign_in(page, app_url)
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
        # The final line only: while the list refreshes, Streamlit may still show the old one
        # ("1 document · aucun passage · 1 en cours d'indexation") beside it.
        expect(page.get_by_text(re.compile(r"^1 document · \d+ passages?$"))).to_be_visible()

        question = page.get_by_label("Question")
        question.fill("Combien de jours de télétravail ?")
        question.press("Enter")
        # One result per document, under its title; the file and section beneath.
        expect(page.get_by_text("[1] Guide de l'agent")).to_be_visible()
        expect(page.get_by_text("guide-agent.md — Télétravail")).to_be_visible()
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
        expect(score).to_be_in_viewport()
        page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "knowledge-preview.png"), full_page=True)


def test_approve_a_tool_call_in_the_preview(app_url: str) -> None:
    """The calculator set to "Toujours demander": the preview pauses on an approval card."""
    from playwright.sync_api import expect

    with _page(1440, 1400) as page:
        _sign_in(page, app_url)
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
        expect(card.get_by_text("Validation demandée")).to_be_in_viewport()
        card.screenshot(path=str(ARTIFACTS / "approval-card.png"))
        page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "approval.png"), full_page=True)

        card.get_by_role("button", name="Approuver").click()
        # Once: the streamed answer is replaced by the transcript's, never shown twice.
        expect(page.get_by_text("6 fois 7 font 42.")).to_have_count(1)
        expect(page.get_by_text("Approuvé par camille")).to_be_visible()
        expect(page.get_by_placeholder("Écrivez un message à l'assistant")).to_be_enabled()
        page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "approval-done.png"), full_page=True)


def test_administration_page(app_url: str) -> None:
    """Network rules saved with their warning; a credential added on My account, listed by
    name only."""
    from playwright.sync_api import expect

    with _page(1280, 1500) as page:
        _sign_in(page, app_url)
        page.get_by_role("link", name="Administration").click()
        expect(page.get_by_role("heading", name="Administration")).to_be_visible()

        hosts = page.get_by_role("textbox", name="Sites autorisés (un par ligne)")
        hosts.fill("geo.api.gouv.fr\n*.gouv.fr")
        page.get_by_text("Permettre de joindre cette machine (localhost)").click()
        page.get_by_role("button", name="Enregistrer").first.click()
        expect(page.get_by_text("Règles d'accès au réseau enregistrées.")).to_be_visible()
        expect(page.get_by_text("les outils peuvent joindre cette machine")).to_be_visible()
        page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "admin.png"), full_page=True)

        page.get_by_role("link", name="Mon compte").click()
        expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
        page.get_by_role("textbox", name="Nom", exact=True).fill("geo_api")
        page.get_by_role("textbox", name="Valeur (clé ou jeton)").fill("valeur-tres-secrete")
        page.get_by_role("button", name="Enregistrer l'identifiant").click()
        expect(page.get_by_text("Identifiant « geo_api » enregistré.")).to_be_visible()
        expect(page.get_by_text("geo_api", exact=True)).to_be_visible()
        expect(page.get_by_text("valeur-tres-secrete")).to_have_count(0)
        expect(page.get_by_role("textbox", name="Valeur (clé ou jeton)")).to_have_value("")
        page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "admin-credentials.png"), full_page=True)


# --- nothing an answer or a spec says is fetched by the browser ------------------------------


@pytest.fixture
def collector() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server recording every request it receives: where an exfiltrating image
    would send the conversation."""
    hits: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.end_headers()
            self.wfile.write(b"GIF89a")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_images_in_answers_and_descriptions_are_not_fetched(
    app_url: str, tmp_path: Path, collector: tuple[str, list[str]]
) -> None:
    """The preview's answer and the home page's card show the image as text with a note; the
    collector receives nothing (the allowlist is empty: nothing outside is shown live)."""
    from playwright.sync_api import expect

    base, hits = collector
    answer = f"Voici la réponse. ![]({base}/chat?q=SECRET) <img src='{base}/html?q=SECRET'>"
    (tmp_path / "replies.yaml").write_text(f"- text: {json.dumps(answer)}\n", "utf-8")
    asked: list[str] = []
    with _page(1440, 1500) as page:
        page.on("request", lambda request: asked.append(request.url))
        _sign_in(page, app_url)
        page.get_by_role("button", name="Nouvel agent").click()
        name = page.get_by_label("Nom", exact=True)
        name.fill("Assistant bavard")
        name.press("Tab")
        description = page.get_by_label("Description", exact=True)
        description.fill(f"Un assistant ![logo]({base}/home?q=SECRET)")
        description.press("Tab")
        page.get_by_label("Instructions", exact=True).fill("Réponds.")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_text("Version 1 enregistrée.")).to_be_visible()

        chat = page.get_by_placeholder("Écrivez un message à l'assistant")
        chat.fill("Bonjour")
        chat.press("Enter")
        expect(page.get_by_text("Voici la réponse.", exact=False)).to_be_visible()
        expect(
            page.get_by_text("Image non affichée : adresse externe (127.0.0.1).")
        ).to_be_visible()
        expect(page.get_by_text("Code HTML affiché comme texte.")).to_be_visible()
        expect(page.get_by_text(f"{base}/chat?q=SECRET")).to_be_visible()  # the address, as text
        page.evaluate("document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "inert-answer.png"), full_page=True)

        page.get_by_role("link", name="Accueil").click()
        card = page.get_by_test_id("stVerticalBlock").filter(
            has=page.get_by_role("heading", name="Assistant bavard")
        )
        expect(card.get_by_text("Image non affichée", exact=False).first).to_be_visible()
        expect(page.locator("img[src*='127.0.0.1']")).to_have_count(0)
    assert hits == [], f"the browser fetched {hits}"
    assert not [url for url in asked if url.startswith(base)], asked


# --- accessibility: axe-core on every page, in both languages --------------------------------

PAGES = (
    "home",
    "editor",
    "chat",
    "catalogue",
    "knowledge",
    "review",
    "admin",
    "people",
    "usage",
    "drafts",
    "oversight",
    "account",
)
HEADINGS = {
    "chat": "ui.chat.title",
    "catalogue": "ui.catalogue.title",
    "knowledge": "ui.kb.title",
    "admin": "ui.nav.admin",
    "review": "ui.review.title",
    "people": "ui.people.title",
    "usage": "ui.usage.title",
    "drafts": "ui.drafts.title",
    "oversight": "ui.oversight.title",
    "account": "ui.account.title",
}
BLOCKING = ("serious", "critical")


def _settled(page: Page) -> None:
    """The page as it rests: no run in progress, nothing faded as stale (a faded element fails
    the contrast rule)."""
    from playwright.sync_api import expect

    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    expect(page.locator("[data-stale='true']")).to_have_count(0)
    expect(app).to_have_attribute("data-test-script-state", "notRunning")


def _axe_violations(page: Page) -> list[str]:
    _settled(page)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ") + " " + n.html.slice(0, 160))
                    .slice(0, 5),
            }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {v['targets']}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def _record_some_runs(home: Path) -> None:
    """Two runs of an agent of the administrator's, so that the usage page has charts."""
    from agents.spec import AgentSpec
    from store.records import RunRecord
    from store.sql_catalogue import SqlCatalogue
    from store.workspace import Workspace

    catalogue = SqlCatalogue(home / "catalogue.sqlite3")
    try:
        camille = Workspace("camille@example.fr", catalogue)
        agent = camille.create_agent(AgentSpec(name="Rédacteur")).agent_id
        for n in range(2):
            run = RunRecord(f"run-a11y-{n}", agent, 1, "", "", "offline", "ok", 120, 30)
            camille.record_run(run)
    finally:
        catalogue.close()


def _people_page_in_use(page: Page, lang: str) -> dict[str, list[str]]:
    """The people page with what its actions show: an invitation link, a team with a member."""
    from playwright.sync_api import expect

    from agents.i18n import t

    found = {}
    page.get_by_label(t("ui.people.email", lang), exact=True).fill("dora@example.fr")
    page.get_by_label(t("ui.people.name", lang), exact=True).fill("Dora <b>Marchand</b>")
    page.get_by_role("button", name=t("ui.people.add_button", lang)).click()
    expect(page.get_by_test_id("stCode")).to_contain_text("invitation=")
    found["people-link"] = _axe_violations(page)
    page.screenshot(path=str(ARTIFACTS / f"a11y-people-link-{lang}.png"), full_page=True)
    page.get_by_role("tab", name=t("ui.people.tab.teams", lang)).click()
    page.get_by_label(t("ui.people.team_name", lang), exact=True).fill("Communication")
    page.get_by_role("button", name=t("ui.people.team_add", lang)).click()
    page.get_by_role("button", name=t("ui.people.member_add", lang)).click()
    expect(page.get_by_role("button", name=t("ui.people.remove", lang))).to_be_visible()
    # the member added is no longer offered, in the browser too (once the redrawn box has
    # replaced the old one)
    _settled(page)
    member = page.get_by_role("combobox", name=t("ui.people.member", lang))
    expect(member).to_have_count(1)
    expect(member).to_have_value("camille@example.fr")
    found["people-teams"] = _axe_violations(page)
    page.screenshot(path=str(ARTIFACTS / f"a11y-people-teams-{lang}.png"), full_page=True)
    return found


@pytest.mark.parametrize(
    ("app_url", "lang"),
    [({"ATELIER_LANG": "fr"}, "fr"), ({"ATELIER_LANG": "en"}, "en")],
    indirect=["app_url"],
)
def test_every_page_is_accessible_in_both_languages(
    app_url: str, lang: str, tmp_path: Path
) -> None:
    """No serious or critical axe-core violation; the document says its language; Streamlit's
    own English accessible names are given in the person's language."""
    from playwright.sync_api import expect

    from agents.i18n import t

    if not AXE.is_file():
        pytest.skip(f"axe-core is absent ({AXE}): run `make axe-deps` (needs npm)")
    _record_some_runs(tmp_path / "home")  # the usage page then draws its charts
    problems: dict[str, list[str]] = {}
    with _page(1280, 1400, lang) as page:
        page.goto(app_url)
        expect(page.get_by_role("heading", name=t("ui.sign_in.title", lang))).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        problems["sign_in"] = _axe_violations(page)
        page.screenshot(path=str(ARTIFACTS / f"a11y-sign_in-{lang}.png"), full_page=True)
        _sign_in(page, app_url, lang=lang)
        expect(page.get_by_role("heading", name=t("ui.home.title", lang))).to_be_visible()
        for name in PAGES:
            if name == "editor":
                page.get_by_role("button", name=t("ui.home.new_agent", lang)).click()
                expect(page.get_by_placeholder(t("ui.preview.placeholder", lang))).to_be_visible()
            elif name != "home":
                nav = page.get_by_test_id("stSidebarNav")
                nav.get_by_role("link", name=t(f"ui.nav.{name}", lang)).click()
                heading = t(HEADINGS[name], lang)
                expect(page.get_by_role("heading", name=heading).first).to_be_visible()
            expect(page.locator("html")).to_have_attribute("lang", lang)
            problems[name] = _axe_violations(page)
            page.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{lang}.png"), full_page=True)
            if name == "home":  # the keyboard focus on a sidebar link can be seen
                link = page.get_by_test_id("stSidebarNav").get_by_role("link").nth(1)
                link.focus()
                page.keyboard.press("Shift+Tab")
                page.keyboard.press("Tab")
                expect(link).to_be_focused()
                outline = link.evaluate(
                    "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]"
                )
                assert outline[0] != "none" and outline[1] != "0px", outline
            if name == "editor" and lang == "fr":
                send = page.get_by_test_id("stChatInputSubmitButton")
                expect(send).to_have_attribute("aria-label", t("ui.a11y.send_message", lang))
            if name == "people":
                problems.update(_people_page_in_use(page, lang))
    failing = {name: found for name, found in problems.items() if found}
    assert not failing, "serious or critical accessibility violations:\n" + "\n".join(
        f"{name}: {line}" for name, found in failing.items() for line in found
    )


def test_two_people_signed_in_at_once_each_see_only_their_own_work(app_url: str) -> None:
    """S16: two browser contexts, two people, one app. A reload keeps each signed in (the
    session cookie); signing out ends it, and the next visit asks to sign in again."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pages = {}
            for login in PEOPLE:
                context = browser.new_context(viewport={"width": 1280, "height": 1200})
                page = context.new_page()
                page.set_default_timeout(STEP_TIMEOUT_MS)
                _sign_in(page, app_url, login)
                pages[login] = page
            camille, bruno = pages["camille@example.fr"], pages["bruno@example.fr"]
            for page, name in ((camille, "Agent de Camille"), (bruno, "Agent de Bruno")):
                page.get_by_role("button", name="Nouvel agent").click()
                field = page.get_by_label("Nom", exact=True)
                field.fill(name)
                field.press("Tab")
                page.get_by_role("button", name="Enregistrer").click()
                expect(page.get_by_text("Version 1 enregistrée.")).to_be_visible()
            for page, mine, other in (
                (camille, "Agent de Camille", "Agent de Bruno"),
                (bruno, "Agent de Bruno", "Agent de Camille"),
            ):
                page.reload()  # still signed in after a reload
                page.get_by_role("link", name="Accueil").click()
                expect(page.get_by_role("heading", name=mine)).to_be_visible()
                expect(page.get_by_role("heading", name=other)).to_have_count(0)
            expect(bruno.get_by_role("link", name="Administration")).to_have_count(0)
            expect(camille.get_by_role("link", name="Administration")).to_be_visible()
            bruno.get_by_role("button", name="Se déconnecter").click()
            expect(bruno.get_by_text("Vous êtes déconnecté.")).to_be_visible()
            bruno.reload()
            expect(bruno.get_by_role("heading", name="Connexion à Atelier")).to_be_visible()
            camille.reload()
            expect(camille.get_by_role("heading", name="Agent de Camille")).to_be_visible()
        finally:
            browser.close()


def test_the_setup_link_makes_the_first_administrator_in_a_real_browser(
    app_url: str, tmp_path: Path
) -> None:
    """What `make run` prints, opened as a newcomer would: the form, the account, the home."""
    from datetime import timedelta

    from playwright.sync_api import expect

    from store.sql_catalogue import SqlCatalogue

    catalogue = SqlCatalogue(tmp_path / "home" / "catalogue.sqlite3")
    try:
        link = catalogue.sign_in.create_link("", "setup", timedelta(hours=1))
    finally:
        catalogue.close()
    with _page(1280, 1200) as page:
        page.goto(f"{app_url}/?setup={link.token}")
        expect(
            page.get_by_role("heading", name="Créer le premier compte administrateur")
        ).to_be_visible()
        page.get_by_label("Adresse électronique", exact=True).fill("dominique@example.fr")
        page.get_by_label("Nom affiché", exact=True).fill("Dominique")
        page.get_by_label("Nouveau mot de passe", exact=True).fill(PASSWORD)
        page.get_by_label("Confirmez le mot de passe", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Créer le compte et se connecter").click()
        expect(page.get_by_role("heading", name="Vos assistants")).to_be_visible()
        expect(page.get_by_text("Dominique (dominique@example.fr)", exact=False)).to_be_visible()
        assert "setup=" not in page.url  # the spent link is not left in the address bar
        page.reload()
        expect(page.get_by_role("heading", name="Vos assistants")).to_be_visible()
