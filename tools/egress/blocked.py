"""The refusal the guard raises: the URL (bounded, as a message shows it) and the reason."""

from __future__ import annotations

from typing import Any

from agents.errors import UserError


class EgressBlocked(UserError):
    """A request the guard refused or could not complete; the message names the URL and why.
    ``reason`` is the last part of the key (``internal_address``, ``timeout``...)."""

    def __init__(self, key: str, *, url: str, **params: Any) -> None:
        super().__init__(key, url=_shown(url), **params)
        self.url = url

    @property
    def reason(self) -> str:
        return self.key.rsplit(".", 1)[-1]


def _shown(url: str) -> str:
    """A URL as printed in a message: bounded, since a model may pack a conversation into it."""
    return url if len(url) <= 200 else url[:197] + "..."
