"""Single sign-on's building blocks without a browser: the settings an administrator saves, who
a provider's claims name, the account made at the first sign-in, the trusted header, and the
``[auth]`` file Streamlit reads. The browser and a real provider are in
``test_browser_sso.py``."""

from __future__ import annotations

import logging
import stat
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import pytest

from agents.errors import UserError
from builder_ui.services.single_sign_on import (
    COOKIE_SECRET_NAME,
    SsoIdentity,
    SsoRefused,
    auth_secrets_toml,
    identity_from_headers,
    principal_from_sso,
    sign_in_with_sso,
    streamlit_launch,
    streamlit_secrets_path,
    write_streamlit_secrets,
)
from store.admin_settings import (
    AdminSettings,
    InvalidSettings,
    load_admin_settings,
    parse_admin_settings,
    save_admin_settings,
    set_installation_secret,
)
from store.secrets import INSTALLATION, open_secret_store
from store.sso_settings import OidcSettings, SsoSettings, TrustedHeaderSettings

OIDC = {
    "enabled": True,
    "provider_label": "ProConnect",
    "server_metadata_url": "https://auth.agentconnect.gouv.fr/api/v2/.well-known/openid-configuration",
    "client_id": "atelier",
    "client_secret_credential": "proconnect-client",
    "redirect_uri": "https://atelier.example.gouv.fr/oauth2callback",
    "group_teams": {"grp-redaction": "Rédaction", "grp-rh": "RH"},
}


def _oidc(**changes: Any) -> OidcSettings:
    return OidcSettings.model_validate({**OIDC, **changes})


def _problems(data: dict[str, Any]) -> str:
    with pytest.raises(InvalidSettings) as caught:
        parse_admin_settings({"sso": data})
    return "\n".join(f"{path}: {message}" for path, message in caught.value.problems)


# --- settings ----------------------------------------------------------------------------


def test_single_sign_on_and_the_trusted_header_are_off_by_default() -> None:
    settings = AdminSettings().sso
    assert not settings.oidc.enabled
    assert not settings.trusted_header.enabled
    assert settings.oidc.groups_claim == "groups"
    assert settings.oidc.default_role == "user"
    assert settings.trusted_header.header == "X-Forwarded-Email"
    assert settings.trusted_header.proxies == []


def test_settings_are_kept_with_the_admin_settings() -> None:
    sso = SsoSettings(
        oidc=_oidc(email_domains=["Example.GOUV.fr", "@interieur.gouv.fr"]),
        trusted_header=TrustedHeaderSettings(
            enabled=True, header="X-Remote-User", proxies=["10.0.0.7", "10.1.0.0/16", "[::1]"]
        ),
    )
    save_admin_settings(AdminSettings(sso=sso), by="alice")
    loaded = load_admin_settings().sso
    assert loaded == sso
    assert loaded.oidc.email_domains == ["example.gouv.fr", "interieur.gouv.fr"]
    assert loaded.trusted_header.proxies == ["10.0.0.7", "10.1.0.0/16", "::1"]


def test_turning_single_sign_on_on_needs_every_connection_setting() -> None:
    message = _problems({"oidc": {"enabled": True, "client_id": "atelier"}})
    assert "server_metadata_url" in message and "client_secret_credential" in message
    assert "redirect_uri" in message


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"server_metadata_url": "http://idp.example.org/.well-known/x"}, "https://"),
        ({"server_metadata_url": "https://u:p@idp.example.org/x"}, "mot de passe"),
        ({"server_metadata_url": "ftp://idp.example.org/x"}, "adresse complète"),
        ({"redirect_uri": "https://atelier.example.org/"}, "/oauth2callback"),
        ({"redirect_uri": "https://atelier.example.org/oauth2callback?x=1"}, "sans paramètres"),
        ({"client_secret_credential": "Le Secret"}, "nom d'identifiant"),
        ({"default_role": "admin"}, "default_role"),
        ({"scopes": ["email", "profile"]}, "openid"),
        ({"groups_claim": "les groupes"}, "revendication"),
        ({"group_teams": {"grp": " "}}, "aucune équipe"),
        ({"email_domains": ["pas un domaine"]}, "nom de domaine"),
        ({"client_secret": "s3cr3t"}, "client_secret"),  # the value never goes in settings
    ],
)
def test_unsafe_or_unusable_connection_settings_are_refused(
    changes: dict[str, Any], words: str
) -> None:
    assert words in _problems({"oidc": {**OIDC, **changes}})


def test_plain_http_is_accepted_for_a_provider_on_this_machine() -> None:
    settings = _oidc(
        server_metadata_url="http://127.0.0.1:9400/.well-known/openid-configuration",
        redirect_uri="http://localhost:8501/oauth2callback",
    )
    assert settings.redirect_uri == "http://localhost:8501/oauth2callback"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"enabled": True}, "au moins un mandataire"),
        ({"proxies": ["proxy.example.org"]}, "ni une adresse IP"),
        ({"header": "X Forwarded Email"}, "nom d'en-tête"),
        ({"enabled": True, "proxies": ["10.0.0.1"], "trust_everyone": True}, "trust_everyone"),
    ],
)
def test_a_trusted_header_needs_its_proxies_and_a_real_header_name(
    data: dict[str, Any], words: str
) -> None:
    assert words in _problems({"trusted_header": data})


# --- who the provider names --------------------------------------------------------------


def test_the_claims_give_the_address_name_groups_and_teams() -> None:
    identity = principal_from_sso(
        {
            "sub": "8c1f",
            "iss": "https://idp.example.org",
            "email": " Camille.Martin@Example.GOUV.fr ",
            "name": "Camille Martin",
            "groups": ["grp-rh", "grp-inconnu", 42, "grp-rh", "grp-redaction"],
        },
        _oidc(),
    )
    assert identity == SsoIdentity(
        email="camille.martin@example.gouv.fr",
        name="Camille Martin",
        groups=("grp-rh", "grp-inconnu", "grp-redaction"),
        teams=("RH", "Rédaction"),
        managed_teams=("Rédaction", "RH"),
        subject="8c1f",
        issuer="https://idp.example.org",
    )


def test_proconnect_names_and_a_groups_claim_of_another_name() -> None:
    identity = principal_from_sso(
        {
            "email": "dominique@interieur.gouv.fr",
            "given_name": "Dominique",
            "usual_name": "Durand",
            "roles": "grp-rh grp-redaction",
        },
        _oidc(groups_claim="roles"),
    )
    assert identity.name == "Dominique Durand"
    assert identity.groups == ("grp-rh", "grp-redaction")
    assert identity.teams == ("RH", "Rédaction")


def test_without_a_name_the_address_is_the_name_and_no_groups_no_teams() -> None:
    identity = principal_from_sso({"email": "a@example.org"}, _oidc())
    assert (identity.name, identity.groups, identity.teams) == ("a@example.org", (), ())


@pytest.mark.parametrize(
    ("claims", "key"),
    [
        ({"name": "Sans Adresse"}, "sso.refused.no_email"),
        ({"email": "pas-une-adresse"}, "sso.refused.no_email"),
        ({"email": "a@example.org, b@example.org"}, "sso.refused.no_email"),
        ({"email": "a@example.org", "email_verified": False}, "sso.refused.unverified"),
        ({"email": "a@ailleurs.org"}, "sso.refused.domain"),
    ],
)
def test_claims_that_do_not_name_an_admitted_person_are_refused(
    claims: dict[str, Any], key: str
) -> None:
    with pytest.raises(SsoRefused) as caught:
        principal_from_sso(claims, _oidc(email_domains=["example.org"]))
    assert caught.value.key == key
    assert caught.value.message("fr") != key and caught.value.message("en") != key


# --- the first sign-in -------------------------------------------------------------------


@dataclass
class Account:
    email: str
    name: str
    role: str
    active: bool = True


@dataclass
class Accounts:
    """The simplest accounts store that keeps the ``SsoAccounts`` promise."""

    accounts: dict[str, Account] = field(default_factory=dict)
    teams: dict[str, set[str]] = field(default_factory=dict)  # email -> team names

    def ensure_account(self, email: str, name: str, role: str) -> Account:
        return self.accounts.setdefault(email, Account(email, name, role))

    def set_teams(self, email: str, teams: Collection[str], managed: Collection[str]) -> None:
        current = self.teams.setdefault(email, set())
        current -= set(managed)
        current |= set(teams)


def test_the_first_sign_in_creates_the_account_with_the_default_role_and_its_teams() -> None:
    accounts = Accounts()
    settings = _oidc(default_role="creator")
    claims = {"email": "camille@example.org", "name": "Camille", "groups": ["grp-rh"]}
    account = sign_in_with_sso(principal_from_sso(claims, settings), accounts, settings)
    assert account == Account("camille@example.org", "Camille", "creator")
    assert accounts.teams["camille@example.org"] == {"RH"}


def test_later_sign_ins_keep_the_role_and_follow_the_groups_for_mapped_teams_only() -> None:
    accounts = Accounts()
    settings = _oidc()
    first = {"email": "camille@example.org", "name": "Camille", "groups": ["grp-rh"]}
    sign_in_with_sso(principal_from_sso(first, settings), accounts, settings)
    accounts.accounts["camille@example.org"].role = "reviewer"  # an admin changed it
    accounts.teams["camille@example.org"].add("Club lecture")  # joined by hand
    later = {"email": "camille@example.org", "name": "C. M.", "groups": ["grp-redaction"]}
    account = sign_in_with_sso(principal_from_sso(later, settings), accounts, settings)
    assert (account.role, account.name) == ("reviewer", "Camille")
    assert accounts.teams["camille@example.org"] == {"Rédaction", "Club lecture"}


def test_a_disabled_account_is_refused_and_its_teams_left_alone() -> None:
    accounts = Accounts()
    accounts.accounts["camille@example.org"] = Account("camille@example.org", "C", "user", False)
    accounts.teams["camille@example.org"] = {"RH"}
    settings = _oidc()
    claims = {"email": "camille@example.org", "groups": ["grp-redaction"]}
    with pytest.raises(SsoRefused) as caught:
        sign_in_with_sso(principal_from_sso(claims, settings), accounts, settings)
    assert caught.value.key == "sso.refused.disabled"
    assert accounts.teams["camille@example.org"] == {"RH"}


# --- the trusted header ------------------------------------------------------------------

PROXIES = TrustedHeaderSettings(enabled=True, proxies=["10.0.0.7", "192.168.4.0/24", "fd00::/8"])
HEADERS = {"x-forwarded-email": "Dominique@Example.org", "host": "atelier.example.org"}


@pytest.mark.parametrize(
    "remote", ["10.0.0.7", "192.168.4.200", "fd00::12", "::ffff:10.0.0.7", "[fd00::12]"]
)
def test_the_header_is_believed_from_a_listed_proxy(remote: str) -> None:
    assert identity_from_headers(HEADERS, remote, PROXIES) == "dominique@example.org"


@pytest.mark.parametrize(
    "remote", ["10.0.0.8", "192.168.5.1", "127.0.0.1", "::1", "fe80::1", "", None, "proxy"]
)
def test_the_header_is_ignored_from_anywhere_else(remote: str | None) -> None:
    assert identity_from_headers(HEADERS, remote, PROXIES) is None


def test_the_header_is_ignored_when_off_or_when_no_proxy_is_listed() -> None:
    off = PROXIES.model_copy(update={"enabled": False})
    assert identity_from_headers(HEADERS, "10.0.0.7", off) is None
    nobody = TrustedHeaderSettings.model_construct(enabled=True, header="X-Forwarded-Email")
    nobody.proxies = []
    assert identity_from_headers(HEADERS, "10.0.0.7", nobody) is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Forwarded-Email": ""},
        {"X-Forwarded-Email": "pas une adresse"},
        {"X-Forwarded-Email": "a@example.org, b@example.org"},
        {"X-Forwarded-Email": "a@example.org", "x-forwarded-email": "b@example.org"},
        {"X-Forwarded-User": "a@example.org"},
    ],
)
def test_a_missing_ambiguous_or_malformed_header_names_nobody(headers: dict[str, str]) -> None:
    assert identity_from_headers(headers, "10.0.0.7", PROXIES) is None


def test_the_header_name_is_the_one_configured_in_any_case() -> None:
    settings = PROXIES.model_copy(update={"header": "Remote-Email"})
    assert identity_from_headers({"REMOTE-EMAIL": "a@example.org"}, "10.0.0.7", settings) == (
        "a@example.org"
    )


# --- the [auth] file Streamlit reads -----------------------------------------------------


def test_the_auth_section_has_what_st_login_requires_and_survives_odd_characters() -> None:
    secret = 'a"b\\c\nd\x7fé'
    text = auth_secrets_toml(_oidc(scopes=["openid", "email", "groups"]), secret, "cookie")
    auth = tomllib.loads(text)["auth"]
    assert auth == {
        "redirect_uri": OIDC["redirect_uri"],
        "cookie_secret": "cookie",
        "client_id": "atelier",
        "client_secret": secret,
        "server_metadata_url": OIDC["server_metadata_url"],
        "client_kwargs": {"scope": "openid email groups"},
    }
    # every table is inside [auth]: top-level strings would become environment variables
    assert list(tomllib.loads(text)) == ["auth"]


def test_the_file_is_private_holds_the_credential_and_keeps_one_cookie_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    set_installation_secret("proconnect-client", "client-s3cr3t-value", by="alice")
    settings = SsoSettings(oidc=_oidc())
    path = write_streamlit_secrets(settings)
    assert path == streamlit_secrets_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = tomllib.loads(path.read_text("utf-8"))["auth"]
    assert first["client_secret"] == "client-s3cr3t-value"
    assert len(first["cookie_secret"]) >= 32
    assert first["cookie_secret"] == open_secret_store().get(INSTALLATION, COOKIE_SECRET_NAME)
    second = tomllib.loads(write_streamlit_secrets(settings).read_text("utf-8"))["auth"]
    assert second["cookie_secret"] == first["cookie_secret"]
    assert "client-s3cr3t-value" not in caplog.text
    assert first["cookie_secret"] not in caplog.text


def test_single_sign_on_off_leaves_no_auth_section() -> None:
    set_installation_secret("proconnect-client", "client-s3cr3t-value", by="alice")
    write_streamlit_secrets(SsoSettings(oidc=_oidc()))
    path = write_streamlit_secrets(SsoSettings())
    assert tomllib.loads(path.read_text("utf-8")) == {}
    assert "client-s3cr3t-value" not in path.read_text("utf-8")


def test_a_missing_client_secret_names_the_credential_to_store() -> None:
    with pytest.raises(UserError) as caught:
        write_streamlit_secrets(SsoSettings(oidc=_oidc()))
    assert caught.value.key == "sso.err.client_secret_missing"
    assert "proconnect-client" in caught.value.message("fr")
    assert not streamlit_secrets_path().exists()


def test_streamlit_reads_only_that_file_and_believes_no_forwarded_address() -> None:
    path = streamlit_secrets_path()
    arguments, environment = streamlit_launch(path)
    assert arguments == ["--secrets.files", str(path)]
    assert environment == {"FORWARDED_ALLOW_IPS": ""}
