"""Checks of a spec that need the registries: do its tools and model exist, are configs valid.

``AgentSpec`` validates the document's shape on its own; this second stage reports, with the
same field paths, what only the installed tools and providers can tell.
"""

from __future__ import annotations

from pydantic import ValidationError

from agents.errors import InvalidSpec, UserError
from agents.models.registry import ProviderRegistry
from agents.spec import AgentSpec, describe_validation_error
from tools.registry import ToolRegistry


def spec_problems(
    spec: AgentSpec, tools: ToolRegistry, providers: ProviderRegistry
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, use in enumerate(spec.tools):
        where = f"tools[{i}]"
        try:
            tool = tools.get(use.id)
        except UserError as exc:
            problems.append((f"{where}.id", exc.message()))
            continue
        try:
            tool.config_model.model_validate(use.config)
        except ValidationError as exc:
            for path, message in describe_validation_error(exc):
                problems.append((f"{where}.config.{path}" if path else f"{where}.config", message))
            continue
        ids = [use.id]
        if tool.expand is not None:  # a toolset: each of its tools must be readable and unique
            try:
                ids = [t.id for t in tools.expand(use.id, use.config)]
            except UserError as exc:
                problems.append((f"{where}.config", exc.message()))
                continue
        for tool_id in ids:
            if tool_id in seen:
                message = UserError("spec.duplicate_tool", tool=tool_id).message()
                problems.append((f"{where}.id", message))
            seen.add(tool_id)
    if spec.model is not None:
        try:
            providers.get(spec.model.provider)
        except UserError as exc:
            problems.append(("model.provider", exc.message()))
    return problems


def check_spec(
    spec: AgentSpec, tools: ToolRegistry, providers: ProviderRegistry, source: str = ""
) -> AgentSpec:
    """The spec itself, or ``InvalidSpec`` listing every problem."""
    problems = spec_problems(spec, tools, providers)
    if problems:
        raise InvalidSpec(problems, source)
    return spec
