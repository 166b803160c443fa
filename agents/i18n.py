"""One message catalogue per language; every sentence a person reads comes from here.

The language is French unless ``ATELIER_LANG`` says otherwise (``en``). Messages are looked up by
key and formatted with named parameters; a missing key falls back to English, then to the key
itself, so a forgotten translation is visible rather than a crash.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def current_language() -> str:
    lang = os.environ.get("ATELIER_LANG", DEFAULT_LANGUAGE).strip().lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All files of ``locales/<lang>/``, merged: one file per area of the product."""
    merged: dict[str, str] = {}
    folder = resources.files("agents").joinpath("locales", lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text("utf-8")) or {}
            merged.update({str(k): str(v) for k, v in data.items()})
    return merged


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """The message ``key`` in ``lang`` (default: the current language), formatted."""
    lang = lang or current_language()
    template = catalogue(lang).get(key) or catalogue("en").get(key) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
