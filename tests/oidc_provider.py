"""A real OpenID Connect provider on loopback for the single sign-on tests: ``oidc-provider-mock``
(a Flask app under uvicorn, made for tests) started as its own process on a free port.

It requires clients to register (``--require-registration``), so a test registers Atelier's
redirect address and gets a client id and secret the way an administrator would from
Keycloak or ProConnect; a wrong secret is then refused at the token exchange. People's claims
(e-mail, name, groups) are set with ``set_user`` before they sign in; the provider's page asks
only for the subject. Waits are on the discovery document answering, never on a sleep.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from processes import stop

STARTUP_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class OidcProvider:
    base_url: str

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.metadata_url, timeout=5) as response:
            return dict(json.loads(response.read()))

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        """A new client allowed to come back to ``redirect_uri``: (client id, client secret)."""
        body = json.dumps({"redirect_uris": [redirect_uri]}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/oauth2/clients",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            answer = json.loads(response.read())
        return str(answer["client_id"]), str(answer["client_secret"])

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        """The claims the provider will vouch for when ``sub`` signs in."""
        request = urllib.request.Request(
            f"{self.base_url}/users/{sub}",
            data=json.dumps(claims).encode(),
            headers={"Content-Type": "application/json"},
            method="PUT",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 204, response.status


def _wait_for_discovery(provider: OidcProvider, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"oidc-provider-mock exited with code {process.returncode}")
        try:
            if provider.metadata().get("issuer") == provider.base_url:
                return
        except OSError:
            time.sleep(0.1)  # polling interval while it starts, not a wait for an outcome
    raise AssertionError(f"oidc-provider-mock did not answer within {STARTUP_TIMEOUT_S} s")


@contextmanager
def running_provider(log_path: Path) -> Iterator[OidcProvider]:
    """The provider, running until the block ends; its log in ``log_path``."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "oidc_provider_mock",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--require-registration",
        "--require-nonce",
    ]
    env = {**os.environ, "NO_COLOR": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        provider = OidcProvider(f"http://127.0.0.1:{port}")
        try:
            _wait_for_discovery(provider, process)
            yield provider
        finally:
            stop(process)
