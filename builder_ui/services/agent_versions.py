"""Comparing two versions of an agent and restoring an old one, as every interface does it.

A restore never rewrites history: the old version's spec is saved again as a new version, with
a message that says so ("Restauration de la version 3"). Restoring a version equal to the latest
writes nothing (the catalogue decides it inside its write transaction) and says so.

``AgentVersionServices`` is a part of ``Services`` (through ``AgentServices``): the CLI's
``atelier agent diff`` / ``restore`` and the editor's "Versions" section call these methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.errors import AtelierError
from agents.i18n import t
from agents.spec import AgentSpec
from agents.spec_diff import FieldChange, diff_specs
from store.records import AgentRecord, VersionRecord

if TYPE_CHECKING:
    from store.workspace import Workspace
    from tools.registry import ToolRegistry


@dataclass(frozen=True)
class Comparison:
    """Two versions of one agent and the fields that differ from the first to the second."""

    agent: AgentRecord
    first: VersionRecord
    second: VersionRecord
    changes: list[FieldChange]

    @property
    def same(self) -> bool:
        return not self.changes


@dataclass(frozen=True)
class Restored:
    """What a restore did: ``record`` is the new version, or the latest one when ``changed``
    is False (the restored version was equal to it, nothing was written)."""

    restored: int  # the number of the version restored
    record: VersionRecord
    changed: bool

    def summary(self, lang: str | None = None) -> str:
        key = "versions.restored" if self.changed else "versions.restore_unchanged"
        return t(key, lang, number=self.restored, new=self.record.number)


class AgentVersionServices:
    """Mixed into ``AgentServices``, which provides these attributes and methods."""

    workspace: Workspace
    tools: ToolRegistry

    if TYPE_CHECKING:

        def find_agent(self, ref: str) -> AgentRecord: ...

        def check(self, spec: AgentSpec, source: str = "") -> AgentSpec: ...

    def compare_versions(
        self, ref: str, first: int, second: int, lang: str | None = None
    ) -> Comparison:
        """Version ``first`` against version ``second`` of the agent ``ref``, field by field,
        in ``lang``. An unknown version is ``NotFound``, naming it."""
        agent = self.find_agent(ref)
        old = self.workspace.get_version(agent.id, first)
        new = self.workspace.get_version(agent.id, second)
        changes = diff_specs(old.spec, new.spec, lang, self._tool_title, self._base_names())
        return Comparison(agent, old, new, changes)

    def restore_version(self, ref: str, number: int, lang: str | None = None) -> Restored:
        """Version ``number`` saved again as a new version (checked as any save is), unless it
        equals the latest version."""
        agent = self.find_agent(ref)
        old = self.workspace.get_version(agent.id, number)
        spec = self.check(old.spec, t("versions.source", lang, number=number))
        message = t("versions.restore_message", lang, number=number)
        record, changed = self.workspace.save_agent_if_changed(agent.id, spec, message)
        return Restored(number, record, changed)

    def _tool_title(self, tool_id: str) -> str:
        return self.tools.get(tool_id).title if tool_id in self.tools else tool_id

    def _base_names(self) -> Callable[[str], str]:
        """A knowledge base's name for its id, looked up the first time one is asked for (a
        comparison without a change of bases never opens the knowledge store)."""
        names: dict[str, str] | None = None

        def name(ref: str) -> str:
            nonlocal names
            if names is None:
                try:
                    names = {kb.id: kb.name for kb in self.workspace.list_kbs()}
                except AtelierError:
                    names = {}
            return names.get(ref, ref)

        return name
