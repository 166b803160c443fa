"""The runtime: run or stream one turn of a conversation, and read a conversation back.

A conversation is a LangGraph thread in the checkpointer, so a later process resumes it. Every
turn yields events a person can watch (tokens, tool calls, tool results) and ends with a
``RunResult`` recording the model, tokens, latency and outcome.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
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
from agents.approvals import OUTCOME_CHOICES, outcome_unknown_request
from agents.call_journal import journal_for
from agents.checkpoints import compact_thread, read_checkpoint, thread_messages
from agents.compiler import ERROR_MARK, agent_tools, compile_agent, recursion_limit
from agents.errors import UserError
from agents.knowledge import Citation, Retriever
from agents.outcomes import OUTCOMES, Outcome
from agents.privacy_guard import ConversationPrivacy, PrivacyGuard
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


def outcome_of(kind: str) -> Outcome:
    """The outcome for a note's kind (``ERROR_MARK``); an unknown kind is a model error."""
    return next((o for o in OUTCOMES if o == kind), "model_error")


@dataclass
class RunResult:
    thread: str
    answer: str
    model: str
    outcome: Outcome
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
        privacy: PrivacyGuard | None = None,
    ) -> None:
        self.spec = spec
        self.privacy = privacy
        """``guardrails.pii`` in force (``agents.privacy_guard``); None: texts go as they are."""
        self._guards: dict[str, ConversationPrivacy] = {}  # the conversations answering now
        self.model_ref = model_ref or type(model).__name__
        self.checkpointer = checkpointer
        # One turn at a time per conversation, across processes (``agents.thread_lock``).
        self._locks = locks_for(checkpointer)
        enabled = agent_tools(spec, tools, retriever, tool_context)
        consequential = any(e.definition.consequential for e in enabled.values())
        # Consequential calls are recorded before they are made: after a crash, none is made
        # twice (``agents.call_journal``).
        self.journal = journal_for(checkpointer) if consequential else None
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
            journal=self.journal,
            privacy=self._guards.get,
        )
        # A step with side effects must be on disk before the next one starts; otherwise one
        # write at the end of the turn is enough (a crash loses only the turn in progress).
        self.durability: Durability = "sync" if consequential else "exit"
        self._enabled = enabled
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
            pending = self.pending_approval(thread_id)
            if pending is not None and pending.get("kind") == "outcome_unknown":
                choices = ", ".join(OUTCOME_CHOICES)
                raise UserError("run.outcome_choose", thread=thread_id, choices=choices)
            if pending is not None:
                raise UserError("run.approval_pending", thread=thread_id)
            guard = self._open(thread_id)
            if guard is not None:  # the checkpoint never holds the message as it was typed
                guard.check(message)
                message = guard.hide(message)
                guard.save()
            yield from self._stream(thread_id, turn_input(message, self.model_ref), tokens, guard)

    def _open(self, thread_id: str) -> ConversationPrivacy | None:
        return None if self.privacy is None else self.privacy.open(thread_id)

    def pending_approval(self, thread_id: str) -> dict[str, Any] | None:
        """What this conversation waits on a person for, if any: a tool call to approve, or
        (``kind: outcome_unknown``) a call Atelier started and never saw finish."""
        read_checkpoint(self.checkpointer, thread_id)  # a damaged one: a plain message
        pending = self._unfinished(thread_id) or self._interrupt(thread_id)
        guard = self._open(thread_id) if pending is not None else None
        return pending if guard is None else guard.reveal_data(pending)

    def _interrupt(self, thread_id: str) -> dict[str, Any] | None:
        state = self.graph.get_state(self._config(thread_id))
        for task in state.tasks:
            for pending in task.interrupts:
                return dict(pending.value)
        return None

    def _unfinished(self, thread_id: str) -> dict[str, Any] | None:
        """A journaled call that never finished (the process stopped during it), asked about
        as such: approving it again would make it twice."""
        if self.journal is None:
            return None
        for entry in self.journal.unfinished(thread_id):
            tool = self._enabled.get(entry.tool)
            if tool is not None and entry.resolution is None:
                return outcome_unknown_request(
                    entry.call_id, tool.definition, entry.args, entry.started_at
                )
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
        """Continue a conversation paused on a person: ``approve``, ``edit`` (run with
        ``args`` instead) or ``reject`` (the model is told, with ``comment``) a tool call; or,
        for a call whose outcome is unknown, ``mark_done``, ``run_again`` or ``cancel``."""
        if decision not in (*DECISIONS, *OUTCOME_CHOICES):
            known = ", ".join((*DECISIONS, *OUTCOME_CHOICES))
            raise UserError("run.bad_decision", decision=decision, known=known)
        if decision == "edit" and args is None:
            raise UserError("run.edit_needs_args")
        with self._locks.hold(thread_id):
            pending = self.pending_approval(thread_id)
            if pending is None:
                raise UserError("run.no_approval_pending", thread=thread_id)
            guard = self._open(thread_id)
            if guard is not None:  # what the person typed is kept as the model would read it
                args, comment = guard.hide_data(args), guard.hide(comment)
                guard.save()
            answer = {
                "decision": decision,
                "args": args,
                "comment": comment,
                "by": by,
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            inputs: Any = Command(resume=answer)
            if pending.get("kind") == "outcome_unknown":
                if decision not in OUTCOME_CHOICES:
                    choices = ", ".join(OUTCOME_CHOICES)
                    raise UserError("run.outcome_choose", thread=thread_id, choices=choices)
                inputs = self._settle(thread_id, pending["call_id"], answer)
            elif decision not in DECISIONS:
                raise UserError(
                    "run.no_outcome_pending",
                    decision=decision,
                    thread=thread_id,
                    choices=", ".join(DECISIONS),
                )
            yield from self._stream(thread_id, inputs, tokens, guard)

    def _settle(self, thread_id: str, call_id: str, answer: dict[str, Any]) -> Any:
        """What continues a conversation whose call's outcome is unknown. Paused on that very
        question: the answer. Else (the crash left it on the approval given before, or on no
        question at all) the answer is journaled and the step runs again, the approvals it
        waits on answered as they were before the crash."""
        assert self.journal is not None
        waiting = self._interrupt(thread_id)
        if waiting is not None and waiting.get("kind") == "outcome_unknown":
            return Command(resume=answer)
        self.journal.resolve(thread_id, call_id, answer)
        if waiting is None:
            return None
        entry = self.journal.entry(thread_id, call_id)
        return Command(resume=(entry.decisions if entry else {}).get(str(waiting.get("call_id"))))

    def _stream(
        self, thread_id: str, inputs: Any, tokens: bool, guard: ConversationPrivacy | None
    ) -> Iterator[RunEvent]:
        """The turn, shown as the person reads it (placeholders revealed) while the graph and
        its checkpoint keep them."""
        if guard is None:
            yield from self._events(thread_id, inputs, tokens)
            return
        self._guards[thread_id] = guard
        shown = guard.stream()
        try:
            for event in self._events(thread_id, inputs, tokens):
                if isinstance(event, Token):
                    text = shown.feed(event.text)
                    if text:
                        yield Token(text)
                    continue
                rest = shown.flush()
                if rest:
                    yield Token(rest)
                shown = guard.stream()
                yield _revealed(event, guard)
        finally:
            self._guards.pop(thread_id, None)
            guard.save()

    def _events(self, thread_id: str, inputs: Any, tokens: bool) -> Iterator[RunEvent]:
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
        if self.journal is not None and self.journal.has_entries(thread_id):
            # The steps that made these calls are in the checkpoint: they will not run again.
            done = {m.tool_call_id for m in self.messages(thread_id) if isinstance(m, ToolMessage)}
            self.journal.clear(thread_id, done)
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
                result.outcome = outcome_of(str(mark))
                result.error = msg.text


def thread_model(saver: BaseCheckpointSaver[Any], thread_id: str) -> str:
    """The model a conversation's last turn ran with (its reference), "" when unknown (a
    conversation started before Atelier kept it)."""
    found = saver.get_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    if found is None:
        return ""
    return str(found.checkpoint["channel_values"].get("model") or "")


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


def _revealed(event: RunEvent, guard: ConversationPrivacy) -> RunEvent:
    """An event as the person reads it: placeholders put back (never inside an address)."""
    if isinstance(event, ToolCalled | ToolFinished):
        call = replace(
            event.call,
            args=guard.reveal_data(event.call.args),
            result=guard.reveal_data(event.call.result),
            error=guard.reveal(event.call.error),
            approval=guard.reveal_data(event.call.approval),
        )
        return type(event)(call)
    if isinstance(event, ApprovalRequested):
        return ApprovalRequested(guard.reveal_data(event.request))
    if isinstance(event, Finished):
        result = event.result
        return Finished(
            replace(
                result,
                answer=guard.reveal(result.answer),
                error=guard.reveal(result.error),
                citations=[guard.reveal_citation(c) for c in result.citations],
                pending_approval=guard.reveal_data(result.pending_approval),
                tool_calls=[
                    replace(c, args=guard.reveal_data(c.args), result=guard.reveal_data(c.result))
                    for c in result.tool_calls
                ],
            )
        )
    return event
