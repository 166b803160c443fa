"""The egress guard: every refusal of the SSRF matrix, pinning, redirects and limits.

Only loopback is ever reached: the sites below listen on 127.0.0.1, names are resolved by a fake
resolver, and the conftest guard refuses any other connection (so a broken check fails a test
instead of sending traffic anywhere).
"""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from agents.i18n import catalogue
from tools.egress import EgressBlocked, EgressGuard, EgressPolicy, classify, parse_ipv4_host

PUBLIC = "93.184.215.14"  # a public address the fake resolver hands out; never connected to

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Site:
    """An HTTP server on 127.0.0.1 in a daemon thread, counting every request it receives."""

    routes: dict[str, Reply | Callable[[Hit], Reply]]
    hits: list[Hit] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    def start(self, tls: ssl.SSLContext | None = None) -> Site:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                hit = Hit(self.command, self.path, headers, body)
                site.hits.append(hit)
                route = site.routes.get(self.path.split("?", 1)[0], (404, {}, b"absent"))
                status, extra, content = route(hit) if callable(route) else route
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_POST = do_HEAD = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def url(self, path: str = "/", host: str = "allowed.test", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def sites() -> Iterator[Callable[..., Site]]:
    started: list[Site] = []

    def start(routes: dict[str, Any] | None = None, tls: ssl.SSLContext | None = None) -> Site:
        site = Site(routes or {}).start(tls)
        started.append(site)
        return site

    yield start
    for site in started:
        site.close()


def resolver(table: dict[str, list[str]], asked: list[str] | None = None) -> Any:
    """A getaddrinfo stand-in: names from ``table`` only."""

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if asked is not None:
            asked.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown name")
        answers: list[tuple[Any, ...]] = []
        for address in table[host]:
            if ":" in address:
                answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return answers

    return resolve


NAMES = {
    "allowed.test": ["127.0.0.1"],
    "sub.allowed.test": ["127.0.0.1"],
    "intranet.allowed.test": ["10.0.0.7"],
    "localhost.test": ["127.0.0.1"],
    "mixed.test": [PUBLIC, "127.0.0.1"],
    "mixed6.test": [PUBLIC, "::ffff:10.1.2.3"],
    "public.test": [PUBLIC],
    "www.service-public.gouv.fr": [PUBLIC],
    "evilgouv.fr": [PUBLIC],
    "gouv.fr.evil.test": [PUBLIC],
    "tracker.example.com": [PUBLIC],
}


def local_guard(**policy: Any) -> EgressGuard:
    """Loopback allowed, but only for the test host names: what the redirect tests lean on."""
    settings: dict[str, Any] = {"allow_loopback": True, "allow_hosts": ["allowed.test"]}
    return EgressGuard(EgressPolicy(**(settings | policy)), resolver=resolver(NAMES))


def refused(guard: EgressGuard, url: str, **kwargs: Any) -> EgressBlocked:
    with pytest.raises(EgressBlocked) as caught:
        guard.request(kwargs.pop("method", "GET"), url, **kwargs)
    return caught.value


# --- the matrix ---------------------------------------------------------------------------------

MATRIX = [
    ("http://127.0.0.1:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://[::1]:{port}/", "internal_address", "(::1)"),
    ("http://[::ffff:127.0.0.1]:{port}/", "internal_address", "::ffff:7f00:1"),
    ("http://[::ffff:7f00:1]:{port}/", "internal_address", "::ffff:7f00:1"),
    ("http://[0:0:0:0:0:ffff:7f00:0001]:{port}/", "internal_address", "::ffff:7f00:1"),
    ("http://2130706433:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://0177.0.0.1:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://0x7f.1:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://0x7F000001:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://127.1:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://127.0.0.1.:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://%31%32%37.0.0.1:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://１２７.０.０.１:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://0.0.0.0:{port}/", "internal_address", "(0.0.0.0)"),
    ("http://0:{port}/", "internal_address", "(0.0.0.0)"),
    ("http://[::]:{port}/", "internal_address", "(::)"),
    ("http://localhost.test:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://mixed.test:{port}/", "internal_address", "(127.0.0.1)"),
    ("http://mixed6.test/", "internal_address", "::ffff:a01:203"),
    ("http://169.254.169.254/latest/meta-data", "metadata", "169.254.169.254"),
    ("http://[::ffff:169.254.169.254]/latest/meta-data", "metadata", "169.254.169.254"),
    ("http://2852039166/latest/meta-data", "metadata", "169.254.169.254"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata", "metadata.google"),
    ("http://METADATA.Google.Internal./computeMetadata/v1/", "metadata", "metadata.google"),
    ("http://metadata/computeMetadata/v1/", "metadata", "(metadata)"),
    ("http://instance-data/latest/", "metadata", "instance-data"),
    ("http://100.100.100.200/latest/meta-data", "metadata", "100.100.100.200"),
    ("http://[fd00:ec2::254]/latest/meta-data", "metadata", "fd00:ec2::254"),
    ("http://168.63.129.16/machine", "metadata", "168.63.129.16"),
    ("http://10.0.0.1/", "internal_address", "(10.0.0.1)"),
    ("http://192.168.1.1/", "internal_address", "(192.168.1.1)"),
    ("http://172.16.0.1/", "internal_address", "(172.16.0.1)"),
    ("http://100.64.0.1/", "internal_address", "(100.64.0.1)"),
    ("http://169.254.1.1/", "internal_address", "(169.254.1.1)"),
    ("http://224.0.0.1/", "internal_address", "(224.0.0.1)"),
    ("http://255.255.255.255/", "internal_address", "(255.255.255.255)"),
    ("http://[fe80::1]/", "internal_address", "(fe80::1)"),
    ("http://[fc00::1]/", "internal_address", "(fc00::1)"),
    ("http://[fec0::1]/", "internal_address", "(fec0::1)"),
    ("http://[ff02::1]/", "internal_address", "(ff02::1)"),
    ("http://[2002:7f00:1::]/", "internal_address", "2002:7f00:1::"),
    ("http://[64:ff9b::a00:1]/", "internal_address", "64:ff9b::a00:1"),
    ("file:///etc/passwd", "scheme", "schéma file: non autorisé"),
    ("gopher://127.0.0.1:70/_SET%20x", "scheme", "schéma gopher:"),
    ("ftp://example.org/", "scheme", "schéma ftp:"),
    ("dict://127.0.0.1:11211/stat", "scheme", "schéma dict:"),
    ("javascript:alert(1)", "scheme", "schéma javascript:"),
    ("//127.0.0.1/", "scheme", "schéma ?:"),
    ("http://user:secret@public.test/", "credentials", "identifiant"),
    ("http://public.test@127.0.0.1/", "credentials", "identifiant"),
    ("http://[fe80::1%25eth0]/", "bad_url", "pas une adresse web valide"),
    ("http://1.2.3.4.5/", "bad_url", "pas une adresse web valide"),
    ("http://256.0.0.1/", "bad_url", "pas une adresse web valide"),
    ("http://public.test\\@127.0.0.1/", "bad_url", "pas une adresse web valide"),
    ("http://public test/", "bad_url", "pas une adresse web valide"),
    ("http://:80/", "bad_url", "pas une adresse web valide"),
    ("http://public.test:99999/", "bad_url", "pas une adresse web valide"),
]


@pytest.mark.parametrize(("template", "reason", "shown"), MATRIX)
def test_the_matrix_is_refused_and_nothing_arrives(
    sites: Callable[..., Site], template: str, reason: str, shown: str
) -> None:
    site = sites({"/": (200, {}, b"secret")})
    guard = EgressGuard(EgressPolicy(), resolver=resolver(NAMES))
    url = template.format(port=site.port)
    blocked = refused(guard, url)
    assert blocked.reason == reason
    message = blocked.message("fr")
    assert shown in message
    assert "« " in message and " »" in message
    with pytest.raises(EgressBlocked):
        guard.check(url)
    assert site.hits == []


def test_the_reasons_are_plain_words() -> None:
    guard = EgressGuard(EgressPolicy(deny_hosts=["public.test"]), resolver=resolver(NAMES))
    assert refused(guard, "http://127.0.0.1/").message("fr") == (
        "« http://127.0.0.1/ » : adresse interne (127.0.0.1) refusée ; seuls les sites publics"
        " d'internet sont permis, sauf autorisation d'un administrateur"
    )
    assert refused(guard, "file:///etc/passwd").message("en") == (
        '"file:///etc/passwd": scheme file: not allowed; only http and https are'
    )
    assert "hôte public.test refusé par l'administrateur" in str(
        refused(guard, "http://public.test/")
    )
    assert "métadonnées" in refused(guard, "http://169.254.169.254/").message("fr")


def test_every_resolved_address_is_checked() -> None:
    asked: list[str] = []
    guard = EgressGuard(resolver=resolver(NAMES, asked))
    assert guard.check("https://public.test/page") == [PUBLIC]
    blocked = refused(guard, "https://mixed.test/page")
    assert blocked.params["address"] == "127.0.0.1"
    assert asked == ["public.test", "mixed.test"]


def test_numeric_hosts_are_refused_without_dns() -> None:
    asked: list[str] = []
    guard = EgressGuard(resolver=resolver(NAMES, asked))
    for url in ("http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://[::1]/"):
        refused(guard, url)
    assert asked == []


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("0", "0.0.0.0"),
        ("1.2.3.4.", "1.2.3.4"),
        ("example.org", None),
        ("1.2.3.com", None),
        ("0x7g", None),
    ],
)
def test_ipv4_forms(host: str, expected: str | None) -> None:
    found = parse_ipv4_host(host)
    assert (str(found) if found else None) == expected


@pytest.mark.parametrize(
    "host", ["1.2.3.4.5", "256.1.1.1", "1.2.65536", "08.0.0.1", "1..2", "0x7g.1"]
)
def test_numeric_looking_hosts_that_are_no_address_raise(host: str) -> None:
    with pytest.raises(ValueError):
        parse_ipv4_host(host)


def test_address_classes() -> None:
    def kind(text: str) -> str | None:
        return classify(ipaddress.ip_address(text))

    assert kind(PUBLIC) is None
    assert kind("2a01:e0a::1") is None
    assert kind("::ffff:93.184.215.14") is None
    assert kind("127.0.0.2") == "loopback"
    assert kind("10.0.0.1") == kind("fd12::1") == kind("100.64.0.1") == "private"
    assert kind("169.254.169.254") == kind("fd00:ec2::254") == "metadata"
    assert kind("0.1.2.3") == kind("fe80::1") == kind("240.0.0.1") == "internal"
    # Teredo: the client address (inverted in the last 32 bits) is checked too.
    assert kind("2001:0:4136:e378:8000:63bf:5601:5601") == "metadata"  # 169.254.169.254


# --- allow and deny lists -----------------------------------------------------------------------


def test_allowlist_with_suffix() -> None:
    guard = EgressGuard(EgressPolicy(allow_hosts=["*.gouv.fr"]), resolver=resolver(NAMES))
    assert guard.check("https://www.service-public.gouv.fr/particuliers") == [PUBLIC]
    for url in ("https://evilgouv.fr/", "https://gouv.fr.evil.test/", "https://public.test/"):
        blocked = refused(guard, url)
        assert blocked.reason == "host_not_allowed"
        assert "n'est pas dans la liste des sites autorisés" in blocked.message("fr")


def test_an_allowed_host_still_may_not_be_internal() -> None:
    policy = EgressPolicy(allow_hosts=["*.allowed.test"])
    guard = EgressGuard(policy, resolver=resolver(NAMES))
    assert refused(guard, "http://intranet.allowed.test/").params["address"] == "10.0.0.7"
    trusting = EgressGuard(policy.model_copy(update={"allow_private": True}), resolver(NAMES))
    assert trusting.check("http://intranet.allowed.test/") == ["10.0.0.7"]
    assert refused(trusting, "http://169.254.169.254/").reason == "metadata"
    assert refused(trusting, "http://100.100.100.200/").reason == "metadata"
    assert refused(trusting, "http://localhost.test/").reason == "host_not_allowed"


def test_denylist_by_name_and_by_network() -> None:
    policy = EgressPolicy(deny_hosts=["*.example.com", "93.184.0.0/16"])
    guard = EgressGuard(policy, resolver=resolver(NAMES))
    assert refused(guard, "https://tracker.example.com/").params["host"] == "tracker.example.com"
    blocked = refused(guard, "https://public.test/")
    assert blocked.reason == "denied_host" and blocked.params["host"] == PUBLIC
    assert refused(guard, f"https://{PUBLIC}/").reason == "denied_host"


def test_policy_is_strict_and_normalises_patterns() -> None:
    with pytest.raises(ValidationError):
        EgressPolicy(allow_everything=True)  # type: ignore[call-arg]
    policy = EgressPolicy(allow_hosts=[" *.GOUV.FR ", "[::1]", "Exemple.FR."], deny_hosts=[""])
    assert policy.allow_hosts == ["*.gouv.fr", "::1/128", "exemple.fr"]
    assert policy.deny_hosts == []
    for wrong in ("https://exemple.fr/", "ex*mple.fr", "a..b"):
        with pytest.raises(ValidationError) as caught:
            EgressPolicy(deny_hosts=[wrong])
        assert "n'est pas un site valide" in str(caught.value)


# --- requests through the guard -----------------------------------------------------------------


def test_request_is_pinned_to_the_checked_address(
    sites: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = sites({"/page": (200, {"Content-Type": "text/plain; charset=utf-8"}, "é".encode())})
    asked: list[str] = []
    system_dns: list[str] = []
    real = socket.getaddrinfo

    def no_dns(host: Any, *args: Any, **kwargs: Any) -> Any:
        system_dns.append(str(host))
        ipaddress.ip_address(host)  # a name would be a second, unchecked resolution
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    guard = EgressGuard(
        EgressPolicy(allow_loopback=True, allow_hosts=["allowed.test"]), resolver(NAMES, asked)
    )
    response = guard.request("GET", site.url("/page"), params={"q": "vélo", "n": 2})
    assert response.status == 200
    assert response.text == "é" and response.content_type == "text/plain"
    assert response.url == site.url("/page") + "?q=v%C3%A9lo&n=2"
    [hit] = site.hits
    assert hit.headers["host"] == f"allowed.test:{site.port}"
    assert hit.path == "/page?q=v%C3%A9lo&n=2"
    assert hit.headers["user-agent"].startswith("Atelier")
    assert asked == ["allowed.test"]
    assert "allowed.test" not in system_dns


def test_redirects_to_internal_addresses_are_refused_before_connecting(
    sites: Callable[..., Site],
) -> None:
    internal = sites({"/secret": (200, {}, b"internal")})
    site = sites(
        {
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b""),
            "/to-loopback": (302, {"Location": f"http://127.0.0.1:{internal.port}/secret"}, b""),
            "/to-hex": (301, {"Location": f"http://0x7f.1:{internal.port}/secret"}, b""),
            "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
            "/to-intranet": (307, {"Location": "http://intranet.allowed.test/"}, b""),
        }
    )
    guard = local_guard(allow_hosts=["allowed.test", "*.allowed.test"])
    assert refused(guard, site.url("/to-metadata")).reason == "metadata"
    blocked = refused(guard, site.url("/to-loopback"))
    assert blocked.reason == "host_not_allowed" and blocked.params["host"] == "127.0.0.1"
    assert refused(guard, site.url("/to-hex")).reason == "host_not_allowed"
    assert refused(guard, site.url("/to-file")).reason == "scheme"
    assert refused(guard, site.url("/to-intranet")).params["address"] == "10.0.0.7"
    assert len(site.hits) == 5
    assert internal.hits == []


def test_allowed_redirects_are_followed_and_credentials_stay_with_their_origin(
    sites: Callable[..., Site],
) -> None:
    other = sites({"/ok": (200, {}, b"other")})
    site = sites(
        {
            "/away": (302, {"Location": other.url("/ok")}, b""),
            "/here": (302, {"Location": "/ok"}, b""),
            "/ok": (200, {}, b"same"),
            "/form": (303, {"Location": "/ok"}, b""),
        }
    )
    guard = local_guard()
    secret = {"Authorization": "Bearer s3cret", "Cookie": "session=1"}
    response = guard.request("GET", site.url("/away"), headers=secret)
    assert response.content == b"other" and response.url == other.url("/ok")
    assert "authorization" not in other.hits[0].headers
    assert "cookie" not in other.hits[0].headers
    assert guard.request("GET", site.url("/here"), headers=secret).content == b"same"
    assert site.hits[-1].headers["authorization"] == "Bearer s3cret"
    guard.request("POST", site.url("/form"), body=b"a=1", headers={"Content-Type": "x/y"})
    assert (site.hits[-1].method, site.hits[-1].body) == ("GET", b"")


def test_too_many_redirects(sites: Callable[..., Site]) -> None:
    site = sites({"/loop": (302, {"Location": "/loop"}, b"")})
    blocked = refused(local_guard(max_redirects=3), site.url("/loop"))
    assert blocked.reason == "too_many_redirects"
    assert "trop de redirections (plus de 3)" in blocked.message("fr")
    assert len(site.hits) == 4


def test_size_limits(sites: Callable[..., Site]) -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)
    site = sites(
        {
            "/declared": (200, {"Content-Length": "6000000"}, b""),
            "/long": (200, {}, b"x" * 5000),
            "/bomb": (200, {"Content-Encoding": "gzip"}, bomb),
            "/zipped": (200, {"Content-Encoding": "gzip"}, gzip.compress(b"bonjour")),
        }
    )
    assert "réponse trop grande (> 5 Mo)" in refused(local_guard(), site.url("/declared")).message()
    small = local_guard(max_bytes=100_000)
    assert len(small.request("GET", site.url("/long")).content) == 5000
    assert refused(local_guard(max_bytes=1000), site.url("/long")).reason == "too_large"
    assert len(bomb) < 100_000
    assert refused(small, site.url("/bomb")).reason == "too_large"
    assert small.request("GET", site.url("/zipped")).content == b"bonjour"


def test_a_slow_site_times_out_with_a_clear_message(sites: Callable[..., Site]) -> None:
    def slow(hit: Hit) -> Reply:
        site.release.wait(5)
        return 200, {}, b"late"

    site = sites({"/slow": slow})
    started = time.monotonic()
    blocked = refused(local_guard(timeout_s=0.5), site.url("/slow"))
    assert time.monotonic() - started < 3
    assert blocked.reason == "timeout"
    assert blocked.message("fr").endswith(
        "délai dépassé (0.5 s) ; le site ne répond pas, réessayez plus tard"
    )


def test_a_slow_resolver_times_out() -> None:
    release = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(5)
        raise socket.gaierror("late")

    guard = EgressGuard(EgressPolicy(timeout_s=0.3), resolver=slow)
    try:
        assert refused(guard, "https://public.test/").reason == "timeout"
    finally:
        release.set()


def test_unknown_and_unreachable_sites() -> None:
    guard = local_guard(allow_hosts=[])
    blocked = refused(guard, "http://nowhere.test/")
    assert blocked.reason == "unknown_host" and "introuvable" in blocked.message("fr")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    blocked = refused(guard, f"http://allowed.test:{port}/")
    assert blocked.reason == "unreachable" and "connexion impossible" in blocked.message("fr")


def test_environment_proxies_are_ignored(
    sites: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = sites({"/": (200, {}, b"proxied")})
    site = sites({"/page": (200, {}, b"direct")})
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert local_guard().request("GET", site.url("/page")).content == b"direct"
    assert proxy.hits == []


def test_unknown_methods_are_refused() -> None:
    assert refused(local_guard(), "http://allowed.test/", method="CONNECT").reason == "bad_method"


# --- https: the certificate is checked against the name, the connection goes to the address ----


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test authority and a certificate for allowed.test signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Atelier test CA"))
        .issuer_name(name("Atelier test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("allowed.test"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("allowed.test")]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(leaf.public_bytes(pem))
    paths[2].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def test_https_verifies_the_name_while_connecting_to_the_address(
    sites: Callable[..., Site], tmp_path: Path
) -> None:
    ca, leaf, key = _certificates(tmp_path)
    server_names: list[str | None] = []
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(leaf, key)
    server.sni_callback = lambda sock, name, ctx: server_names.append(name)
    site = sites({"/": (200, {}, b"secure")}, tls=server)
    client = ssl.create_default_context(cafile=str(ca))
    policy = EgressPolicy(allow_loopback=True, allow_hosts=["allowed.test", "sub.allowed.test"])
    guard = EgressGuard(policy, resolver=resolver(NAMES), ssl_context=client)
    response = guard.request("GET", site.url("/", scheme="https"))
    assert response.content == b"secure"
    assert server_names == ["allowed.test"]
    assert site.hits[0].headers["host"] == f"allowed.test:{site.port}"
    blocked = refused(guard, site.url("/", host="sub.allowed.test", scheme="https"))
    assert blocked.reason == "tls"
    assert "certificat n'est pas valide pour sub.allowed.test" in blocked.message("fr")
    assert len(site.hits) == 1


# --- messages -----------------------------------------------------------------------------------


def test_every_egress_message_exists_in_both_languages() -> None:
    root = Path(__file__).resolve().parents[1] / "tools"
    used: set[str] = set()
    for path in root.rglob("*.py"):
        used.update(re.findall(r'EgressBlocked\(\s*"([a-z_.]+)"', path.read_text("utf-8")))
    assert len(used) >= 12
    for lang in ("fr", "en"):
        assert used <= set(catalogue(lang)), sorted(used - set(catalogue(lang)))


def test_no_log_line_carries_a_query_or_a_credential(
    sites: Callable[..., Site], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    site = sites({"/api": (200, {}, b"{}")})
    guard = local_guard()
    response = guard.request(
        "GET", site.url("/api"), params={"apikey": "s3cr3t"}, headers={"Authorization": "s3cr3t"}
    )
    assert response.status == 200 and "apikey=s3cr3t" in site.hits[0].path
    refused(guard, "http://10.0.0.1/?apikey=s3cr3t")
    assert caplog.records, "the guard's client logs at DEBUG: the check must see them"
    assert "s3cr3t" not in caplog.text
