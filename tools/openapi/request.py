"""One call of an operation: arguments -> an HTTP request through the egress guard -> a result.

Path values are percent-encoded whole (``/`` included) and ``.``/``..`` are refused, so an
argument can never walk the URL to another resource. The credential is read at the last moment
and scrubbed from everything that comes back: the result, error messages, the log.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from pydantic import BaseModel

from agents.errors import AtelierError, UserError
from tools.openapi.arguments import Arguments
from tools.openapi.config import HttpActionConfig
from tools.openapi.model import OpenApiError, Operation, Parameter
from tools.registry import ToolContext

log = logging.getLogger(__name__)

MAX_RESULT_CHARS = 20_000
"""What the model receives at most (a list is cut between items)."""
EXCERPT_CHARS = 300
ACCEPT = "application/json, text/plain;q=0.8, */*;q=0.5"
HIDDEN = "***"
_PLACEHOLDER = re.compile(r"{[^{}/]+}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str | list[str]] = field(default_factory=dict)
    body: bytes | None = None
    hidden: tuple[str, ...] = ()
    """Every form the credential may take in text: scrubbed from what comes back."""
    credentials: tuple[str, ...] = ()
    """Every form the credential is sent in: dropped if a redirect leaves the API's origin."""


def call(
    operation: Operation,
    arguments: Arguments,
    document_base_url: str,
    args: BaseModel,
    config: HttpActionConfig,
    context: ToolContext,
) -> dict[str, Any]:
    if context.egress is None:
        raise OpenApiError("openapi.call.no_network")
    request = prepare(operation, arguments, document_base_url, args, config, context)
    try:
        response = context.egress.request(
            request.method,
            request.url,
            headers=request.headers,
            params=request.params or None,
            body=request.body,
            credentials=request.credentials,
        )
    except Exception as exc:
        raise _failed(exc, operation, request.hidden) from None
    status = int(response.status)
    log.info("http action %s %s -> %s", operation.method, operation.path, status)
    return read_response(status, response, request.hidden)


def prepare(
    operation: Operation,
    arguments: Arguments,
    document_base_url: str,
    args: BaseModel,
    config: HttpActionConfig,
    context: ToolContext,
) -> Request:
    base = (config.base_url or document_base_url).rstrip("/")
    if not base.lower().startswith(("http://", "https://")):
        raise OpenApiError("openapi.call.no_base_url", base=base or "/")
    values = args.model_dump(by_alias=True, exclude_unset=True, mode="json")
    path = operation.path
    request = Request(operation.method, "", headers={"Accept": ACCEPT})
    cookies: list[str] = []
    for alias, param in arguments.parameters.items():
        value = values.get(alias)
        if param.location == "path":
            path = path.replace("{" + param.name + "}", _path_segment(value, param))
        elif value is None:
            continue
        elif param.location == "query":
            request.params[param.name] = _query_value(value, param)
        elif param.location == "header":
            request.headers[param.name] = _header_value(value, param)
        else:
            cookies.append(f"{param.name}={quote(_text(value, ','), safe='')}")
    if _PLACEHOLDER.search(path):
        raise OpenApiError("openapi.call.path_unfilled", path=operation.path)
    request.url = base + path
    if cookies:
        request.headers["Cookie"] = "; ".join(cookies)
    if arguments.body is not None and arguments.body in values and operation.body is not None:
        request.body, content_type = _encode_body(
            values[arguments.body], operation.body.content_type
        )
        request.headers["Content-Type"] = content_type
    _authenticate(request, config, context)
    return request


def _path_segment(value: Any, param: Parameter) -> str:
    text = _text(value, param.separator or ",")
    if text.strip() in ("", ".", ".."):
        raise OpenApiError("openapi.call.bad_path_value", name=param.name)
    return quote(text, safe="")


def _query_value(value: Any, param: Parameter) -> str | list[str]:
    if isinstance(value, list) and param.separator is None:
        return [_text(v, ",") for v in value]
    return _text(value, param.separator or ",")


def _header_value(value: Any, param: Parameter) -> str:
    text = _text(value, ",")
    if _CONTROL.search(text):
        raise OpenApiError("openapi.call.bad_header_value", name=param.name)
    return text


def _text(value: Any, separator: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return separator.join(_text(v, separator) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "" if value is None else str(value)


def _encode_body(value: Any, content_type: str) -> tuple[bytes, str]:
    if "json" in content_type:
        return json.dumps(value, ensure_ascii=False).encode("utf-8"), content_type
    if content_type == "application/x-www-form-urlencoded":
        if not isinstance(value, dict):
            raise OpenApiError("openapi.call.bad_form")
        pairs = [
            (str(k), _text(item, ","))
            for k, v in value.items()
            if v is not None
            for item in (v if isinstance(v, list) else [v])
        ]
        return urlencode(pairs).encode("ascii"), content_type
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.encode("utf-8"), f"{content_type}; charset=utf-8"


# --- credentials -----------------------------------------------------------------------------


def _authenticate(request: Request, config: HttpActionConfig, context: ToolContext) -> None:
    auth = config.authentication
    if auth.type == "none":
        return
    secret = _credential(auth.credential, context)
    sent = [secret, quote(secret, safe=""), quote_plus(secret)]
    hidden = list(sent)
    if auth.type == "api_key" and auth.location == "query":
        request.params[auth.name] = secret
    elif auth.type == "api_key":
        request.headers[auth.name] = _safe_header(secret, auth.credential)
    elif auth.type == "bearer":
        request.headers["Authorization"] = f"Bearer {_safe_header(secret, auth.credential)}"
    else:
        _user, colon, password = secret.partition(":")
        if not colon:
            raise OpenApiError("openapi.call.basic_format", credential=auth.credential)
        token = base64.b64encode(secret.encode("utf-8")).decode("ascii")
        request.headers["Authorization"] = f"Basic {token}"
        sent.append(token)
        hidden += [token, password, quote(password, safe="")]
    request.credentials = tuple(dict.fromkeys(sent))
    request.hidden = tuple(sorted({h for h in hidden if len(h) >= 4}, key=len, reverse=True))


def _credential(name: str, context: ToolContext) -> str:
    if context.secret is None:
        raise OpenApiError("openapi.call.no_secrets", credential=name)
    try:
        value = context.secret(name)
    except UserError:
        raise
    except Exception:
        log.info("credential %s could not be read", name)
        value = ""
    if not value:
        raise OpenApiError("openapi.call.credential_missing", credential=name)
    return value


def _safe_header(secret: str, name: str) -> str:
    if _CONTROL.search(secret):
        raise OpenApiError("openapi.call.credential_unusable", credential=name)
    return secret


def redact(text: str, hidden: tuple[str, ...]) -> str:
    for value in hidden:
        text = text.replace(value, HIDDEN)
    return text


# --- the answer ------------------------------------------------------------------------------


def read_response(status: int, response: Any, hidden: tuple[str, ...]) -> dict[str, Any]:
    content = bytes(response.content or b"")
    content_type = str(getattr(response, "content_type", "") or "").lower()
    if not content_type:
        headers = getattr(response, "headers", None) or {}
        content_type = str(headers.get("content-type") or headers.get("Content-Type") or "")
    textual = _textual(content_type)
    text = redact(content.decode("utf-8", errors="replace"), hidden) if textual else ""
    if not 200 <= status < 300:
        excerpt = " ".join(text.split())[:EXCERPT_CHARS] or content_type or "-"
        raise OpenApiError("openapi.call.http_error", status=status, excerpt=excerpt)
    if not textual:
        note = f"contenu non textuel ({content_type}, {len(content)} octets), non affiché"
        return {"status": status, "body": None, "note": note}
    body: Any = text
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        try:
            body = _scrub(json.loads(text), hidden)
        except ValueError:
            body = text
    return _bounded(status, body)


def _textual(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip()
    return (
        not kind
        or kind.startswith("text/")
        or any(w in kind for w in ("json", "xml", "yaml", "javascript", "x-www-form-urlencoded"))
    )


def _scrub(value: Any, hidden: tuple[str, ...]) -> Any:
    """The credential out of every string of a parsed answer (JSON may escape it in the text)."""
    if not hidden:
        return value
    if isinstance(value, str):
        return redact(value, hidden)
    if isinstance(value, list):
        return [_scrub(v, hidden) for v in value]
    if isinstance(value, dict):
        return {redact(str(k), hidden): _scrub(v, hidden) for k, v in value.items()}
    return value


def _bounded(status: int, body: Any) -> dict[str, Any]:
    result = {"status": status, "body": body}
    if len(_dumps(result)) <= MAX_RESULT_CHARS:
        return result
    if isinstance(body, list):
        kept: list[Any] = []
        size = 100
        for item in body:
            size += len(_dumps(item)) + 2
            if size > MAX_RESULT_CHARS:
                break
            kept.append(item)
        return {
            "status": status,
            "body": kept,
            "truncated": True,
            "items_shown": len(kept),
            "items_total": len(body),
        }
    text = body if isinstance(body, str) else _dumps(body)
    return {"status": status, "body": text[:MAX_RESULT_CHARS] + "…", "truncated": True}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _failed(exc: Exception, operation: Operation, hidden: tuple[str, ...]) -> OpenApiError:
    """The egress refused, or the connection failed: the reason, without the credential. Any
    other exception is a bug behind the egress: logged (scrubbed too), named, not shown."""
    reason = redact(exc.message() if isinstance(exc, AtelierError) else str(exc), hidden)
    if isinstance(exc, AtelierError):
        log.info("http action %s %s refused: %s", operation.method, operation.path, exc.key)
        return OpenApiError("openapi.call.blocked", reason=reason)
    if isinstance(exc, OSError):
        log.info("http action %s %s failed: %s", operation.method, operation.path, reason)
        return OpenApiError("openapi.call.failed", reason=reason[:EXCERPT_CHARS] or "OSError")
    log.error(
        "http action %s %s: unexpected %s from the egress: %s",
        operation.method,
        operation.path,
        type(exc).__name__,
        reason[:EXCERPT_CHARS],
    )
    return OpenApiError("openapi.call.failed", reason=type(exc).__name__)
