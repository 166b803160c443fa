"""Why a document failed, kept as a message reference so that each reader sees it in their
own language: the builder in the language its visitor picked, the CLI in its own.

The ``documents.error`` column holds ``{"key": ..., "params": {...}}`` (a key of the message
catalogues and its parameters, all JSON). Rows written before this was so hold plain text,
which is shown as it is.
"""

from __future__ import annotations

import json
from typing import Any

from agents.errors import AtelierError
from agents.i18n import t


def failure(key: str, **params: Any) -> str:
    """The stored form of the message ``key`` with ``params``."""
    return json.dumps({"key": key, "params": params}, ensure_ascii=False, default=str)


def failure_of(error: AtelierError) -> str:
    return failure(error.key, **error.params)


def failure_text(stored: str, lang: str | None = None) -> str:
    """The stored reason in ``lang`` (the process's language by default)."""
    if not stored.startswith("{"):
        return stored
    try:
        found = json.loads(stored)
        return t(str(found["key"]), lang, **dict(found.get("params") or {}))
    except (ValueError, KeyError, TypeError):
        return stored
