"""What the approval card and the tool tester show, worked out without Streamlit.

A tool call that needs a person's approval reaches the preview as a request
(``{call_id, tool, title, args, consequential}``, see ``agents.compiler.approval_request``). The
card shows it, the person answers with a ``Decision``, and the tool call in the transcript then
carries that decision (``ToolPart.approval``). Everything here is pure, so what a person reads is
tested without a browser; ``builder_ui.web.panels.approval_card`` draws it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from agents.approvals import argument_rows, effect_lines
from agents.spec import describe_validation_error
from builder_ui.web.models.transcript import escape_markdown
from builder_ui.web.panels.forms import form_fields, humanise
from tools.registry import ToolDefinition, ToolResult

Translate = Callable[..., str]  # ``state.tr``: a message key and its parameters -> text

POLICIES = ("default", "always_ask", "never_ask")  # ``ToolUse.approval``
CardMode = Literal["ask", "edit", "reject"]
KNOWLEDGE_TAG = "knowledge"  # tools that come with the knowledge section, not the tool picker


@dataclass(frozen=True)
class ApprovalRequest:
    """One tool call waiting for a person."""

    call_id: str
    tool: str
    title: str
    args: dict[str, Any] = field(default_factory=dict)
    consequential: bool = False
    kind: Literal["approval", "outcome_unknown"] = "approval"
    effects: tuple[str, ...] = ()  # what the tool declares it does (``agents.approvals``)
    labels: dict[str, str] = field(default_factory=dict)  # argument name -> schema label
    reason: str = ""  # "", "policy" or "unknown_address"
    address: str = ""  # the full address, when nobody gave it

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ApprovalRequest:
        kind: Literal["approval", "outcome_unknown"] = (
            "outcome_unknown" if data.get("kind") == "outcome_unknown" else "approval"
        )
        return cls(
            call_id=str(data.get("call_id") or ""),
            tool=str(data.get("tool") or ""),
            title=str(data.get("title") or data.get("tool") or ""),
            args=dict(data.get("args") or {}),
            consequential=bool(data.get("consequential")),
            kind=kind,
            effects=tuple(str(e) for e in data.get("effects") or ()),
            labels={str(k): str(v) for k, v in dict(data.get("labels") or {}).items()},
            reason=str(data.get("reason") or ""),
            address=str(data.get("address") or ""),
        )

    def rows(self, lang: str) -> list[tuple[str, str]]:
        """The arguments as (label, value) pairs in words (``agents.approvals``)."""
        request = {"tool": self.tool, "args": self.args, "labels": self.labels}
        return argument_rows(request, lang)

    def effect_lines(self, lang: str) -> list[str]:
        return effect_lines(self.effects, lang)


@dataclass(frozen=True)
class Decision:
    """A person's answer to a request: what ``Services.preview_approve`` receives."""

    call_id: str
    decision: Literal["approve", "edit", "reject", "mark_done", "run_again", "cancel"]
    args: dict[str, Any] | None = None
    comment: str = ""


def approve(request: ApprovalRequest) -> Decision:
    return Decision(request.call_id, "approve")


def approve_edited(request: ApprovalRequest, args: dict[str, Any]) -> Decision:
    """Arguments left as proposed are a plain approval: the record says what really happened."""
    if args == request.args:
        return approve(request)
    return Decision(request.call_id, "edit", args=dict(args))


def settle_unknown(
    request: ApprovalRequest, choice: Literal["mark_done", "run_again", "cancel"]
) -> Decision:
    """The person's answer about a call whose outcome a stop left unknown."""
    return Decision(request.call_id, choice)


def reject(request: ApprovalRequest, reason: str) -> Decision:
    return Decision(request.call_id, "reject", comment=" ".join(reason.split()))


# --- showing the arguments -----------------------------------------------------------------------


def value_text(value: Any) -> str:
    """A value as a person reads it: text as is, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def args_json(args: Mapping[str, Any]) -> str:
    """The exact arguments, indented: what the tool receives."""
    return json.dumps(dict(args), ensure_ascii=False, indent=2, default=str)


def field_labels(model: type[BaseModel] | None) -> dict[str, str]:
    """Argument name -> its label in the tool's arguments model (title, else the name made
    readable)."""
    if model is None:
        return {}
    return {f.name: f.label for f in form_fields(model)}


def arg_lines(args: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """A Markdown list item per argument, ``**Label** : value``, literal (a ``6*7`` stays
    ``6*7``) and with its line breaks kept. A label that is not the argument's name made
    readable also gives the name, as the JSON below the list spells it."""
    lines = []
    for name, value in args.items():
        label = labels.get(name) or humanise(name)
        shown = escape_markdown(value_text(value)).replace("\n", "  \n  ")
        where = "" if label == humanise(name) else f" (`{name}`)"
        lines.append(f"- **{escape_markdown(label)}**{where} : {shown or '—'}")
    return lines


# --- editing the arguments -----------------------------------------------------------------------


def edits_with_form(model: type[BaseModel] | None, args: Mapping[str, Any]) -> bool:
    """A generated form when every argument is a plain input and the proposed arguments fit
    the model; otherwise (a nested object, a tool the registry does not hold, arguments the
    form cannot show) one JSON text area."""
    if model is None:
        return False
    fields = form_fields(model)
    if any(f.kind == "json" for f in fields):
        return False
    try:
        model.model_validate(dict(args))
    except ValidationError:
        return False
    return True


Problems = list[tuple[str, str]]  # (field path, plain sentence)


def check_args(model: type[BaseModel] | None, args: Mapping[str, Any]) -> Problems:
    """Every problem of ``args`` for the tool, with its field path ("" for the whole)."""
    if model is None:
        return []
    try:
        model.model_validate(dict(args))
    except ValidationError as exc:
        return describe_validation_error(exc)
    return []


def parse_args_text(text: str, tr: Translate) -> tuple[dict[str, Any] | None, Problems]:
    """The arguments typed as JSON, or the problem in plain words."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        return None, [("", tr("ui.approval.edit.bad_json", line=exc.lineno, column=exc.colno))]
    if not isinstance(value, dict):
        return None, [("", tr("ui.approval.edit.not_object"))]
    return value, []


def problem_lines(problems: Problems, tr: Translate) -> str:
    """``- `expression` : problem`` per line (the problem literal: it may quote what was
    typed); the whole document is named as such."""
    root = tr("ui.approval.edit.root")
    return "\n".join(
        f"- `{path or root}` : {escape_markdown(message)}" for path, message in problems
    )


# --- the decision, under the tool call -----------------------------------------------------------


def decision_line(approval: Mapping[str, Any] | None, tr: Translate) -> str | None:
    """ "Approuvé par alice", "Modifié puis approuvé par alice", "Refusé par alice : raison"."""
    if not approval:
        return None
    decision = str(approval.get("decision") or "")
    by = str(approval.get("by") or "") or tr("ui.approval.decision.someone")
    if decision == "approve":
        return tr("ui.approval.decision.approve", by=by)
    if decision == "edit":
        return tr("ui.approval.decision.edit", by=by)
    if decision == "reject":
        reason = " ".join(str(approval.get("comment") or "").split())
        if reason:
            return tr("ui.approval.decision.reject", by=by, reason=reason)
        return tr("ui.approval.decision.reject_no_reason", by=by)
    return None


def decision_icon(approval: Mapping[str, Any] | None) -> str:
    decision = (approval or {}).get("decision")
    return {
        "approve": ":material/check_circle:",
        "edit": ":material/edit:",
        "reject": ":material/block:",
    }.get(str(decision), ":material/info:")


def call_status(ok: bool | None, approval: Mapping[str, Any] | None, paused: bool) -> str:
    """The state of a tool call in the transcript: ``waiting`` (for a person), ``running``,
    ``done``, ``rejected`` or ``failed``; one message key each (``ui.tool_call.<status>``)."""
    if ok is None:
        return "waiting" if paused else "running"
    if ok:
        return "done"
    return "rejected" if (approval or {}).get("decision") == "reject" else "failed"


# --- the approval policy in the editor -----------------------------------------------------------


def policy_warning(tool: ToolDefinition, policy: str) -> bool:
    """A tool with effects set to never ask: nobody will see its calls before they run."""
    return tool.consequential and policy == "never_ask"


# --- trying a tool -------------------------------------------------------------------------------


def can_try(tool: ToolDefinition) -> bool:
    """Knowledge tools need the agent's bases, and a toolset is tried through the operations it
    gives: neither is tried by hand in the editor."""
    return KNOWLEDGE_TAG not in tool.tags and getattr(tool, "expand", None) is None


@dataclass(frozen=True)
class TryOutcome:
    """What "Lancer" gave: the result, or an error in plain words."""

    ok: bool
    output: Any = None
    error: str = ""

    @classmethod
    def from_result(cls, result: ToolResult) -> TryOutcome:
        return cls(result.ok, result.output, result.error)
