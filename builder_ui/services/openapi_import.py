"""Reading an OpenAPI document to import it: what ``atelier tool openapi`` and the editor's
"Actions HTTP" import both call, so that they read the same documents the same way.

A URL is fetched only through the egress guard of the administrator's stored policy (allow and
deny lists, private and loopback addresses, size, time): importing a document reaches no
further than the agent itself could. A file picked or text pasted is read as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from agents.errors import AtelierError
from tools.openapi import ApiDocument, OpenApiError, load_bytes, load_document
from tools.openapi.loader import is_inline, is_url
from tools.registry import Egress

ACCEPT = "application/json, application/yaml;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class ImportedDocument:
    """A document read for an import: its text (what a spec keeps), where it came from (for
    messages), the operations the runtime will see, and the API's address."""

    text: str
    source: str
    document: ApiDocument
    base_url: str = ""
    """Absolute address of the API ("" when the document does not give one)."""

    @property
    def title(self) -> str:
        return self.document.title

    @property
    def key(self) -> str:
        """Short and stable per document: the operation checkboxes are keyed by it."""
        return self.document.digest[:12]


def admin_egress() -> Egress:
    """The egress guard of the administrator's stored network policy."""
    from builder_ui.services.tool_context import admin_egress as guard

    return guard()


def fetch_document(url: str) -> ImportedDocument:
    """A document at ``url``, fetched through the administrator's egress guard."""
    return read_url(url, admin_egress())


def open_document(ref: str) -> ApiDocument:
    """The document a person names: a URL (through the administrator's guard, as
    ``fetch_document``) or a file path."""
    if is_url(ref):
        return fetch_document(ref).document
    return load_document(ref, None, cache=False)


def read_upload(data: bytes, filename: str) -> ImportedDocument:
    """A document from a file the person picked (too large, not text, not an API: the
    error says which)."""
    return _imported(data, filename)


def read_pasted(text: str, source: str) -> ImportedDocument:
    """A document pasted as text (``source`` names it in messages)."""
    if not text.strip():
        raise OpenApiError("ui.openapi.empty")
    return _imported(text.encode("utf-8"), source)


def read_url(url: str, egress: Egress | None) -> ImportedDocument:
    """A document fetched through ``egress``, which decides where (``fetch_document`` passes
    the administrator's guard; tests pass their own)."""
    address = url.strip()
    if not is_url(address):
        raise OpenApiError("ui.openapi.not_a_url", url=address[:200])
    if egress is None:
        raise OpenApiError("openapi.load.no_network", url=address)
    try:
        response = egress.request("GET", address, headers={"Accept": ACCEPT})
    except AtelierError as exc:  # the guard refused: a private address, a host not allowed...
        raise OpenApiError("openapi.load.blocked", reason=exc.message()) from None
    except Exception as exc:
        reason = str(exc)[:200] or type(exc).__name__
        raise OpenApiError("openapi.load.fetch_failed", url=address, reason=reason) from None
    status = int(response.status)
    if not 200 <= status < 300:
        raise OpenApiError("openapi.load.http_status", url=address, status=status)
    data = bytes(response.content or b"")
    final = str(getattr(response, "url", "") or address)
    resolved = load_bytes(data, address, document_url=final)  # relative servers, resolved
    imported = _imported(data, address)
    return replace(imported, base_url=absolute(resolved.base_url) or imported.base_url)


def _imported(data: bytes, source: str) -> ImportedDocument:
    document = load_bytes(data, source)  # size, syntax and shape checked: errors name them
    text = data.decode("utf-8-sig")
    if not is_inline(text):  # one line of YAML: still the document's text, not a path
        text += "\n"
    return ImportedDocument(text, source, document, absolute(document.base_url))


def absolute(url: str) -> str:
    """``url`` if it is an absolute http(s) address, else ""."""
    return url if is_url(url) else ""
