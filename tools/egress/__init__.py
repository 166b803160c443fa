"""The egress guard: the one way out to the network for every tool (URL fetch, HTTP actions,
OpenAPI import, MCP over HTTP).

Every agent builder on the market has shipped server-side request forgery: a model, or a page it
read, asks for ``http://169.254.169.254/`` and the server obligingly fetches its own cloud
credentials. So the guard refuses before it connects, and connects only where it has checked:

1. the URL: http or https, no credentials in it, a host that parses; numeric hosts are read the way
   browsers and libc read them (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``);
2. the host: cloud metadata names are always refused; then the administrator's deny list and
   allow list (exact names or ``*.suffix``);
3. every address the name resolves to (one bad answer refuses the lot: DNS rebinding answers a
   good and a bad address); an IPv6 address carrying an IPv4 one (mapped, NAT64, 6to4, Teredo,
   IPv4-compatible) is judged by the IPv4 it carries, the deny list included, and a wrapped
   loopback is refused even where loopback is allowed (see ``addresses.classify``);
4. the connection goes to the checked address itself (the URL's host becomes the Host header and,
   for https, the TLS server name that the certificate must match), so a second DNS answer
   cannot move it; proxies from the environment are ignored (a proxy would connect elsewhere);
5. redirects are followed here, one at a time, each new URL checked from step 1; once one leaves
   the origin (scheme, host, port), only content-negotiation headers follow and the caller's
   credentials (an API key in a header or the query, a token, a cookie) stay behind; size, time
   and redirect count are bounded.
"""

from tools.egress.addresses import classify, parse_ipv4_host
from tools.egress.guard import EgressBlocked, EgressGuard, EgressPolicy, EgressResponse

__all__ = [
    "EgressBlocked",
    "EgressGuard",
    "EgressPolicy",
    "EgressResponse",
    "classify",
    "parse_ipv4_host",
]
