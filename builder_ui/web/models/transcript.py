"""The preview conversation as the page shows it: turns made of text and tool calls, the
sources each answer cites, and the tool call a turn waits on a person for.

Built from the runtime's events as they stream, and kept in the session so that a rerun (a
click on Save, say) redraws the conversation without asking the runtime again. A turn paused on
an approval is continued in place: the events of ``Services.preview_approve`` are added to the
same turn, so the answer reads as one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from agents.knowledge import Citation
from agents.runtime import (
    ApprovalRequested,
    Finished,
    RunEvent,
    Token,
    ToolCalled,
    ToolFinished,
)
from builder_ui.web.models.inert import plain_text


@dataclass
class TextPart:
    text: str


@dataclass
class ToolPart:
    id: str
    name: str
    args: dict[str, Any]
    ok: bool | None = None  # None: still running
    result: Any = None
    error: str = ""
    approval: dict[str, Any] | None = None  # the person's decision, when one was asked


Part = TextPart | ToolPart


@dataclass
class ChatTurn:
    role: Literal["user", "assistant"]
    parts: list[Part] = field(default_factory=list)
    outcome: str = "ok"  # the run's outcome: ok | model_error | tool_limit | awaiting_approval
    error: str = ""
    citations: list[Citation] = field(default_factory=list)  # numbered as the answer cites them
    pending: dict[str, Any] | None = None  # the approval request the turn waits on, if any

    @classmethod
    def user(cls, text: str) -> ChatTurn:
        return cls("user", [TextPart(text)])

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    def add(self, event: RunEvent) -> None:
        if isinstance(event, Token):
            last = self.parts[-1] if self.parts else None
            if isinstance(last, TextPart):
                last.text += event.text
            else:
                self.parts.append(TextPart(event.text))
        elif isinstance(event, ToolCalled):
            call = event.call
            self.parts.append(ToolPart(call.id, call.name, dict(call.args)))
        elif isinstance(event, ToolFinished):
            part = self.tool(event.call.id)
            if part is None:  # asked in a stream this turn did not see
                part = ToolPart(event.call.id, event.call.name, dict(event.call.args))
                self.parts.append(part)
            call = event.call
            part.ok, part.result, part.error = call.ok, call.result, call.error
            part.args = dict(call.args or part.args)  # edited arguments replace the proposed ones
            part.approval = call.approval
        elif isinstance(event, ApprovalRequested):
            self.pending = dict(event.request)
        elif isinstance(event, Finished):
            self.outcome = event.result.outcome
            self.error = event.result.error
            self.citations = list(event.result.citations)
            self.pending = event.result.pending_approval

    @property
    def awaiting(self) -> bool:
        """The turn waits for a person to approve, edit or reject a tool call."""
        return self.pending is not None

    def tool(self, call_id: str) -> ToolPart | None:
        for part in self.parts:
            if isinstance(part, ToolPart) and part.id == call_id:
                return part
        return None


class EventPump:
    """Splits a run's events into runs of text for ``st.write_stream``, stopping at each other
    event so that the page can draw a tool call between two pieces of text."""

    def __init__(self, events: Iterator[RunEvent], turn: ChatTurn) -> None:
        self._events = events
        self.turn = turn
        self.done = False
        self.last: RunEvent | None = None

    def texts(self) -> Iterator[str]:
        self.last = None
        for event in self._events:
            self.turn.add(event)
            if isinstance(event, Token):
                yield event.text
                continue
            self.last = event
            if isinstance(event, Finished):
                self.done = True
            return
        self.done = True


SUMMARY_LENGTH = 60


def call_summary(args: dict[str, Any]) -> str:
    """``{"expression": "6*7"}`` -> ``expression: 6*7``, short enough for a label."""
    text = ", ".join(
        f"{key}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for key, value in args.items()
    )
    text = " ".join(text.split()).replace("`", "'")
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def escape_markdown(text: str) -> str:
    """Text shown literally in a label that Streamlit renders as Markdown (``6*7*2`` stays), its
    addresses as code: escaped characters inside an automatic link would show their backslashes
    (``https://exemple\\.fr``), and the link would lead wherever the text says."""
    return plain_text(text, specials=LABEL_SPECIALS)


# A label may also be drawn by a renderer that knows only part of Markdown: escape more.
LABEL_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~$")
