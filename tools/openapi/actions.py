"""``http_action``: the operations of an OpenAPI document, as tools the model may call.

It is a *toolset*: the agent spec names it once, with the document and the ticked operations,
and ``expand`` turns that into one ``ToolDefinition`` per operation (``geo__getCommunes``), with
an arguments model built from the operation's parameters and body. The toolset itself is never
called.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from typing import Any

from pydantic import BaseModel

from agents.i18n import t
from tools.openapi.arguments import arguments_for
from tools.openapi.config import HttpActionConfig, HttpAuth
from tools.openapi.loader import load_document
from tools.openapi.model import ApiDocument, OpenApiError, Operation, Parameter
from tools.openapi.request import call
from tools.registry import ToolContext, ToolDefinition, toolset

TOOL_ID = "http_action"
TAG = "http_action"
TIMEOUT_S = 30.0
MAX_TOOL_ID = 64
MAX_DESCRIPTION = 1_000
TOOLSET_DESCRIPTION = (
    "Appelle les opérations choisies d'une API web décrite par un document OpenAPI ; "
    "chaque opération devient un outil distinct."
)
CACHE_SIZE = 32

_cache: OrderedDict[tuple[str, str, str], tuple[ToolDefinition, ...]] = OrderedDict()
_cache_lock = threading.Lock()


def expand(config: BaseModel, context: ToolContext) -> list[ToolDefinition]:
    """The ticked operations of the configured document, one tool each (a document that cannot
    load, an unknown or unusable operation: ``OpenApiError``)."""
    assert isinstance(config, HttpActionConfig)
    return operation_tools(load_document(config.document, context.egress), config)


DEFINITION = toolset(
    TOOL_ID,
    title=t("tool.http_action.title", "fr"),
    description=TOOLSET_DESCRIPTION,
    config_model=HttpActionConfig,
    expand=expand,
    not_callable=lambda: OpenApiError("openapi.toolset_not_callable"),
    tags=(TAG,),
    effects=("calls_service", "acts_outside"),
)


def operation_tools(document: ApiDocument, config: HttpActionConfig) -> list[ToolDefinition]:
    key = (
        document.digest,
        document.base_url,
        config.model_dump_json(exclude={"document"}),
    )
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return list(_cache[key])
    tools: list[ToolDefinition] = []
    ids: set[str] = set()
    chosen: dict[str, Operation] = {}
    for ref in config.operations:
        op = document.find(ref)
        chosen.setdefault(op.label, op)
    for op in chosen.values():
        tool = operation_tool(document, op, config, taken=ids)
        ids.add(tool.id)
        tools.append(tool)
    with _cache_lock:
        _cache[key] = tuple(tools)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return tools


def operation_tool(
    document: ApiDocument,
    operation: Operation,
    config: HttpActionConfig,
    *,
    taken: set[str] | None = None,
) -> ToolDefinition:
    if operation.problem is not None:
        raise OpenApiError(
            "openapi.operation_unusable",
            operation=operation.operation_id,
            problem=operation.problem.message(),
        )
    arguments = arguments_for(operation, _supplied_by(config.authentication))

    def run(args: BaseModel, settings: HttpActionConfig, context: ToolContext) -> Any:
        return call(operation, arguments, document.base_url, args, settings, context)

    return ToolDefinition(
        id=tool_id(config.name, operation.operation_id, taken or set()),
        title=operation.summary or operation.label,
        description=model_description(operation),
        args_model=arguments.model,
        run=run,
        config_model=HttpActionConfig,
        consequential=operation.consequential,
        effects=("acts_outside",) if operation.consequential else ("calls_service",),
        timeout_s=TIMEOUT_S,
        tags=(TAG,),
        uses_context=True,
    )


def tool_id(prefix: str, operation_id: str, taken: set[str]) -> str:
    """``geo__getCommunes``: what the model calls, within ``^[a-zA-Z0-9_-]{1,64}$``."""
    clean = re.sub(r"[^A-Za-z0-9_-]+", "_", operation_id).strip("_") or "operation"
    name = f"{prefix}__{clean}"
    if len(name) <= MAX_TOOL_ID and name not in taken:
        return name
    digest = hashlib.sha256(operation_id.encode("utf-8")).hexdigest()[:8]
    return f"{name[: MAX_TOOL_ID - len(digest) - 1]}_{digest}"


def model_description(operation: Operation) -> str:
    parts = [operation.summary]
    if operation.description and operation.description not in operation.summary:
        parts.append(operation.description)
    text = " ".join(p.strip().rstrip(".") + "." for p in parts if p.strip())
    suffix = f" ({operation.label})"
    return text[: MAX_DESCRIPTION - len(suffix)].strip() + suffix


def _supplied_by(auth: HttpAuth) -> Any:
    """The parameters the credential fills, hidden from the model (many documents declare the
    API key as an ordinary header or query parameter)."""

    def skip(param: Parameter) -> bool:
        name = param.name.lower()
        if auth.type == "api_key":
            return param.location == auth.location and name == auth.name.lower()
        if auth.type in ("bearer", "basic"):
            return param.location == "header" and name == "authorization"
        return False

    return skip
