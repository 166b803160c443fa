"""Agents and their versions, as every interface handles them: check, save (a new version only
when something changed), import, export (named after its version), duplicate, delete, and the
unsaved draft kept for a person between sessions.

``AgentServices`` is a part of ``Services``: the CLI's ``atelier agent …`` and the builder call
the same methods, so a save of an identical spec says "no change" in both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.call_journal import forget_thread
from agents.checkpoints import erase_threads
from agents.errors import UserError
from agents.i18n import t
from agents.spec import AgentSpec
from agents.validation import check_spec
from builder_ui.services.agent_versions import AgentVersionServices
from builder_ui.services.tool_context import checking_context
from store.drafts import NEW_AGENT, Draft, DraftStore
from store.records import AgentRecord, VersionRecord

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from agents.models.registry import ProviderRegistry
    from store.workspace import Workspace
    from tools.registry import ToolRegistry

__all__ = [
    "AgentRecord",
    "AgentServices",
    "Erasure",
    "Export",
    "Saved",
    "copy_name",
    "export_file_name",
]

NAME_LIMIT = 80  # ``AgentSpec.name``'s


@dataclass(frozen=True)
class Saved:
    """What a save did: ``changed`` is False when the spec was the latest version's, and then
    ``record`` is that version (nothing was written)."""

    record: VersionRecord
    changed: bool


@dataclass(frozen=True)
class Export:
    """One version of an agent, as a YAML file to hand over."""

    agent: AgentRecord
    version: int
    text: str
    file_name: str


@dataclass(frozen=True)
class Erasure:
    """What deleting an agent erases, said before it is done."""

    agent: AgentRecord
    versions: int
    conversations: int


def export_file_name(name: str, version: int | None = None) -> str:
    """``Calculette``, 3 -> ``calculette-v3.yaml``: the file says which version it holds."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    suffix = f"-v{version}" if version is not None else ""
    return f"{slug or 'agent'}{suffix}.yaml"


def copy_name(name: str, lang: str | None = None) -> str:
    """``Copie de Calculette``, cut to the length a name may have."""
    text = t("agents.copy_name", lang, name=name.strip())
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1].rstrip() + "…"


def spec_text(data: bytes, source: str) -> str:
    """An uploaded file's text; a file that is not UTF-8 is refused as the CLI refuses it."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError("file.not_utf8", path=source) from None


class AgentServices(AgentVersionServices):
    """The agent part of ``Services`` (a dataclass that provides these attributes); comparing
    and restoring versions is ``AgentVersionServices``'."""

    workspace: Workspace
    tools: ToolRegistry
    providers: ProviderRegistry
    checkpointer: BaseCheckpointSaver[Any]

    # --- specs ------------------------------------------------------------------------------

    def check(self, spec: AgentSpec, source: str = "") -> AgentSpec:
        """Shape is checked by the spec; tools, their configs, the provider and what the spec
        needs of the installation (a registered MCP server, from the admin settings) here."""
        installation = checking_context()
        return check_spec(spec, self.tools, self.providers, source, installation=installation)

    def parse_spec(self, text: str, source: str = "") -> AgentSpec:
        return self.check(AgentSpec.from_yaml(text, source), source)

    def load_spec_file(self, path: str | Path) -> AgentSpec:
        return self.check(AgentSpec.load(path), str(path))

    def read_spec(self, data: bytes, source: str) -> AgentSpec:
        """An uploaded spec file (the builder's import): the CLI's loader and messages."""
        return self.parse_spec(spec_text(data, source), source)

    # --- agents and versions ----------------------------------------------------------------

    def create_agent(self, spec: AgentSpec, message: str = "") -> VersionRecord:
        return self.workspace.create_agent(self.check(spec), message)

    def save_agent(self, agent_id: str | None, spec: AgentSpec, message: str = "") -> Saved:
        """A new agent when ``agent_id`` is None, else a new version of it, unless the spec is
        the latest version's: then nothing is written and that version is returned."""
        spec = self.check(spec)
        if agent_id is None:
            return Saved(self.workspace.create_agent(spec, message), changed=True)
        record, changed = self.workspace.save_agent_if_changed(agent_id, spec, message)
        return Saved(record, changed)

    def find_agent(self, ref: str) -> AgentRecord:
        return self.workspace.resolve_agent(ref)

    def list_agents(self) -> list[AgentRecord]:
        return self.workspace.list_agents()

    def versions(self, ref: str) -> list[VersionRecord]:
        return self.workspace.list_versions(self.find_agent(ref).id)

    def version(self, ref: str, number: int | None = None) -> VersionRecord:
        return self.workspace.get_version(self.find_agent(ref).id, number)

    def export_agent(self, ref: str, number: int | None = None) -> Export:
        """A version (the latest unless ``number``) as YAML, with the file name it goes by."""
        agent = self.find_agent(ref)
        record = self.workspace.get_version(agent.id, number)
        name = export_file_name(record.spec.name, record.number)
        return Export(agent, record.number, record.spec.to_yaml(), name)

    def duplicate_agent(self, ref: str, lang: str | None = None) -> VersionRecord:
        """A new agent, ``Copie de NAME``, from the latest version of ``ref``."""
        agent = self.find_agent(ref)
        record = self.workspace.get_version(agent.id)
        message = t("agents.copied_from", lang, name=agent.name, version=record.number)
        name = copy_name(record.spec.name, lang)
        # a fork: its lineage is kept, and bases the person does not reach are left out
        return self.workspace.catalogue.fork(agent.id, name, message).version

    def deletion(self, ref: str) -> Erasure:
        """What ``delete_agent(ref)`` would erase."""
        agent = self.find_agent(ref)
        versions = len(self.workspace.list_versions(agent.id))
        return Erasure(agent, versions, len(self.workspace.list_threads(agent.id)))

    def delete_agent(self, ref: str) -> None:
        """The agent, its versions, its conversations (messages included) and its draft."""
        agent = self.find_agent(ref)
        self.workspace.delete_agent(agent.id, erase=self._erase_conversations)
        self.drafts().delete(agent.id)

    def _erase_conversations(self, thread_ids: list[str]) -> None:
        """Conversations and previews, out of every file (messages, journal, write-ahead log)."""
        erase_threads(self.checkpointer, thread_ids)
        for thread_id in thread_ids:
            forget_thread(self.checkpointer, thread_id)

    # --- unsaved drafts ---------------------------------------------------------------------

    def drafts(self) -> DraftStore:
        self.workspace.me()  # a disabled account keeps and reads no draft
        return DraftStore(self.workspace.principal)

    def keep_draft(self, agent_id: str | None, version: int | None, data: dict[str, Any]) -> None:
        """The editor's unsaved edits of ``agent_id`` (None: a new agent), kept until saved or
        discarded."""
        self.drafts().put(agent_id or NEW_AGENT, version, data)

    def draft(self, agent_id: str | None) -> Draft | None:
        return self.drafts().get(agent_id or NEW_AGENT)

    def forget_draft(self, agent_id: str | None) -> None:
        self.drafts().delete(agent_id or NEW_AGENT)
