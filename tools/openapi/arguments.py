"""An operation's arguments as a pydantic model, built from its parameters' JSON schemas.

The model validates what the language model sends before anything leaves, and its JSON schema
is what the model is shown. Field names in the schema are the API's own (``editor-type``,
``from``), kept as aliases; the Python names behind them never reach the model. Optional fields
accept ``null`` but are shown plainly (no ``anyOf [..., null]`` noise).
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from tools.openapi.model import Operation, Parameter

MAX_MODEL_DEPTH = 4
"""Nested objects of a body become models down to this depth; deeper, free-form dicts."""
MAX_LITERAL = 200
BODY_DESCRIPTION = "Contenu de la requête, envoyé à l'API."
_RESERVED = frozenset(dir(BaseModel))


@dataclass(frozen=True)
class Arguments:
    model: type[BaseModel]
    parameters: dict[str, Parameter]
    """The name the model uses (an alias) -> the parameter it fills."""
    body: str | None = None
    """The name of the body field, if the operation takes one."""


def arguments_for(operation: Operation, skip: Callable[[Parameter], bool]) -> Arguments:
    """The arguments model of ``operation``, without the parameters ``skip`` keeps for itself
    (the credential the tool's config supplies)."""
    fields: dict[str, Any] = {}
    parameters: dict[str, Parameter] = {}
    names: set[str] = set()
    model_name = _model_name(operation.operation_id)
    for param in operation.parameters:
        if skip(param):
            continue
        alias = param.name if param.name not in parameters else f"{param.name}_{param.location}"
        if alias in parameters:
            continue  # the same name twice in the same place: the document is wrong, keep one
        parameters[alias] = param
        fields[_python_name(alias, names)] = _field(
            param.schema, param.description, param.required, alias, model_name, 1
        )
    body = None
    if operation.body is not None:
        body = "body" if "body" not in parameters else "request_body"
        text = operation.body.description or BODY_DESCRIPTION
        fields[_python_name(body, names)] = _field(
            operation.body.schema, text, operation.body.required, body, f"{model_name}Body", 1
        )
    model = create_model(
        model_name,
        __config__=_config("forbid"),
        **fields,
    )
    return Arguments(model=model, parameters=parameters, body=body)


def _field(
    schema: dict[str, Any], description: str, required: bool, alias: str, hint: str, depth: int
) -> tuple[Any, Any]:
    annotation = _annotation(schema, hint, depth)
    text = _describe(schema, description)
    if required:
        return annotation, Field(..., alias=alias, description=text or None)
    if annotation is not Any:
        annotation = annotation | None
    return annotation, Field(default=None, alias=alias, description=text or None)


def _plain(schema: dict[str, Any]) -> None:
    """What the API documents, in few tokens: no generated ``title`` on the fields, and for
    an optional field ``X`` rather than ``anyOf: [X, null], default: null``."""
    for prop in (schema.get("properties") or {}).values():
        prop.pop("title", None)
        options = prop.get("anyOf")
        if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
            other = next(o for o in options if o != {"type": "null"})
            del prop["anyOf"]
            for key, value in other.items():
                prop.setdefault(key, value)
        if "default" in prop and prop["default"] is None:
            del prop["default"]


def _config(extra: Literal["allow", "forbid"]) -> ConfigDict:
    return ConfigDict(extra=extra, protected_namespaces=(), json_schema_extra=_plain)


def _annotation(schema: dict[str, Any], hint: str, depth: int) -> Any:
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and len(enum) <= MAX_LITERAL and all(map(_scalar, enum)):
        values = tuple(dict.fromkeys(v for v in enum if v is not None))
        if not values:
            return Any
        literal = Literal[values]  # type: ignore[valid-type]
        return literal | None if None in enum else literal
    kind = schema.get("type")
    nullable = schema.get("nullable") is True
    if isinstance(kind, list):
        nullable = nullable or "null" in kind
        rest = [k for k in kind if k != "null"]
        kind = rest[0] if len(rest) == 1 else None
    if kind is None and isinstance(schema.get("allOf"), list):
        merged = _merged(schema["allOf"])
        if merged:
            return _annotation({**schema, **merged, "allOf": None}, hint, depth)
    if kind is None and isinstance(schema.get("properties"), dict):
        kind = "object"
    base: Any
    if kind == "string":
        base = str
    elif kind == "integer":
        base = int
    elif kind == "number":
        base = float
    elif kind == "boolean":
        base = bool
    elif kind == "array":
        items = schema.get("items")
        item = _annotation(items if isinstance(items, dict) else {}, f"{hint}Item", depth + 1)
        base = list[item]  # type: ignore[valid-type]
    elif kind == "object":
        base = _object(schema, hint, depth)
    else:
        return Any
    return base | None if nullable else base


def _object(schema: dict[str, Any], hint: str, depth: int) -> Any:
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties or depth >= MAX_MODEL_DEPTH:
        return dict[str, Any]
    required = (
        set(schema.get("required") or []) if isinstance(schema.get("required"), list) else set()
    )
    fields: dict[str, Any] = {}
    names: set[str] = set()
    for name, sub in properties.items():
        python = _python_name(name, names)
        sub = sub if isinstance(sub, dict) else {}
        fields[python] = _field(sub, "", name in required, name, f"{hint}_{python}", depth + 1)
    extra: Literal["allow", "forbid"] = (
        "forbid" if schema.get("additionalProperties") is False else "allow"
    )
    return create_model(_model_name(hint), __config__=_config(extra), **fields)


def _merged(parts: list[Any]) -> dict[str, Any]:
    """``allOf`` of object schemas, as one object (the usual way to extend a schema)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in parts:
        if not isinstance(part, dict) or not isinstance(part.get("properties", {}), dict):
            return {}
        properties.update(part.get("properties", {}))
        required += [r for r in part.get("required") or [] if isinstance(r, str)]
    return {"type": "object", "properties": properties, "required": required} if properties else {}


def _describe(schema: dict[str, Any], description: str) -> str:
    text = (description or str(schema.get("description") or "")).strip()
    notes = []
    if isinstance(schema.get("format"), str):
        notes.append(f"format : {schema['format']}")
    default = schema.get("default")
    if default is not None:
        shown = json.dumps(default, ensure_ascii=False, default=str)
        notes.append(f"défaut : {shown if len(shown) <= 80 else shown[:79] + '…'}")
    if notes:
        text = f"{text} ({' ; '.join(notes)})".strip()
    return text[:500]


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _python_name(name: str, taken: set[str]) -> str:
    """A safe Python identifier for a field (never one of BaseModel's own attributes)."""
    base = re.sub(r"\W", "_", name, flags=re.ASCII).strip("_").lower() or "field"
    if (
        base[0].isdigit()
        or keyword.iskeyword(base)
        or base in _RESERVED
        or base.startswith("model_")
    ):
        base = f"f_{base}"
    python, n = base, 1
    while python in taken:
        n += 1
        python = f"{base}_{n}"
    taken.add(python)
    return python


def _model_name(hint: str) -> str:
    name = re.sub(r"\W", "_", hint, flags=re.ASCII).strip("_") or "Arguments"
    return f"M{name}" if name[0].isdigit() else name
