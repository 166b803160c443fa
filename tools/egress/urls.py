"""URLs as the guard reads them: split and checked, host normalised (numeric forms read the way
browsers and libc read them), query parameters added or, across origins, credentials taken out."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import SplitResult, unquote, unquote_plus, urlencode, urlsplit

from tools.egress.addresses import IPAddress, parse_ipv4_host
from tools.egress.blocked import EgressBlocked


def split_url(url: str) -> SplitResult:
    if not isinstance(url, str) or not url or len(url) > 8192:
        raise EgressBlocked("egress.bad_url", url=str(url))
    if any(ord(c) <= 32 or c in "\\\x7f" for c in url):
        raise EgressBlocked("egress.bad_url", url=url)
    try:
        split = urlsplit(url)
    except ValueError:
        raise EgressBlocked("egress.bad_url", url=url) from None
    scheme = split.scheme.lower()
    if scheme not in ("http", "https"):
        raise EgressBlocked("egress.scheme", url=url, scheme=scheme or "?")
    if "@" in split.netloc:
        raise EgressBlocked("egress.credentials", url=url)
    return split._replace(scheme=scheme)


def host_of(url: str, split: SplitResult) -> tuple[str, IPAddress | None]:
    """The normalised host, and its address when the host is written as one."""
    raw = split.hostname or ""
    if split.netloc.startswith("["):
        try:
            address = ipaddress.IPv6Address(raw)  # a zone (%eth0) is refused here
        except ValueError:
            raise EgressBlocked("egress.bad_url", url=url) from None
        if "%" in raw:
            raise EgressBlocked("egress.bad_url", url=url)
        return str(address), address
    try:
        host = unquote(raw, errors="strict").encode("idna").decode("ascii").rstrip(".")
    except UnicodeError:
        raise EgressBlocked("egress.bad_url", url=url) from None
    if not host or not all(c.isalnum() or c in "-._" for c in host):
        raise EgressBlocked("egress.bad_url", url=url)
    try:
        literal = parse_ipv4_host(host)
    except ValueError:
        raise EgressBlocked("egress.bad_url", url=url) from None
    return (str(literal), literal) if literal else (host.lower(), None)


def port_of(url: str, split: SplitResult) -> int:
    try:
        port = split.port
    except ValueError:
        raise EgressBlocked("egress.bad_url", url=url) from None
    if port == 0:
        raise EgressBlocked("egress.bad_url", url=url)
    return port or (443 if split.scheme == "https" else 80)


def path_of(split: SplitResult) -> str:
    path = split.path or "/"
    return f"{path}?{split.query}" if split.query else path


def with_params(url: str, params: dict[str, Any] | None) -> str:
    if not params:
        return url
    clean = {k: v for k, v in params.items() if v is not None}
    base, _, fragment = url.partition("#")
    glue = "&" if "?" in base else "?"
    return f"{base}{glue}{urlencode(clean, doseq=True)}" + (f"#{fragment}" if fragment else "")


def without_credentials(url: str, secrets: list[str]) -> str:
    """``url`` without the query parameters whose name or value holds one of ``secrets``."""
    if not secrets:
        return url
    base, mark, rest = url.partition("?")
    if not mark:
        return url
    query, hash_mark, fragment = rest.partition("#")
    kept = [
        pair
        for pair in query.split("&")
        if not any(s in pair or s in unquote_plus(pair) for s in secrets)
    ]
    return base + ("?" + "&".join(kept) if kept else "") + hash_mark + fragment


def origin_of(url: str) -> tuple[str, str, int | None]:
    try:
        split = urlsplit(url)
        scheme = split.scheme.lower()
        port = split.port or {"http": 80, "https": 443}.get(scheme)
        return scheme, (split.hostname or "").lower().rstrip("."), port
    except ValueError:
        return "", "", None
