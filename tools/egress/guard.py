"""The guard itself: the policy an administrator sets, and requests that follow it.

See the package's docstring for the order of the checks; ``tools.egress.addresses`` judges the
addresses and names.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import json
import logging
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urljoin

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.errors import InvalidValue
from tools.egress.addresses import (
    IPAddress,
    classify,
    embedded_ipv4,
    in_network,
    is_metadata_host,
    matches,
    normal_pattern,
)
from tools.egress.blocked import EgressBlocked
from tools.egress.urls import (
    host_of,
    origin_of,
    path_of,
    port_of,
    split_url,
    with_params,
    without_credentials,
)

log = logging.getLogger(__name__)

Resolver = Callable[..., Iterable[tuple[Any, ...]]]
"""``socket.getaddrinfo``'s shape: ``resolver(host, port, family, type)`` -> its 5-tuples."""

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
KEPT_ACROSS_ORIGINS = frozenset(
    {"user-agent", "accept", "accept-language", "accept-encoding", "content-type"}
)
"""The only headers a redirect to another origin (scheme, host, port) still carries: a credential
is for the site it was given to, and any other header may be one (``X-API-Key``, ``Token``...)."""


class EgressPolicy(BaseModel):
    """What the administrator allows out. The defaults allow any public web site, nothing else."""

    model_config = ConfigDict(extra="forbid")

    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Sites permis : noms exacts ou *.suffixe (*.gouv.fr). Vide : tout site public.",
    )
    deny_hosts: list[str] = Field(
        default_factory=list,
        description="Sites refusés : noms exacts, *.suffixe, adresses IP ou réseaux (10.0.0.0/8).",
    )
    allow_loopback: bool = Field(
        default=False, description="Permettre cette machine elle-même (127.0.0.1, ::1)."
    )
    allow_private: bool = Field(
        default=False,
        description="Permettre les adresses privées (intranet) ; jamais celles des métadonnées.",
    )
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=1, le=1 << 30)
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    max_redirects: int = Field(default=5, ge=0, le=20)
    user_agent: str = Field(default="Atelier/0.1 (agent)", min_length=1, max_length=200)

    @field_validator("allow_hosts", "deny_hosts")
    @classmethod
    def _normalise(cls, patterns: list[str]) -> list[str]:
        normalised = []
        for pattern in patterns:
            if not pattern.strip():
                continue
            try:
                normalised.append(normal_pattern(pattern))
            except ValueError:
                raise InvalidValue("egress.bad_pattern", pattern=pattern[:100]) from None
        return normalised


@dataclass(frozen=True)
class EgressResponse:
    status: int
    headers: dict[str, str]
    """Lower-case names."""
    content: bytes
    url: str
    """The final URL, after redirects, with its host name (not the address connected to)."""
    content_type: str
    """The media type alone, lower case (``text/html``), or empty."""

    @property
    def charset(self) -> str:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return ""

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.charset or "utf-8", errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    """Normalised: lower case, IDNA, no trailing dot; an IP address in its canonical form."""
    port: int
    path: str
    literal: bool
    addresses: list[IPAddress]


_DNS_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="atelier-dns")


class EgressGuard:
    """Implements ``tools.registry.Egress``. Stateless apart from its settings: share it."""

    def __init__(
        self,
        policy: EgressPolicy | None = None,
        resolver: Resolver = socket.getaddrinfo,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy or EgressPolicy()
        self._resolve_with = resolver
        self._ssl = ssl_context

    # --- checks ---------------------------------------------------------------------------------

    def check(self, url: str) -> list[str]:
        """The addresses a request to ``url`` may connect to, or ``EgressBlocked``. For a form's
        early warning only: a client that connects by itself after this check resolves the name
        again and may land elsewhere (DNS rebinding); connect through ``request``."""
        target = self._target(url, time.monotonic() + self.policy.timeout_s)
        return [str(a) for a in target.addresses]

    def _target(self, url: str, deadline: float) -> _Target:
        split = split_url(url)
        host, literal = host_of(url, split)
        port = port_of(url, split)
        if is_metadata_host(host):
            raise EgressBlocked("egress.metadata", url=url, address=host)
        if literal and classify(literal) == "metadata":  # the strongest reason first
            raise EgressBlocked("egress.metadata", url=url, address=str(literal))
        self._check_lists(url, host)
        addresses = [literal] if literal else self._resolve(url, host, port, deadline)
        for address in addresses:
            self._check_address(url, address)
        return _Target(url, split.scheme, host, port, path_of(split), bool(literal), addresses)

    def _check_lists(self, url: str, host: str) -> None:
        policy = self.policy
        if any(matches(host, p) for p in policy.deny_hosts):
            raise EgressBlocked("egress.denied_host", url=url, host=host)
        if policy.allow_hosts and not any(matches(host, p) for p in policy.allow_hosts):
            raise EgressBlocked("egress.host_not_allowed", url=url, host=host)

    def _check_address(self, url: str, address: IPAddress) -> None:
        kind = classify(address)
        allowed = kind is None or (
            (kind == "loopback" and self.policy.allow_loopback)
            or (kind == "private" and self.policy.allow_private)
        )
        if kind == "metadata":
            raise EgressBlocked("egress.metadata", url=url, address=str(address))
        if not allowed:
            raise EgressBlocked("egress.internal_address", url=url, address=str(address))
        carried = [address, *embedded_ipv4(address)]  # a denied IPv4 network, wrapped or not
        if any(in_network(a, p) for a in carried for p in self.policy.deny_hosts):
            raise EgressBlocked("egress.denied_host", url=url, host=str(address))

    def _resolve(self, url: str, host: str, port: int, deadline: float) -> list[IPAddress]:
        future = _DNS_POOL.submit(self._resolve_with, host, port, 0, socket.SOCK_STREAM)
        try:
            answers = list(future.result(timeout=max(0.0, deadline - time.monotonic())))
        except concurrent.futures.TimeoutError:
            raise EgressBlocked("egress.timeout", url=url, seconds=self._seconds()) from None
        except (OSError, UnicodeError):
            raise EgressBlocked("egress.unknown_host", url=url, host=host) from None
        addresses: list[IPAddress] = []
        for answer in answers:
            raw = str(answer[4][0]).split("%", 1)[0]
            try:
                address = ipaddress.ip_address(raw)
            except ValueError:
                raise EgressBlocked("egress.unknown_host", url=url, host=host) from None
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise EgressBlocked("egress.unknown_host", url=url, host=host)
        return addresses

    # --- requests -------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        body: bytes | None = None,
        credentials: Collection[str] = (),
    ) -> EgressResponse:
        """One request, its redirects followed and each checked; ``EgressBlocked`` otherwise.

        ``credentials``: the values of the secrets this request carries, in every form they are
        written (an API key, a token, a Basic token). Once a redirect leaves the origin, only the
        headers of ``KEPT_ACROSS_ORIGINS`` follow, none holding a credential, and a query
        parameter holding one is taken out of the new address."""
        try:
            return self._follow(method, url, headers, params, body, credentials)
        except EgressBlocked as exc:
            scheme, host, port = origin_of(exc.url)  # never the query: it may hold a key
            log.info(
                "egress refused %s %s://%s:%s: %s", method[:10], scheme, host, port, exc.reason
            )
            raise

    def _follow(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None,
        params: dict[str, Any] | None,
        body: bytes | None,
        credentials: Collection[str],
    ) -> EgressResponse:
        secrets = [c for c in credentials if c]
        left_origin = False
        deadline = time.monotonic() + self.policy.timeout_s
        method = method.upper()
        if method not in METHODS:
            raise EgressBlocked("egress.bad_method", url=url, method=method[:20])
        current = with_params(url, params)
        sent = {"user-agent": self.policy.user_agent}
        sent.update({k.lower(): v for k, v in (headers or {}).items()})
        sent["accept-encoding"] = "gzip, deflate"
        for hop in range(self.policy.max_redirects + 1):
            target = self._target(current, deadline)
            status, got, content = self._send(method, target, sent, body, deadline)
            location = got.get("location", "")
            if status not in REDIRECTS or not location:
                mime = got.get("content-type", "").split(";", 1)[0].strip().lower()
                return EgressResponse(status, got, content, current, mime)
            if hop == self.policy.max_redirects:
                break
            following = urljoin(current, location.strip())
            if origin_of(following) != origin_of(current):
                left_origin = True
                sent = {
                    k: v
                    for k, v in sent.items()
                    if k in KEPT_ACROSS_ORIGINS and not any(c in v for c in secrets)
                }
            if left_origin:
                following = without_credentials(following, secrets)
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, body = ("HEAD" if method == "HEAD" else "GET"), None
                sent.pop("content-type", None)
            current = following
        raise EgressBlocked("egress.too_many_redirects", url=url, max=self.policy.max_redirects)

    def _send(
        self,
        method: str,
        target: _Target,
        headers: dict[str, str],
        body: bytes | None,
        deadline: float,
    ) -> tuple[int, dict[str, str], bytes]:
        """Connects to the checked addresses only, in turn until one answers."""
        failure = "egress.unreachable"
        for address in target.addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EgressBlocked("egress.timeout", url=target.url, seconds=self._seconds())
            try:
                return self._send_to(address, method, target, headers, body, deadline)
            except httpx.TimeoutException:
                raise EgressBlocked(
                    "egress.timeout", url=target.url, seconds=self._seconds()
                ) from None
            except httpx.ConnectError as exc:
                if _is_tls_failure(exc):
                    raise EgressBlocked("egress.tls", url=target.url, host=target.host) from None
                log.info("egress: %s:%s did not answer (%s)", address, target.port, exc)
            except httpx.HTTPError as exc:
                log.info("egress: %s:%s failed (%s)", address, target.port, exc)
                failure = "egress.broken_response"
                break
        raise EgressBlocked(failure, url=target.url, host=target.host)

    def _send_to(
        self,
        address: IPAddress,
        method: str,
        target: _Target,
        headers: dict[str, str],
        body: bytes | None,
        deadline: float,
    ) -> tuple[int, dict[str, str], bytes]:
        netloc = f"[{address}]" if address.version == 6 else str(address)
        pinned = f"{target.scheme}://{netloc}:{target.port}{target.path}"
        default_port = {"http": 80, "https": 443}[target.scheme]
        shown_host = f"[{target.host}]" if ":" in target.host else target.host
        host_header = shown_host if target.port == default_port else f"{shown_host}:{target.port}"
        remaining = max(0.001, deadline - time.monotonic())
        extensions: dict[str, Any] = {"timeout": httpx.Timeout(remaining).as_dict()}
        if target.scheme == "https" and not target.literal:
            extensions["sni_hostname"] = target.host
        # The transport alone, not a Client: a Client reads proxies from the environment and
        # logs every URL at INFO, query string (and so any API key in it) included.
        request = httpx.Request(
            method,
            pinned,
            headers={"accept": "*/*", **headers, "host": host_header},
            content=body,
            extensions=extensions,
        )
        with httpx.HTTPTransport(
            verify=self._ssl or _default_ssl_context(), retries=0
        ) as transport:
            response = transport.handle_request(request)
            try:
                got = {k.lower(): v for k, v in response.headers.items()}
                if method == "HEAD" or (response.status_code in REDIRECTS and got.get("location")):
                    return response.status_code, got, b""
                content = self._read(response, got, target.url, deadline)
                return response.status_code, got, content
            finally:
                response.close()

    def _read(
        self, response: httpx.Response, headers: dict[str, str], url: str, deadline: float
    ) -> bytes:
        limit = self.policy.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise EgressBlocked("egress.too_large", url=url, mb=_megabytes(limit))
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > limit:
                raise EgressBlocked("egress.too_large", url=url, mb=_megabytes(limit))
            if time.monotonic() > deadline:
                raise EgressBlocked("egress.timeout", url=url, seconds=self._seconds())
            chunks.append(chunk)
        return _decoded(b"".join(chunks), headers.get("content-encoding", ""), limit, url)

    def _seconds(self) -> str:
        return f"{self.policy.timeout_s:g}"


# --- bodies and failures -------------------------------------------------------------------------


def _decoded(raw: bytes, encoding: str, limit: int, url: str) -> bytes:
    """The body after Content-Encoding, never more than ``limit`` bytes (no zip bomb)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise EgressBlocked("egress.bad_encoding", url=url, encoding=encoding[:40])
    out = bytearray()
    data = raw
    try:
        while data:
            wbits = 47 if encoding != "deflate" else 15
            decoder = zlib.decompressobj(wbits)
            try:
                out += decoder.decompress(data, limit + 1 - len(out))
            except zlib.error:
                if encoding != "deflate" or out:
                    raise
                decoder = zlib.decompressobj(-15)  # "deflate" sent raw, as some servers do
                out += decoder.decompress(data, limit + 1 - len(out))
            if len(out) > limit or decoder.unconsumed_tail:
                raise EgressBlocked("egress.too_large", url=url, mb=_megabytes(limit))
            data = decoder.unused_data if decoder.eof else b""
    except zlib.error:
        raise EgressBlocked("egress.broken_response", url=url, host=origin_of(url)[1]) from None
    return bytes(out)


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):.3g}"


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@cache
def _default_ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
