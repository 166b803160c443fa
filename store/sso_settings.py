"""How people sign in without a local password: OpenID Connect single sign-on (through
Streamlit's ``st.login``) and a reverse proxy that authenticates and names the person in a header.

Both are off until an administrator turns them on. The settings hold no secret: the OIDC
client's secret is an installation credential named in ``client_secret_credential`` (the value
sits encrypted in ``store.secrets``). They are one part of ``AdminSettings`` (``sso``), stored
and validated with the rest.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic import model_validator as model_check

from agents.errors import InvalidValue
from store.secrets import NAME_PATTERN

# The roles an account created at its first sign-in may get. Never ``admin``: whoever the
# provider lets in would be an administrator.
FirstLoginRole = Literal["user", "creator", "reviewer"]

CALLBACK_PATH = "/oauth2callback"  # Streamlit's route; the provider must redirect there
_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")
_CLAIM = re.compile(r"^[A-Za-z0-9_:./-]{1,128}$")
_SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 scope-token characters


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secure_url(value: str, *, callback: bool = False) -> str:
    """An https URL, or http on this machine only (a provider's metadata fetched in clear from
    elsewhere could be replaced on the way). Never a user or password in it."""
    text = value.strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        _ = parts.port  # a malformed port raises here
    except ValueError:
        raise InvalidValue("sso.err.url", value=text) from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidValue("sso.err.url", value=text)
    if parts.username or parts.password:
        raise InvalidValue("sso.err.url_credentials")
    if parts.scheme == "http" and not _is_loopback(host):
        raise InvalidValue("sso.err.url_https", value=text)
    if callback and (parts.query or parts.fragment or not parts.path.endswith(CALLBACK_PATH)):
        raise InvalidValue("sso.err.redirect_path", value=text, path=CALLBACK_PATH)
    return text


def _metadata_url(value: str) -> str:
    return _secure_url(value)


def _redirect_uri(value: str) -> str:
    return _secure_url(value, callback=True)


def _credential(value: str) -> str:
    text = value.strip()
    if text and not NAME_PATTERN.match(text):
        raise InvalidValue("sso.err.credential", value=text)
    return text


def _domain(value: str) -> str:
    text = value.strip().lower().removeprefix("@").rstrip(".")
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidValue("sso.err.domain", value=value) from None
    if len(text) > 253 or not _DOMAIN.match(text):
        raise InvalidValue("sso.err.domain", value=value)
    return text


def _claim(value: str) -> str:
    text = value.strip()
    if not _CLAIM.match(text):
        raise InvalidValue("sso.err.claim", value=value)
    return text


def _scope(value: str) -> str:
    if not _SCOPE.match(value):
        raise InvalidValue("sso.err.scope", value=value)
    return value


def _header(value: str) -> str:
    text = value.strip()
    if not _HEADER_NAME.match(text):
        raise InvalidValue("sso.err.header", value=value)
    return text


def _proxy_address(value: str) -> str:
    """An address (``10.0.0.5``, ``::1``) or a network (``10.0.0.0/24``), normalised."""
    text = value.strip()
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        return str(ipaddress.ip_address(text.removeprefix("[").removesuffix("]")))
    except ValueError:
        raise InvalidValue("sso.err.proxy_address", value=value) from None


class OidcSettings(BaseModel):
    """Single sign-on with an OpenID Connect provider (ProConnect, Keycloak, Microsoft Entra).

    ``provider_label`` is what the sign-in button names. ``server_metadata_url`` is the
    provider's ``.well-known/openid-configuration``. ``redirect_uri`` is this installation's
    address followed by ``/oauth2callback``, registered at the provider. ``groups_claim`` names
    the claim listing the person's groups; ``group_teams`` maps a group to one of Atelier's
    teams. ``email_domains``, when not empty, lets in only those addresses (a provider shared
    by many organisations, like ProConnect, would otherwise let in anyone it knows)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    provider_label: str = Field("", max_length=60)
    server_metadata_url: Annotated[str, AfterValidator(_metadata_url)] = ""
    client_id: str = Field("", max_length=255)
    client_secret_credential: Annotated[str, AfterValidator(_credential)] = ""
    redirect_uri: Annotated[str, AfterValidator(_redirect_uri)] = ""
    scopes: list[Annotated[str, AfterValidator(_scope)]] = Field(
        default_factory=lambda: ["openid", "email", "profile"]
    )
    groups_claim: Annotated[str, AfterValidator(_claim)] = "groups"
    group_teams: dict[Annotated[str, Field(min_length=1, max_length=256)], str] = Field(
        default_factory=dict
    )
    default_role: FirstLoginRole = "user"
    email_domains: list[Annotated[str, AfterValidator(_domain)]] = Field(default_factory=list)

    @field_validator("provider_label", "client_id")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("group_teams")
    @classmethod
    def _teams_named(cls, mapping: dict[str, str]) -> dict[str, str]:
        cleaned = {group: team.strip() for group, team in mapping.items()}
        for group, team in cleaned.items():
            if not team:
                raise InvalidValue("sso.err.team_blank", group=group)
        return cleaned

    @field_validator("email_domains")
    @classmethod
    def _dedupe(cls, domains: list[str]) -> list[str]:
        return list(dict.fromkeys(domains))

    @model_check(mode="after")
    def _complete_when_enabled(self) -> OidcSettings:
        if self.enabled:
            missing = [
                name
                for name in (
                    "server_metadata_url",
                    "client_id",
                    "client_secret_credential",
                    "redirect_uri",
                )
                if not getattr(self, name)
            ]
            if missing:
                raise InvalidValue("sso.err.incomplete", fields=", ".join(missing))
            if "openid" not in self.scopes:
                raise InvalidValue("sso.err.openid_scope")
        return self


class TrustedHeaderSettings(BaseModel):
    """A reverse proxy in front of Atelier authenticates people and names them in ``header``
    (an e-mail address). Believed only when ``enabled`` and only on a connection coming from
    one of ``proxies`` (addresses or networks); an empty list believes nobody."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    header: Annotated[str, AfterValidator(_header)] = "X-Forwarded-Email"
    proxies: list[Annotated[str, AfterValidator(_proxy_address)]] = Field(default_factory=list)

    @field_validator("proxies")
    @classmethod
    def _dedupe(cls, proxies: list[str]) -> list[str]:
        return list(dict.fromkeys(proxies))

    @model_check(mode="after")
    def _proxies_when_enabled(self) -> TrustedHeaderSettings:
        if self.enabled and not self.proxies:
            raise InvalidValue("sso.err.no_proxies")
        return self


class SsoSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    oidc: OidcSettings = Field(default_factory=OidcSettings)
    trusted_header: TrustedHeaderSettings = Field(default_factory=TrustedHeaderSettings)
