"""The installation's settings that only an admin changes: where tools may connect (the egress
guard), the web-search backend, the MCP servers agents may use, and the language models the
organisation offers (``models``: who may use each; its key is an installation secret it names).

They are data, validated by pydantic with ``extra="forbid"``, stored as JSON in the ``settings``
table of the secrets database (``store.secrets``), so every process of the installation reads
the same ones and two admins saving at once take turns. They hold no secret: an MCP server's
token is a stored secret of the installation, named in ``credential`` and resolved at run time
by ``installation_secret_resolver``. ``tools/`` never imports this module: the interface that
runs an agent reads the settings and hands the tools what they need (``tools.egress`` has its
own policy type, built from ``EgressSettings``).

Who is an admin: there are no roles yet (they come with teams); until then whoever runs the
``atelier`` CLI as the owner of the data directory is the installation's admin.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic import model_validator as model_check

from agents.errors import InvalidValue, UserError
from agents.i18n import t
from agents.spec import DataClass, describe_validation_error
from store.accounts import ROLES, Role
from store.secrets import (
    INSTALLATION,
    NAME_PATTERN,
    SecretInfo,
    SecretStore,
    open_secret_store,
    secrets_path,
)
from store.sso_settings import SsoSettings

log = logging.getLogger(__name__)

SETTINGS_KEY = "admin"
_HOST_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"^{_HOST_LABEL}(?:\.{_HOST_LABEL})*$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


def _host_pattern(value: str) -> str:
    """A host as the egress guard compares it: ``api.example.org``, ``*.example.org`` (its
    subdomains), an IP address or a network (``10.0.0.0/8``); lower case, IDNA-encoded."""
    text = value.strip().lower().rstrip(".")
    if not text:
        raise InvalidValue("admin.err.host_blank")
    if "://" in text or text.startswith("//"):
        raise InvalidValue("admin.err.host_is_url", value=value)
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        return str(ipaddress.ip_address(text.removeprefix("[").removesuffix("]")))
    except ValueError:
        if "/" in text:
            raise InvalidValue("admin.err.host_bad", value=value) from None
    if ":" in text:
        raise InvalidValue("admin.err.host_port", value=value)
    wildcard = text.startswith("*.")
    name = text.removeprefix("*.")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidValue("admin.err.host_bad", value=value) from None
    if len(name) > 253 or not _HOSTNAME.match(name):
        raise InvalidValue("admin.err.host_bad", value=value)
    return ("*." if wildcard else "") + name


def _http_url(value: str) -> str:
    """An http(s) URL, or empty. A URL carrying a user or a password is refused: the settings
    must never hold a secret."""
    text = value.strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed IPv6 address or port
        usable = False
    if not usable:
        raise InvalidValue("admin.err.url", value=text)
    if parts.username or parts.password:
        raise InvalidValue("admin.err.url_credentials")
    return text


def _secret_name(value: str) -> str:
    text = value.strip()
    if text and not NAME_PATTERN.match(text):
        raise InvalidValue("admin.err.credential", value=text)
    return text


def _server_name(value: str) -> str:
    if not NAME_PATTERN.match(value):
        raise InvalidValue("admin.err.server_name", value=value)
    return value


def _fingerprint(value: str) -> str:
    if not _FINGERPRINT.match(value):
        raise InvalidValue("admin.err.fingerprint")
    return value


HostPattern = Annotated[str, AfterValidator(_host_pattern)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class EgressSettings(BaseModel):
    """Where tools may connect. An empty ``allow_hosts`` allows every public host; otherwise
    only those listed. ``deny_hosts`` wins over ``allow_hosts``. Loopback and private
    addresses (this machine, the internal network) are refused unless allowed here.
    ``ask_for_unknown_urls``: a tool call to a web address the person did not give in the
    conversation (one a document or a page suggested) waits for their approval."""

    model_config = ConfigDict(extra="forbid")

    allow_hosts: list[HostPattern] = Field(default_factory=list)
    deny_hosts: list[HostPattern] = Field(default_factory=list)
    allow_loopback: bool = False
    allow_private: bool = False
    max_bytes: int = Field(5_000_000, ge=1, le=1_000_000_000)
    timeout_s: float = Field(10, gt=0, le=300)  # as tools.egress.EgressPolicy
    ask_for_unknown_urls: bool = True  # the runtime's rule, not the guard's (tools.egress)

    @field_validator("allow_hosts", "deny_hosts")
    @classmethod
    def _dedupe(cls, hosts: list[str]) -> list[str]:
        return list(dict.fromkeys(hosts))


class WebSearchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["none", "searxng"] = "none"
    base_url: HttpUrl = ""

    @model_check(mode="after")
    def _needs_url(self) -> WebSearchSettings:
        if self.backend == "searxng" and not self.base_url:
            raise InvalidValue("admin.err.searxng_needs_url")
        return self


class McpServerSettings(BaseModel):
    """One MCP server agents may use. ``stdio`` starts a local program (``command``): only an
    admin may set it, never a spec. ``pinned_tools`` holds the fingerprint of each tool as it
    was approved, so that a server changing a tool's description or schema is noticed."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, AfterValidator(_server_name)]
    url: HttpUrl = ""
    transport: Literal["streamable_http", "stdio"] = "streamable_http"
    command: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    credential: Annotated[str, AfterValidator(_secret_name)] = ""
    enabled: bool = True
    pinned_tools: dict[str, Annotated[str, AfterValidator(_fingerprint)]] = Field(
        default_factory=dict
    )

    @model_check(mode="after")
    def _transport_fits(self) -> McpServerSettings:
        if self.transport == "streamable_http":
            if not self.url:
                raise InvalidValue("admin.err.mcp_needs_url", name=self.name)
            if self.command:
                raise InvalidValue("admin.err.mcp_command_http", name=self.name)
        elif not self.command:
            raise InvalidValue("admin.err.mcp_needs_command", name=self.name)
        return self


ModelProvider = Literal["openai", "mistral", "anthropic", "ollama"]
MODEL_PROVIDERS: tuple[str, ...] = ("openai", "mistral", "anthropic", "ollama")
MODEL_ROLES: tuple[str, ...] = ROLES
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")  # "model-" + it names its key


def _model_id(value: str) -> str:
    if not _SLUG.match(value):
        raise InvalidValue("models.err.id", value=value)
    return value


def _team_names(values: list[str]) -> list[str]:
    names = [value.strip() for value in values]
    if any(not name for name in names):
        raise InvalidValue("models.err.team_blank")
    return list(dict.fromkeys(names))


class OrgModelSettings(BaseModel):
    """A language model the organisation offers: where it is, under which credential, what it
    costs, and who may use it. The key itself is an installation secret named in ``credential``
    (``set_installation_secret``), never a value of the settings. Empty ``roles``: every role;
    empty ``teams``: no team restriction; both lists must let a person in."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, AfterValidator(_model_id)]
    provider: ModelProvider
    name: Annotated[str, Field(min_length=1, max_length=200)]
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    base_url: HttpUrl = ""
    credential: Annotated[str, AfterValidator(_secret_name)] = ""
    price_in: float = Field(0.0, ge=0, le=1_000_000)  # euros per million input tokens
    price_out: float = Field(0.0, ge=0, le=1_000_000)  # euros per million output tokens
    self_hosted: bool = False
    max_data_class: DataClass | None = Field(
        default=None,
        description="The most protected class of data the model may receive; unset: "
        "sensitive for a model on the organisation's own machines, internal otherwise.",
    )
    roles: list[Role] = Field(default_factory=list)
    teams: Annotated[list[str], AfterValidator(_team_names)] = Field(default_factory=list)
    enabled: bool = True

    @field_validator("name", "display_name", mode="before")
    @classmethod
    def _stripped(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("roles")
    @classmethod
    def _dedupe_roles(cls, roles: list[str]) -> list[str]:
        return list(dict.fromkeys(roles))

    @model_check(mode="after")
    def _address_fits(self) -> OrgModelSettings:
        if self.base_url and self.provider not in ("openai", "ollama"):
            raise InvalidValue("models.err.base_url_provider", provider=self.provider)
        return self

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.name}"

    @property
    def data_class(self) -> DataClass:
        """The most protected class this model may receive."""
        if self.max_data_class is not None:
            return self.max_data_class
        return "sensitive" if self.self_hosted else "internal"


class PrivacySettings(BaseModel):
    """``pseudonymised_may_exceed``: the data classes whose agents may use a model that may
    not receive them, provided the agent pseudonymises personal data first (its
    ``guardrails.pii`` is ``pseudonymise``). Empty: never."""

    model_config = ConfigDict(extra="forbid")

    pseudonymised_may_exceed: list[DataClass] = Field(default_factory=list)


class RetentionSettings(BaseModel):
    """How many days conversations, drafts (supervised answers and batches) and uploaded
    files are kept after their last change; None: kept until someone deletes them."""

    model_config = ConfigDict(extra="forbid")

    conversations_days: int | None = Field(default=None, ge=1, le=36_500)
    drafts_days: int | None = Field(default=None, ge=1, le=36_500)
    uploads_days: int | None = Field(default=None, ge=1, le=36_500)


class AdminSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    egress: EgressSettings = Field(default_factory=EgressSettings)
    web_search: WebSearchSettings = Field(default_factory=WebSearchSettings)
    mcp_servers: list[McpServerSettings] = Field(default_factory=list)
    models: list[OrgModelSettings] = Field(default_factory=list)
    sso: SsoSettings = Field(default_factory=SsoSettings)  # single sign-on, trusted proxy
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)

    @field_validator("mcp_servers")
    @classmethod
    def _unique_servers(cls, servers: list[McpServerSettings]) -> list[McpServerSettings]:
        seen: set[str] = set()
        for server in servers:
            if server.name in seen:
                raise InvalidValue("admin.err.mcp_duplicate", name=server.name)
            seen.add(server.name)
        return servers

    def mcp_server(self, name: str) -> McpServerSettings | None:
        return next((s for s in self.mcp_servers if s.name == name), None)

    @field_validator("models")
    @classmethod
    def _unique_models(cls, models: list[OrgModelSettings]) -> list[OrgModelSettings]:
        ids: set[str] = set()
        refs: set[tuple[str, str]] = set()
        for model in models:
            if model.id in ids:
                raise InvalidValue("models.err.duplicate_id", id=model.id)
            if (model.provider, model.name) in refs:
                raise InvalidValue(
                    "models.err.duplicate_ref", provider=model.provider, name=model.name
                )
            ids.add(model.id)
            refs.add((model.provider, model.name))
        return models

    def org_model(self, model_id: str) -> OrgModelSettings | None:
        return next((m for m in self.models if m.id == model_id), None)


class InvalidSettings(UserError):
    """Admin settings failed validation; ``problems`` lists (field path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]], key: str = "admin.invalid") -> None:
        self.problems = problems
        root = t("spec.root")
        lines = "\n".join(f"  {path or root}: {msg}" for path, msg in problems)
        super().__init__(key, count=len(problems), lines=lines)


def parse_admin_settings(data: Any) -> AdminSettings:
    """Settings from plain data (JSON, YAML, a form); problems come with their field path."""
    try:
        return AdminSettings.model_validate(data)
    except ValidationError as exc:
        raise InvalidSettings(describe_validation_error(exc)) from None


def load_admin_settings(store: SecretStore | None = None) -> AdminSettings:
    """The installation's settings; the defaults when none were ever saved."""
    stored = (store or open_secret_store()).setting(SETTINGS_KEY)
    return AdminSettings() if stored is None else _from_stored(stored.value)


def saved_admin_settings() -> AdminSettings:
    """``load_admin_settings`` without creating anything: the defaults where this installation
    has no data yet (checking a file must not create a data directory)."""
    if not secrets_path(create=False).exists():
        return AdminSettings()
    return load_admin_settings()


def save_admin_settings(
    settings: AdminSettings, by: str, store: SecretStore | None = None
) -> AdminSettings:
    """Replace the settings with ``settings`` (validated again: a ``model_copy(update=...)``
    skips validation). ``by`` is who changed them, kept beside them."""
    return update_admin_settings(lambda _current: settings, by, store)


def update_admin_settings(
    change: Callable[[AdminSettings], AdminSettings], by: str, store: SecretStore | None = None
) -> AdminSettings:
    """Read, change and write the settings in one write transaction, so that two admins
    changing different parts at once both keep their change."""
    result: list[AdminSettings] = []

    def write(current: str | None) -> str:
        before = AdminSettings() if current is None else _from_stored(current)
        after = parse_admin_settings(change(before).model_dump())
        result.append(after)
        return after.model_dump_json()

    (store or open_secret_store()).update_setting(SETTINGS_KEY, write, by)
    log.info("admin settings changed by %s", by)
    return result[-1]


def _from_stored(text: str) -> AdminSettings:
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    try:
        return AdminSettings.model_validate(data)
    except ValidationError as exc:
        raise InvalidSettings(describe_validation_error(exc), "admin.stored_invalid") from None


def installation_secret_resolver(store: SecretStore | None = None) -> Callable[[str], str]:
    """The installation's secrets by name (an MCP server's ``credential``), for the tools of a
    run. The store is opened on the first call only."""

    def resolve(name: str) -> str:
        return (store or open_secret_store()).get(INSTALLATION, name)

    return resolve


# --- the installation's secrets ----------------------------------------------------------
# Credentials that belong to the installation rather than to a person (an MCP server's token).
# No roles yet: whoever runs the CLI as the data directory's owner is the admin.


def set_installation_secret(
    name: str, value: str, by: str, store: SecretStore | None = None
) -> SecretInfo:
    info = (store or open_secret_store()).set(INSTALLATION, name, value)
    log.info("installation secret %r set by %s", name, by)
    return info


def list_installation_secrets(store: SecretStore | None = None) -> list[SecretInfo]:
    """Names and dates only."""
    return (store or open_secret_store()).list(INSTALLATION)


def delete_installation_secret(name: str, by: str, store: SecretStore | None = None) -> None:
    (store or open_secret_store()).delete(INSTALLATION, name)
    log.info("installation secret %r deleted by %s", name, by)
