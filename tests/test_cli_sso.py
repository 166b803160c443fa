"""``atelier admin set-sso`` and ``set-trusted-header``: an administrator's, saved in the admin
settings, refused to anyone else, and what ``atelier ui`` writes for ``st.login`` from them."""

from __future__ import annotations

import json
import os
import stat

from cli_driver import atelier, ok

from store.admin_settings import load_admin_settings

METADATA = "https://keycloak.example.org/realms/atelier/.well-known/openid-configuration"


def test_an_administrator_configures_single_sign_on_and_atelier_ui_writes_auth() -> None:
    ok("secret", "set", "keycloak-client", "--installation", input="le-secret-du-client")
    saved = ok(
        "admin", "set-sso", "--enable", "--provider-label", "Keycloak",
        "--metadata-url", METADATA, "--client-id", "atelier",
        "--client-secret-credential", "keycloak-client",
        "--redirect-uri", "https://atelier.example.org/oauth2callback",
        "--map", "redaction=Rédaction", "--map", "rh=Ressources humaines",
        "--default-role", "creator", "--domain", "example.org",
    )  # fmt: skip
    shown = json.loads(saved.stdout)
    assert shown["enabled"] and shown["group_teams"] == {
        "redaction": "Rédaction",
        "rh": "Ressources humaines",
    }
    assert "le-secret-du-client" not in saved.stdout
    oidc = load_admin_settings().sso.oidc
    assert (oidc.client_id, oidc.default_role) == ("atelier", "creator")

    from builder_ui.services.single_sign_on import write_streamlit_secrets

    path = write_streamlit_secrets(load_admin_settings().sso)
    text = path.read_text()
    assert "le-secret-du-client" in text and 'client_id = "atelier"' in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_bad_input_and_other_people_are_refused() -> None:
    bad = atelier("admin", "set-sso", "--map", "sans-egal")
    assert bad.exit_code == 2 and "GROUPE=ÉQUIPE" in bad.stderr
    wrong = atelier("admin", "set-trusted-header", "--enable", "--proxy", "pas une adresse")
    assert wrong.exit_code == 2
    ok("admin", "set-trusted-header", "--enable", "--proxy", "10.0.0.0/8")
    assert load_admin_settings().sso.trusted_header.proxies == ["10.0.0.0/8"]
    ok("user", "add", "bob@example.fr", "--role", "creator")
    refused = atelier("--as", "bob@example.fr", "admin", "set-trusted-header", "--disable")
    assert refused.exit_code == 2 and "administrateurs" in refused.stderr
    assert load_admin_settings().sso.trusted_header.enabled
