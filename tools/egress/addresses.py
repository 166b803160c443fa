"""Addresses and host names: which are public, which are internal, which are cloud metadata.

Pure functions over ``ipaddress`` objects and strings, no I/O: the guard (``tools.egress.guard``)
resolves and connects; this module only judges.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Oracle, Scaleway...
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.169.123",  # AWS time
        "169.254.169.253",  # AWS DNS
        "169.254.0.23",  # Tencent
        "100.100.100.200",  # Alibaba
        "168.63.129.16",  # Azure wire server (a public address!)
        "192.0.0.192",  # Oracle (legacy)
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::23",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")

_SEVERITY = {None: 0, "loopback": 1, "private": 2, "internal": 3, "metadata": 4}


def is_metadata_host(host: str) -> bool:
    """A cloud metadata service's name (``host`` normalised: lower case, no trailing dot)."""
    return host in METADATA_HOSTS or host.endswith(".metadata.google.internal")


def classify(address: IPAddress) -> str | None:
    """None for a public address; else ``metadata``, ``internal`` (never allowed), ``private``
    (allowed by ``allow_private``) or ``loopback`` (allowed by ``allow_loopback``)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return classify(address.ipv4_mapped)
        if address in _NAT64:
            return classify(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        embedded = [address.sixtofour, *(address.teredo or ())]
        found = [_classify_plain(address)] + [classify(e) for e in embedded if e is not None]
        return max(found, key=lambda kind: _SEVERITY[kind])
    return _classify_plain(address)


def _classify_plain(address: IPAddress) -> str | None:
    if address in METADATA_ADDRESSES:
        return "metadata"
    if address.is_loopback:
        return "loopback"
    if (
        address.is_unspecified
        or address.is_multicast
        or address.is_link_local
        or address.is_reserved
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
        or address in _THIS_NETWORK
    ):
        return "internal"
    if address.is_private or not address.is_global:
        return "private"
    return None


def parse_ipv4_host(host: str) -> ipaddress.IPv4Address | None:
    """A host written as an IPv4 address in any form a browser or libc accepts (decimal, octal,
    hex, short forms), or None when it is a name. Raises ``ValueError`` for a host that looks
    numeric but is no address (``1.2.3.4.5``, ``999.1.1.1``): such a host is refused."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not _is_number(parts[-1]):
        return None
    if len(parts) > 4:
        raise ValueError(host)
    numbers = [_ipv4_part(p) for p in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(host)
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _is_number(part: str) -> bool:
    if part[:2].lower() == "0x":
        return all(c in "0123456789abcdefABCDEF" for c in part[2:])
    return part.isascii() and part.isdigit()


def _ipv4_part(part: str) -> int:
    if part == "":
        raise ValueError(part)
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8)
    if not (part.isascii() and part.isdigit()):
        raise ValueError(part)
    return int(part)


def normal_pattern(pattern: str) -> str:
    """An allow or deny entry in the form hosts are compared in: lower case, IDNA, no trailing
    dot; an address becomes a one-address network. ``ValueError`` for anything else (a URL, a
    wildcard in the middle), so that a mistyped entry is reported instead of matching nothing."""
    value = pattern.strip().lower().strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        pass
    prefix, name = ("*.", value[2:]) if value.startswith("*.") else ("", value)
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(pattern) from None
    if not name or not all(c.isalnum() or c in "-._" for c in name) or ".." in name:
        raise ValueError(pattern)
    return prefix + name


def matches(host: str, pattern: str) -> bool:
    """``host`` (normalised) against an exact name, a ``*.suffix`` or an address or network."""
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    if "/" in pattern:
        try:
            return in_network(ipaddress.ip_address(host), pattern)
        except ValueError:
            return False
    return host == pattern


def in_network(address: IPAddress, pattern: str) -> bool:
    if "/" not in pattern:
        return False
    network = ipaddress.ip_network(pattern)
    return address.version == network.version and address in network
