"""What a person is asked before a tool call runs, and what an approval card shows of it.

A paused run carries one request (``AgentRuntime.pending_approval``), plain data kept in the
conversation's checkpoint::

    {"kind": "approval", "call_id", "tool", "title", "args", "labels", "effects",
     "consequential", "reason", "address"}

``kind`` is ``approval`` (the person answers approve, edit or reject) or ``outcome_unknown``
(``agents.call_journal``: a call started before a crash; the person answers mark_done,
run_again or cancel). ``reason`` says why a call that would otherwise run asks first:
``unknown_address`` when it goes to a web address (``address``, in full) that the person did
not give in the conversation. An interface shows a request with ``effect_lines`` (what the tool
does, from its declared effects) and ``argument_rows`` (the arguments as labelled values in the
person's language, never raw JSON).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from agents.i18n import t
from tools.registry import ToolDefinition

RequestKind = Literal["approval", "outcome_unknown"]
Reason = Literal["", "policy", "unknown_address"]
SEPARATOR = " › "

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+|(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>\"'`]*", re.I)
_TRAILING = ".,;:!?»)]}'\""


def approval_request(
    call: Mapping[str, Any], tool: ToolDefinition, reason: Reason = ""
) -> dict[str, Any]:
    """What a person sees before a tool runs: exactly which tool, with exactly which
    arguments, what it does, and why they are asked."""
    args = dict(call.get("args") or {})
    address = str(args.get(tool.address_arg) or "") if tool.address_arg else ""
    return {
        "kind": "approval",
        "call_id": call.get("id") or "",
        "tool": call.get("name") or tool.id,
        "title": tool.title,
        "args": args,
        "labels": argument_labels(tool),
        "effects": list(tool.declared_effects),
        "consequential": tool.consequential,
        "reason": reason,
        "address": address if reason == "unknown_address" else "",
    }


OutcomeChoice = Literal["mark_done", "run_again", "cancel"]
OUTCOME_CHOICES: tuple[OutcomeChoice, ...] = ("mark_done", "run_again", "cancel")


def outcome_unknown_request(
    call_id: str, tool: ToolDefinition, args: Mapping[str, Any], started_at: str
) -> dict[str, Any]:
    """A call Atelier started and never saw finish (the process stopped during it): whether it
    had its effect is unknown. The person answers ``mark_done`` (it was done: the model is told
    so), ``run_again`` or ``cancel`` (the model is told its outcome is unknown)."""
    request = approval_request({"id": call_id, "name": tool.id, "args": dict(args)}, tool)
    return {
        **request,
        "kind": "outcome_unknown",
        "started_at": started_at,
        "choices": list(OUTCOME_CHOICES),
    }


def argument_labels(tool: ToolDefinition) -> dict[str, str]:
    """Argument name -> the label its schema gives (title, else description); "" for none."""
    fields = getattr(tool.args_model, "model_fields", {})
    return {name: (f.title or f.description or "").strip() for name, f in fields.items()}


def effect_lines(effects: Iterable[str], lang: str | None = None) -> list[str]:
    """One sentence per declared effect, in ``lang`` (default: the current language)."""
    return [t(f"tool.effect.{effect}", lang) for effect in effects]


def argument_rows(request: Mapping[str, Any], lang: str | None = None) -> list[tuple[str, str]]:
    """The call's arguments as (label, value) pairs a person reads: the label from the
    catalogue (``tool.<tool>.args.<name>``), else from the tool's schema, else the name made
    readable; nested values flattened (``Corps › titre``), lists of words joined."""
    tool = str(request.get("tool") or "")
    labels: Mapping[str, str] = request.get("labels") or {}
    rows: list[tuple[str, str]] = []
    for name, value in dict(request.get("args") or {}).items():
        key = f"tool.{tool}.args.{name}"
        label = t(key, lang)
        if label == key:
            label = labels.get(name) or _humanise(name)
        rows.extend(_rows(label, value, lang))
    return rows


def _rows(label: str, value: Any, lang: str | None) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        nested = [r for k, v in value.items() for r in _rows(f"{label}{SEPARATOR}{k}", v, lang)]
        return nested or [(label, t("approval.value.empty", lang))]
    if isinstance(value, list | tuple):
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            text = ", ".join(_scalar(v, lang) for v in value)
            return [(label, text or t("approval.value.empty", lang))]
        return [r for i, v in enumerate(value, 1) for r in _rows(f"{label}{SEPARATOR}{i}", v, lang)]
    return [(label, _scalar(value, lang))]


def _scalar(value: Any, lang: str | None) -> str:
    if value is None or value == "":
        return t("approval.value.empty", lang)
    if isinstance(value, bool):
        return t("approval.value.yes" if value else "approval.value.no", lang)
    return str(value)


def _humanise(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


# --- addresses the person gave ---------------------------------------------------------------


def unknown_address(tool: ToolDefinition, args: Mapping[str, Any], said: Iterable[str]) -> bool:
    """True when ``tool`` would go to a web address that is in none of the person's own
    messages ``said``: the model chose it, perhaps on the word of a document or a page."""
    if not tool.address_arg:
        return False
    address = str(args.get(tool.address_arg) or "").strip()
    return bool(address) and not person_gave(address, said)


def person_gave(address: str, said: Iterable[str]) -> bool:
    """The address is one the person wrote: same host and path (the scheme, a final ``/`` and
    the fragment aside), and every query parameter of it was in what they wrote. A parameter
    added by the model (``?q=…`` carrying the conversation) makes it another address."""
    wanted = _parts(address)
    if wanted is None:
        return False
    for text in said:
        for match in _URL.finditer(text):
            given = _parts(match.group(0).rstrip(_TRAILING))
            if given is None or given[:2] != wanted[:2]:
                continue
            if all(given[2].count(pair) >= wanted[2].count(pair) for pair in wanted[2]):
                return True
    return False


def _parts(address: str) -> tuple[str, str, list[tuple[str, str]]] | None:
    text = address.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        split = urlsplit(text)
        host = (split.hostname or "").rstrip(".").lower()
        port = split.port
    except ValueError:
        return None
    if not host:
        return None
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = unquote(split.path).rstrip("/") or "/"
    return host, path, sorted(parse_qsl(split.query, keep_blank_values=True))
