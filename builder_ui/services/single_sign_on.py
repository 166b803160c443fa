"""Signing in without a local password: OpenID Connect through Streamlit's ``st.login``, and a
reverse proxy that authenticates and names the person in a header.

Streamlit reads its OIDC client from the ``[auth]`` section of a ``secrets.toml``. Atelier
keeps the settings (``store.sso_settings``) and the client secret (an installation
credential) in its own store, and writes that file into the data directory, readable by its
owner only, just before starting Streamlit: ``write_streamlit_secrets`` then
``streamlit_launch`` give the arguments and environment to start it with. The file holds a
cookie secret generated once and kept as an installation credential, so that every app process
(and every restart) signs and reads the same session cookies.

What the provider says about a person (``st.user``) becomes an ``SsoIdentity``
(``principal_from_sso``); ``sign_in_with_sso`` creates the account at the first sign-in and
keeps the teams its groups map to, through the small ``SsoAccounts`` protocol the accounts
store implements. A trusted header is believed only from a listed proxy
(``identity_from_headers``).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agents.errors import UserError
from store.config import data_dir
from store.files import write_atomic
from store.secrets import INSTALLATION, SecretStore, open_secret_store
from store.sso_settings import OidcSettings, SsoSettings, TrustedHeaderSettings

log = logging.getLogger(__name__)

COOKIE_SECRET_NAME = "sso.cookie-secret"  # noqa: S105 - a credential's name, signs the cookies
SECRETS_FILE_NAME = "streamlit-secrets.toml"
# uvicorn (under Streamlit) replaces the connection's address with the X-Forwarded-For header
# when the connection comes from this machine; nobody may choose the address the trusted
# header is checked against, so Streamlit is started believing no forwarded address.
STREAMLIT_ENVIRONMENT = {"FORWARDED_ALLOW_IPS": ""}
_EMAIL = re.compile(r"^[^@\s,;<>\"]{1,64}@[^@\s,;<>\"]{1,253}$")


class SsoRefused(UserError):
    """The provider or the proxy vouched for someone Atelier will not let in, and why."""


@dataclass(frozen=True)
class SsoIdentity:
    """Who the provider says signed in: ``email`` (lower case) names the account; ``teams``
    are Atelier's teams their ``groups`` map to; ``managed_teams`` all the teams the mapping
    names (the ones sign-in keeps in step with the groups)."""

    email: str
    name: str
    groups: tuple[str, ...]
    teams: tuple[str, ...]
    managed_teams: tuple[str, ...]
    subject: str = ""
    issuer: str = ""


class SsoAccount(Protocol):
    @property
    def active(self) -> bool: ...


class SsoAccounts(Protocol):
    """What sign-in needs of the accounts store."""

    def ensure_account(self, email: str, name: str, role: str) -> SsoAccount:
        """The account named ``email``; created with ``name`` and ``role`` if there is none
        (an existing account keeps its own name and role)."""
        ...

    def set_teams(self, email: str, teams: Collection[str], managed: Collection[str]) -> None:
        """Make ``email`` a member of ``teams`` and of no other team in ``managed``; teams
        outside ``managed`` (joined by hand) are left alone. A team that does not exist yet is
        created."""
        ...


# --- what the provider says ------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _email(value: Any) -> str:
    text = _text(value).lower()
    return text if _EMAIL.match(text) else ""


def _groups(value: Any) -> tuple[str, ...]:
    """A claim's groups: a list of strings (Keycloak, Entra) or one string of them."""
    items: list[Any]
    if isinstance(value, str):
        items = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = []
    found = [item.strip() for item in items if isinstance(item, str) and item.strip()]
    return tuple(dict.fromkeys(found))


def principal_from_sso(user_info: Mapping[str, Any], settings: OidcSettings) -> SsoIdentity:
    """The person the provider vouches for (``st.user``, the ID token's claims). Refused when
    it names no valid e-mail address, says the address is not verified, or the address is
    outside ``settings.email_domains``."""
    email = _email(user_info.get("email"))
    if not email:
        raise SsoRefused("sso.refused.no_email")
    if user_info.get("email_verified") is False:
        raise SsoRefused("sso.refused.unverified", email=email)
    domain = email.rsplit("@", 1)[1]
    if settings.email_domains and domain not in settings.email_domains:
        raise SsoRefused("sso.refused.domain", email=email)
    given = _text(user_info.get("given_name"))
    family = _text(user_info.get("family_name")) or _text(user_info.get("usual_name"))
    name = (
        _text(user_info.get("name"))
        or " ".join(part for part in (given, family) if part)
        or _text(user_info.get("preferred_username"))
        or email
    )
    groups = _groups(user_info.get(settings.groups_claim))
    managed = tuple(dict.fromkeys(settings.group_teams.values()))
    mapping = settings.group_teams
    teams = tuple(dict.fromkeys(mapping[group] for group in groups if group in mapping))
    return SsoIdentity(
        email=email,
        name=name[:200],
        groups=groups,
        teams=teams,
        managed_teams=managed,
        subject=_text(user_info.get("sub")),
        issuer=_text(user_info.get("iss")),
    )


def sign_in_with_sso(
    identity: SsoIdentity, accounts: SsoAccounts, settings: OidcSettings
) -> SsoAccount:
    """The account of ``identity``, created at the first sign-in with ``settings.default_role``;
    its teams follow its groups (only the teams the mapping names). A disabled account is
    refused and left untouched."""
    account = accounts.ensure_account(identity.email, identity.name, settings.default_role)
    if not account.active:
        raise SsoRefused("sso.refused.disabled", email=identity.email)
    if identity.managed_teams:
        accounts.set_teams(identity.email, identity.teams, identity.managed_teams)
    log.info("single sign-on: %s signed in", identity.email)
    return account


# --- the trusted header ------------------------------------------------------------------


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:10.0.0.5 is 10.0.0.5
            return address.ipv4_mapped
        if address.scope_id:
            address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
    return address


def from_trusted_proxy(remote_addr: str | None, settings: TrustedHeaderSettings) -> bool:
    """Whether the connection comes from one of the proxies an administrator listed."""
    address = _address(remote_addr)
    if address is None:
        return False
    for entry in settings.proxies:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if address.version == network.version and address in network:
            return True
    return False


def identity_from_headers(
    headers: Mapping[str, str], remote_addr: str | None, settings: TrustedHeaderSettings
) -> str | None:
    """The e-mail address the proxy names in ``settings.header``, or ``None``: when the trusted
    header is off, when the connection does not come from a listed proxy (no list, no one), when
    the header is absent, repeated with different values, or not one address."""
    if not settings.enabled or not settings.proxies:
        return None
    if not from_trusted_proxy(remote_addr, settings):
        return None
    wanted = settings.header.lower()
    values = {_text(value) for key, value in headers.items() if key.lower() == wanted}
    if len(values) != 1:
        return None
    email = _email(values.pop())
    return email or None


# --- the [auth] section Streamlit reads --------------------------------------------------


def _toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def auth_secrets_toml(settings: OidcSettings, client_secret: str, cookie_secret: str) -> str:
    """The ``[auth]`` section for ``st.login()`` (Streamlit's unnamed default provider)."""
    values = {
        "redirect_uri": settings.redirect_uri,
        "cookie_secret": cookie_secret,
        "client_id": settings.client_id,
        "client_secret": client_secret,
        "server_metadata_url": settings.server_metadata_url,
    }
    lines = ["# Written by Atelier from its settings; changes here are overwritten.", "[auth]"]
    lines += [f"{key} = {_toml_string(value)}" for key, value in values.items()]
    lines += ["", "[auth.client_kwargs]", f"scope = {_toml_string(' '.join(settings.scopes))}"]
    text = "\n".join(lines) + "\n"
    parsed = tomllib.loads(text)["auth"]  # what Streamlit will read is what was meant
    assert {k: parsed[k] for k in values} == values
    return text


def streamlit_secrets_path() -> Path:
    return data_dir() / SECRETS_FILE_NAME


def cookie_secret(store: SecretStore) -> str:
    """The secret that signs the sign-in cookies: generated at the first need, then kept."""
    try:
        return store.get(INSTALLATION, COOKIE_SECRET_NAME)
    except UserError:
        value = secrets.token_urlsafe(48)
        store.set(INSTALLATION, COOKIE_SECRET_NAME, value)
        log.info("single sign-on: cookie secret generated")
        return store.get(INSTALLATION, COOKIE_SECRET_NAME)


def write_streamlit_secrets(settings: SsoSettings, store: SecretStore | None = None) -> Path:
    """Write (or, single sign-on being off, empty) the file Streamlit reads its ``[auth]``
    from, 0600, whole or not at all; its path, for ``streamlit_launch``. The client secret
    missing is a ``UserError`` naming the credential."""
    path = streamlit_secrets_path()
    oidc = settings.oidc
    if not oidc.enabled:
        write_atomic(path, b"# Single sign-on is off.\n")
        return path
    store = store or open_secret_store()
    try:
        client_secret = store.get(INSTALLATION, oidc.client_secret_credential)
    except UserError:
        raise UserError(
            "sso.err.client_secret_missing", name=oidc.client_secret_credential
        ) from None
    text = auth_secrets_toml(oidc, client_secret, cookie_secret(store))
    write_atomic(path, text.encode("utf-8"))
    log.info("single sign-on: Streamlit's [auth] written for %s", oidc.provider_label or "OIDC")
    return path


def streamlit_launch(secrets_file: Path) -> tuple[list[str], dict[str, str]]:
    """Arguments for ``streamlit run`` and environment variables: Streamlit reads only the
    given secrets file (not ``~/.streamlit/secrets.toml`` nor one in the current folder), and
    sees each connection's real address."""
    return ["--secrets.files", str(secrets_file)], dict(STREAMLIT_ENVIRONMENT)
