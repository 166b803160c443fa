"""The templates the catalogue ships: ready-made agents a creator copies in one click.

Templates are package data (``agents/templates/*.yaml``), read through ``importlib.resources`` so
that they are found in an installed wheel as well as in a checkout. A template's id is its file
name without ``.yaml``. Only known ids are opened: an id is never joined into a path.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from agents.errors import NotFound
from agents.spec import AgentSpec

TEMPLATES_PACKAGE = "agents"
TEMPLATES_FOLDER = "templates"
_SUFFIX = ".yaml"


def _template_files() -> dict[str, Traversable]:
    """Template id -> its file, sorted by id."""
    folder = resources.files(TEMPLATES_PACKAGE).joinpath(TEMPLATES_FOLDER)
    files = {
        entry.name.removesuffix(_SUFFIX): entry
        for entry in folder.iterdir()
        if entry.name.endswith(_SUFFIX) and entry.is_file()
    }
    return dict(sorted(files.items()))


def _read(template_id: str, entry: Traversable) -> AgentSpec:
    source = f"{TEMPLATES_FOLDER}/{template_id}{_SUFFIX}"
    return AgentSpec.from_yaml(entry.read_text("utf-8"), source)


def template_ids() -> list[str]:
    """The ids of every shipped template, sorted."""
    return list(_template_files())


def list_templates() -> list[tuple[str, AgentSpec]]:
    """Every shipped template as (id, spec), sorted by id. Each call returns fresh specs."""
    return [
        (template_id, _read(template_id, entry)) for template_id, entry in _template_files().items()
    ]


def load_template(template_id: str) -> AgentSpec:
    """The template ``template_id`` (a file stem such as ``internal-faq``), or ``NotFound``."""
    files = _template_files()
    entry = files.get(template_id)
    if entry is None:
        raise NotFound("template.not_found", ref=template_id, known=", ".join(files))
    return _read(template_id, entry)
