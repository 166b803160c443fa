"""The one way Atelier loads plug-ins: installed packages that declare an entry point in one of
our groups. Model providers (``atelier.providers``), tools (``atelier.tools``) and document
parsers (``atelier.parsers``) each build a registry of their built-ins, then call
``load_plugins(GROUP, registry)``: every entry point of the group is a callable that takes the
registry and registers into it, through the same ``register`` call the built-ins use.

A plug-in that fails to load is logged and skipped: one broken package must not take the
others, or Atelier, down with it. ``ATELIER_PLUGINS=off`` (the tests set it) loads none, so
that what happens to be installed on a machine cannot change what a test sees.

A leaf module (the standard library only), so that ``tools`` and ``store`` may use it without
depending on anything else of ours.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import TypeVar

log = logging.getLogger(__name__)

PROVIDERS = "atelier.providers"
TOOLS = "atelier.tools"
PARSERS = "atelier.parsers"
GROUPS = (PROVIDERS, TOOLS, PARSERS)
SWITCH = "ATELIER_PLUGINS"
_OFF = ("off", "0", "false", "no", "none")

R = TypeVar("R")


def plugins_enabled() -> bool:
    """False when ``ATELIER_PLUGINS`` is ``off`` (or 0, false, no, none)."""
    return os.environ.get(SWITCH, "").strip().lower() not in _OFF


def plugin_entry_points(group: str) -> list[EntryPoint]:
    """The entry points installed in ``group``, by name (none when plug-ins are off)."""
    if not plugins_enabled():
        return []
    return sorted(entry_points(group=group), key=lambda ep: ep.name)


def load_plugins(group: str, registry: R) -> list[str]:
    """Let each plug-in of ``group`` register into ``registry``; the names of those that did."""
    loaded: list[str] = []
    for ep in plugin_entry_points(group):
        try:
            register: Callable[[R], object] = ep.load()
            register(registry)
        except Exception:
            log.exception("plug-in %s (%s) could not be loaded", ep.name, group)
            continue
        loaded.append(ep.name)
    return loaded
