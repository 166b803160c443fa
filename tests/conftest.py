"""Test-wide safety: no test touches the real home, and none reaches the network."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    """Loopback and Unix sockets only: a test that tries to reach a remote model fails loudly."""
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise ConnectionRefusedError(f"tests may not reach the network ({host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ATELIER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATELIER_USER", "alice")
    monkeypatch.setenv("ATELIER_LANG", "fr")
    monkeypatch.setenv("ATELIER_RETRY_BASE_DELAY", "0")
    # what happens to be installed on this machine must not change what a test sees
    monkeypatch.setenv("ATELIER_PLUGINS", "off")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "MISTRAL_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    monkeypatch.delenv("ATELIER_DEFAULT_MODEL", raising=False)
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    from store.config import act_as

    act_as(None)  # an in-process `atelier --as` of an earlier test acts no more


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA}); this test needs the shared data")
    return SHARED_DATA
