"""The tool registry: every tool, built-in or plug-in, arrives through ``register``.

A tool declares what the builder needs to render it (a config model, a description), what the
model needs to call it (an arguments model, a description for the model) and whether it is
consequential (sends, writes, spends), which sets its default approval policy.

Plug-ins are Python packages exposing an entry point in the ``atelier.tools`` group: a callable
taking the registry, which calls ``registry.register(...)`` exactly as the built-ins do.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from agents.errors import UserError
from agents.knowledge import Citation, Retriever
from agents.plugins import TOOLS, load_plugins
from agents.spec import describe_validation_error

if TYPE_CHECKING:
    from agents.inert_text import HostPolicy
    from tools.mcp.servers import McpAccess

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 20.0


class NoConfig(BaseModel):
    """Config model of a tool that has no settings."""

    model_config = ConfigDict(extra="forbid")


ToolFunction = Callable[..., Any]
"""``run(args, config)`` (or ``run(args, config, context)`` for a tool with ``uses_context``):
validated arguments and config in, a JSON-able result (or a ``Cited`` one) out."""
ToolsetExpansion = Callable[[BaseModel, "ToolContext"], "list[ToolDefinition]"]
"""``expand(config, context)``: the validated config of a toolset in, its tools out."""
ConfigCheck = Callable[[BaseModel, "ToolContext"], "list[tuple[str, str]]"]
"""``check(config, context)``: what only the installation can tell of a validated config, as
(field path in the config, message) pairs; empty when it is fine."""


@dataclass(frozen=True)
class ToolContext:
    """What a tool may receive from the run, chosen by the interface that runs the agent: tools
    never open stores or connections of their own."""

    retriever: Retriever | None = None
    egress: Egress | None = None
    """The one way out to the network (``tools.egress``): every outbound request of a tool
    passes its checks. None: the tool has no network access."""
    secret: Callable[[str], str] | None = None
    """A stored credential's value by its name, for the tools that authenticate (never put it
    in a result, a log or a message)."""
    principal: str = ""
    ask_unknown_addresses: bool = True
    """A call to a web address the person did not give asks them first (admin setting
    ``egress.ask_for_unknown_urls``); False: such calls run as any other."""
    admin_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per tool id, settings the administrator imposes over the agent's (a web search backend):
    they win over what the spec says."""
    mcp: McpAccess | None = None
    """The MCP servers the administrator registered, with the installation's secrets for their
    tokens (``tools.mcp``). None: no MCP server is reachable from here (checking a spec)."""
    files: FileSink | None = None
    """Where a tool puts a file it makes for the person (``create_document``): their own files.
    None: the tool cannot make files."""
    link_hosts: HostPolicy | None = None
    """Which hosts a document a tool writes may link to or show images from (the
    administrator's allowlist, ``agents.inert_text``); None: none, every address is inert."""


class FileSink(Protocol):
    def save(self, filename: str, data: bytes, media_type: str) -> dict[str, Any]:
        """Keep ``data`` among the person's files under a safe version of ``filename``; returns
        ``file_id``, ``filename``, ``size`` and ``media_type`` (too large: ``UserError``)."""
        ...


class Egress(Protocol):
    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        body: bytes | None = None,
        credentials: Collection[str] = (),
    ) -> Any:
        """The response (``tools.egress.EgressResponse``), or ``EgressBlocked`` with the reason.
        ``credentials``: the secrets the request carries, never sent to another origin."""
        ...


@dataclass(frozen=True)
class Cited:
    """A tool result built on documents, with the passages it quotes."""

    value: Any
    citations: list[Citation]


Effect = Literal[
    "computes", "reads_knowledge", "reads_web", "calls_service", "writes_files", "acts_outside"
]
"""What a call does, as the approval card says it (``tool.effect.<effect>`` in the catalogues):
``computes`` (calculates or reads the clock, reaches nothing), ``reads_knowledge`` (searches the
agent's knowledge bases), ``reads_web`` (reads a web address: the address reaches that site),
``calls_service`` (asks an outside service for data), ``writes_files`` (writes a file into the
person's files), ``acts_outside`` (sends, changes or deletes something on an outside service).
A tool declaring none is described by its ``consequential`` flag: ``acts_outside``, or
``undeclared`` (the card then claims nothing)."""


@dataclass(frozen=True)
class ToolDefinition:
    id: str
    title: str
    description: str
    args_model: type[BaseModel]
    run: ToolFunction
    config_model: type[BaseModel] = NoConfig
    consequential: bool = False
    timeout_s: float = DEFAULT_TIMEOUT_S
    tags: tuple[str, ...] = field(default_factory=tuple)
    uses_context: bool = False
    inline: bool = False
    """Pure, fast and bounded: run in the caller's thread, skipping the pool (saves a thread
    hand-off per call)."""
    expand: ToolsetExpansion | None = None
    """A toolset (``http_action``): enabling it enables, instead of itself, the definitions
    this returns for the validated config (one function per operation the model may call).
    ``ToolRegistry.expand`` calls it; ``ToolRegistry.run_definition`` runs what it returned."""
    check: ConfigCheck | None = None
    """Called when a spec is validated (``agents.validation``), with what the administrator set
    up in the context (the registered MCP servers): a config naming something the installation
    does not have is refused at saving time rather than found out by a run. It never reaches
    the network: whether a server answers is the run's question."""
    effects: tuple[Effect, ...] = ()
    """What a call does (``Effect``), for the person who approves it."""
    address_arg: str = ""
    """The argument holding a web address the model chooses (``url_fetch``: ``url``). By
    default a call to an address the person did not give in the conversation asks them first
    (``agents.approvals.unknown_address``)."""

    @property
    def declared_effects(self) -> tuple[str, ...]:
        if self.effects:
            return self.effects
        return ("acts_outside",) if self.consequential else ("undeclared",)

    def validate_config(self, config: dict[str, Any] | None) -> BaseModel:
        """The tool's config, validated; problems are reported with the field path."""
        try:
            return self.config_model.model_validate(config or {})
        except ValidationError as exc:
            problems = describe_validation_error(exc)
            path, message = problems[0]
            raise UserError("tool.bad_config", tool=self.id, path=path, message=message) from None

    def validate_args(self, args: dict[str, Any] | None) -> BaseModel:
        try:
            return self.args_model.model_validate(args or {})
        except ValidationError as exc:
            problems = describe_validation_error(exc)
            path, message = problems[0]
            raise UserError("tool.bad_args", tool=self.id, path=path, message=message) from None


class ToolsetArgs(BaseModel):
    """A toolset takes no arguments: it is never called itself, its tools are."""

    model_config = ConfigDict(extra="forbid")


def toolset(
    id: str,
    *,
    title: str,
    description: str,
    config_model: type[BaseModel],
    expand: ToolsetExpansion,
    not_callable: Callable[[], UserError],
    consequential: bool = False,
    tags: tuple[str, ...] = (),
    check: ConfigCheck | None = None,
    effects: tuple[Effect, ...] = (),
) -> ToolDefinition:
    """The definition of a toolset (``http_action``, ``mcp``): a spec enables it once with a
    config, and ``expand`` gives the tools the model may call. ``not_callable`` makes the error
    raised should a model call the toolset itself."""

    def refuse(args: ToolsetArgs, config: BaseModel) -> Any:
        raise not_callable()

    return ToolDefinition(
        id=id,
        title=title,
        description=description,
        args_model=ToolsetArgs,
        run=refuse,
        config_model=config_model,
        consequential=consequential,
        tags=tags,
        expand=expand,
        check=check,
        effects=effects,
    )


@dataclass
class ToolResult:
    """What one call gave: a result for the model, or an error a person can read."""

    tool: str
    args: dict[str, Any]
    ok: bool
    output: Any = None
    error: str = ""
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    """The tool refused its input (``UserError``: a blocked address, a bad argument), as
    opposed to failing inside."""

    def for_model(self) -> str:
        if self.ok:
            return self.output if isinstance(self.output, str) else _to_json(self.output)
        return f"Erreur de l'outil {self.tool} : {self.error}"


def _to_json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, ToolDefinition] = {}

    def register(self, tool: ToolDefinition) -> None:
        if tool.id in self._tools:
            raise ValueError(f"tool {tool.id!r} is already registered")
        self._tools[tool.id] = tool

    def get(self, tool_id: str) -> ToolDefinition:
        try:
            return self._tools[tool_id]
        except KeyError:
            raise UserError(
                "tool.unknown", tool=tool_id, known=", ".join(sorted(self._tools))
            ) from None

    def __contains__(self, tool_id: object) -> bool:
        return tool_id in self._tools

    def all(self) -> list[ToolDefinition]:
        return [self._tools[k] for k in sorted(self._tools)]

    def run(
        self,
        tool_id: str,
        args: dict[str, Any] | None,
        config: dict[str, Any] | None = None,
        context: ToolContext | None = None,
    ) -> ToolResult:
        """Run one tool with a time limit. Bad config is the caller's error (raised); bad
        arguments and failures inside the tool become an unsuccessful ``ToolResult``."""
        return self.run_definition(self.get(tool_id), args, config, context)

    def expand(
        self,
        tool_id: str,
        config: dict[str, Any] | None = None,
        context: ToolContext | None = None,
    ) -> list[ToolDefinition]:
        """What enabling ``tool_id`` with ``config`` gives the model: the tool itself, or the
        definitions of a toolset (bad config or a toolset that cannot load: ``UserError``)."""
        tool = self.get(tool_id)
        if tool.expand is None:
            return [tool]
        return tool.expand(tool.validate_config(config), context or ToolContext())

    def run_definition(
        self,
        tool: ToolDefinition,
        args: dict[str, Any] | None,
        config: dict[str, Any] | None = None,
        context: ToolContext | None = None,
    ) -> ToolResult:
        """``run`` for a definition held by the caller, such as one a toolset expanded to
        (it is not registered under its own id)."""
        imposed = context.admin_config.get(tool.id, {}) if context else {}
        settings = tool.validate_config({**(config or {}), **imposed})
        args = dict(args or {})
        try:
            parsed = tool.validate_args(args)
        except UserError as exc:
            return ToolResult(tool.id, args, ok=False, error=exc.message(), refused=True)
        call_args = (
            (parsed, settings, context or ToolContext())
            if tool.uses_context
            else (
                parsed,
                settings,
            )
        )
        return _run_with_timeout(tool, call_args, args)


_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="atelier-tool")


def _run_with_timeout(
    tool: ToolDefinition, call_args: tuple[Any, ...], args: dict[str, Any]
) -> ToolResult:
    try:
        if tool.inline:
            output = tool.run(*call_args)
        else:
            future = _POOL.submit(tool.run, *call_args)
            output = future.result(timeout=tool.timeout_s)
    except concurrent.futures.TimeoutError:
        return ToolResult(tool.id, args, ok=False, error=_msg("tool.timeout", s=tool.timeout_s))
    except UserError as exc:
        return ToolResult(tool.id, args, ok=False, error=exc.message(), refused=True)
    except Exception as exc:
        log.exception("tool %s failed", tool.id)
        return ToolResult(
            tool.id, args, ok=False, error=_msg("tool.failed", kind=type(exc).__name__)
        )
    if isinstance(output, Cited):
        return ToolResult(tool.id, args, ok=True, output=output.value, citations=output.citations)
    return ToolResult(tool.id, args, ok=True, output=output)


def _msg(key: str, **params: Any) -> str:
    from agents.i18n import t

    return t(key, **params)


def default_registry() -> ToolRegistry:
    """A fresh registry with the built-in tools and any installed plug-ins."""
    from tools import builtin

    registry = ToolRegistry()
    builtin.register_all(registry)
    load_plugins(TOOLS, registry)
    return registry
