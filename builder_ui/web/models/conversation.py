"""A saved conversation as the chat page shows it: its messages read back as the turns the page
draws while streaming (``builder_ui.web.models.transcript``), and the words of its list.

Only the last answer's sources are kept by the checkpoint, and only the call it waits on (if any)
is asked of the runtime: both go on the last assistant turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.knowledge import Citation
from builder_ui.web.models.transcript import ChatTurn, TextPart, ToolPart
from store.records import ConversationSummary

Translate = Callable[..., str]

TITLE_CHARS = 48


def turns_from_messages(
    messages: Iterable[BaseMessage],
    citations: list[Citation] | None = None,
    pending: dict[str, Any] | None = None,
) -> list[ChatTurn]:
    """The person's messages and the agent's answers, each answer with its tool calls (their
    results and the person's decisions), in order."""
    turns: list[ChatTurn] = []
    answer: ChatTurn | None = None
    for message in messages:
        if isinstance(message, HumanMessage):
            turns.append(ChatTurn.user(message.text))
            answer = None
            continue
        if answer is None:
            answer = ChatTurn("assistant")
            turns.append(answer)
        if isinstance(message, AIMessage):
            if message.text:
                answer.parts.append(TextPart(message.text))
            for call in message.tool_calls:
                answer.parts.append(ToolPart(call["id"] or "", call["name"], dict(call["args"])))
        elif isinstance(message, ToolMessage):
            _finish_call(answer, message)
    if citations or pending:
        last = next((t for t in reversed(turns) if t.role == "assistant"), None)
        if last is None or (pending and turns[-1].role == "user"):
            last = ChatTurn("assistant")
            turns.append(last)
        last.citations = list(citations or [])
        if pending:
            last.pending = dict(pending)
            last.outcome = "awaiting_approval"
    return turns


def _finish_call(turn: ChatTurn, message: ToolMessage) -> None:
    artifact = message.artifact if isinstance(message.artifact, dict) else {}
    part = turn.tool(message.tool_call_id)
    if part is None:
        part = ToolPart(message.tool_call_id, message.name or "", {})
        turn.parts.append(part)
    part.args = dict(artifact.get("args") or part.args)
    part.ok = bool(artifact.get("ok"))
    part.result = artifact.get("output")
    part.error = str(artifact.get("error") or "")
    part.approval = artifact.get("approval")


def conversation_title(summary: ConversationSummary, tr: Translate) -> str:
    """The conversation's name, short enough for a button; "Sans titre" when it has none."""
    title = " ".join(summary.thread.title.split()) or tr("ui.chat.untitled")
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


def activity_line(summary: ConversationSummary, lang: str, tr: Translate) -> str:
    """ "Assistant RH · 14/07 12:05" (in the person's language and local time)."""
    return tr(
        "ui.chat.activity",
        agent=summary.agent_name,
        when=when_text(summary.last_activity, lang),
    )


def when_text(moment: datetime, lang: str) -> str:
    local = moment.astimezone()
    return local.strftime("%d/%m %H:%M" if lang == "fr" else "%m/%d %H:%M")
