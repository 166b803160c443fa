"""One internal model for Swagger 2.0 and OpenAPI 3.x: a document is a list of operations.

Everything here is plain data, already resolved (no ``$ref`` left) and bounded, so that the rest
of the code never walks the raw document again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from agents.errors import UserError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that only read: every other one sends, writes or deletes, so it asks for approval."""

ParameterLocation = Literal["path", "query", "header", "cookie"]


class OpenApiError(UserError):
    """The document cannot be read, or an operation of it cannot become a tool; the message
    names the problem (and where, when the parser knows)."""


class DocumentTooLargeError(OpenApiError):
    """A bound on the whole document was hit (size, operations, schema nodes): nothing of it is
    used, unlike a problem confined to one operation."""


@dataclass(frozen=True)
class Parameter:
    name: str
    location: ParameterLocation
    required: bool
    schema: dict[str, Any]
    """A resolved JSON schema (``type``, ``enum``, ``items``, ``description``...)."""
    description: str = ""
    separator: str | None = None
    """How a list value is sent: joined by this separator, or (None) one pair per item."""


@dataclass(frozen=True)
class RequestBody:
    content_type: str
    """``application/json``, ``application/x-www-form-urlencoded`` or ``text/plain``."""
    schema: dict[str, Any]
    required: bool
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    """The document's ``operationId``, or one made from the method and the path."""
    summary: str = ""
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    body: RequestBody | None = None
    tags: tuple[str, ...] = ()
    problem: OpenApiError | None = None
    """Why this operation cannot become a tool (a remote ``$ref``, a file upload...); the rest
    of the document stays usable."""

    @property
    def consequential(self) -> bool:
        return self.method not in SAFE_METHODS

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class ApiDocument:
    title: str
    version: str
    spec_version: str
    """``2.0`` (Swagger) or the ``openapi`` field of a 3.x document."""
    base_url: str
    """Where the operations' paths are appended; may be relative (then a ``base_url`` must be
    set in the tool's config)."""
    operations: tuple[Operation, ...]
    source: str
    """A file path, a URL or ``inline``: for messages."""
    digest: str = ""
    """sha256 of the bytes the document was read from (caches key on it)."""

    def find(self, ref: str) -> Operation:
        """An operation by its id, or by ``METHOD /path``."""
        wanted = ref.strip()
        for op in self.operations:
            if op.operation_id == wanted:
                return op
        method, _, path = wanted.partition(" ")
        for op in self.operations:
            if op.method == method.upper() and op.path == path.strip():
                return op
        known = ", ".join(op.operation_id for op in self.operations[:30])
        if len(self.operations) > 30:
            known += ", …"
        raise OpenApiError("openapi.unknown_operation", operation=ref, known=known)

    def summary(self) -> dict[str, Any]:
        """What ``atelier tool openapi --json`` prints, and what a builder shows to tick from."""
        return {
            "title": self.title,
            "version": self.version,
            "openapi": self.spec_version,
            "base_url": self.base_url,
            "source": self.source,
            "operations": [
                {
                    "method": op.method,
                    "path": op.path,
                    "operation_id": op.operation_id,
                    "summary": op.summary,
                    "consequential": op.consequential,
                    "parameters": [
                        {"name": p.name, "in": p.location, "required": p.required}
                        for p in op.parameters
                    ],
                    "body": op.body.content_type if op.body else None,
                    "problem": op.problem.message() if op.problem else None,
                }
                for op in self.operations
            ],
        }
