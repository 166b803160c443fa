"""The editor's form values and the agent spec, both ways.

The editor keeps what a person typed in ``EditorValues``, valid or not, so nothing is lost when a
check fails; ``spec_from_values`` turns them into an ``AgentSpec`` or raises ``InvalidSpec`` with
field paths. Parts of a spec that the form does not edit (guardrails, oversight, opening form,
tests...) ride along in ``base`` so that saving a template or an old version keeps them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from agents.errors import InvalidSpec
from agents.models.registry import parse_ref
from agents.spec import DEFAULT_TOOL_STEPS, SCHEMA_V1, AgentSpec, KnowledgeSettings

DEFAULT_ICON = "🤖"
DEFAULT_TEMPERATURE = 0.3
PREVIEW_MODEL_ENV = "ATELIER_PREVIEW_MODEL"

# Spec keys the form edits; every other key of a loaded spec is kept as it was.
EDITED_KEYS = (
    "schema",
    "name",
    "description",
    "category",
    "icon",
    "instructions",
    "conversation_starters",
    "model",
    "tools",
    "limits",
    "knowledge",
)


@dataclass
class ToolChoice:
    """One tool in the editor: ticked or not, its approval policy and its config."""

    enabled: bool = False
    approval: str = "default"
    config: dict[str, Any] = field(default_factory=dict)


_KNOWLEDGE_DEFAULTS = KnowledgeSettings()


@dataclass
class KnowledgeChoice:
    """The agent's knowledge bases (ids, or the refs a loaded spec used) and how it searches
    them. ``kept``: the loaded spec had a knowledge section, kept even without a base (a
    template's settings wait for the person's bases)."""

    bases: list[str] = field(default_factory=list)
    top_k: int = _KNOWLEDGE_DEFAULTS.top_k
    min_score: float = _KNOWLEDGE_DEFAULTS.min_score
    mode: str = _KNOWLEDGE_DEFAULTS.mode
    kept: bool = False
    per_document: bool = _KNOWLEDGE_DEFAULTS.per_document

    @classmethod
    def from_settings(cls, settings: KnowledgeSettings | None) -> KnowledgeChoice:
        if settings is None:
            return cls()
        return cls(
            bases=list(settings.bases),
            top_k=settings.top_k,
            min_score=settings.min_score,
            mode=settings.mode,
            per_document=settings.per_document,
            kept=True,
        )

    def section(self) -> dict[str, Any] | None:
        """The spec's ``knowledge`` section, or None when the agent has none."""
        settings = {
            "top_k": self.top_k,
            "min_score": self.min_score,
            "mode": self.mode,
            "per_document": self.per_document,
        }
        defaults = {k: getattr(_KNOWLEDGE_DEFAULTS, k) for k in settings}
        if not (self.bases or self.kept or settings != defaults):
            return None
        return {"bases": list(self.bases), **settings}


@dataclass
class EditorValues:
    """What the editor's form holds."""

    name: str = ""
    icon: str = DEFAULT_ICON
    description: str = ""
    category: str = ""  # the catalogue's: "Communication", "RH"...
    instructions: str = ""
    starters: str = ""  # one conversation starter per line
    model: str = ""  # a model ref such as ``mistral:mistral-small-latest``; "" = workspace default
    temperature: float = DEFAULT_TEMPERATURE
    max_tokens: int | None = None
    max_tool_steps: int = DEFAULT_TOOL_STEPS
    tools: dict[str, ToolChoice] = field(default_factory=dict)
    knowledge: KnowledgeChoice = field(default_factory=KnowledgeChoice)
    base: dict[str, Any] = field(default_factory=dict)

    def enabled_tools(self) -> list[str]:
        """Ticked tool ids, in the order they take in the spec (``tools[i]``)."""
        return [tool_id for tool_id, choice in self.tools.items() if choice.enabled]


def starter_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def values_from_spec(spec: AgentSpec, tool_ids: Iterable[str] = ()) -> EditorValues:
    """The form for ``spec``; ``tool_ids`` are the registry's tools, offered unticked."""
    tools = {
        use.id: ToolChoice(enabled=True, approval=use.approval, config=dict(use.config))
        for use in spec.tools
    }
    for tool_id in tool_ids:
        tools.setdefault(tool_id, ToolChoice())
    data = spec.to_data()
    model = spec.model
    return EditorValues(
        name=spec.name,
        icon=spec.icon,
        description=spec.description,
        category=spec.category,
        instructions=spec.instructions,
        starters="\n".join(spec.conversation_starters),
        model=model.ref if model else "",
        temperature=model.temperature if model else DEFAULT_TEMPERATURE,
        max_tokens=model.max_tokens if model else None,
        max_tool_steps=spec.limits.max_tool_steps,
        tools=tools,
        knowledge=KnowledgeChoice.from_settings(spec.knowledge),
        base={k: v for k, v in data.items() if k not in EDITED_KEYS},
    )


def blank_values(tool_ids: Iterable[str] = ()) -> EditorValues:
    return EditorValues(tools={tool_id: ToolChoice() for tool_id in tool_ids})


def spec_data(values: EditorValues) -> dict[str, Any]:
    """The spec document for ``values``, not yet validated."""
    data: dict[str, Any] = {
        "schema": SCHEMA_V1,
        "name": values.name.strip(),
        "description": values.description,
        "icon": values.icon.strip() or DEFAULT_ICON,
        "instructions": values.instructions,
        "conversation_starters": starter_lines(values.starters),
    }
    if values.category.strip():
        data["category"] = values.category.strip()
    if values.model:
        chosen = parse_ref(values.model)
        model: dict[str, Any] = {
            "provider": chosen.provider,
            "name": chosen.name,
            "temperature": values.temperature,
        }
        if values.max_tokens:
            model["max_tokens"] = values.max_tokens
        data["model"] = model
    data["tools"] = [
        {"id": tool_id, "config": dict(choice.config), "approval": choice.approval}
        for tool_id, choice in values.tools.items()
        if choice.enabled
    ]
    data["limits"] = {"max_tool_steps": values.max_tool_steps}
    knowledge = values.knowledge.section()
    if knowledge is not None:
        data["knowledge"] = knowledge
    data.update({k: v for k, v in values.base.items() if k not in EDITED_KEYS})
    return data


def spec_from_values(values: EditorValues) -> AgentSpec:
    """The agent spec, or ``InvalidSpec`` whose problems name the field paths."""
    return AgentSpec.from_data(spec_data(values), source="editor")


def preview_values(values: EditorValues, untitled: str) -> EditorValues:
    """The preview works before the agent has a name: it borrows a placeholder."""
    return values if values.name.strip() else replace(values, name=untitled)


def preview_model_override(env: dict[str, str] | None = None) -> str | None:
    """``ATELIER_PREVIEW_MODEL`` (e.g. ``scripted:replies.yaml``) replaces the preview's model."""
    env = dict(os.environ) if env is None else env
    return env.get(PREVIEW_MODEL_ENV, "").strip() or None


# --- problems, in the person's words ------------------------------------------------------------

# Field path prefix -> message key of the field's label in the editor.
FIELD_LABELS = {
    "name": "ui.field.name",
    "icon": "ui.field.icon",
    "description": "ui.field.description",
    "category": "ui.field.category",
    "instructions": "ui.field.instructions",
    "conversation_starters": "ui.field.starters",
    "model.temperature": "ui.field.temperature",
    "model.max_tokens": "ui.field.max_tokens",
    "model": "ui.field.model",
    "limits.max_tool_steps": "ui.field.max_tool_steps",
    "limits": "ui.field.max_tool_steps",
    "knowledge.top_k": "ui.kb_field.top_k",
    "knowledge.min_score": "ui.kb_field.min_score",
    "knowledge.mode": "ui.kb_field.mode",
    "knowledge.per_document": "ui.kb_field.per_document",
    "knowledge": "ui.kb_field.bases",
}

_TOOL_PATH = re.compile(r"^tools\[(\d+)\](?:\.(.*))?$")


@dataclass(frozen=True)
class Problem:
    label: str  # where, in the editor's words: "Nom", "Outils › Date et heure"
    path: str  # where, in the spec: "name", "tools[0].config.timezone"
    message: str


def describe_problems(
    exc: InvalidSpec,
    values: EditorValues,
    label: Callable[[str], str],
    tool_title: Callable[[str], str],
) -> list[Problem]:
    """``label(key)`` translates a message key; ``tool_title(id)`` names a tool."""
    enabled = values.enabled_tools()
    out = []
    for path, message in exc.problems:
        out.append(Problem(_where(path, enabled, label, tool_title), path, message))
    return out


def _where(
    path: str, enabled: list[str], label: Callable[[str], str], tool_title: Callable[[str], str]
) -> str:
    match = _TOOL_PATH.match(path)
    if match:
        index, rest = int(match.group(1)), match.group(2) or ""
        tool_id = enabled[index] if index < len(enabled) else ""
        where = f"{label('ui.field.tools')} › {tool_title(tool_id) if tool_id else path}"
        if rest.startswith("config."):
            field = rest.removeprefix("config.")
            key = f"tool.{tool_id}.config.{field}"
            field_label = label(key)
            where += f" › {field if field_label == key else field_label}"
        return where
    for prefix, key in FIELD_LABELS.items():
        if path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "["):
            return label(key)
    return path or label("ui.field.root")


def checked_spec(
    values: EditorValues,
    check: Callable[[AgentSpec], AgentSpec],
    label: Callable[[str], str],
    tool_title: Callable[[str], str],
) -> tuple[AgentSpec | None, list[Problem]]:
    """The spec if the form is valid (shape, then ``check``: tools, configs, model), else every
    problem, each with its place in the form and its field path."""
    try:
        return check(spec_from_values(values)), []
    except InvalidSpec as exc:
        problems = list(exc.problems)
    problems += [p for p in _registry_problems(values, check) if p not in problems]
    found = InvalidSpec(problems, source="editor")
    return None, describe_problems(found, values, label, tool_title)


def _registry_problems(
    values: EditorValues, check: Callable[[AgentSpec], AgentSpec]
) -> list[tuple[str, str]]:
    """Tool and model problems even when the rest of the form is invalid (a blank name, say),
    so that a person sees everything to fix at once. The tool list is the form's own, so the
    paths (``tools[i]...``) are the same."""
    data = spec_data(values)
    subset = {"schema": SCHEMA_V1, "name": "-", "tools": data["tools"]}
    if "model" in data:
        subset["model"] = data["model"]
    try:
        check(AgentSpec.from_data(subset))
    except InvalidSpec as exc:
        return list(exc.problems)
    return []


# --- unsaved changes -----------------------------------------------------------------------------


def fingerprint(values: EditorValues) -> str:
    """What the form would save, as text: two forms that would save the same spec have the same
    fingerprint (a tool unticked keeps its settings, but they are not saved)."""
    try:
        data: Any = spec_data(values)
    except Exception:
        data = asdict(values)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def values_to_data(values: EditorValues) -> dict[str, Any]:
    """The form as plain data, for the draft kept on disk."""
    return asdict(values)


def values_from_data(data: Any) -> EditorValues | None:
    """The form kept by ``values_to_data``, or None if the data is not one (an old format)."""
    try:
        fields = dict(data)
        tools = {
            str(tool_id): ToolChoice(**dict(choice))
            for tool_id, choice in dict(fields.pop("tools", {})).items()
        }
        knowledge = KnowledgeChoice(**dict(fields.pop("knowledge", {})))
        return EditorValues(**fields, tools=tools, knowledge=knowledge)
    except (TypeError, ValueError, AttributeError):
        return None
