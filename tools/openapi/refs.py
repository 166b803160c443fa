"""``$ref`` resolution, bounded: local references only, loops cut, size and depth capped.

A schema that refers to itself (a tree, a linked list) is expanded once and then replaced by a
small stub; a document that would expand without end (YAML aliases nested on purpose, a chain
of references) stops with a clear message instead of eating the memory.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from tools.openapi.model import DocumentTooLargeError, OpenApiError

MAX_SCHEMA_DEPTH = 10
"""Nesting kept in one schema; deeper levels become a stub (the API still validates them)."""
MAX_REF_CHAIN = 32
MAX_OPERATION_NODES = 5_000
"""Schema nodes one operation may expand to (parameters and body)."""
MAX_DOCUMENT_NODES = 200_000
MAX_TEXT = 500
MAX_ENUM = 500

_SCHEMA_MAPS = ("properties", "patternProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = ("items", "additionalProperties")
_KEPT = frozenset(
    {
        "type",
        "format",
        "enum",
        "const",
        "default",
        "description",
        "title",
        "required",
        "nullable",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
    }
)


class Budget:
    """Counts the schema nodes built; a child budget (one operation) also spends its parent's
    (the whole document)."""

    def __init__(self, limit: int, parent: Budget | None = None) -> None:
        self.limit = limit
        self.spent = 0
        self.parent = parent

    def spend(self) -> None:
        self.spent += 1
        if self.parent is not None:
            self.parent.spend()
        if self.spent > self.limit:
            if self.parent is None:
                raise DocumentTooLargeError("openapi.load.too_complex", limit=self.limit)
            raise OpenApiError("openapi.operation_too_complex", limit=self.limit)


class Resolver:
    def __init__(self, root: dict[str, Any], budget: Budget) -> None:
        self.root = root
        self.budget = budget

    def pointer(self, ref: str) -> Any:
        """The node a local reference (``#/components/schemas/Commune``) points at."""
        if not ref.startswith("#"):
            raise OpenApiError("openapi.ref_remote", ref=_short(ref))
        node: Any = self.root
        parts = ref[1:].lstrip("/").split("/") if ref not in ("#", "#/") else []
        for raw in parts:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise OpenApiError("openapi.ref_missing", ref=_short(ref))
        return node

    def deref(self, node: Any) -> Any:
        """A parameter, request body or path item with its ``$ref`` chain followed."""
        seen: list[str] = []
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or len(seen) >= MAX_REF_CHAIN:
                raise OpenApiError("openapi.ref_loop", ref=_short(ref))
            seen.append(ref)
            node = self.pointer(ref)
        return node

    def schema(self, node: Any, budget: Budget) -> dict[str, Any]:
        """A JSON schema with every local reference expanded, within the bounds."""
        result = self._schema(node, budget, (), 0)
        return result if isinstance(result, dict) else {}

    def _schema(self, node: Any, budget: Budget, stack: tuple[str, ...], depth: int) -> Any:
        budget.spend()
        if not isinstance(node, dict):
            return {}
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if ref in stack:
                return _stub(name, "récursive")
            if len(stack) >= MAX_REF_CHAIN:
                raise OpenApiError("openapi.ref_loop", ref=_short(ref))
            target = self._schema(self.pointer(ref), budget, (*stack, ref), depth)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if siblings and isinstance(target, dict):  # 3.1: keywords beside a $ref apply too
                target = {**target, **self._schema(siblings, budget, stack, depth)}
            return target
        if depth >= MAX_SCHEMA_DEPTH:
            return _stub(str(node.get("title") or ""), "trop profonde")
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                out[key] = {
                    str(k): self._schema(v, budget, stack, depth + 1) for k, v in value.items()
                }
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self._schema(v, budget, stack, depth + 1) for v in value]
            elif key in _SCHEMA_ONE and isinstance(value, dict):
                out[key] = self._schema(value, budget, stack, depth + 1)
            elif key in _SCHEMA_ONE and isinstance(value, bool):
                out[key] = value
            elif key in _KEPT:
                out[key] = _plain(value, budget)
        return out


def _stub(name: str, why: str) -> dict[str, Any]:
    label = f" ({name})" if name else ""
    return {"type": "object", "description": f"structure {why}{label}, non détaillée"}


def _plain(value: Any, budget: Budget) -> Any:
    """A keyword's value as bounded, JSON-able data (YAML dates become text)."""
    budget.spend()
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list):
        return [_plain(v, budget) for v in value[:MAX_ENUM]]
    if isinstance(value, dict):
        return {str(k): _plain(v, budget) for k, v in list(value.items())[:MAX_ENUM]}
    return str(value)[:MAX_TEXT]


def _short(ref: str) -> str:
    return ref if len(ref) <= 120 else ref[:117] + "..."
