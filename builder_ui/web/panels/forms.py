"""Forms generated from pydantic config models, so that a new tool needs no UI code.

A config model is read once into ``FormField`` descriptions (pure, testable without Streamlit);
``render_form`` draws them and returns the config dict. Values are kept as typed: nothing is
validated here, the spec check reports problems with their field path, and what a person typed
stays in the form until they fix it.
"""

from __future__ import annotations

import enum
import json
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

FieldKind = Literal["text", "choice", "integer", "number", "boolean", "lines", "json"]


@dataclass(frozen=True)
class FormField:
    """One input of a generated form."""

    name: str
    kind: FieldKind
    label: str
    help: str = ""
    default: Any = None
    required: bool = False
    optional: bool = False  # ``X | None``: an empty input means None
    options: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def described(description: str | None) -> str:
    """A label from a field's description when it has no title: its first clause, short
    ("Adresse complète de la page (https://...)." -> "Adresse complète de la page"), so that a
    plug-in's tool reads in its author's words rather than as ``url``."""
    text = " ".join((description or "").split())
    clause = re.split(r"[.;:(]|, | — | - ", text, maxsplit=1)[0].strip()
    return clause if 0 < len(clause) <= LABEL_LENGTH else ""


LABEL_LENGTH = 40


def humanise(name: str) -> str:
    """``max_results`` -> ``Max results``: the last resort for a label."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], len(args) != len(get_args(annotation))
    return annotation, False


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    low: float | None = None
    high: float | None = None
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Gt):
            low = float(item.gt)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Lt):
            high = float(item.lt)  # type: ignore[arg-type]
    return low, high


def _kind(annotation: Any) -> tuple[FieldKind, tuple[Any, ...]]:
    origin = get_origin(annotation)
    if origin is Literal:
        return "choice", tuple(get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", tuple(member.value for member in annotation)
    if annotation is bool:
        return "boolean", ()
    if annotation is int:
        return "integer", ()
    if annotation is float:
        return "number", ()
    if annotation is str:
        return "text", ()
    if origin in (list, tuple, set) and get_args(annotation)[:1] == (str,):
        return "lines", ()
    return "json", ()


def form_fields(model: type[BaseModel]) -> list[FormField]:
    """The inputs of ``model``'s form, in declaration order."""
    fields = []
    for name, info in model.model_fields.items():
        annotation, optional = _unwrap_optional(info.annotation)
        kind, options = _kind(annotation)
        low, high = _bounds(info) if kind in ("integer", "number") else (None, None)
        default = info.get_default(call_default_factory=True)
        required = default is PydanticUndefined
        fields.append(
            FormField(
                name=name,
                kind=kind,
                label=info.title or described(info.description) or humanise(name),
                help=info.description or "",
                default=None if required else default,
                required=required,
                optional=optional,
                options=options,
                minimum=low,
                maximum=high,
            )
        )
    return fields


# --- values: config <-> widgets -------------------------------------------------------------


def widget_value(field: FormField, config: Mapping[str, Any]) -> Any:
    """What the widget shows for this field, from a tool config (or the field's default)."""
    value = config.get(field.name, field.default)
    if field.kind == "lines":
        return "\n".join(str(v) for v in value or [])
    if field.kind == "json":
        if isinstance(value, str):
            return value  # text that did not parse: kept as typed
        return "" if value is None else json.dumps(value, ensure_ascii=False, default=_plain)
    if field.kind == "text":
        return "" if value is None else str(value)
    if field.kind == "boolean":
        return bool(value)
    if field.kind == "choice" and value not in field.options:
        return field.options[0] if field.options and not field.optional else None
    return value


def _plain(value: Any) -> Any:
    """A nested settings object (a default such as ``HttpAuth()``) as the JSON a person types."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"{type(value).__name__} cannot be shown as JSON")


def config_value(field: FormField, raw: Any) -> Any:
    """The config value for what the widget holds."""
    if field.kind == "lines":
        return [line.strip() for line in str(raw or "").splitlines() if line.strip()]
    if field.kind == "json":
        text = str(raw or "").strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text  # the spec check reports it; the text stays in the form
    if field.kind == "text" and field.optional and not str(raw or "").strip():
        return None
    return raw


def config_from_widgets(
    fields: list[FormField], raw: Mapping[str, Any], previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A tool config from widget values. A field left at its default is left out (saved specs
    stay short and follow the tool's defaults), unless ``previous`` (the config the form was
    loaded with) set it explicitly."""
    previous = previous or {}
    config: dict[str, Any] = {}
    for field in fields:
        if field.name not in raw:
            continue
        value = config_value(field, raw[field.name])
        if field.required or value != field.default or field.name in previous:
            config[field.name] = value
    return config


def widget_state(fields: list[FormField], prefix: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Session-state values for every widget of the form (keys ``prefix + field name``)."""
    return {prefix + field.name: widget_value(field, config) for field in fields}


# --- drawing ---------------------------------------------------------------------------------

LabelFor = Callable[[FormField], str]


def render_form(
    model: type[BaseModel],
    prefix: str,
    label_for: LabelFor | None = None,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Draw ``model``'s form with widgets keyed ``prefix + field name`` (their values must already
    be in session state, see ``widget_state``) and return the config dict (see
    ``config_from_widgets`` for ``previous``)."""
    import streamlit as st

    fields = form_fields(model)
    raw: dict[str, Any] = {}
    for field in fields:
        label = label_for(field) if label_for else field.label
        key = prefix + field.name
        help_text = field.help or None
        if field.kind == "boolean":
            raw[field.name] = st.checkbox(label, key=key, help=help_text)
        elif field.kind == "choice":
            raw[field.name] = st.selectbox(label, list(field.options), key=key, help=help_text)
        elif field.kind in ("integer", "number"):
            is_int = field.kind == "integer"
            low, high = field.minimum, field.maximum
            raw[field.name] = st.number_input(
                label,
                min_value=None if low is None else (int(low) if is_int else low),
                max_value=None if high is None else (int(high) if is_int else high),
                step=1 if is_int else 0.1,
                key=key,
                help=help_text,
            )
        elif field.kind in ("lines", "json"):
            raw[field.name] = st.text_area(label, key=key, help=help_text, height=100)
        else:
            raw[field.name] = st.text_input(label, key=key, help=help_text)
    return config_from_widgets(fields, raw, previous)
