"""Swagger 2.0 and OpenAPI 3.0/3.1, read into the one model of ``tools.openapi.model``.

The differences that matter are few: where a parameter keeps its type (2.0: on the parameter;
3.x: under ``schema``), where the body is (2.0: an ``in: body`` or ``formData`` parameter; 3.x:
``requestBody``), how lists are sent (``collectionFormat`` vs ``style``/``explode``) and where the
server is (``schemes``/``host``/``basePath`` vs ``servers``). A problem inside one operation is
recorded on it and the others stay usable; a problem with the whole document is raised.
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast
from urllib.parse import urljoin

from tools.openapi.model import (
    ApiDocument,
    DocumentTooLargeError,
    OpenApiError,
    Operation,
    Parameter,
    ParameterLocation,
    RequestBody,
)
from tools.openapi.refs import MAX_DOCUMENT_NODES, MAX_OPERATION_NODES, Budget, Resolver

log = logging.getLogger(__name__)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_OPERATIONS = 2_000
LOCATIONS = ("path", "query", "header", "cookie")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TEXT = "text/plain"
_SEPARATORS = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|", "multi": None}
_NOT_SCHEMA = frozenset(
    {"name", "in", "required", "description", "collectionFormat", "allowEmptyValue"}
)
_PLACEHOLDER = re.compile(r"{([^{}/]+)}")


def normalise(raw: dict[str, Any], source: str, *, document_url: str = "") -> ApiDocument:
    version = spec_version(raw, source)
    swagger = version == "2.0"
    paths = raw.get("paths") or {}
    if not isinstance(paths, dict):
        raise OpenApiError("openapi.load.bad_paths", source=source)
    budget = Budget(MAX_DOCUMENT_NODES)
    resolver = Resolver(raw, budget)
    found: list[tuple[str, str, dict[str, Any], list[Any]]] = []
    for key, value in paths.items():
        path = str(key)
        if path.startswith("x-"):  # an extension, not a path
            continue
        try:
            item = resolver.deref(value)
        except OpenApiError as exc:
            log.warning("%s: path %s skipped: %s", source, path, exc.message("en"))
            continue
        if not isinstance(item, dict):
            continue
        shared = _list(item.get("parameters"))
        for method in METHODS:
            node = item.get(method)
            if isinstance(node, dict):
                found.append((method.upper(), path, node, shared))
                if len(found) > MAX_OPERATIONS:
                    raise DocumentTooLargeError(
                        "openapi.load.too_many_operations", source=source, limit=MAX_OPERATIONS
                    )
    ids = operation_ids([(m, p, n) for m, p, n, _ in found])
    operations = tuple(
        _operation(method, path, node, shared, op_id, raw, swagger, resolver, budget)
        for (method, path, node, shared), op_id in zip(found, ids, strict=True)
    )
    info = _mapping(raw.get("info"))
    return ApiDocument(
        title=_text(info.get("title"), 200) or "API",
        version=_text(info.get("version"), 50),
        spec_version=version,
        base_url=base_url(raw, swagger, document_url),
        operations=operations,
        source=source,
    )


def spec_version(raw: dict[str, Any], source: str) -> str:
    swagger = raw.get("swagger")
    openapi = raw.get("openapi")
    if swagger is not None:
        if str(swagger).strip() == "2.0":
            return "2.0"
        raise OpenApiError("openapi.load.unsupported_version", source=source, version=swagger)
    if openapi is not None:
        if str(openapi).strip().startswith("3."):
            return str(openapi).strip()
        raise OpenApiError("openapi.load.unsupported_version", source=source, version=openapi)
    raise OpenApiError("openapi.load.not_openapi", source=source)


# --- operation ids ---------------------------------------------------------------------------


def operation_ids(found: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    """The document's ids, or ``getCommunes`` / ``getCommunesByCode`` made from the method and
    path (the path parameters are named only where two operations would share an id); any
    remaining duplicate gets a number."""
    short = [_generated(m, p, with_params=False) for m, p, _ in found]
    clashes = {s for s in short if short.count(s) > 1}
    ids: list[str] = []
    for (method, path, node), guess in zip(found, short, strict=True):
        given = _text(node.get("operationId"), 200)
        ids.append(
            given or (_generated(method, path, with_params=True) if guess in clashes else guess)
        )
    seen: dict[str, int] = {}
    unique: list[str] = []
    for op_id in ids:
        seen[op_id] = seen.get(op_id, 0) + 1
        unique.append(op_id if seen[op_id] == 1 else f"{op_id}_{seen[op_id]}")
    return unique


def _generated(method: str, path: str, *, with_params: bool) -> str:
    words: list[str] = []
    for segment in path.split("/"):
        param = _PLACEHOLDER.fullmatch(segment)
        if param and not with_params:
            continue
        text = param.group(1) if param else segment
        camel = "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)
        if camel:
            words.append(f"By{camel}" if param else camel)
    return method.lower() + ("".join(words) or "Root")


# --- one operation ---------------------------------------------------------------------------


def _operation(
    method: str,
    path: str,
    node: dict[str, Any],
    shared: list[Any],
    op_id: str,
    raw: dict[str, Any],
    swagger: bool,
    resolver: Resolver,
    document_budget: Budget,
) -> Operation:
    budget = Budget(MAX_OPERATION_NODES, parent=document_budget)
    problem: OpenApiError | None = None
    params: list[Parameter] = []
    body: RequestBody | None = None
    try:
        nodes = _merged_parameters(shared, node.get("parameters"), resolver)
        if swagger:
            params, body = _swagger_inputs(nodes, node, raw, resolver, budget)
        else:
            params = [_openapi_parameter(p, resolver, budget) for p in nodes]
            body = _openapi_body(node.get("requestBody"), resolver, budget)
        params = [p for p in params if p.location in LOCATIONS and p.name]
        declared = {p.name for p in params if p.location == "path"}
        for name in _PLACEHOLDER.findall(path):  # used in the path but not declared
            if name not in declared:
                params.append(Parameter(name, "path", True, {"type": "string"}))
    except DocumentTooLargeError:
        raise
    except OpenApiError as exc:
        problem, params, body = exc, [], None
    tags = _list(node.get("tags"))
    return Operation(
        method=method,
        path=path,
        operation_id=op_id,
        summary=_text(node.get("summary"), 300),
        description=_text(node.get("description"), 2_000),
        parameters=tuple(params),
        body=body,
        tags=tuple(_text(t, 100) for t in tags),
        problem=problem,
    )


def _merged_parameters(shared: list[Any], own: Any, resolver: Resolver) -> list[dict[str, Any]]:
    """Path-level parameters, overridden by the operation's own (same name and place)."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*shared, *(own if isinstance(own, list) else [])]:
        param = resolver.deref(raw)
        if isinstance(param, dict):
            merged[(str(param.get("name")), str(param.get("in")))] = param
    return list(merged.values())


def _swagger_inputs(
    nodes: list[dict[str, Any]],
    op: dict[str, Any],
    raw: dict[str, Any],
    resolver: Resolver,
    budget: Budget,
) -> tuple[list[Parameter], RequestBody | None]:
    consumes = op.get("consumes") or raw.get("consumes") or [JSON]
    consumes = [str(c).lower() for c in consumes] if isinstance(consumes, list) else [JSON]
    params: list[Parameter] = []
    body: RequestBody | None = None
    form: dict[str, Any] = {}
    form_required: list[str] = []
    for node in nodes:
        name, where = str(node.get("name") or ""), node.get("in")
        if where == "body":
            if not any("json" in c or c == "*/*" for c in consumes):
                raise OpenApiError("openapi.unsupported_body", content_type=consumes[0])
            schema = resolver.schema(node.get("schema"), budget)
            body = RequestBody(
                JSON, schema, bool(node.get("required")), _text(node.get("description"), 300)
            )
        elif where == "formData":
            if node.get("type") == "file" or (
                FORM not in consumes and "multipart/form-data" in consumes
            ):
                raise OpenApiError("openapi.unsupported_body", content_type="multipart/form-data")
            form[name] = _described(_swagger_schema(node, resolver, budget), node)
            if node.get("required"):
                form_required.append(name)
        elif where in LOCATIONS and name:
            fmt = str(node.get("collectionFormat") or "csv")
            params.append(
                Parameter(
                    name=name,
                    location=cast(ParameterLocation, where),
                    required=bool(node.get("required")) or where == "path",
                    schema=_swagger_schema(node, resolver, budget),
                    description=_text(node.get("description"), 300),
                    separator=_SEPARATORS.get(fmt, ","),
                )
            )
    if form:
        schema = {"type": "object", "properties": form, "required": form_required}
        body = RequestBody(FORM, schema, bool(form_required))
    return params, body


def _swagger_schema(node: dict[str, Any], resolver: Resolver, budget: Budget) -> dict[str, Any]:
    return resolver.schema({k: v for k, v in node.items() if k not in _NOT_SCHEMA}, budget)


def _openapi_parameter(node: dict[str, Any], resolver: Resolver, budget: Budget) -> Parameter:
    where = str(node.get("in"))
    schema_node = node.get("schema")
    content = node.get("content")
    if schema_node is None and isinstance(content, dict) and content:
        first = next(iter(content.values()))
        schema_node = first.get("schema") if isinstance(first, dict) else None
    style = str(node.get("style") or ("form" if where in ("query", "cookie") else "simple"))
    explode = node.get("explode", style == "form")
    separator: str | None = ","
    if style == "form" and explode:
        separator = None
    elif style == "spaceDelimited":
        separator = " "
    elif style == "pipeDelimited":
        separator = "|"
    return Parameter(
        name=str(node.get("name") or ""),
        location=cast(ParameterLocation, where),
        required=bool(node.get("required")) or where == "path",
        schema=resolver.schema(schema_node or {"type": "string"}, budget),
        description=_text(node.get("description"), 300),
        separator=separator,
    )


def _openapi_body(node: Any, resolver: Resolver, budget: Budget) -> RequestBody | None:
    body = resolver.deref(node)
    if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
        return None
    content: dict[str, Any] = {str(k).lower(): v for k, v in body["content"].items()}
    if not content:
        return None
    chosen = next(
        (c for c in content if c.startswith(JSON)),
        next((c for c in content if "json" in c), None),
    )
    chosen = chosen or next((c for c in (FORM, TEXT, "*/*") if c in content), None)
    if chosen is None:
        raise OpenApiError("openapi.unsupported_body", content_type=next(iter(content)))
    media = content[chosen] if isinstance(content[chosen], dict) else {}
    default = {"type": "string"} if chosen == TEXT else {}
    return RequestBody(
        content_type=JSON if chosen == "*/*" else chosen,
        schema=resolver.schema(media.get("schema") or default, budget),
        required=bool(body.get("required")),
        description=_text(body.get("description"), 300),
    )


def _described(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    text = _text(node.get("description"), 300)
    return {**schema, "description": text} if text and "description" not in schema else schema


# --- where the API is ------------------------------------------------------------------------


def base_url(raw: dict[str, Any], swagger: bool, document_url: str = "") -> str:
    if swagger:
        host = _text(raw.get("host"), 300)
        base_path = _text(raw.get("basePath"), 300)
        schemes = _list(raw.get("schemes"))
        scheme = "https" if "https" in schemes or not schemes else str(schemes[0])
        url = f"{scheme}://{host}{base_path}" if host else base_path or "/"
    else:
        servers = raw.get("servers")
        first = _mapping(servers[0] if isinstance(servers, list) and servers else None)
        url = _text(first.get("url"), 500) or "/"
        variables = _mapping(first.get("variables"))
        for name, variable in variables.items():
            default = variable.get("default", "") if isinstance(variable, dict) else ""
            url = url.replace("{" + str(name) + "}", str(default))
    if not url.lower().startswith(("http://", "https://")) and document_url:
        url = urljoin(document_url, url)
    return url.rstrip("/")


def _text(value: Any, limit: int) -> str:
    return "" if value is None else str(value).strip()[:limit]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
