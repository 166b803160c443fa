"""Plug-ins arrive through one loader (``agents.plugins``), from real entry points: each test
puts a small installed distribution (a ``.dist-info`` folder with ``entry_points.txt``) on
``sys.path``, as pip would, and checks what the registries find. Tests run with plug-ins off
(``ATELIER_PLUGINS=off`` in ``conftest.py``): these turn them on."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents import plugins
from agents.models.registry import default_registry as default_providers
from store.knowledge.parsing import new_registry as new_parsers
from tools.registry import default_registry as default_tools

PLUGIN = """
from agents.models.registry import Provider

SEEN = []


def providers(registry):
    registry.register(Provider(id="demo", label="Démo", factory=lambda s, e: None))
    SEEN.append("providers")


def tools(registry):
    SEEN.append(("tools", type(registry).__name__))


def parsers(registry):
    SEEN.append(("parsers", type(registry).__name__))


def broken(registry):
    raise RuntimeError("this plug-in is broken")
"""

ENTRY_POINTS = """\
[atelier.providers]
demo = atelier_demo_plugin:providers

[atelier.tools]
demo = atelier_demo_plugin:tools
broken = atelier_demo_plugin:broken

[atelier.parsers]
demo = atelier_demo_plugin:parsers
missing = atelier_demo_plugin:absent
"""


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """A distribution ``atelier-demo-plugin`` installed in a folder on ``sys.path``; the calls
    its entry points received."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "atelier_demo_plugin.py").write_text(PLUGIN, "utf-8")
    info = site / "atelier_demo_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: atelier-demo-plugin\nVersion: 1.0\n", "utf-8"
    )
    (info / "entry_points.txt").write_text(ENTRY_POINTS, "utf-8")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    monkeypatch.delenv("ATELIER_PLUGINS")
    module = importlib.import_module("atelier_demo_plugin")
    yield module.SEEN
    sys.modules.pop("atelier_demo_plugin", None)


def test_the_tests_run_with_plugins_off() -> None:
    assert plugins.plugins_enabled() is False
    for group in plugins.GROUPS:
        assert plugins.plugin_entry_points(group) == []


def test_the_loader_finds_installed_entry_points(installed: list[object]) -> None:
    assert [ep.name for ep in plugins.plugin_entry_points(plugins.TOOLS)] == ["broken", "demo"]
    assert [ep.value for ep in plugins.plugin_entry_points(plugins.PROVIDERS)] == [
        "atelier_demo_plugin:providers"
    ]


def test_every_registry_loads_its_plugins_through_the_loader(
    installed: list[object], caplog: pytest.LogCaptureFixture
) -> None:
    providers = default_providers()
    assert "demo" in [p.id for p in providers.all()]
    default_tools()
    new_parsers()
    assert installed == ["providers", ("tools", "ToolRegistry"), ("parsers", "ParserRegistry")]
    # a broken plug-in, or one whose code is missing, is logged and skipped
    failed = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("broken (atelier.tools)" in m for m in failed)
    assert any("missing (atelier.parsers)" in m for m in failed)


@pytest.mark.parametrize("value", ["off", "0", "False", " NO "])
def test_plugins_can_be_switched_off(
    installed: list[object], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ATELIER_PLUGINS", value)
    assert plugins.load_plugins(plugins.PROVIDERS, default_providers()) == []
    assert "demo" not in [p.id for p in default_providers().all()]
    assert installed == []


def test_load_plugins_says_which_loaded(installed: list[object]) -> None:
    recorded: list[object] = []
    assert plugins.load_plugins(plugins.PARSERS, recorded) == ["demo"]
    assert installed == [("parsers", "list")]
