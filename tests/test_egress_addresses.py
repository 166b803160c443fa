"""IPv4 carried inside IPv6 (issue 8, defect 19): each wrapper is judged by the IPv4 it carries.

The rule (``tools.egress.addresses.classify``):

- IPv4-mapped (``::ffff:a.b.c.d``) *is* the IPv4 address for a dual-stack socket: judged exactly
  like it, loopback included;
- NAT64 (``64:ff9b::/96``), 6to4 (``2002::/16``) and Teredo (``2001::/32``, server and client) are
  judged by the IPv4 they carry, except that a wrapped loopback or "this network" (0.0.0.0/8) is
  refused even when loopback is allowed: a wrapper is not how this machine is reached;
- the local-use NAT64 prefix (``64:ff9b:1::/48``, whose layout the operator chooses), the
  deprecated IPv4-compatible (``::a.b.c.d``) and IPv4-translated (``::ffff:0:a.b.c.d``) forms are
  never dialled; a metadata address in any of their layouts is named as such;
- the administrator's deny list applies to the carried IPv4 too.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from tools.egress import EgressBlocked, EgressGuard, EgressPolicy, classify

WRAPPERS = [
    # IPv4-mapped: the IPv4 address itself
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "metadata"),
    ("::ffff:8.8.8.8", None),
    ("::ffff:0.0.0.0", "internal"),
    # NAT64, well-known prefix
    ("64:ff9b::127.0.0.1", "internal"),
    ("64:ff9b::7f00:2", "internal"),
    ("64:ff9b::10.1.2.3", "private"),
    ("64:ff9b::192.168.0.1", "private"),
    ("64:ff9b::169.254.169.254", "metadata"),
    ("64:ff9b::100.100.100.200", "metadata"),
    ("64:ff9b::169.254.1.1", "internal"),
    ("64:ff9b::0.1.2.3", "internal"),
    ("64:ff9b::8.8.8.8", None),
    # NAT64, local-use prefix: every RFC 6052 layout
    ("64:ff9b:1::127.0.0.1", "internal"),
    ("64:ff9b:1::8.8.8.8", "internal"),
    ("64:ff9b:1::169.254.169.254", "metadata"),
    ("64:ff9b:1:a9fe:a9:fe00::", "metadata"),  # /48 layout
    ("64:ff9b:1:a9:fe:a9fe::", "metadata"),  # /56 layout
    ("64:ff9b:1:0:a9:fea9:fe00:0", "metadata"),  # /64 layout
    # 6to4
    ("2002:7f00:1::", "internal"),
    ("2002:7f00:1:1::1", "internal"),
    ("2002:a00:1::", "private"),
    ("2002:c0a8:1::1", "private"),
    ("2002:a9fe:a9fe::", "metadata"),
    ("2002:0:1::", "internal"),
    ("2002:808:808::1", None),
    # Teredo: server (bits 32-63) and client (last 32 bits, inverted)
    ("2001:0:7f00:1::f7f7:f7f7", "internal"),  # server 127.0.0.1
    ("2001:0:808:808::80ff:fffe", "internal"),  # client 127.0.0.1
    ("2001:0:808:808::f5ff:fffe", "private"),  # client 10.0.0.1
    ("2001:0:4136:e378:8000:63bf:5601:5601", "metadata"),  # client 169.254.169.254
    ("2001:0:808:808::f7f7:f7f7", None),  # both 8.8.8.8
    # IPv4-compatible and IPv4-translated (deprecated): never dialled
    ("::127.0.0.1", "internal"),
    ("::8.8.8.8", "internal"),
    ("::169.254.169.254", "metadata"),
    ("::ffff:0:127.0.0.1", "internal"),
    ("::ffff:0:169.254.169.254", "metadata"),
    # the unspecified, loopback and "this network" addresses themselves
    ("::", "internal"),
    ("::1", "loopback"),
    ("0.0.0.0", "internal"),
    ("0.255.255.255", "internal"),
    ("127.0.0.1", "loopback"),
]


@pytest.mark.parametrize(("address", "kind"), WRAPPERS)
def test_a_wrapper_is_judged_by_the_ipv4_it_carries(address: str, kind: str | None) -> None:
    assert classify(ipaddress.ip_address(address)) == kind


def resolver(table: dict[str, str]) -> Any:
    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown name")
        address = table[host]
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]

    return resolve


LOOPBACK_WRAPPED = ["64:ff9b::7f00:1", "2002:7f00:1::", "2001:0:808:808::80ff:fffe"]


@pytest.mark.parametrize("address", LOOPBACK_WRAPPED)
def test_wrapped_loopback_is_refused_even_when_loopback_is_allowed(address: str) -> None:
    policy = EgressPolicy(allow_loopback=True, allow_private=True)
    guard = EgressGuard(policy, resolver=resolver({"rebind.test": address}))
    for url in (f"http://[{address}]/", "http://rebind.test/"):
        with pytest.raises(EgressBlocked) as caught:
            guard.request("GET", url)
        assert caught.value.reason == "internal_address"
    assert guard.check("http://[::1]/") == ["::1"]  # loopback itself stays allowed
    assert guard.check("http://[::ffff:127.0.0.1]/") == ["::ffff:7f00:1"]


@pytest.mark.parametrize("address", ["64:ff9b::a00:1", "2002:a00:1::", "::ffff:10.0.0.1"])
def test_wrapped_private_addresses_follow_allow_private(address: str) -> None:
    with pytest.raises(EgressBlocked) as caught:
        EgressGuard(EgressPolicy(allow_loopback=True)).check(f"http://[{address}]/")
    assert caught.value.reason == "internal_address"
    allowed = EgressGuard(EgressPolicy(allow_private=True))
    assert allowed.check(f"http://[{address}]/") == [str(ipaddress.ip_address(address))]


@pytest.mark.parametrize(
    "address", ["64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "::a9fe:a9fe", "64:ff9b:1::a9fe:a9fe"]
)
def test_wrapped_metadata_is_refused_as_metadata(address: str) -> None:
    guard = EgressGuard(EgressPolicy(allow_loopback=True, allow_private=True))
    with pytest.raises(EgressBlocked) as caught:
        guard.check(f"http://[{address}]/latest/meta-data")
    assert caught.value.reason == "metadata"


@pytest.mark.parametrize(
    "address", ["64:ff9b::808:808", "2002:808:808::", "::ffff:8.8.8.8", "2001:0:808:808::f7f7:f7f7"]
)
def test_the_deny_list_applies_to_the_carried_ipv4(address: str) -> None:
    assert EgressGuard().check(f"http://[{address}]/") == [str(ipaddress.ip_address(address))]
    guard = EgressGuard(
        EgressPolicy(deny_hosts=["8.8.8.0/24"]), resolver=resolver({"dns64.test": address})
    )
    for url in (f"http://[{address}]/", "http://dns64.test/"):
        with pytest.raises(EgressBlocked) as caught:
            guard.check(url)
        assert caught.value.reason == "denied_host"


def test_ipv4_written_inside_brackets_and_zone_ids() -> None:
    guard = EgressGuard(EgressPolicy(allow_loopback=True))
    for url in ("http://[::127.0.0.1]/", "http://[64:ff9b::127.0.0.1]/"):
        with pytest.raises(EgressBlocked) as caught:
            guard.check(url)
        assert caught.value.reason == "internal_address"
    for url in ("http://[::1%25lo]/", "http://[fe80::1%eth0]/", "http://[::1%2525lo]/"):
        with pytest.raises(EgressBlocked) as caught:
            guard.check(url)
        assert caught.value.reason == "bad_url"
    answers = {"ll.test": "fe80::1%eth0", "lo.test": "::1%lo"}  # zones in resolver answers
    scoped = EgressGuard(EgressPolicy(allow_private=True), resolver=resolver(answers))
    with pytest.raises(EgressBlocked) as caught:
        scoped.check("http://ll.test/")
    assert caught.value.reason == "internal_address"  # link-local, whatever its zone
    with pytest.raises(EgressBlocked) as caught:
        scoped.check("http://lo.test/")
    assert caught.value.reason == "internal_address"
