"""The runtime: run or stream one turn of a conversation, and read a conversation back.

A conversation is a LangGraph thread in the checkpointer, so a later process resumes it. Every
turn yields events a person can watch (tokens, tool calls, tool results) and ends with a
``RunResult`` recording the model, tokens, latency and outcome.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command, Durability, StreamMode

from agents.agent_state import turn_input
from agents.checkpoints import compact_thread, read_checkpoint, thread_messages
from agents.compiler import ERROR_MARK, agent_tools, compile_agent, recursion_limit
from agents.errors import UserError
from agents.knowledge import Citation, Retriever
from agents.retry import RetryPolicy
from agents.spec import AgentSpec
from agents.thread_lock import locks_for
from tools.registry import ToolContext, ToolRegistry


@dataclass
class ToolCallRecord:
    id: str
    name: str
    args: dict[str, Any]
    ok: bool | None = None
    result: Any = None
    error: str = ""
    approval: dict[str, Any] | None = None  # the person's decision, when one was asked


@dataclass
class RunResult:
    thread: str
    answer: str
    model: str
    outcome: str  # ok | model_error | tool_limit
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    messages: int = 0
    latency_ms: float = 0.0
    error: str = ""
    citations: list[Citation] = field(default_factory=list)
    pending_approval: dict[str, Any] | None = None
    """When ``outcome`` is ``awaiting_approval``: the tool call a person must approve, edit
    or reject (``AgentRuntime.resume``)."""

    @property
    def usage(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.input_tokens + self.output_tokens,
        }


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class ToolCalled:
    call: ToolCallRecord


@dataclass(frozen=True)
class ToolFinished:
    call: ToolCallRecord


@dataclass(frozen=True)
class ApprovalRequested:
    request: dict[str, Any]


@dataclass(frozen=True)
class Finished:
    result: RunResult


RunEvent = Token | ToolCalled | ToolFinished | ApprovalRequested | Finished
DECISIONS = ("approve", "edit", "reject")


class AgentRuntime:
    """One agent version bound to a model, its tools and a checkpointer."""

    def __init__(
        self,
        spec: AgentSpec,
        model: BaseChatModel,
        tools: ToolRegistry,
        checkpointer: BaseCheckpointSaver[Any],
        *,
        model_ref: str = "",
        retry: RetryPolicy | None = None,
        retriever: Retriever | None = None,
        tool_context: ToolContext | None = None,
    ) -> None:
        self.spec = spec
        self.model_ref = model_ref or type(model).__name__
        self.checkpointer = checkpointer
        # One turn at a time per conversation, across processes (``agents.thread_lock``).
        self._locks = locks_for(checkpointer)
        enabled = agent_tools(spec, tools, retriever, tool_context)
        self.graph = compile_agent(
            spec,
            model,
            tools,
            checkpointer=checkpointer,
            retry=retry,
            model_label=self.model_ref,
            retriever=retriever,
            tool_context=tool_context,
            tools=enabled,
        )
        # A step with side effects must be on disk before the next one starts; otherwise one
        # write at the end of the turn is enough (a crash loses only the turn in progress).
        consequential = any(e.definition.consequential for e in enabled.values())
        self.durability: Durability = "sync" if consequential else "exit"
        self._limit = recursion_limit(spec)

    def _config(self, thread_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": thread_id}, "recursion_limit": self._limit}

    def messages(self, thread_id: str) -> list[BaseMessage]:
        return thread_messages(self.checkpointer, thread_id)

    def run(self, thread_id: str, message: str) -> RunResult:
        """One turn without token streaming (the CLI's --json, evaluations): faster."""
        for event in self.stream(thread_id, message, tokens=False):
            if isinstance(event, Finished):
                return event.result
        raise AssertionError("a run always finishes")

    def stream(self, thread_id: str, message: str, *, tokens: bool = True) -> Iterator[RunEvent]:
        """One turn as events. With ``tokens=False`` each answer arrives as one ``Token``."""
        with self._locks.hold(thread_id):
            if self.pending_approval(thread_id) is not None:
                raise UserError("run.approval_pending", thread=thread_id)
            yield from self._stream(thread_id, turn_input(message), tokens)

    def pending_approval(self, thread_id: str) -> dict[str, Any] | None:
        """The tool call this conversation waits on a person for, if any."""
        read_checkpoint(self.checkpointer, thread_id)  # a damaged one: a plain message
        state = self.graph.get_state(self._config(thread_id))
        for task in state.tasks:
            for pending in task.interrupts:
                return dict(pending.value)
        return None

    def resume(
        self,
        thread_id: str,
        decision: str,
        *,
        args: dict[str, Any] | None = None,
        comment: str = "",
        by: str = "",
        tokens: bool = True,
    ) -> Iterator[RunEvent]:
        """Continue a conversation paused on an approval: ``approve``, ``edit`` (run with
        ``args`` instead) or ``reject`` (the model is told, with ``comment``)."""
        if decision not in DECISIONS:
            raise UserError("run.bad_decision", decision=decision, known=", ".join(DECISIONS))
        if decision == "edit" and args is None:
            raise UserError("run.edit_needs_args")
        with self._locks.hold(thread_id):
            if self.pending_approval(thread_id) is None:
                raise UserError("run.no_approval_pending", thread=thread_id)
            answer = {
                "decision": decision,
                "args": args,
                "comment": comment,
                "by": by,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            yield from self._stream(thread_id, Command(resume=answer), tokens)

    def _stream(self, thread_id: str, inputs: Any, tokens: bool) -> Iterator[RunEvent]:
        started = time.perf_counter()
        result = RunResult(thread=thread_id, answer="", model=self.model_ref, outcome="ok")
        calls: dict[str, ToolCallRecord] = {}
        streamed: set[str] = set()
        modes: list[StreamMode] = ["updates", "values"]
        if tokens:
            modes.append("messages")
        parts: Iterator[Any] = self.graph.stream(
            inputs, self._config(thread_id), stream_mode=modes, durability=self.durability
        )
        for mode, payload in parts:
            if mode == "values":
                result.messages = len(payload.get("messages", []))
                result.citations = [Citation.from_data(c) for c in payload.get("citations") or []]
                continue
            if mode == "messages":
                chunk, meta = payload
                from_agent = meta.get("langgraph_node") == "agent"
                if from_agent and isinstance(chunk, AIMessageChunk) and chunk.text:
                    streamed.add(chunk.id or "")
                    yield Token(chunk.text)
                continue
            for node, update in payload.items():
                if node == "__interrupt__":
                    result.outcome = "awaiting_approval"
                    result.pending_approval = dict(update[0].value)
                    yield ApprovalRequested(result.pending_approval)
                    continue
                for msg in (update or {}).get("messages", []):
                    if isinstance(msg, AIMessage):
                        yield from self._on_answer(msg, result, calls, streamed)
                    elif isinstance(msg, ToolMessage):
                        yield ToolFinished(_finished_call(msg, calls))
        result.tool_calls = list(calls.values())
        compact_thread(self.checkpointer, thread_id)
        result.latency_ms = (time.perf_counter() - started) * 1000
        yield Finished(result)

    def _on_answer(
        self,
        msg: AIMessage,
        result: RunResult,
        calls: dict[str, ToolCallRecord],
        streamed: set[str],
    ) -> Iterator[RunEvent]:
        usage: dict[str, Any] = dict(msg.usage_metadata or {})
        result.input_tokens += int(usage.get("input_tokens", 0))
        result.output_tokens += int(usage.get("output_tokens", 0))
        if msg.text and (msg.id or "") not in streamed:
            yield Token(msg.text)  # not streamed by the model: a note, or a non-streaming model
        for tc in msg.tool_calls:
            call = ToolCallRecord(id=tc["id"] or "", name=tc["name"], args=dict(tc["args"]))
            calls[call.id] = call
            yield ToolCalled(call)
        if not msg.tool_calls:
            result.answer = msg.text
            mark = msg.additional_kwargs.get(ERROR_MARK)
            if mark:
                result.outcome = str(mark)
                result.error = msg.text


def _finished_call(msg: ToolMessage, calls: dict[str, ToolCallRecord]) -> ToolCallRecord:
    """The call a tool result answers; after a resume it was asked in an earlier stream."""
    artifact = msg.artifact or {}
    call = calls.get(msg.tool_call_id)
    if call is None:
        call = ToolCallRecord(id=msg.tool_call_id, name=msg.name or "", args={})
        calls[call.id] = call
    call.args = dict(artifact.get("args") or call.args)
    call.ok = bool(artifact.get("ok"))
    call.result = artifact.get("output")
    call.error = str(artifact.get("error") or "")
    call.approval = artifact.get("approval")
    return call
