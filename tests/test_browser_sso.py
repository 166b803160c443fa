"""Single sign-on end to end in a real headless Chromium, against a real OpenID Connect provider
(``oidc-provider-mock``, started by the test on loopback, see ``tests/oidc_provider.py``).

The installation is configured as an administrator would: the client registered at the
provider, its secret stored as an installation credential, the settings saved in the admin
settings; ``write_streamlit_secrets`` and ``streamlit_launch`` then give Streamlit its
``[auth]`` file and environment, exactly as ``atelier ui`` will. The page is
``tests/sso_app.py``, built with the login page's panel.

Skipped, saying why, without Chromium or playwright (as ``test_browser.py``). Every wait is
on a condition.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from oidc_provider import OidcProvider, free_port, running_provider
from processes import stop
from test_browser import ROOT, _page, _require_browser, _wait_healthy

from builder_ui.services.single_sign_on import streamlit_launch, write_streamlit_secrets
from store.admin_settings import (
    AdminSettings,
    load_admin_settings,
    save_admin_settings,
    set_installation_secret,
    update_admin_settings,
)
from store.sso_settings import OidcSettings, SsoSettings, TrustedHeaderSettings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLAIMS = {
    "email": "Camille.Martin@Example.org",
    "email_verified": True,
    "name": "Camille Martin",
    "groups": ["redaction", "rh", "sans-equipe"],
}


@dataclass(frozen=True)
class App:
    url: str
    provider: OidcProvider | None


@contextmanager
def _streamlit(port: int, tmp_path: Path, script: str = "tests/sso_app.py") -> Iterator[str]:
    """``script`` (the panel's page, or the builder itself) started the way ``atelier ui``
    starts the builder."""
    secrets_file = write_streamlit_secrets(load_admin_settings().sso)
    arguments, environment = streamlit_launch(secrets_file)
    env = {
        **os.environ,
        **environment,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "ATELIER_LANG": "fr",
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        *arguments,
    ]
    with (tmp_path / "streamlit.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process)
            yield url
        finally:
            stop(process)


@pytest.fixture
def sso_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[App]:
    """The app with single sign-on at a provider running on loopback, called Keycloak.
    Parametrised indirectly with ``{"wrong_secret": True}``, another secret is stored."""
    _require_browser()
    wrong_secret = dict(getattr(request, "param", {})).get("wrong_secret", False)
    script = dict(getattr(request, "param", {})).get("script", "tests/sso_app.py")
    with running_provider(tmp_path / "provider.log") as provider:
        port = free_port()
        redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
        client_id, client_secret = provider.register_client(redirect_uri)
        stored = "not-the-secret" if wrong_secret else client_secret
        set_installation_secret("keycloak-client", stored, by="test")
        oidc = OidcSettings(
            enabled=True,
            provider_label="Keycloak",
            server_metadata_url=provider.metadata_url,
            client_id=client_id,
            client_secret_credential="keycloak-client",
            redirect_uri=redirect_uri,
            group_teams={"redaction": "Rédaction", "rh": "Ressources humaines"},
        )
        save_admin_settings(AdminSettings(sso=SsoSettings(oidc=oidc)), by="test")
        with _streamlit(port, tmp_path, script) as url:
            yield App(url, provider)


@pytest.fixture
def proxy_app(tmp_path: Path) -> Iterator[App]:
    """The app behind a proxy on this machine that names people in X-Forwarded-Email."""
    _require_browser()
    trusted = TrustedHeaderSettings(enabled=True, proxies=["127.0.0.1", "::1"])
    save_admin_settings(AdminSettings(sso=SsoSettings(trusted_header=trusted)), by="test")
    with _streamlit(free_port(), tmp_path) as url:
        yield App(url, None)


def test_sign_in_at_the_provider_shows_the_person_and_their_teams_then_sign_out(
    sso_app: App,
) -> None:
    from playwright.sync_api import expect

    assert sso_app.provider is not None
    sso_app.provider.set_user("camille", CLAIMS)
    with _page(1280, 900) as page:
        page.goto(sso_app.url)
        page.get_by_role("button", name="Se connecter avec Keycloak").click()

        # The provider's own page: it asks who signs in.
        page.wait_for_url(f"{sso_app.provider.base_url}/oauth2/authorize*")
        page.locator("input[name=sub]").fill("camille")
        page.get_by_role("button", name="Authorize").click()

        expect(page.get_by_text("Connecté en tant que camille.martin@example.org")).to_be_visible()
        expect(page.get_by_text("Groupes : redaction, rh, sans-equipe")).to_be_visible()
        expect(page.get_by_text("Équipes : Rédaction, Ressources humaines")).to_be_visible()
        assert page.url.startswith(sso_app.url)

        # The sign-in survives a reload (Streamlit's signed cookie).
        page.reload()
        expect(page.get_by_text("Connecté en tant que camille.martin@example.org")).to_be_visible()

        page.get_by_role("button", name="Se déconnecter").click()
        # The provider is asked to end its session too, then sends the person back.
        page.wait_for_url(f"{sso_app.provider.base_url}/oauth2/end_session*")
        page.get_by_role("button", name="End session").click()
        expect(page.get_by_role("button", name="Se connecter avec Keycloak")).to_be_visible()
        page.reload()
        expect(page.get_by_role("button", name="Se connecter avec Keycloak")).to_be_visible()
        expect(page.get_by_text("Connecté en tant que")).to_have_count(0)


@pytest.mark.parametrize("sso_app", [{"wrong_secret": True}], indirect=True)
def test_a_wrong_client_secret_signs_nobody_in(sso_app: App) -> None:
    """The client secret really is what the provider checks: with another one stored, the token
    exchange fails and the person is back at the sign-in button, signed in nowhere."""
    from playwright.sync_api import expect

    assert sso_app.provider is not None
    sso_app.provider.set_user("camille", CLAIMS)
    with _page(1280, 900) as page:
        page.goto(sso_app.url)
        page.get_by_role("button", name="Se connecter avec Keycloak").click()
        page.wait_for_url(f"{sso_app.provider.base_url}/oauth2/authorize*")
        page.locator("input[name=sub]").fill("camille")
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{sso_app.url}/")
        expect(page.get_by_role("button", name="Se connecter avec Keycloak")).to_be_visible()
        expect(page.get_by_text("Connecté en tant que")).to_have_count(0)


def test_the_trusted_header_is_believed_only_from_a_listed_proxy(proxy_app: App) -> None:
    from playwright.sync_api import expect

    with _page(1280, 900) as page:
        page.set_extra_http_headers({"X-Forwarded-Email": "dominique@example.org"})
        page.goto(proxy_app.url)
        expect(
            page.get_by_text(
                "Connecté par le mandataire de l'organisation en tant que dominique@example.org"
            )
        ).to_be_visible()

        # Only proxies on the internal network now: this machine is no longer one, and an
        # X-Forwarded-For naming one of them does not make it one.
        update_admin_settings(
            lambda s: s.model_copy(
                update={
                    "sso": SsoSettings(
                        trusted_header=TrustedHeaderSettings(enabled=True, proxies=["10.0.0.0/8"])
                    )
                }
            ),
            by="test",
        )
        page.set_extra_http_headers(
            {"X-Forwarded-Email": "dominique@example.org", "X-Forwarded-For": "10.1.2.3"}
        )
        page.reload()
        expect(page.get_by_role("button", name="Se connecter avec")).to_be_visible()
        expect(page.get_by_text("Connecté par le mandataire")).to_have_count(0)


BUILDER = {"script": "builder_ui/web/app.py"}


@pytest.mark.parametrize("sso_app", [BUILDER], indirect=True)
def test_the_builder_signs_in_at_the_provider_and_makes_the_account_with_its_teams(
    sso_app: App,
) -> None:
    """The real builder: the provider's button on the sign-in page; the account is made at the
    first sign-in with the configured role, its groups give its teams; signing out ends both
    Atelier's session and the provider's."""
    from playwright.sync_api import expect

    from store.sql_catalogue import open_catalogue

    assert sso_app.provider is not None
    sso_app.provider.set_user("camille", CLAIMS)
    with _page(1280, 900) as page:
        page.goto(sso_app.url)
        expect(page.get_by_role("heading", name="Connexion à Atelier")).to_be_visible()
        page.get_by_role("button", name="Se connecter avec Keycloak").click()
        page.wait_for_url(f"{sso_app.provider.base_url}/oauth2/authorize*")
        page.locator("input[name=sub]").fill("camille")
        page.get_by_role("button", name="Authorize").click()
        expect(page.get_by_role("heading", name="Discuter")).to_be_visible()  # a user's page
        expect(page.get_by_text("Camille Martin (camille.martin@example.org)")).to_be_visible()
        catalogue = open_catalogue()
        account = catalogue.get_account("camille.martin@example.org")
        assert (account.role, account.origin) == ("user", "sso")
        teams = [team.name for team in catalogue.account_teams(account.id)]
        assert teams == ["Rédaction", "Ressources humaines"]
        page.reload()
        expect(page.get_by_role("heading", name="Discuter")).to_be_visible()

        # A disabled account loses the session at once, and the provider cannot bring it back.
        catalogue.update_account(account.id, active=False)
        page.reload()
        expect(page.get_by_text("désactivé")).to_be_visible()
        expect(page.get_by_role("heading", name="Discuter")).to_have_count(0)
        catalogue.update_account(account.id, active=True)
        page.reload()
        expect(page.get_by_role("heading", name="Discuter")).to_be_visible()

        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url(f"{sso_app.provider.base_url}/oauth2/end_session*")
        page.get_by_role("button", name="End session").click()
        expect(page.get_by_role("button", name="Se connecter avec Keycloak")).to_be_visible()
        page.reload()
        expect(page.get_by_role("heading", name="Discuter")).to_have_count(0)


def test_the_builder_believes_a_listed_proxy_and_no_one_else(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    _require_browser()
    trusted = TrustedHeaderSettings(enabled=True, proxies=["127.0.0.1", "::1"])
    save_admin_settings(AdminSettings(sso=SsoSettings(trusted_header=trusted)), by="test")
    with _streamlit(free_port(), tmp_path, BUILDER["script"]) as url, _page(1280, 900) as page:
        page.set_extra_http_headers({"X-Forwarded-Email": "dominique@example.org"})
        page.goto(url)
        expect(page.get_by_role("heading", name="Discuter")).to_be_visible()
        expect(page.get_by_text("dominique@example.org (utilisateur)")).to_be_visible()
