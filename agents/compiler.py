"""The compiler: an agent spec -> a LangGraph ``StateGraph``.

    START -> agent <-> tools -> END

The agent node calls the model (bound to the agent's tools) with the instructions as system
prompt; the tools node runs what it asked for and hands results, or errors, back as messages.
The loop is bounded by ``limits.max_tool_steps``. The instructions are not stored in the thread:
a conversation continued after a new version is saved follows the new instructions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel

from agents.errors import ModelUnavailable
from agents.i18n import t
from agents.retry import MalformedToolCall, RetryPolicy, call_with_retry
from agents.spec import AgentSpec
from tools.registry import ToolDefinition, ToolRegistry, ToolResult

ERROR_MARK = "atelier_error"
"""Key in ``additional_kwargs`` of a message Atelier wrote in place of the model's answer (the
model failed, or the tool loop hit its limit). Such notes are shown to people, not to the model."""


class AgentState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    tool_rounds: int


@dataclass(frozen=True)
class EnabledTool:
    definition: ToolDefinition
    config: BaseModel
    raw_config: dict[str, Any]


def enabled_tools(spec: AgentSpec, registry: ToolRegistry) -> dict[str, EnabledTool]:
    """The spec's tools, checked against the registry; unknown ids and bad configs raise."""
    out: dict[str, EnabledTool] = {}
    for use in spec.tools:
        definition = registry.get(use.id)
        out[use.id] = EnabledTool(definition, definition.validate_config(use.config), use.config)
    return out


def tool_schema(tool: ToolDefinition) -> dict[str, Any]:
    """The OpenAI-style function description every LangChain provider accepts."""
    return {
        "type": "function",
        "function": {
            "name": tool.id,
            "description": tool.description,
            "parameters": tool.args_model.model_json_schema(),
        },
    }


def is_note(message: BaseMessage) -> bool:
    return bool(message.additional_kwargs.get(ERROR_MARK))


def compile_agent(
    spec: AgentSpec,
    model: BaseChatModel,
    registry: ToolRegistry,
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    retry: RetryPolicy | None = None,
    model_label: str = "",
) -> CompiledStateGraph[Any, Any, Any, Any]:
    tools = enabled_tools(spec, registry)
    policy = retry or RetryPolicy()
    max_rounds = spec.limits.max_tool_steps
    bound = (
        model.bind_tools([tool_schema(e.definition) for e in tools.values()]) if tools else model
    )
    system = SystemMessage(content=spec.instructions) if spec.instructions.strip() else None
    label = model_label or getattr(model, "model_name", "") or type(model).__name__

    def ask_model(runnable: Any, messages: Sequence[BaseMessage]) -> AIMessage:
        def once() -> AIMessage:
            response = runnable.invoke(messages)
            if response.invalid_tool_calls and not response.tool_calls:
                raise MalformedToolCall(str(response.invalid_tool_calls)[:200])
            return response

        return call_with_retry(once, policy, label)

    def agent(state: AgentState) -> dict[str, Any]:
        rounds = state.get("tool_rounds", 0)
        history = [m for m in state["messages"] if not is_note(m)]
        prompt = [system, *history] if system else history
        try:
            response = ask_model(bound if rounds < max_rounds else model, prompt)
        except ModelUnavailable as exc:
            note = AIMessage(content=exc.message(), additional_kwargs={ERROR_MARK: "model_error"})
            return {"messages": [note]}
        if response.tool_calls and not tools:
            note = AIMessage(
                content=t("run.tool_not_enabled", tool=response.tool_calls[0]["name"]),
                additional_kwargs={ERROR_MARK: "tool_not_enabled"},
                usage_metadata=response.usage_metadata,
            )
            return {"messages": [note]}
        if response.tool_calls and rounds >= max_rounds:
            note = AIMessage(
                content=t("run.tool_limit", steps=max_rounds),
                additional_kwargs={ERROR_MARK: "tool_limit"},
                usage_metadata=response.usage_metadata,
            )
            return {"messages": [note]}
        return {"messages": [response]}

    def run_tools(state: AgentState) -> dict[str, Any]:
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        results = []
        for call in last.tool_calls:
            enabled = tools.get(call["name"])
            if enabled is None:
                error = t("run.tool_not_enabled", tool=call["name"])
                result = ToolResult(call["name"], call["args"], ok=False, error=error)
            else:
                result = registry.run(call["name"], call["args"], enabled.raw_config)
            results.append(
                ToolMessage(
                    content=result.for_model(),
                    tool_call_id=call["id"] or "",
                    name=call["name"],
                    status="success" if result.ok else "error",
                    artifact={"ok": result.ok, "output": result.output, "error": result.error},
                )
            )
        return {"messages": results, "tool_rounds": state.get("tool_rounds", 0) + 1}

    def after_agent(state: AgentState) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else END

    graph = StateGraph(AgentState)
    graph.add_node("agent", agent)
    graph.add_edge(START, "agent")
    if tools:
        graph.add_node("tools", run_tools)
        graph.add_conditional_edges("agent", after_agent, {"tools": "tools", END: END})
        graph.add_edge("tools", "agent")
    else:
        graph.add_edge("agent", END)
    return graph.compile(checkpointer=checkpointer, name=spec.name)


def recursion_limit(spec: AgentSpec) -> int:
    """Two graph steps per tool round, plus the final answer and a margin."""
    return 2 * spec.limits.max_tool_steps + 4
