"""Two exception families: what a person did wrong, and what went wrong inside.

``UserError`` and its children carry a message key and parameters, rendered in the reader's
language; they map to CLI exit codes (2 bad input, 3 not found). ``InternalError`` is ours to fix;
its details belong in the log, not in front of the user.
"""

from __future__ import annotations

from typing import Any

from agents.i18n import t


class AtelierError(Exception):
    """Base of every error Atelier raises on purpose."""

    exit_code = 1

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.message()


class UserError(AtelierError):
    """The input was wrong; the message says what and how to fix it."""

    exit_code = 2


class InvalidSpec(UserError):
    """An agent spec failed validation; ``problems`` lists (field path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]], source: str = "") -> None:
        self.problems = problems
        root = t("spec.root")
        lines = "\n".join(f"  {path or root}: {msg}" for path, msg in problems)
        super().__init__("spec.invalid", source=source or "spec", count=len(problems), lines=lines)


class InvalidValue(UserError, ValueError):
    """A ``UserError`` raised inside a pydantic validator: pydantic wraps only ``ValueError``,
    and ``agents.spec.plain_message`` renders it in the reader's language."""


class NotFound(UserError):
    """Something named does not exist (or is not visible to this person)."""

    exit_code = 3


class Refused(UserError):
    """The person is known but may not do this (a role that lacks the right, a disabled
    account). Someone else's private thing is ``NotFound`` instead: refusing would reveal it."""


class MissingCredentials(UserError):
    """A model provider needs a key that is not set."""


class ModelUnavailable(AtelierError):
    """The model kept failing after bounded retries (rate limit, server error, timeout)."""


class InternalError(AtelierError):
    """A bug or an environment failure; details go to the log."""
