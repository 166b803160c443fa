"""The builder's import of a spec file, in a person's words: the loader's problems (a field
path and a sentence each, as the CLI prints them) with the path said in words, "Outil n°4,
réglage « document »" rather than ``tools[3].config.document``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from agents.errors import InvalidSpec
from builder_ui.web.models.editor import FIELD_LABELS

Label = Callable[..., str]  # ``label(key, **params)``: a message of the interface

_TOOL = re.compile(r"^tools\[(\d+)\](?:\.(.*))?$")
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_TOOL_FIELDS = {"id": "ui.agents.place.tool_id", "approval": "ui.agents.place.tool_approval"}


@dataclass(frozen=True)
class FileProblem:
    where: str  # in words
    message: str  # the loader's sentence, as the CLI shows it


def file_problems(exc: InvalidSpec, label: Label) -> list[FileProblem]:
    return [FileProblem(place_in_words(path, label), message) for path, message in exc.problems]


def place_in_words(path: str, label: Label) -> str:
    """A field path of a spec, said in words."""
    if not path:
        return label("ui.agents.place.document")
    tool = _TOOL.match(path)
    if tool:
        where = label("ui.agents.place.tool", number=int(tool.group(1)) + 1)
        rest = tool.group(2) or ""
        if rest.startswith("config."):
            setting = rest.removeprefix("config.").split(".")[0].split("[")[0]
            return f"{where}, {label('ui.agents.place.setting', name=setting)}"
        if rest in _TOOL_FIELDS:
            return f"{where}, {label(_TOOL_FIELDS[rest])}"
        return f"{where}, {_parts(rest, label)}" if rest else where
    for prefix, key in FIELD_LABELS.items():
        if path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "["):
            rest = path.removeprefix(prefix).lstrip(".")
            return f"{label(key)}, {_parts(rest, label)}" if rest else label(key)
    return _parts(path, label)


def _parts(path: str, label: Label) -> str:
    words = []
    for name, index in _PART.findall(path):
        if index:
            words.append(label("ui.agents.place.item", number=int(index) + 1))
        else:
            words.append(label("ui.agents.place.field", name=name))
    return ", ".join(words)
