"""The compiler: an agent spec -> a LangGraph ``StateGraph``.

    START -> [retrieve] -> agent <-> [tools] -> END

``retrieve`` (when the agent searches its knowledge before every answer) puts the best passages
in front of the model; the agent node calls the model, bound to the agent's tools, with the
instructions as system prompt; the tools node runs what it asked for and hands results, or
errors, back as messages. The loop is bounded by ``limits.max_tool_steps``. The instructions are
not stored in the thread: a conversation continued after a new version is saved follows the new
instructions. Every passage used in a turn is collected as a citation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import interrupt

from agents.agent_state import (
    ERROR_MARK,
    AgentState,
    EnabledTool,
    enabled_tools,
    is_note,
    note,
    tool_schema,
)
from agents.approvals import (
    Reason,
    approval_request,
    outcome_unknown_request,
    unknown_address,
)
from agents.call_journal import CallJournal
from agents.errors import ModelUnavailable
from agents.i18n import t
from agents.knowledge import PASSAGES_KEY, Citation, Retriever, numbered, sources_block
from agents.privacy_guard import ConversationPrivacy
from agents.retry import MalformedToolCall, RetryPolicy, call_with_retry
from agents.spec import AgentSpec
from tools.registry import ToolContext, ToolRegistry, ToolResult

Decisions = dict[str, Any]  # a person's answers to a step's approvals, by call id

__all__ = ["ERROR_MARK", "compile_agent", "enabled_tools", "is_note", "recursion_limit"]


def compile_agent(
    spec: AgentSpec,
    model: BaseChatModel,
    registry: ToolRegistry,
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    retry: RetryPolicy | None = None,
    model_label: str = "",
    retriever: Retriever | None = None,
    tool_context: ToolContext | None = None,
    tools: dict[str, EnabledTool] | None = None,
    journal: CallJournal | None = None,
    privacy: Callable[[str], ConversationPrivacy | None] | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """``tools``: the result of ``agent_tools`` when the caller already has it (building them
    may ask MCP servers for their lists: once is enough). ``journal``: where consequential
    calls are recorded before they are made (``agents.call_journal``); None: not recorded.
    ``privacy``: a conversation's placeholders by its id (``agents.privacy_guard``): passages
    and tool results are hidden before the model reads them, a call's arguments revealed only
    as the tool runs."""
    knowledge = spec.knowledge if spec.knowledge and spec.knowledge.bases and retriever else None
    context = replace(tool_context or ToolContext(), retriever=retriever)
    if tools is None:
        tools = agent_tools(spec, registry, retriever, tool_context)
    # A model that cannot search by itself (the offline model) is given the passages anyway.
    auto = knowledge is not None and (
        knowledge.mode != "tool" or getattr(model, "reads_passages", False)
    )
    policy = retry or RetryPolicy()
    max_rounds = spec.limits.max_tool_steps
    bound = (
        model.bind_tools([tool_schema(e.definition) for e in tools.values()]) if tools else model
    )
    label = model_label or getattr(model, "model_name", "") or type(model).__name__

    def guard_of(config: RunnableConfig) -> ConversationPrivacy | None:
        if privacy is None:
            return None
        return privacy(str(config.get("configurable", {}).get("thread_id", "")))

    def call_tool(
        enabled: EnabledTool, args: dict[str, Any], guard: ConversationPrivacy | None
    ) -> ToolResult:
        """The tool runs on the values; the conversation keeps its placeholders."""
        definition, raw = enabled.definition, enabled.raw_config
        if guard is None:
            return registry.run_definition(definition, args, raw, context)
        result = registry.run_definition(definition, guard.reveal_data(args), raw, context)
        return guard.hide_result(result)

    def system_prompt(state: AgentState) -> list[BaseMessage]:
        if not auto:
            return [SystemMessage(content=spec.instructions)] if spec.instructions.strip() else []
        passages = state.get("context") or []
        block = sources_block([Citation.from_data(p) for p in passages])
        text = f"{spec.instructions.strip()}\n\n{block}".strip()
        return [SystemMessage(content=text, additional_kwargs={PASSAGES_KEY: passages})]

    def ask_model(runnable: Any, messages: list[BaseMessage]) -> AIMessage:
        def once() -> AIMessage:
            response = runnable.invoke(messages)
            if response.invalid_tool_calls and not response.tool_calls:
                raise MalformedToolCall(str(response.invalid_tool_calls)[:200])
            return response

        return call_with_retry(once, policy, label)

    def retrieve(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        assert retriever is not None
        question = next(m for m in reversed(state["messages"]) if isinstance(m, HumanMessage))
        passages = retriever(question.text)
        guard = guard_of(config)
        if guard is not None:
            passages = [guard.hide_citation(c) for c in passages]
        found = [c.to_data() for c in numbered(passages)]
        return {"context": found, "citations": found}

    def agent(state: AgentState) -> dict[str, Any]:
        rounds = state.get("tool_rounds", 0)
        history = [m for m in state["messages"] if not is_note(m)]
        try:
            response = ask_model(
                bound if rounds < max_rounds else model, [*system_prompt(state), *history]
            )
        except ModelUnavailable as exc:
            return {"messages": [note(exc.message(), "model_error")]}
        if response.tool_calls and not tools:
            text = t("run.tool_not_enabled", tool=response.tool_calls[0]["name"])
            return {"messages": [note(text, "tool_not_enabled", response.usage_metadata)]}
        if response.tool_calls and rounds >= max_rounds:
            text = t("run.tool_limit", steps=max_rounds)
            return {"messages": [note(text, "tool_limit", response.usage_metadata)]}
        return {"messages": [response]}

    def run_once(
        enabled: EnabledTool,
        call: Any,
        args: dict[str, Any],
        decisions: dict[str, Any],
        thread: str,
        guard: ConversationPrivacy | None,
    ) -> tuple[ToolResult, Any]:
        """The call, made at most once: a consequential one is journaled as started (on disk)
        before it is made. Replayed after a crash, a finished call gives its recorded result
        and one that never finished asks the person (its outcome is unknown). Returns the
        result and the person's decision it was made on."""
        definition = enabled.definition
        decision = decisions.get(call["id"] or "")
        if journal is None or not definition.consequential:
            return call_tool(enabled, args, guard), decision
        call_id = call["id"] or ""
        entry = journal.entry(thread, call_id)
        if entry is not None and entry.result is not None:
            return entry.result, entry.resolution or decision
        if entry is not None:
            answer = entry.resolution or interrupt(
                outcome_unknown_request(call_id, definition, entry.args, entry.started_at)
            )
            if answer.get("decision") != "run_again":
                result = settled(definition.id, entry.args, answer.get("decision"))
                journal.finished(thread, call_id, result)
                return result, answer
            args, decision = entry.args, answer
        journal.started(thread, call_id, definition.id, args, decisions)
        result = call_tool(enabled, args, guard)
        journal.finished(thread, call_id, result)
        return result, decision

    def run_tools(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        thread = str(config.get("configurable", {}).get("thread_id", ""))
        guard = guard_of(config)
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        # Every approval is asked before any tool runs: on resume LangGraph replays this node
        # from the start, and a tool that already ran would run twice.
        said = [m.text for m in state["messages"] if isinstance(m, HumanMessage)]
        decisions: Decisions = {}
        for call in last.tool_calls:
            why = why_ask(tools.get(call["name"]), call, said, context)
            if why:
                request = approval_request(call, tools[call["name"]].definition, why)
                decisions[call["id"] or ""] = interrupt(request)
        cited = list(state.get("citations") or [])
        messages = []
        for call in last.tool_calls:
            enabled = tools.get(call["name"])
            decision = decisions.get(call["id"] or "")
            if enabled is None:
                error = t("run.tool_not_enabled", tool=call["name"])
                result = ToolResult(call["name"], call["args"], ok=False, error=error)
            elif decision is not None and decision.get("decision") == "reject":
                reason = decision.get("comment") or t("run.tool_rejected_no_reason")
                error = t("run.tool_rejected", tool=call["name"], reason=reason)
                result = ToolResult(call["name"], call["args"], ok=False, error=error)
            else:
                args = call["args"]
                if decision is not None and decision.get("decision") == "edit":
                    args = dict(decision.get("args") or {})
                result, decision = run_once(enabled, call, args, decisions, thread, guard)
            content = result.for_model()
            if result.citations:
                new = numbered(result.citations, start=len(cited) + 1)
                cited += [c.to_data() for c in new]
                content = sources_block(new)
            artifact = {
                "ok": result.ok,
                "output": result.output,
                "error": result.error,
                "args": result.args,
                "approval": decision,
            }
            if guard is not None:  # read whole, a name the parts hid nothing of is found
                content = guard.hide(content)
                artifact = guard.hide_data(artifact)
            messages.append(
                ToolMessage(
                    content=content,
                    tool_call_id=call["id"] or "",
                    name=call["name"],
                    status="success" if result.ok else "error",
                    artifact=artifact,
                )
            )
        return {
            "messages": messages,
            "tool_rounds": state.get("tool_rounds", 0) + 1,
            "citations": cited,
        }

    def after_agent(state: AgentState) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else END

    graph = StateGraph(AgentState)
    graph.add_node("agent", agent)
    if auto:
        graph.add_node("retrieve", retrieve)
        graph.add_edge(START, "retrieve")
        graph.add_edge("retrieve", "agent")
    else:
        graph.add_edge(START, "agent")
    if tools:
        graph.add_node("tools", run_tools)
        graph.add_conditional_edges("agent", after_agent, {"tools": "tools", END: END})
        graph.add_edge("tools", "agent")
    else:
        graph.add_edge("agent", END)
    return graph.compile(checkpointer=checkpointer, name=spec.name)


def agent_tools(
    spec: AgentSpec,
    registry: ToolRegistry,
    retriever: Retriever | None = None,
    tool_context: ToolContext | None = None,
) -> dict[str, EnabledTool]:
    """The tools a compiled agent binds: its own, plus knowledge search when it searches by
    itself. Under ``oversight: review`` the answer is a draft a person approves: a draft is
    text only, so no tool with effects (``consequential``) is offered to the model."""
    knowledge = spec.knowledge if spec.knowledge and spec.knowledge.bases and retriever else None
    tools = enabled_tools(
        spec,
        registry,
        knowledge_tool=bool(knowledge and knowledge.mode != "auto"),
        context=replace(tool_context or ToolContext(), retriever=retriever),
    )
    if spec.oversight is not None and spec.oversight.review:
        tools = {k: e for k, e in tools.items() if not e.definition.consequential}
    return tools


def settled(tool: str, args: dict[str, Any], choice: Any) -> ToolResult:
    """What the model is told of a call whose outcome was unknown, once the person chose."""
    if choice == "mark_done":
        return ToolResult(tool, args, ok=True, output=t("run.marked_done", tool=tool))
    return ToolResult(tool, args, ok=False, error=t("run.outcome_unknown", tool=tool))


def why_ask(
    tool: EnabledTool | None, call: Any, said: Sequence[str], context: ToolContext
) -> Reason:
    """Why a call waits for a person: the agent's approval policy, or a web address that is
    in none of the person's messages (``said``), which the spec's ``never_ask`` does not
    lift (an administrator may: ``ToolContext.ask_unknown_addresses``). "": it runs."""
    if tool is None:
        return ""
    if context.ask_unknown_addresses and unknown_address(tool.definition, call["args"], said):
        return "unknown_address"
    return "policy" if tool.needs_approval else ""


def recursion_limit(spec: AgentSpec) -> int:
    """Two graph steps per tool round, the retrieval, the final answer and a margin."""
    return 2 * spec.limits.max_tool_steps + 5
