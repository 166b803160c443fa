"""Checks of a spec that need the registries: do its tools and model exist, are configs valid,
does the installation have what they name.

``AgentSpec`` validates the document's shape on its own; this second stage reports, with the
same field paths, what only the installed tools and providers can tell, and what only the
installation's settings can (an MCP server the administrator never registered). Those settings
arrive in a ``ToolContext`` from the interface
(``builder_ui.services.tool_context.checking_context``): this package never reads the store.
"""

from __future__ import annotations

from pydantic import ValidationError

from agents.errors import InvalidSpec, UserError
from agents.models.registry import ProviderRegistry
from agents.spec import AgentSpec, describe_validation_error
from tools.registry import ToolContext, ToolRegistry


def spec_problems(
    spec: AgentSpec,
    tools: ToolRegistry,
    providers: ProviderRegistry,
    *,
    installation: ToolContext | None,
) -> list[tuple[str, str]]:
    """Every problem as (field path, message). ``installation``: what the administrator set up
    (the registered MCP servers), for the tools' own ``check``; None skips those checks (a
    stored version about to run: the run reports what the installation lacks, and the agent's
    other tools keep working)."""
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
            config = tool.config_model.model_validate(use.config)
        except ValidationError as exc:
            for path, message in describe_validation_error(exc):
                problems.append((_in_config(where, path), message))
            continue
        if tool.check is not None and installation is not None:
            found = tool.check(config, installation)
            problems.extend((_in_config(where, path), message) for path, message in found)
            if found:
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


def _in_config(where: str, path: str) -> str:
    return f"{where}.config.{path}" if path else f"{where}.config"


def check_spec(
    spec: AgentSpec,
    tools: ToolRegistry,
    providers: ProviderRegistry,
    source: str = "",
    *,
    installation: ToolContext | None,
) -> AgentSpec:
    """The spec itself, or ``InvalidSpec`` listing every problem (``installation``: see
    ``spec_problems``; every caller says what it passes)."""
    problems = spec_problems(spec, tools, providers, installation=installation)
    if problems:
        raise InvalidSpec(problems, source)
    return spec
