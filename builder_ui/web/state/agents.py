"""What the home page and the editor keep about agents as wholes: an opening that waits for the
person to keep or discard unsaved changes, the deletion that waits for confirmation, the import
under way and the messages shown once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from builder_ui.web.state.keys import (
    HOME_DELETE,
    HOME_FLASH,
    HOME_IMPORT_NONCE,
    HOME_IMPORT_PROBLEMS,
    OPEN_REQUEST,
)
from builder_ui.web.state.session import Counter, Notices, Slot, optional

__all__ = [
    "OpenRequest",
    "agent_notice",
    "ask_delete",
    "ask_open",
    "delete_asked",
    "forget_delete",
    "forget_open",
    "import_nonce",
    "import_problems",
    "open_asked",
    "renew_import",
    "set_import_problems",
    "take_agent_notices",
]


@dataclass(frozen=True)
class OpenRequest:
    """Something to open in the editor in place of a draft with unsaved changes."""

    kind: Literal["agent", "template", "new", "version"]
    ref: str = ""  # the agent id, the template id, the version number
    name: str = ""  # what the person sees it as


_OPEN: Slot[OpenRequest | None] = optional(OPEN_REQUEST)
_DELETE: Slot[str | None] = optional(HOME_DELETE)
_FLASH = Notices(HOME_FLASH)
_IMPORT = Counter(HOME_IMPORT_NONCE)
_IMPORT_PROBLEMS: Slot[tuple[str, list[Any]] | None] = optional(HOME_IMPORT_PROBLEMS)

open_asked, ask_open, forget_open = _OPEN.get, _OPEN.set, _OPEN.forget
delete_asked, ask_delete, forget_delete = _DELETE.get, _DELETE.set, _DELETE.forget
agent_notice, take_agent_notices = _FLASH.add, _FLASH.take
import_nonce, renew_import = _IMPORT.get, _IMPORT.renew
import_problems, set_import_problems = _IMPORT_PROBLEMS.get, _IMPORT_PROBLEMS.set
