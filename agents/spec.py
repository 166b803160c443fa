"""The agent spec: a versioned, human-readable YAML document validated by pydantic.

Every model forbids unknown fields so that a typo is reported instead of silently ignored, and the
``schema`` field names the format version so that old files keep loading when the format grows.
Sections that later work fills (knowledge, guardrails, oversight, workflow, tests) are optional
with defaults: a v1 file that omits them stays valid whatever they become.

This module is a leaf: pydantic, PyYAML and two leaves of this package (``bounded_yaml``,
``knowledge``). Checks that need the tool or model registries live in ``agents.validation``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from agents.bounded_yaml import MAX_SPEC_BYTES, YamlLimit, load_bounded
from agents.errors import InvalidSpec, UserError
from agents.i18n import t
from agents.knowledge import RELEVANCE_FLOOR

SCHEMA_V1: Final = "atelier/agent@1"
MAX_TOOL_STEPS = 20
DEFAULT_TOOL_STEPS = 6


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ModelSettings(Strict):
    """Which language model answers, and how."""

    provider: str = Field(min_length=1, description="Provider id, e.g. openai, mistral, offline.")
    name: str = Field(default="", description="Model name at that provider, e.g. gpt-4o-mini.")
    temperature: float = Field(default=0.3, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1, le=200_000)

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.name}" if self.name else self.provider


ApprovalPolicy = Literal["default", "always_ask", "never_ask"]


class ToolUse(Strict):
    """A tool the agent may call, with its settings."""

    id: str = Field(min_length=1, description="Tool id from the registry, e.g. calculator.")
    config: dict[str, Any] = Field(default_factory=dict)
    approval: ApprovalPolicy = Field(
        default="default",
        description="default: ask only for consequential tools; always_ask; never_ask.",
    )


class Limits(Strict):
    max_tool_steps: int = Field(
        default=DEFAULT_TOOL_STEPS,
        ge=1,
        le=MAX_TOOL_STEPS,
        description="How many rounds of tool calls one answer may take.",
    )


class KnowledgeSettings(Strict):
    """Knowledge bases the agent answers from, and how it looks them up."""

    bases: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, max_length=20, description="Knowledge bases, by id or name."
    )
    top_k: int = Field(default=5, ge=1, le=50, description="Passages given to the model.")
    min_score: float = Field(
        default=RELEVANCE_FLOOR,
        ge=0.0,
        le=1.0,
        description="Passages less similar to the question than this (0 to 1) are neither given "
        "to the model nor cited; 0 keeps them all.",
    )
    mode: Literal["auto", "tool", "both"] = Field(
        default="auto",
        description="auto: search before every answer; tool: the model searches when it "
        "decides (knowledge_search); both.",
    )
    per_document: bool = Field(
        default=True,
        description="One passage per document (its best), so that top_k passages come from "
        "top_k documents; false gives several passages of one long document side by side.",
    )


DataClass = Literal["public", "internal", "sensitive"]
DATA_CLASSES: Final[tuple[DataClass, ...]] = ("public", "internal", "sensitive")
"""From the least to the most protected: a model that may receive a class may receive those
before it."""

PiiPolicy = Literal["off", "pseudonymise", "block"]
HighRiskArea = Literal[
    "none",
    "biometrics",
    "critical_infrastructure",
    "education",
    "employment",
    "public_services",
    "law_enforcement",
    "migration",
    "justice",
]
"""The areas of the EU AI Act's Annex III where an AI system is high-risk (``employment``: it
sorts job applications; ``public_services``: it decides on access to public services and
benefits). ``none``: the agent is used in none of them."""


def class_rank(data_class: str) -> int:
    """0 for public, 1 internal, 2 sensitive."""
    return [str(c) for c in DATA_CLASSES].index(data_class)


class Guardrails(Strict):
    data_class: DataClass = Field(
        default="internal",
        description="The most protected kind of data the agent handles: public, internal or "
        "sensitive. Only models allowed that class answer it.",
    )
    pii: PiiPolicy = Field(
        default="off",
        description="Personal data in what reaches the model: off (sent as is), pseudonymise "
        "(replaced by placeholders such as <PERSONNE_1>, put back in what the person sees), "
        "block (a message holding any is refused).",
    )
    high_risk_area: HighRiskArea = Field(
        default="none",
        description="The EU AI Act Annex III area the agent is used in, if any; a high-risk "
        "agent cannot be published without human review of its answers.",
    )

    @field_validator("pii", mode="before")
    @classmethod
    def _off_unquoted(cls, value: Any) -> Any:
        """YAML reads an unquoted ``pii: off`` as false: it means off."""
        return "off" if value is False else value


OversightMode = Literal["none", "review"]


class Oversight(Strict):
    """Whether a person approves each answer before it counts (``mode: review``), and who.

    ``oversight: review`` is short for ``{mode: review}``; the first format's
    ``review_before_send: true`` still loads, as ``mode: review``."""

    mode: OversightMode = "none"
    reviewers: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=20,
        description="Who approves the drafts: people's logins or team:NAME; empty: the person "
        "who asked.",
    )

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"mode": data}
        if isinstance(data, dict) and "review_before_send" in data:
            data = dict(data)
            legacy = data.pop("review_before_send")
            if legacy is True and "mode" not in data:
                data["mode"] = "review"
        return data

    @property
    def review(self) -> bool:
        return self.mode == "review"


class FormField(Strict):
    """One typed input of the optional opening form (a URL, a tone...)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1)
    kind: Literal["text", "long_text", "url", "choice"] = "text"
    choices: list[str] = Field(default_factory=list)
    required: bool = False


class TestCase(Strict):
    message: str = Field(min_length=1)
    expect_contains: list[str] = Field(default_factory=list)


class AgentSpec(Strict):
    """An agent, as its creator describes it."""

    schema_: Literal["atelier/agent@1"] = Field(default=SCHEMA_V1, alias="schema")
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=500)
    icon: str = Field(default="🤖", max_length=16)
    category: str = Field(
        default="",
        max_length=40,
        description="A short word or two the catalogue files the agent under, e.g. "
        "Communication, RH, Juridique; free text, searched and offered as a filter.",
    )
    instructions: str = Field(default="", max_length=20_000)
    conversation_starters: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=8
    )
    opening_form: list[FormField] = Field(default_factory=list, max_length=10)
    model: ModelSettings | None = None
    tools: list[ToolUse] = Field(default_factory=list, max_length=30)
    limits: Limits = Field(default_factory=Limits)
    knowledge: KnowledgeSettings | None = None
    guardrails: Guardrails | None = None
    oversight: Oversight | None = None
    workflow: list[dict[str, Any]] | None = None
    tests: list[TestCase] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("blank")
        return value

    # --- serialisation -------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """A plain dict with defaults left out, keys in declaration order, ``schema`` first."""
        data = self.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        data = {"schema": self.schema_, **data}
        if data.get("oversight") == {"mode": "review"}:
            data["oversight"] = "review"  # the short form people write
        return data

    def to_yaml(self) -> str:
        return dump_yaml(self.to_data())

    @classmethod
    def from_data(cls, data: Any, source: str = "") -> AgentSpec:
        if not isinstance(data, dict):
            raise InvalidSpec([("", t("spec.not_mapping"))], source)
        if "schema" not in data:
            raise InvalidSpec([("schema", t("spec.schema_missing", expected=SCHEMA_V1))], source)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidSpec(describe_validation_error(exc), source) from None

    @classmethod
    def from_yaml(cls, text: str, source: str = "") -> AgentSpec:
        return cls.from_data(parse_yaml(text, source), source)

    @classmethod
    def load(cls, path: str | Path) -> AgentSpec:
        return cls.from_yaml(read_spec_file(path), str(path))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_yaml(), "utf-8")


def spec_json_schema() -> dict[str, Any]:
    schema = AgentSpec.model_json_schema(by_alias=True)
    # ``oversight: review`` (the short form) is a valid value too.
    schema["properties"]["oversight"]["anyOf"].insert(1, {"enum": ["none", "review"]})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://atelier.local/schema/agent-1.json"
    return schema


# --- YAML -------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def read_spec_file(path: str | Path) -> str:
    """The text of a spec file, read no further than the largest spec accepted (a 5 GB file
    is refused after reading 1 MB of it, not loaded whole)."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_SPEC_BYTES + 1)
    except (FileNotFoundError, IsADirectoryError):
        raise UserError("file.not_found", path=str(path)) from None
    return decode_spec(data, str(path))


def decode_spec(data: bytes, source: str = "") -> str:
    """The text of a spec that arrived as bytes (a file, an upload in the builder), refused
    when larger than a spec may be or not UTF-8."""
    if len(data) > MAX_SPEC_BYTES:
        problem = YamlLimit("yaml.too_large", limit=f"{MAX_SPEC_BYTES / 1_000_000:g}")
        raise InvalidSpec([("", problem.message())], source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError("file.not_utf8", path=source or "spec") from None


def parse_yaml(text: str, source: str = "") -> Any:
    """Parse untrusted YAML or raise a spec error naming the line.

    The one reader of specs, whatever brings them (a file, the builder's import, the catalogue,
    a template): the safe loader, within the bounds of ``agents.bounded_yaml`` (size, depth,
    alias expansion)."""
    try:
        return load_bounded(text)
    except YamlLimit as exc:
        raise InvalidSpec([("", exc.message())], source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "?"
        problem = _shorten(getattr(exc, "problem", None) or str(exc), 200)
        raise InvalidSpec(
            [("", t("spec.yaml_error", where=where, problem=problem))], source
        ) from None
    except ValueError:  # a value the safe constructor cannot build (a 5,000-digit int)
        raise InvalidSpec([("", t("yaml.bad_value"))], source) from None


# --- readable validation errors ---------------------------------------------------------------


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("tools", 1, "config", "timezone")`` -> ``tools[1].config.timezone``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


MAX_PROBLEMS_LISTED: Final = 30


def describe_validation_error(exc: ValidationError) -> list[tuple[str, str]]:
    """Turn pydantic's errors into (field path, plain sentence) pairs; past
    ``MAX_PROBLEMS_LISTED``, one line says how many more there are."""
    problems: list[tuple[str, str]] = []
    errors = exc.errors(include_url=False, include_input=True)
    for err in errors[:MAX_PROBLEMS_LISTED]:
        loc = tuple(p for p in err["loc"] if p not in ("function-after", "function-before"))
        problems.append((field_path(loc), plain_message(err)))
    if len(errors) > MAX_PROBLEMS_LISTED:
        problems.append(("", t("spec.more_problems", count=len(errors) - MAX_PROBLEMS_LISTED)))
    return problems


def plain_message(err: Any) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    shown = short_json(err.get("input"))
    if kind == "value_error" and "error" in ctx:
        inner = ctx["error"]
        if isinstance(inner, UserError):
            return inner.message()
        if str(inner) == "blank":
            return t("spec.err.blank")
    params: dict[str, Any] = {
        "value": shown,
        **{k: v for k, v in ctx.items() if isinstance(v, str | int | float)},
    }
    if kind == "literal_error":
        params["expected"] = ctx.get("expected", "")
    key = f"spec.err.{kind}"
    message = t(key, **params)
    return message if message != key else str(err.get("msg", kind))


# --- values shown in messages -----------------------------------------------------------------

SHOWN_CHARS: Final = 60


def short_json(value: Any, limit: int = SHOWN_CHARS) -> str:
    """``value`` as JSON, cut at ``limit`` characters (``...`` marks the cut). Only what is
    shown is serialised: a huge or deeply nested input costs no more than its first
    ``limit`` characters (the whole of it is never formatted into a message)."""
    out: list[str] = []
    room = [limit + 1]  # one more than shown, to know whether anything was cut

    def put(text: str) -> bool:
        out.append(text[: room[0]])
        room[0] -= len(out[-1])
        return room[0] > 0

    def walk(item: Any) -> bool:
        if isinstance(item, dict):
            if not put("{"):
                return False
            for i, (key, inner) in enumerate(item.items()):
                if not put((", " if i else "") + _json_scalar(str(key), room[0]) + ": "):
                    return False
                if not walk(inner):
                    return False
            return put("}")
        if isinstance(item, list | tuple):
            if not put("["):
                return False
            for i, inner in enumerate(item):
                if (i and not put(", ")) or not walk(inner):
                    return False
            return put("]")
        return put(_json_scalar(item, room[0]))

    walk(value)
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _json_scalar(value: Any, room: int) -> str:
    if isinstance(value, str):
        value = value[: max(room, 0) + 1]  # enough to fill the room; the rest is never encoded
    return json.dumps(value, ensure_ascii=False, default=lambda v: str(v)[:200])


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
