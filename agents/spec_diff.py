"""Two versions of an agent compared field by field, in the reader's words.

``diff_specs(old, new)`` lists each field of the spec that differs, with its label from the
message catalogues ("Outils › Date et heure › Fuseau horaire", never ``tools[0].config.timezone``)
and both values written as a person reads them ("Toujours demander", not ``always_ask``). The
instructions also come as a line diff, each line marked added, removed or unchanged, so that an
interface can show the change by a sign and a word, not by colour alone. Unchanged fields are
not listed.

Pure logic over ``AgentSpec``: the builder, the CLI and (later) the review queue show the same
comparison. What needs the installation (a tool's registry title, a knowledge base's name) comes
in as functions.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal

from agents.i18n import t
from agents.spec import (
    AgentSpec,
    Guardrails,
    KnowledgeSettings,
    ModelSettings,
    Oversight,
    ToolUse,
)

LineKind = Literal["added", "removed", "same", "gap"]
CONTEXT_LINES: Final = 2  # unchanged lines kept around each change of the instructions
SIGNS: Final[dict[LineKind, str]] = {"added": "+", "removed": "-", "same": " ", "gap": "…"}

# Every field of the spec, and the section of ``diff_specs`` that compares it. A field added to
# ``AgentSpec`` without an entry here fails ``tests/test_agent_versions.py``.
COMPARED: Final = (
    "name",
    "icon",
    "description",
    "category",
    "instructions",
    "conversation_starters",
    "opening_form",
    "model",
    "limits",
    "knowledge",
    "tools",
    "guardrails",
    "oversight",
    "workflow",
    "tests",
)


@dataclass(frozen=True)
class LineChange:
    """One line of the instructions' diff; ``gap`` stands for unchanged lines left out."""

    kind: LineKind
    text: str

    @property
    def sign(self) -> str:
        return SIGNS[self.kind]


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two versions."""

    field: str  # stable, for machines: ``instructions``, ``tools.calculator.approval``
    label: str  # where, in the reader's words: "Outils › Calculatrice › Validation"
    before: str  # the value in the first version, as a person reads it
    after: str
    lines: tuple[LineChange, ...] = ()  # the instructions only: the line diff


def line_diff(old: str, new: str, context: int = CONTEXT_LINES) -> list[LineChange]:
    """``old`` -> ``new`` line by line: changed lines with ``context`` unchanged ones around
    them, a ``gap`` where unchanged lines are left out."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(context)) if a != b else []
    out: list[LineChange] = []
    for group in groups:
        if out or group[0][1] > 0:
            out.append(LineChange("gap", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [LineChange("same", line) for line in a[i1:i2]]
                continue
            out += [LineChange("removed", line) for line in a[i1:i2]]
            out += [LineChange("added", line) for line in b[j1:j2]]
    if groups and groups[-1][-1][2] < len(a):
        out.append(LineChange("gap", ""))
    return out


def diff_text(lines: list[LineChange] | tuple[LineChange, ...]) -> str:
    """The line diff as plain text, each line after its sign (``+``, ``-``, two spaces)."""
    return "\n".join(f"{line.sign} {line.text}".rstrip() for line in lines)


class _Words:
    """Labels and values in one language."""

    def __init__(
        self,
        lang: str | None,
        tool_title: Callable[[str], str] | None,
        base_name: Callable[[str], str] | None,
    ) -> None:
        self.lang = lang
        self._tool_title = tool_title
        self._base_name = base_name

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def known(self, key: str, fallback: str) -> str:
        text = self.t(key)
        return fallback if text == key else text

    def path(self, *parts: str) -> str:
        return " › ".join(parts)

    def tool(self, tool_id: str) -> str:
        fallback = self._tool_title(tool_id) if self._tool_title else tool_id
        return self.known(f"tool.{tool_id}.title", fallback)

    def base(self, ref: str) -> str:
        return self._base_name(ref) if self._base_name else ref

    def value(self, value: Any) -> str:
        """Any plain value as a person reads it."""
        if value is None or value == "" or value == [] or value == {}:
            return self.t("versions.value.empty")
        if isinstance(value, bool):
            return self.t("versions.value.yes" if value else "versions.value.no")
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, str | int):
            return str(value)
        if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            return ", ".join(str(v) for v in value)
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def lines(self, items: list[str]) -> str:
        return "\n".join(items) if items else self.t("versions.value.none")


def diff_specs(
    old: AgentSpec,
    new: AgentSpec,
    lang: str | None = None,
    tool_title: Callable[[str], str] | None = None,
    base_name: Callable[[str], str] | None = None,
) -> list[FieldChange]:
    """Every field that differs from ``old`` to ``new``, in the order of the editor's form."""
    words = _Words(lang, tool_title, base_name)
    changes: list[FieldChange] = []
    for section in (
        _identity,
        _starters_and_form,
        _model,
        _knowledge,
        _tools,
        _guardrails,
        _workflow_and_tests,
    ):
        changes += section(old, new, words)
    return changes


def _row(field: str, label: str, before: str, after: str) -> Iterator[FieldChange]:
    if before != after:
        yield FieldChange(field, label, before, after)


def _identity(old: AgentSpec, new: AgentSpec, w: _Words) -> Iterator[FieldChange]:
    for field in ("name", "icon", "description", "category"):
        label = w.t(f"ui.field.{field}")
        yield from _row(field, label, w.value(getattr(old, field)), w.value(getattr(new, field)))
    if old.instructions != new.instructions:
        yield FieldChange(
            "instructions",
            w.t("ui.field.instructions"),
            w.value(old.instructions),
            w.value(new.instructions),
            tuple(line_diff(old.instructions, new.instructions)),
        )


def _starters_and_form(old: AgentSpec, new: AgentSpec, w: _Words) -> Iterator[FieldChange]:
    yield from _row(
        "conversation_starters",
        w.t("versions.field.starters"),
        w.lines(old.conversation_starters),
        w.lines(new.conversation_starters),
    )

    def form(spec: AgentSpec) -> str:
        shown = []
        for item in spec.opening_form:
            kind = w.t(f"versions.form_kind.{item.kind}")
            required = w.t("versions.form.required") if item.required else ""
            choices = f" : {', '.join(item.choices)}" if item.choices else ""
            shown.append(f"{item.label} ({kind}{required}){choices}")
        return w.lines(shown)

    yield from _row("opening_form", w.t("versions.field.opening_form"), form(old), form(new))


def _model(old: AgentSpec, new: AgentSpec, w: _Words) -> Iterator[FieldChange]:
    def ref(spec: AgentSpec) -> str:
        return spec.model.ref if spec.model else w.t("versions.model.default")

    def raw(spec: AgentSpec, name: str) -> Any:
        model = spec.model
        return getattr(model, name) if model else ModelSettings.model_fields[name].default

    def setting(spec: AgentSpec, name: str) -> str:
        if spec.model is None:
            return w.t("versions.value.default")
        value = getattr(spec.model, name)
        return w.t("versions.value.no_limit") if value is None else w.value(value)

    yield from _row("model", w.t("ui.field.model"), ref(old), ref(new))
    for name in ("temperature", "max_tokens"):
        if raw(old, name) != raw(new, name):  # a default set or left out is no change
            label = w.t(f"ui.field.{name}")
            yield from _row(f"model.{name}", label, setting(old, name), setting(new, name))
    yield from _row(
        "limits.max_tool_steps",
        w.t("ui.field.max_tool_steps"),
        w.value(old.limits.max_tool_steps),
        w.value(new.limits.max_tool_steps),
    )


def _knowledge(old: AgentSpec, new: AgentSpec, w: _Words) -> Iterator[FieldChange]:
    a, b = old.knowledge or KnowledgeSettings(), new.knowledge or KnowledgeSettings()
    if a.bases != b.bases:
        before = w.lines([w.base(ref) for ref in a.bases])
        after = w.lines([w.base(ref) for ref in b.bases])
        yield from _row("knowledge.bases", w.t("ui.kb_field.bases"), before, after)
    mode = w.t("ui.kb_field.mode")
    yield from _row(
        "knowledge.mode", mode, w.t(f"ui.kb_field.mode.{a.mode}"), w.t(f"ui.kb_field.mode.{b.mode}")
    )
    for name in ("top_k", "min_score", "per_document"):
        label = w.t(f"ui.kb_field.{name}")
        before, after = w.value(getattr(a, name)), w.value(getattr(b, name))
        yield from _row(f"knowledge.{name}", label, before, after)


def _keyed_tools(spec: AgentSpec) -> dict[str, ToolUse]:
    """Tools by id; a second use of the same tool is ``id#2``."""
    out: dict[str, ToolUse] = {}
    for tool in spec.tools:
        key, n = tool.id, 1
        while key in out:
            n += 1
            key = f"{tool.id}#{n}"
        out[key] = tool
    return out


def _tools(old: AgentSpec, new: AgentSpec, w: _Words) -> Iterator[FieldChange]:
    a, b = _keyed_tools(old), _keyed_tools(new)
    tools = w.t("ui.field.tools")
    for key in [*a, *(k for k in b if k not in a)]:
        before, after = a.get(key), b.get(key)
        tool_id = (before or after or ToolUse(id=key)).id
        title = w.tool(tool_id) + (f" ({key.split('#')[1]})" if "#" in key else "")
        used = {True: w.t("versions.tool.used"), False: w.t("versions.tool.not_used")}
        yield from _row(
            f"tools.{key}", w.path(tools, title), used[before is not None], used[after is not None]
        )
        # A tool added or removed shows its approval only when it is not the default one.
        policies = {tool.approval for tool in (before, after) if tool is not None}
        if len(policies) > 1 or (None in (before, after) and policies != {"default"}):
            yield from _row(
                f"tools.{key}.approval",
                w.path(tools, title, w.t("ui.tool.approval")),
                w.t(f"ui.tool.policy.{before.approval}") if before else w.t("versions.value.empty"),
                w.t(f"ui.tool.policy.{after.approval}") if after else w.t("versions.value.empty"),
            )
        old_config = before.config if before else {}
        new_config = after.config if after else {}
        for name in [*old_config, *(n for n in new_config if n not in old_config)]:
            label = w.known(f"tool.{tool_id}.config.{name}", name)
            yield from _row(
                f"tools.{key}.config.{name}",
                w.path(tools, title, label),
                w.value(old_config.get(name)),
                w.value(new_config.get(name)),
            )


def _guardrails(old: AgentSpec, new: AgentSpec, w: _Words) -> Iterator[FieldChange]:
    a, b = old.guardrails or Guardrails(), new.guardrails or Guardrails()
    yield from _row(
        "guardrails.data_class",
        w.t("versions.field.data_class"),
        w.t(f"versions.data_class.{a.data_class}"),
        w.t(f"versions.data_class.{b.data_class}"),
    )
    yield from _row(
        "guardrails.pii",
        w.t("versions.field.pii"),
        w.t(f"versions.pii.{a.pii}"),
        w.t(f"versions.pii.{b.pii}"),
    )
    yield from _row(
        "guardrails.high_risk_area",
        w.t("versions.field.high_risk_area"),
        w.t(f"versions.high_risk_area.{a.high_risk_area}"),
        w.t(f"versions.high_risk_area.{b.high_risk_area}"),
    )
    review_a, review_b = old.oversight or Oversight(), new.oversight or Oversight()
    yield from _row(
        "oversight.mode",
        w.t("versions.field.review_before_send"),
        w.value(review_a.review),
        w.value(review_b.review),
    )
    yield from _row(
        "oversight.reviewers",
        w.t("versions.field.reviewers"),
        w.lines(review_a.reviewers),
        w.lines(review_b.reviewers),
    )


def _workflow_and_tests(old: AgentSpec, new: AgentSpec, w: _Words) -> Iterator[FieldChange]:
    def steps(spec: AgentSpec) -> str:
        return w.lines([w.value(step) for step in spec.workflow or []])

    yield from _row("workflow", w.t("versions.field.workflow"), steps(old), steps(new))

    def cases(spec: AgentSpec) -> str:
        shown = []
        for case in spec.tests:
            expected = ", ".join(case.expect_contains)
            shown.append(
                w.t("versions.test_case", message=case.message, expected=expected)
                if expected
                else case.message
            )
        return w.lines(shown)

    yield from _row("tests", w.t("versions.field.tests"), cases(old), cases(new))
