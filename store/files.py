"""Files that agents make for a person (a job ad as a Word document), kept under the data
directory until they are deleted.

``data_dir()/files/<principal's folder>/<file id>/`` holds the file under its sanitised name and
``.meta.json`` (its name, type, size and date). The id is random and is the only handle an
interface gets; every read goes through one principal's ``PersonalFiles``, so an id alone never
reaches someone else's file: another person's file is reported exactly like a missing one.

Files are plain files, written to a temporary name and then renamed, so several processes may
share the directory. Nothing in a file is ever executed or interpreted here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from agents.errors import NotFound, UserError
from store.config import data_dir
from store.database import stamp, utc_now

log = logging.getLogger(__name__)

FILES_DIR = "files"
META_FILE = ".meta.json"  # a stored name never starts with a dot
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILENAME_CHARS = 120
DEFAULT_FILENAME = "document"
_ID = re.compile(r"^[0-9a-f]{24}$")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
_SPACES = re.compile(r"\s+")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


@dataclass(frozen=True)
class StoredFile:
    """What may be shown of a file: never where it sits on disk."""

    file_id: str
    filename: str
    size: int
    media_type: str
    created_at: datetime

    def to_data(self) -> dict[str, Any]:
        """What a tool returns to the model and the interface: id, name, size, type."""
        return {
            "file_id": self.file_id,
            "filename": self.filename,
            "size": self.size,
            "media_type": self.media_type,
        }


def safe_filename(name: str, default: str = DEFAULT_FILENAME) -> str:
    """A name that is only a name: no folder, no ``..``, no control or reserved character,
    short enough for every file system, its extension kept."""
    text = unicodedata.normalize("NFC", str(name)).replace("\\", "/").split("/")[-1]
    text = _UNSAFE.sub(" ", text)
    text = _SPACES.sub(" ", text).strip().strip(".").strip()
    if not text or _WINDOWS_RESERVED.match(text):
        text = f"{default}{'.' + text if text else ''}".rstrip(".")
    stem, dot, suffix = text.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        stem, suffix = text, ""
    room = MAX_FILENAME_CHARS - (len(suffix) + 1 if suffix else 0)
    stem = stem[:room].rstrip(" .") or default
    return f"{stem}.{suffix}" if suffix else stem


def principal_folder(principal: str) -> str:
    """A folder name for a principal: readable, and unique (the digest) whatever it contains."""
    ascii_name = unicodedata.normalize("NFKD", principal).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40]
    digest = hashlib.sha256(principal.encode("utf-8")).hexdigest()[:16]
    return f"{slug or 'p'}-{digest}"


class FileStore:
    """Every person's files under ``root`` (default ``data_dir()/files``); ``owner`` is a
    principal. The interfaces use ``for_principal``, never the unscoped methods."""

    def __init__(self, root: Path | None = None, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.root = root if root is not None else data_dir() / FILES_DIR
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def for_principal(self, principal: str) -> PersonalFiles:
        return PersonalFiles(self, principal)

    # --- unscoped: the owner is given -------------------------------------------------------

    def save(self, owner: str, filename: str, data: bytes, media_type: str) -> StoredFile:
        if not owner.strip():
            raise ValueError("a file needs an owner")
        if not isinstance(data, bytes | bytearray):
            raise TypeError("file data must be bytes")
        if len(data) > self.max_bytes:
            raise UserError(
                "files.too_large",
                size=_megabytes(len(data)),
                limit=_megabytes(self.max_bytes),
            )
        media = media_type.strip().lower()
        if not _MEDIA_TYPE.match(media):
            media = "application/octet-stream"
        name = safe_filename(filename)
        file_id = secrets.token_hex(12)
        folder = self._folder(owner, file_id)
        folder.mkdir(mode=0o700, parents=True, exist_ok=False)
        info = StoredFile(file_id, name, len(data), media, utc_now())
        write_atomic(folder / name, bytes(data))
        meta = {**asdict(info), "created_at": stamp(info.created_at)}
        write_atomic(folder / META_FILE, json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        log.info("file %s saved (%d bytes)", file_id, len(data))
        return info

    def get(self, owner: str, file_id: str) -> StoredFile:
        folder = self._existing(owner, file_id)
        try:
            meta = json.loads((folder / META_FILE).read_text("utf-8"))
            info = StoredFile(
                file_id=file_id,
                filename=safe_filename(str(meta["filename"])),
                size=int(meta["size"]),
                media_type=str(meta["media_type"]),
                created_at=datetime.fromisoformat(str(meta["created_at"])),
            )
        except (OSError, ValueError, KeyError, TypeError):
            raise _not_found(file_id) from None
        if not (folder / info.filename).is_file():
            raise _not_found(file_id)
        return info

    def read(self, owner: str, file_id: str) -> bytes:
        info = self.get(owner, file_id)
        return (self._folder(owner, file_id) / info.filename).read_bytes()

    def list(self, owner: str) -> list[StoredFile]:
        """The owner's files, newest first."""
        base = self.root / principal_folder(owner)
        if not base.is_dir():
            return []
        found = []
        for entry in base.iterdir():
            if not _ID.match(entry.name):
                continue
            try:
                found.append(self.get(owner, entry.name))
            except NotFound:
                continue  # half-written or damaged: not shown
        return sorted(found, key=lambda f: f.created_at, reverse=True)

    def delete(self, owner: str, file_id: str) -> None:
        folder = self._existing(owner, file_id)
        shutil.rmtree(folder)
        log.info("file %s deleted", file_id)

    def expire(self, before: datetime) -> int:
        """Delete every person's files made before ``before`` (the retention sweep,
        ``store.retention``); returns how many went. A damaged file is left alone."""
        gone = 0
        folders = sorted(self.root.iterdir()) if self.root.is_dir() else []
        for folder in (f for f in folders if f.is_dir()):
            for entry in sorted(folder.iterdir()):
                if not _ID.match(entry.name) or not entry.is_dir():
                    continue
                try:
                    meta = json.loads((entry / META_FILE).read_text("utf-8"))
                    made = datetime.fromisoformat(str(meta["created_at"]))
                except (OSError, ValueError, KeyError, TypeError):
                    continue
                if made < before:
                    shutil.rmtree(entry, ignore_errors=True)
                    gone += 1
        if gone:
            log.info("%d file(s) past their retention deleted", gone)
        return gone

    # --- paths -----------------------------------------------------------------------------

    def _folder(self, owner: str, file_id: str) -> Path:
        if not _ID.match(file_id):
            raise _not_found(file_id)
        return self.root / principal_folder(owner) / file_id

    def _existing(self, owner: str, file_id: str) -> Path:
        if not isinstance(file_id, str) or not owner.strip():
            raise _not_found(str(file_id))
        folder = self._folder(owner, file_id)
        if not folder.is_dir():
            raise _not_found(file_id)
        return folder


class PersonalFiles:
    """One principal's files: what the tools of a run (as ``ToolContext.files``) and the
    interfaces receive."""

    def __init__(self, store: FileStore, principal: str) -> None:
        if not principal.strip():
            raise ValueError("personal files need a principal")
        self._store = store
        self.principal = principal

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.principal!r})"

    def save(self, filename: str, data: bytes, media_type: str) -> dict[str, Any]:
        """``tools.registry.FileSink``: keep the file, return its id, name, size and type."""
        return self._store.save(self.principal, filename, data, media_type).to_data()

    def get(self, file_id: str) -> StoredFile:
        return self._store.get(self.principal, file_id)

    def read(self, file_id: str) -> bytes:
        return self._store.read(self.principal, file_id)

    def list(self) -> list[StoredFile]:
        return self._store.list(self.principal)

    def delete(self, file_id: str) -> None:
        self._store.delete(self.principal, file_id)


def personal_files(principal: str) -> PersonalFiles:
    """``principal``'s files in this installation's data directory."""
    return FileStore().for_principal(principal)


def write_atomic(path: Path, data: bytes) -> None:
    """``data`` at ``path``, whole or not at all, readable by its owner only (0600)."""
    temporary = path.with_name(f".{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _not_found(file_id: str) -> NotFound:
    return NotFound("files.not_found", file_id=file_id[:40])


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".0", "")
