"""The settings of an ``http_action`` tool in an agent spec.

A credential is named, never given: the spec says ``credential: geo_key`` and the value comes
from the store at run time (``ToolContext.secret``), so that no key ends up in a spec, an export
or a fork.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agents.errors import InvalidValue
from tools.openapi.loader import MAX_DOCUMENT_BYTES

MAX_OPERATIONS_PER_AGENT = 64
"""More functions than this and models choose badly; split the API across agents."""
NAME_PATTERN = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$"
"""A header or query parameter name (RFC 9110 token)."""


class HttpAuth(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal["none", "api_key", "bearer", "basic"] = Field(
        default="none",
        description="none; api_key (a header or query parameter); bearer; basic.",
    )
    location: Literal["header", "query"] = Field(
        default="header", alias="in", description="api_key only: sent as a header or in the query."
    )
    name: str = Field(
        default="X-API-Key",
        pattern=NAME_PATTERN,
        description="api_key only: the header or query parameter that carries the key.",
    )
    credential: str = Field(
        default="",
        max_length=100,
        description="The name of the stored credential (for basic, it holds user:password).",
    )

    @model_validator(mode="after")
    def _credential_named(self) -> HttpAuth:
        if self.type != "none" and not self.credential.strip():
            raise InvalidValue("openapi.config.credential_required", type=self.type)
        return self


class HttpActionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: str = Field(
        min_length=1,
        max_length=MAX_DOCUMENT_BYTES,
        description="The OpenAPI or Swagger document: a file path, an http(s) URL, or its text.",
    )
    name: str = Field(
        default="api",
        pattern=r"^[A-Za-z0-9_-]{1,24}$",
        description="Prefix of the functions the model sees, e.g. geo gives geo__getCommunes.",
    )
    operations: list[str] = Field(
        min_length=1,
        max_length=MAX_OPERATIONS_PER_AGENT,
        description="The operations the agent may call: ids, or METHOD /path.",
    )
    base_url: str | None = Field(
        default=None, max_length=500, description="Where the API is, if not the document's."
    )
    auth: HttpAuth | None = Field(
        default=None,
        description='How to authenticate, e.g. {"type": "bearer", "credential": "my_api"}; '
        "none by default.",
    )

    @field_validator("operations")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip() for v in value]
        if any(not v or len(v) > 300 for v in cleaned):
            raise InvalidValue("openapi.config.bad_operation")
        return list(dict.fromkeys(cleaned))

    @field_validator("base_url")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().lower().startswith(("http://", "https://")):
            raise InvalidValue("openapi.config.bad_base_url", value=value[:100])
        return value.strip().rstrip("/")

    @property
    def authentication(self) -> HttpAuth:
        return self.auth or HttpAuth()
