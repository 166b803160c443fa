"""Talking to an MCP server with the official SDK, from synchronous code, within time limits.

Each operation opens one session (connect, handshake, list or call, close): nothing stays
connected between a run's tool calls, so a server restarting or going away costs one failed
call, not a stuck agent. The SDK is asynchronous; its sessions run on one private event loop in
a daemon thread, and every operation is bounded twice: inside the loop (so the SDK cleans up)
and by the waiting caller.

Network: the SDK makes its own HTTP connections (``httpx2``), so it is handed a client whose
transport asks the egress guard about every request it sends (the handshake, each message,
the SDK's same-origin redirects) and connects to the address the guard checked, the URL's host
staying the Host header and the TLS name: a second DNS answer cannot move the connection.
Proxies from the environment are ignored.

stdio: the administrator's exact ``command`` list, started without a shell by the SDK's stdio
client with its reduced environment, only for an operation that needs it, and stopped after.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ipaddress
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import anyio
import anyio.to_thread
import httpx2

from agents.errors import UserError
from agents.i18n import t
from tools.egress import EgressBlocked
from tools.mcp.servers import McpAccess, McpServer

log = logging.getLogger(__name__)

LIST_TIMEOUT_S = 15.0
CALL_TIMEOUT_S = 60.0
_GRACE_S = 5.0
"""How much longer the caller waits than the operation's own limit, for the SDK to clean up."""
MAX_PAGES = 20
MAX_TOOLS = 200
MAX_RESULT_CHARS = 20_000

T = TypeVar("T")


class AddressCheck(Protocol):
    def check(self, url: str) -> list[str]:
        """The addresses ``url`` may connect to, or ``EgressBlocked`` (``tools.egress``)."""
        ...


@dataclass(frozen=True)
class RemoteTool:
    """A tool as the server describes it, without the SDK's types."""

    name: str
    description: str
    input_schema: dict[str, Any]
    annotations: dict[str, Any] = field(default_factory=dict)
    title: str = ""

    @property
    def read_only(self) -> bool:
        """The server says the tool changes nothing (a hint, trusted only as far as the
        administrator's approval: it is part of the fingerprint)."""
        return self.annotations.get("read_only_hint") is True


@dataclass(frozen=True)
class ToolReply:
    value: Any
    is_error: bool = False


ToolCheck = Callable[[list[RemoteTool]], None]
"""Run on the server's current list before a call, in the same session (raise to refuse)."""


class McpServerError(UserError):
    """A problem with a server, and its ``reason``: a message of its own, rendered in the same
    language as the whole."""

    def __init__(self, key: str, server: str, reason: UserError) -> None:
        super().__init__(key, server=server)
        self.server = server
        self.reason = reason

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, server=self.server, reason=self.reason.message(lang))


class McpUnavailable(McpServerError):
    """The server could not be reached or did not answer as an MCP server."""

    def __init__(self, server: str, reason: UserError) -> None:
        super().__init__("mcp.unreachable", server, reason)


# --- the operations ---------------------------------------------------------------------------


def list_tools(
    server: McpServer,
    access: McpAccess,
    egress: object | None,
    *,
    timeout_s: float = LIST_TIMEOUT_S,
) -> list[RemoteTool]:
    """The server's tools now (``McpUnavailable`` when it cannot say)."""

    async def operation(session: Any) -> list[RemoteTool]:
        return await _all_tools(session)

    return _run(server, access, egress, operation, timeout_s)


def call_tool(
    server: McpServer,
    access: McpAccess,
    egress: object | None,
    name: str,
    arguments: dict[str, Any],
    *,
    check: ToolCheck | None = None,
    timeout_s: float = CALL_TIMEOUT_S,
) -> ToolReply:
    """Call one tool; with ``check``, the server's list is read first in the same session and
    given to it (a stdio server, whose tools are checked only when it runs)."""

    async def operation(session: Any) -> ToolReply:
        if check is not None:
            check(await _all_tools(session))
        result = await session.call_tool(name, arguments, read_timeout_seconds=timeout_s)
        return _reply(result)

    return _run(server, access, egress, operation, timeout_s)


def _run(
    server: McpServer,
    access: McpAccess,
    egress: object | None,
    operation: Callable[[Any], Awaitable[T]],
    timeout_s: float,
) -> T:
    if server.transport == "stdio":
        return _LOOP.run(_stdio_session(server, operation, timeout_s), server, timeout_s)
    checker = _address_check(server, egress)
    _precheck(server, checker)
    token = _token(server, access)
    return _LOOP.run(_http_session(server, checker, token, operation, timeout_s), server, timeout_s)


# --- sessions ---------------------------------------------------------------------------------


async def _http_session(
    server: McpServer,
    checker: AddressCheck,
    token: str,
    operation: Callable[[Any], Awaitable[T]],
    timeout_s: float,
) -> T:
    from mcp.client import Client
    from mcp.client.streamable_http import streamable_http_client

    transport = _GuardedTransport(checker.check)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    try:
        with anyio.fail_after(timeout_s):
            async with (
                httpx2.AsyncClient(
                    transport=transport,
                    headers=headers,
                    timeout=httpx2.Timeout(timeout_s),
                    trust_env=False,
                    follow_redirects=False,
                ) as http,
                Client(
                    streamable_http_client(server.url, http_client=http),
                    read_timeout_seconds=timeout_s,
                    cache=None,
                ) as session,
            ):
                return await operation(session)
    except Exception as exc:  # the SDK's task groups wrap failures in exception groups
        raise _failure(server, exc, timeout_s, transport.status) from None


async def _stdio_session(
    server: McpServer, operation: Callable[[Any], Awaitable[T]], timeout_s: float
) -> T:
    from mcp.client import Client
    from mcp.client.stdio import StdioServerParameters

    program, *args = server.command
    parameters = StdioServerParameters(command=program, args=args)
    log.info("starting the MCP server %s (stdio): %s", server.name, program)
    try:
        with anyio.fail_after(timeout_s):
            async with Client(parameters, read_timeout_seconds=timeout_s, cache=None) as session:
                return await operation(session)
    except Exception as exc:
        if any(isinstance(e, FileNotFoundError) for e in _leaves(exc)):
            reason = UserError("mcp.reason.no_program", program=program)
            raise McpUnavailable(server.name, reason) from None
        raise _failure(server, exc, timeout_s, 0) from None


async def _all_tools(session: Any) -> list[RemoteTool]:
    tools: list[RemoteTool] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await session.list_tools(cursor=cursor)
        tools += [_remote(tool) for tool in page.tools]
        cursor = page.next_cursor
        if cursor is None or len(tools) >= MAX_TOOLS:
            break
    return tools[:MAX_TOOLS]


def _remote(tool: Any) -> RemoteTool:
    annotations = tool.annotations.model_dump(exclude_none=True) if tool.annotations else {}
    schema = tool.input_schema if isinstance(tool.input_schema, dict) else {}
    return RemoteTool(
        name=str(tool.name),
        description=str(tool.description or ""),
        input_schema=schema,
        annotations=annotations,
        title=str(getattr(tool, "title", None) or annotations.get("title") or ""),
    )


def _reply(result: Any) -> ToolReply:
    if result.structured_content is not None and not result.is_error:
        value: Any = result.structured_content
        if len(json.dumps(value, ensure_ascii=False, default=str)) <= MAX_RESULT_CHARS:
            return ToolReply(value)
    parts = []
    for block in result.content:
        text = getattr(block, "text", None)
        parts.append(text if isinstance(text, str) else f"[{block.type}]")
    text = "\n".join(parts)
    if len(text) > MAX_RESULT_CHARS:
        text = text[: MAX_RESULT_CHARS - 1] + "…"
    return ToolReply(text, is_error=bool(result.is_error))


# --- network and credentials ------------------------------------------------------------------


def _address_check(server: McpServer, egress: object | None) -> AddressCheck:
    check = getattr(egress, "check", None)
    if egress is None or not callable(check):
        raise UserError("mcp.no_network", server=server.name)
    return egress  # type: ignore[return-value]


def _precheck(server: McpServer, checker: AddressCheck) -> None:
    """A refused address is said plainly, before the SDK turns it into a connection error."""
    try:
        checker.check(server.url)
    except EgressBlocked as exc:
        raise McpServerError("mcp.blocked", server.name, exc) from None


def _token(server: McpServer, access: McpAccess) -> str:
    if not server.credential:
        return ""
    if access.secret is None:
        raise UserError("mcp.credential_missing", server=server.name, name=server.credential)
    try:
        return access.secret(server.credential)
    except UserError:
        raise UserError(
            "mcp.credential_missing", server=server.name, name=server.credential
        ) from None


class _GuardedTransport(httpx2.AsyncBaseTransport):
    """Every request the SDK sends goes through the egress guard's check, then to one of the
    addresses it approved (see the module's docstring)."""

    def __init__(self, check: Callable[[str], list[str]]) -> None:
        self._check = check
        self._inner = httpx2.AsyncHTTPTransport(trust_env=False, retries=0)
        self.status = 0
        """The last error status the server answered (401: the token was refused)."""

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        original = request.url
        addresses = await anyio.to_thread.run_sync(self._check, str(original))
        if original.scheme == "https" and not _is_address(original.host):
            request.extensions = {**request.extensions, "sni_hostname": original.host}
        failure: Exception | None = None
        for address in addresses:
            request.url = original.copy_with(host=address)
            try:
                response = await self._inner.handle_async_request(request)
            except httpx2.ConnectError as exc:
                failure = exc
                continue
            finally:
                request.url = original
            if response.status_code >= 400:
                self.status = response.status_code
            return response
        raise failure or httpx2.ConnectError("no address to connect to")

    async def aclose(self) -> None:
        await self._inner.aclose()


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# --- failures ---------------------------------------------------------------------------------


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def _failure(server: McpServer, exc: Exception, timeout_s: float, status: int) -> UserError:
    """The error a person reads: ours as raised (a tool refused by the pinning check), the
    guard's refusal with the server's name, anything else as the server being unavailable."""
    leaves = _leaves(exc)
    for leaf in leaves:
        if isinstance(leaf, EgressBlocked):  # the address changed during the session
            return McpServerError("mcp.blocked", server.name, leaf)
        if isinstance(leaf, UserError):
            return leaf
    log.info("MCP server %s failed: %s", server.name, "; ".join(type(e).__name__ for e in leaves))
    return McpUnavailable(server.name, _reason(leaves, timeout_s, status))


def _reason(leaves: list[BaseException], timeout_s: float, status: int) -> UserError:
    """What went wrong, for a person: no stack trace, no URL query, no token."""
    if status in (401, 403):
        return UserError("mcp.reason.token_refused", status=status)
    if status:
        return UserError("mcp.reason.http_status", status=status)
    if any(isinstance(e, TimeoutError | httpx2.TimeoutException) for e in leaves):
        return UserError("mcp.reason.timeout", seconds=f"{timeout_s:g}")
    if any(isinstance(e, httpx2.ConnectError | ConnectionError) for e in leaves):
        return UserError("mcp.reason.no_answer")
    from mcp.shared.exceptions import MCPError

    for leaf in leaves:
        if isinstance(leaf, MCPError):
            return UserError("mcp.reason.protocol", message=str(leaf)[:200])
    return UserError("mcp.reason.failed", kind=type(leaves[0]).__name__)


# --- the private event loop -------------------------------------------------------------------


class _EventLoop:
    """One asyncio loop in a daemon thread, started on first use, for every MCP session of
    the process (the callers are tool threads, never the loop itself)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="atelier-mcp", daemon=True).start()
                self._loop = loop
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], server: McpServer, timeout_s: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._running())
        try:
            return future.result(timeout_s + _GRACE_S)
        except concurrent.futures.TimeoutError:
            future.cancel()
            reason = UserError("mcp.reason.timeout", seconds=f"{timeout_s:g}")
            raise McpUnavailable(server.name, reason) from None


_LOOP = _EventLoop()
