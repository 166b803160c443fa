"""What the people and teams page keeps in the session: the outcome of the last action (a
success or the workspace's refusal) and where on the page it belongs, the one-time link just
made (shown once, then gone: it opens an account), and the deactivation awaiting confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from builder_ui.web.state.keys import PEOPLE_CONFIRM, PEOPLE_LINK, PEOPLE_OUTCOME
from builder_ui.web.state.session import Slot, optional

__all__ = [
    "Outcome",
    "ShownLink",
    "ask_disable",
    "disable_asked",
    "forget_disable",
    "set_outcome",
    "show_link",
    "take_link",
    "take_outcome",
]

Place = Literal["add", "account", "team", "members"]


@dataclass(frozen=True)
class Outcome:
    place: Place
    kind: Literal["success", "error"]
    message: str  # Markdown, with what people typed already made inert


@dataclass(frozen=True)
class ShownLink:
    """A one-time link as the administrator reads it: for whom, what for, where, until when."""

    place: Place
    login: str
    purpose: str  # invitation | reset
    url: str
    until: str  # the expiry, written in the session's language


_OUTCOME: Slot[Outcome | None] = optional(PEOPLE_OUTCOME)
_LINK: Slot[ShownLink | None] = optional(PEOPLE_LINK)
_CONFIRM: Slot[str | None] = optional(PEOPLE_CONFIRM)

set_outcome, show_link = _OUTCOME.set, _LINK.set
disable_asked, ask_disable, forget_disable = _CONFIRM.get, _CONFIRM.set, _CONFIRM.forget


def take_outcome(place: Place) -> Outcome | None:
    """The outcome of the last action if it belongs at ``place``; shown once."""
    found = _OUTCOME.get()
    if found is None or found.place != place:
        return None
    _OUTCOME.forget()
    return found


def take_link(place: Place) -> ShownLink | None:
    """The link just made, if it belongs at ``place``; shown once, then forgotten."""
    found = _LINK.get()
    if found is None or found.place != place:
        return None
    _LINK.forget()
    return found
