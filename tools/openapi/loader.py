"""Reading an OpenAPI document: inline text, a file, or a URL fetched through the egress guard.

A URL is fetched by the egress guard and nothing else, with the administrator's policy: the CLI
and the builder call ``fetch_document(url, policy)`` (the policy of the admin settings), a run
calls ``load_document(ref, context.egress)`` with the guard its context holds. Anything else
handed in as the network (a plain HTTP client) is refused before any request.

Every way in ends in ``load_bytes``: a size limit, then JSON or YAML (``safe_load`` only), then
``normalise``. A document that does not parse is refused with the parser's reason and, for YAML
and JSON, the line and column; nothing of the document's text is echoed back (a path given by
mistake to a private file must not leak its content through the error).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from agents.errors import AtelierError
from tools.egress import EgressGuard, EgressPolicy
from tools.openapi.model import ApiDocument, DocumentTooLargeError, OpenApiError
from tools.openapi.normalise import normalise
from tools.registry import Egress

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
FILE_SUFFIXES = (".json", ".yaml", ".yml")
URL_CACHE_TTL_S = 300.0
CACHE_SIZE = 16
INLINE = "inline"

_cache: OrderedDict[tuple[Any, ...], tuple[float, ApiDocument]] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class FetchedDocument:
    """A document read from a URL: its bytes as served (what the builder keeps inline), the
    final address after redirects, and the document, its relative servers resolved against it."""

    data: bytes
    url: str
    document: ApiDocument


def is_url(ref: str) -> bool:
    return ref.strip().lower().startswith(("http://", "https://"))


def is_inline(ref: str) -> bool:
    """The document's own text (what a builder stores after an import), not a path or URL."""
    return "\n" in ref or ref.lstrip().startswith("{")


def load_document(ref: str, egress: Egress | None = None, *, cache: bool = True) -> ApiDocument:
    """The document ``ref`` names: its inline text, an http(s) URL (fetched through ``egress``)
    or a file path. Parsed documents are kept a little while (files until they change)."""
    if is_inline(ref):
        return load_bytes(ref.encode("utf-8"), INLINE)
    if is_url(ref):
        url = ref.strip()
        guard = _guard(url, egress)
        key: tuple[Any, ...] = ("url", url, guard.policy.model_dump_json())  # per policy
        found = _cached(key, URL_CACHE_TTL_S) if cache else None
        return found or _remember(key, load_url(url, guard), cache)
    path = _checked_path(ref)
    stat = path.stat()
    key = ("file", str(path), stat.st_mtime_ns, stat.st_size)
    found = _cached(key, None) if cache else None
    return found or _remember(key, load_file(path), cache)


def load_file(path: str | Path) -> ApiDocument:
    file = _checked_path(str(path))
    if file.stat().st_size > MAX_DOCUMENT_BYTES:
        raise _too_large(str(file))
    with file.open("rb") as handle:
        data = handle.read(MAX_DOCUMENT_BYTES + 1)
    return load_bytes(data, str(file))


def load_url(url: str, egress: Egress | None) -> ApiDocument:
    """Fetch a document through the egress guard ``egress``, which decides where Atelier may
    connect (no guard: ``openapi.load.no_network``)."""
    return _fetch(url, _guard(url, egress)).document


def fetch_document(url: str, policy: EgressPolicy) -> FetchedDocument:
    """The document at ``url``, fetched through an egress guard holding ``policy``: the
    administrator's (``EgressPolicy.model_validate(load_admin_settings().egress.model_dump())``)
    wherever a person imports a document, the CLI and the builder alike. Refused by the policy:
    ``OpenApiError`` ``openapi.load.blocked`` with the guard's reason. Never cached."""
    if not isinstance(policy, EgressPolicy):
        raise TypeError(f"fetch_document needs an EgressPolicy, not {type(policy).__name__}")
    return _fetch(url.strip(), EgressGuard(policy))


def _guard(url: str, egress: Egress | None) -> EgressGuard:
    """Only the egress guard fetches a document: anything else (none, a plain client that
    happens to have a ``request`` method) is no network at all."""
    if not isinstance(egress, EgressGuard):
        raise OpenApiError("openapi.load.no_network", url=url)
    return egress


def _fetch(url: str, guard: EgressGuard) -> FetchedDocument:
    headers = {"Accept": "application/json, application/yaml;q=0.9, */*;q=0.5"}
    try:
        response = guard.request("GET", url, headers=headers)
    except AtelierError as exc:  # the guard refused (private address, host not allowed...)
        raise OpenApiError("openapi.load.blocked", reason=exc.message()) from None
    except Exception as exc:
        log.info("fetching %s failed: %s", url, type(exc).__name__)
        raise OpenApiError(
            "openapi.load.fetch_failed", url=url, reason=str(exc)[:200] or type(exc).__name__
        ) from None
    status = int(response.status)
    if not 200 <= status < 300:
        raise OpenApiError("openapi.load.http_status", url=url, status=status)
    data = bytes(response.content or b"")
    final = str(response.url or url)
    return FetchedDocument(data, final, load_bytes(data, url, document_url=final))


def load_bytes(data: bytes, source: str, *, document_url: str = "") -> ApiDocument:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_large(source)
    raw = parse(data, source)
    document = normalise(raw, source, document_url=document_url)
    return replace(document, digest=hashlib.sha256(data).hexdigest())


def parse(data: bytes, source: str) -> dict[str, Any]:
    """JSON or YAML to a mapping, or a message naming the problem and where it is."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OpenApiError("openapi.load.not_utf8", source=source, offset=exc.start) from None
    try:
        if text.lstrip().startswith("{"):
            value = _parse_json(text, source)
        else:
            value = _parse_yaml(text, source)
    except RecursionError:
        raise OpenApiError("openapi.load.too_deep", source=source) from None
    if not isinstance(value, dict):
        raise OpenApiError("openapi.load.not_a_mapping", source=source)
    return value


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise OpenApiError(
            "openapi.load.bad_json",
            source=source,
            line=exc.lineno,
            column=exc.colno,
            problem=exc.msg,
        ) from None


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise OpenApiError(
            "openapi.load.bad_yaml",
            source=source,
            line=mark.line + 1 if mark else "?",
            column=mark.column + 1 if mark else "?",
            problem=exc.problem or exc.context or type(exc).__name__,
        ) from None
    except yaml.YAMLError as exc:
        raise OpenApiError(
            "openapi.load.bad_yaml", source=source, line="?", column="?", problem=str(exc)[:200]
        ) from None


def _checked_path(ref: str) -> Path:
    path = Path(ref.strip()).expanduser()
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise OpenApiError(
            "openapi.load.bad_suffix", path=str(path), known=", ".join(FILE_SUFFIXES)
        )
    if not path.is_file():
        raise OpenApiError("openapi.load.not_found", path=str(path))
    return path.resolve()


def _too_large(source: str) -> DocumentTooLargeError:
    return DocumentTooLargeError(
        "openapi.load.too_large", source=source, limit_mb=MAX_DOCUMENT_BYTES // (1024 * 1024)
    )


def _cached(key: tuple[Any, ...], ttl: float | None) -> ApiDocument | None:
    with _cache_lock:
        found = _cache.get(key)
        if found is None:
            return None
        at, document = found
        if ttl is not None and time.monotonic() - at > ttl:
            del _cache[key]
            return None
        _cache.move_to_end(key)
        return document


def _remember(key: tuple[Any, ...], document: ApiDocument, cache: bool) -> ApiDocument:
    if cache:
        with _cache_lock:
            _cache[key] = (time.monotonic(), document)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return document
