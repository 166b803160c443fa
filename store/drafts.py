"""The last unsaved draft of each agent a person edits, kept on disk so that a browser reload (a
new session, whose memory starts empty) does not lose what was typed.

``data_dir()/drafts/<principal's folder>/<key>.json``, one file per agent (its id) and one for
the new agent not yet saved (``new``). A draft is the editor's own data, opaque here: a JSON
object written atomically, readable by its owner only. Saving the agent or discarding the edits
removes it; deleting the agent removes it too.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from store.config import data_dir
from store.database import stamp, utc_now
from store.files import principal_folder, write_atomic

DRAFTS_DIR = "drafts"
NEW_AGENT = "new"  # the key of the draft of an agent not saved yet
MAX_DRAFT_BYTES = 2 * 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


@dataclass(frozen=True)
class Draft:
    key: str  # an agent id, or ``NEW_AGENT``
    version: int | None  # the saved version the edits started from
    data: dict[str, Any]
    saved_at: datetime


class DraftStore:
    """One principal's drafts."""

    def __init__(self, principal: str, root: Path | None = None) -> None:
        if not principal.strip():
            raise ValueError("drafts need a principal")
        base = root if root is not None else data_dir() / DRAFTS_DIR
        self.folder = base / principal_folder(principal)

    def put(self, key: str, version: int | None, data: dict[str, Any]) -> Draft:
        draft = Draft(_checked(key), version, data, utc_now())
        record = {"version": version, "saved_at": stamp(draft.saved_at), "data": data}
        text = json.dumps(record, ensure_ascii=False, default=str).encode("utf-8")
        if len(text) > MAX_DRAFT_BYTES:
            return draft  # not kept: no editor form holds that much
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(self.folder / f"{key}.json", text)
        return draft

    def get(self, key: str) -> Draft | None:
        path = self.folder / f"{_checked(key)}.json"
        try:
            if path.stat().st_size > MAX_DRAFT_BYTES:
                return None
            record = json.loads(path.read_text("utf-8"))
            version = record.get("version")
            return Draft(
                key,
                int(version) if version is not None else None,
                dict(record["data"]),
                datetime.fromisoformat(str(record["saved_at"])),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # unreadable: as good as none, the saved version stays

    def delete(self, key: str) -> None:
        (self.folder / f"{_checked(key)}.json").unlink(missing_ok=True)

    def list(self) -> list[Draft]:
        """Every readable draft of the principal, by key."""
        if not self.folder.is_dir():
            return []
        keys = sorted(p.stem for p in self.folder.glob("*.json") if _KEY.match(p.stem))
        return [d for d in map(self.get, keys) if d is not None]

    def delete_all(self) -> None:
        """The principal's drafts folder, with whatever it holds (a person's erasure)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _checked(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a draft key: {key!r}")
    return key
