"""Addresses and host names: which are public, which are internal, which are cloud metadata.

Pure functions over ``ipaddress`` objects and strings, no I/O: the guard (``tools.egress.guard``)
resolves and connects; this module only judges.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

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
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")

# IPv6 ranges that carry an IPv4 address, and where it sits (RFC 6052, 3056, 4380, 4291, 2765).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_TEREDO = ipaddress.ip_network("2001::/32")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_RFC6052_LAYOUTS = {  # prefix length -> the bytes of the IPv6 address holding the IPv4 one
    48: (6, 7, 9, 10),
    56: (7, 9, 10, 11),
    64: (9, 10, 11, 12),
    96: (12, 13, 14, 15),
}

_SEVERITY = {None: 0, "loopback": 1, "private": 2, "internal": 3, "metadata": 4}


def is_metadata_host(host: str) -> bool:
    """A cloud metadata service's name (``host`` normalised: lower case, no trailing dot)."""
    return host in METADATA_HOSTS or host.endswith(".metadata.google.internal")


def classify(address: IPAddress) -> str | None:
    """None for a public address; else ``metadata``, ``internal`` (never allowed), ``private``
    (allowed by ``allow_private``) or ``loopback`` (allowed by ``allow_loopback``).

    An IPv6 address that carries an IPv4 one is judged by that IPv4 address:

    - IPv4-mapped (``::ffff:a.b.c.d``) is the IPv4 address itself for a dual-stack socket;
    - NAT64 (``64:ff9b::/96``), 6to4 (``2002::/16``) and Teredo (``2001::/32``, its server and
      its client) take the class of what they carry, except that a wrapped loopback (or
      0.0.0.0/8) is ``internal``: a translator or a tunnel is not how this machine is reached,
      so allowing loopback does not allow it;
    - the local-use NAT64 prefix (``64:ff9b:1::/48``: its layout is the operator's choice, so
      what it carries cannot be read with certainty), IPv4-compatible (``::a.b.c.d``) and
      IPv4-translated (``::ffff:0:a.b.c.d``) addresses are ``internal``, or ``metadata`` when
      one of their readings is a metadata address (the stronger reason is shown).
    """
    if isinstance(address, ipaddress.IPv4Address):
        return _classify_plain(address)
    if address.ipv4_mapped is not None:
        return _classify_plain(address.ipv4_mapped)
    if _is_tunnel(address):
        return _most_severe(_carried_kind(e) for e in embedded_ipv4(address))
    if _is_never_dialled(address):
        kinds = {_classify_plain(e) for e in embedded_ipv4(address)}
        return "metadata" if "metadata" in kinds else "internal"
    return _classify_plain(address)


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, in every layout its range allows (none for
    an IPv4 address or a plain IPv6 one)."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    packed = address.packed
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in _SIX_TO_FOUR and address.sixtofour is not None:
        return [address.sixtofour]
    if address in _TEREDO and address.teredo is not None:
        return list(address.teredo)
    if address in _NAT64_LOCAL:
        return [_ipv4_at(packed, where) for where in _RFC6052_LAYOUTS.values()]
    if address in _NAT64 or address in _IPV4_TRANSLATED or _is_ipv4_compatible(address):
        return [_ipv4_at(packed, _RFC6052_LAYOUTS[96])]
    return []


def _is_tunnel(address: ipaddress.IPv6Address) -> bool:
    return address in _NAT64 or address in _SIX_TO_FOUR or address in _TEREDO


def _is_never_dialled(address: ipaddress.IPv6Address) -> bool:
    return address in _NAT64_LOCAL or address in _IPV4_TRANSLATED or _is_ipv4_compatible(address)


def _is_ipv4_compatible(address: ipaddress.IPv6Address) -> bool:
    return address in _IPV4_COMPATIBLE and int(address) > 1  # not :: nor ::1


def _ipv4_at(packed: bytes, where: tuple[int, ...]) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(bytes(packed[i] for i in where))


def _carried_kind(address: ipaddress.IPv4Address) -> str | None:
    kind = _classify_plain(address)
    return "internal" if kind == "loopback" else kind


def _most_severe(kinds: Iterable[str | None]) -> str | None:
    return max(kinds, key=lambda kind: _SEVERITY[kind], default="internal")


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
