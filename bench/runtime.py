"""Runtime overhead of one conversation turn: one tool call (calculator "6*7") and an answer.

The scripted model answers instantly, so what is measured is the machinery around it: Atelier's
``AgentRuntime`` with the SQLite checkpointer (the default) and with ``InMemorySaver``, beside the
same graph built by hand with plain LangGraph (``MessagesState``, ``InMemorySaver``). Each variant
runs in a new thread per turn and in one long thread that grows by a turn each time (200 turns
by default: a turn's cost grows with the thread, so 500 would take minutes).

    python bench/runtime.py [--turns N] [--long-turns N] [--warmup N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph

from agents.checkpoints import memory_checkpointer, sqlite_checkpointer
from agents.models.scripted import ScriptedChatModel, ScriptedReply, ScriptedToolCall
from agents.runtime import AgentRuntime, Finished
from agents.spec import AgentSpec, ToolUse
from tools.registry import default_registry

TARGET_P50_MS = 15.0
TARGET_RATIO = 3.0
QUESTION = "Combien font 6 fois 7 ?"

Turn = Callable[[str], None]


def scripted(turns: int) -> ScriptedChatModel:
    """A model with a tool call then a final answer for each of ``turns`` turns."""
    tool = ScriptedToolCall(name="calculator", args={"expression": "6*7"})
    call = ScriptedReply(tool_calls=[tool])
    answer = ScriptedReply(text="6 fois 7 font 42.")
    return ScriptedChatModel(replies=[call, answer] * turns)


def atelier_turn(checkpointer: Any, turns: int, tokens: bool = False) -> Turn:
    """``runtime.run`` (the CLI's --json), or with ``tokens`` the streamed turn the builder and
    ``atelier chat`` use."""
    spec = AgentSpec(name="Bench", instructions="Tu calcules.", tools=[ToolUse(id="calculator")])
    runtime = AgentRuntime(spec, scripted(turns), default_registry(), checkpointer)

    def turn(thread: str) -> None:
        if tokens:
            *_, last = runtime.stream(thread, QUESTION)
            assert isinstance(last, Finished)
            result = last.result
        else:
            result = runtime.run(thread, QUESTION)
        assert result.outcome == "ok" and result.tool_calls[0].ok, result

    return turn


def _calculate(expression: str) -> str:
    """A trivial calculator for the baseline: "a*b" only."""
    left, right = expression.split("*")
    return str(int(left) * int(right))


def baseline_turn(turns: int) -> Turn:
    model = scripted(turns)

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    def tools(state: MessagesState) -> dict[str, Any]:
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        return {
            "messages": [
                ToolMessage(_calculate(c["args"]["expression"]), tool_call_id=c["id"] or "")
                for c in last.tool_calls
            ]
        }

    def route(state: MessagesState) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else END

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", tools)
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", route, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    app = graph.compile(checkpointer=InMemorySaver())

    def turn(thread: str) -> None:
        out = app.invoke(
            {"messages": [HumanMessage(QUESTION)]}, {"configurable": {"thread_id": thread}}
        )
        assert out["messages"][-1].content == "6 fois 7 font 42.", out

    return turn


def measure(variants: dict[str, Turn], turns: int, warmup: int, long: bool) -> dict[str, Any]:
    """Time each variant's turns, interleaved so that a load spike hits every variant alike."""
    for turn in variants.values():
        for _ in range(warmup):
            turn(f"warm-{uuid.uuid4().hex}")
    long_id = f"long-{uuid.uuid4().hex}"
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(turns):
        for name, turn in variants.items():
            thread = long_id if long else f"new-{uuid.uuid4().hex}"
            started = time.perf_counter()
            turn(thread)
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def summary(name: str, times: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    n = len(ordered)
    tail = times[-max(1, n // 10) :]  # the last tenth: where a long thread is longest
    return {
        "variant": name,
        "turns": n,
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[min(n - 1, int(0.95 * n))], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "last10pct_p50_ms": round(statistics.median(tail), 3),
    }


def run(turns: int, long_turns: int, warmup: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    budget = turns + warmup
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as tmp:
        for long, n in ((False, turns), (True, long_turns)):
            saver = sqlite_checkpointer(Path(tmp) / f"bench-{long}.sqlite")
            variants: dict[str, Turn] = {
                "Atelier (SQLite)": atelier_turn(saver, budget),
                "Atelier (SQLite, streaming tokens)": atelier_turn(saver, budget, tokens=True),
                "Atelier (InMemorySaver)": atelier_turn(memory_checkpointer(), budget),
                "LangGraph baseline (InMemorySaver)": baseline_turn(budget),
            }
            kind = "long thread" if long else "new thread"
            for name, times in measure(variants, n, warmup, long).items():
                rows.append(summary(f"{name}, {kind}", times))
            saver.conn.close()
    # Targets are checked on the slower of the two ways Atelier runs a turn.
    atelier = max(rows[0], rows[1], key=lambda r: r["p50_ms"])
    base = rows[3]
    ratio = atelier["p50_ms"] / base["p50_ms"]
    return {
        "rows": rows,
        "ratio_p50_sqlite_vs_baseline": round(ratio, 2),
        "target_p50_le_15ms": atelier["p50_ms"] <= TARGET_P50_MS,
        "target_at_most_3x_baseline": ratio <= TARGET_RATIO,
    }


def print_table(report: dict[str, Any]) -> None:
    rows = report["rows"]
    width = max(len(r["variant"]) for r in rows)
    head = f"{'turns':>6}  {'p50 ms':>8}  {'p95 ms':>8}  {'mean ms':>8}  {'last 10% p50':>12}"
    print(f"{'variant':<{width}}  {head}")
    print("-" * (width + 2 + len(head)))
    for r in rows:
        print(
            f"{r['variant']:<{width}}  {r['turns']:>6}  {r['p50_ms']:>8.2f}"
            f"  {r['p95_ms']:>8.2f}  {r['mean_ms']:>8.2f}  {r['last10pct_p50_ms']:>12.2f}"
        )
    ok = {True: "holds", False: "MISSED"}
    print(
        f"\np50 Atelier(SQLite, slower mode)/baseline, new thread:"
        f" {report['ratio_p50_sqlite_vs_baseline']:.2f}x"
        f" | p50 <= {TARGET_P50_MS:g} ms: {ok[report['target_p50_le_15ms']]}"
        f" | <= {TARGET_RATIO:g}x baseline: {ok[report['target_at_most_3x_baseline']]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=500, help="measured turns per variant")
    parser.add_argument(
        "--long-turns",
        type=int,
        default=200,
        help="turns of the long thread (capped at --turns; its cost grows with its length)",
    )
    parser.add_argument("--warmup", type=int, default=20, help="warm-up turns per variant")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    turns = max(1, args.turns)
    report = run(turns, max(1, min(args.long_turns, turns)), max(0, args.warmup))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)


if __name__ == "__main__":
    main()
