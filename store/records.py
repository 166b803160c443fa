"""What the catalogue stores, as plain immutable records, and the interface every backend meets.

The contract test suite (``tests/test_catalogue_contract.py``) runs against every backend that
implements ``Catalogue``; a new backend (PostgreSQL, say) is done when that suite passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from agents.outcomes import Outcome
from agents.spec import AgentSpec
from store.accounts import Accounts
from store.audit import AuditLog
from store.catalogue_cache import CatalogueCacheSource
from store.catalogue_index import CatalogueIndex
from store.reply_draft_records import ReplyDrafting
from store.retention_records import ExpiringThreads
from store.review_records import Reviewing
from store.sharing import Sharing
from store.usage_records import UsageLedger


@dataclass(frozen=True)
class AgentRecord:
    id: str
    name: str
    owner: str
    created_at: datetime
    updated_at: datetime
    latest_version: int
    description: str = ""
    icon: str = ""
    published_version: int = 0  # what people who use it get; 0: not published yet
    deprecated: bool = False  # still usable, with a notice; out of the catalogue's search


@dataclass(frozen=True)
class VersionRecord:
    """One immutable saved version of an agent."""

    agent_id: str
    number: int
    author: str
    message: str
    created_at: datetime
    spec: AgentSpec


@dataclass(frozen=True)
class ThreadRecord:
    """A conversation with an agent; its messages live in the LangGraph checkpointer."""

    id: str
    agent_id: str
    owner: str
    title: str
    created_at: datetime


@dataclass(frozen=True)
class ConversationSummary:
    """One of a person's conversations as their list shows it: with which agent, and when it
    was last used (its last run, or its start). ``last_outcome`` is its last run's
    (``awaiting_approval``: it waits on the person), "" before any run."""

    thread: ThreadRecord
    agent_name: str
    last_activity: datetime
    last_outcome: str = ""


@dataclass(frozen=True)
class RunRecord:
    """One run of an agent: which model, how many tokens, how long, how it ended."""

    id: str
    agent_id: str
    version: int
    thread_id: str
    principal: str
    model: str
    outcome: Outcome  # as the runtime decided it (agents.outcomes)
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    tool_calls: int = 0
    error: str = ""
    created_at: datetime = field(default_factory=lambda: datetime.now().astimezone())
    team: str = ""  # the team id it counts for (``store.usage_records``), "" for none
    cost: float = 0.0  # euros, from the model's prices when it ran


class Catalogue(
    Accounts,
    Sharing,
    AuditLog,
    Reviewing,
    UsageLedger,
    CatalogueIndex,
    CatalogueCacheSource,
    ExpiringThreads,
    ReplyDrafting,
    Protocol,
):
    """People and teams (``store.accounts.Accounts``), grants (``store.sharing.Sharing``), the
    audit log (``store.audit.AuditLog``), publication reviews (``store.review_records``), usage
    and quotas (``store.usage_records``), the catalogue page's facts, lineage and feedback
    (``store.catalogue_index``), the counters and snapshot the catalogue cache reads
    (``store.catalogue_cache``), agents, their versions, threads and runs. Unscoped: only
    ``store.workspace`` holds one."""

    def create_agent(self, spec: AgentSpec, owner: str, message: str = "") -> VersionRecord:
        """A new agent with version 1."""
        ...

    def save_version(
        self, agent_id: str, spec: AgentSpec, author: str, message: str = ""
    ) -> VersionRecord:
        """A new immutable version numbered one past the latest; concurrent saves never share
        a number and none is lost."""
        ...

    def save_version_if_changed(
        self, agent_id: str, spec: AgentSpec, author: str, message: str = ""
    ) -> tuple[VersionRecord, bool]:
        """``save_version``, unless ``spec`` equals the latest version's: then nothing is
        written and that version is returned with False. Decided inside the write
        transaction, so two identical saves at the same moment make one version."""
        ...

    def get_agent(self, agent_id: str) -> AgentRecord:
        """Raises ``agents.errors.NotFound``."""
        ...

    def list_agents(self, owner: str | None = None) -> list[AgentRecord]:
        """Most recently updated first."""
        ...

    def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord:
        """The given version, or the latest; raises ``NotFound``."""
        ...

    def list_versions(self, agent_id: str) -> list[VersionRecord]:
        """Newest first."""
        ...

    def delete_agent(self, agent_id: str) -> None:
        """Removes the agent, its versions, threads, previews and runs, leaving their text in
        no file; raises ``NotFound``. Their messages are the checkpointer's to erase: take
        ``conversation_ids`` first."""
        ...

    def add_preview_thread(self, agent_id: str, thread_id: str, owner: str) -> None:
        """Records that a preview conversation belongs to the agent (once; again is a no-op);
        raises ``NotFound``."""
        ...

    def conversation_ids(self, agent_id: str) -> list[str]:
        """Every conversation of the agent, previews included, whoever holds them, sorted;
        raises ``NotFound``."""
        ...

    def add_thread(self, thread: ThreadRecord) -> None: ...

    def get_thread(self, thread_id: str) -> ThreadRecord:
        """Raises ``NotFound``."""
        ...

    def list_threads(self, agent_id: str, owner: str) -> list[ThreadRecord]:
        """Newest first."""
        ...

    def list_person_threads(self, owner: str, limit: int = 100) -> list[ConversationSummary]:
        """The person's conversations with every agent, most recently active first (ties:
        newest id first), at most ``limit``."""
        ...

    def rename_thread(self, thread_id: str, title: str) -> ThreadRecord:
        """Raises ``NotFound``."""
        ...

    def delete_thread(self, thread_id: str) -> None:
        """Removes the conversation's record, leaving its title in no file; its runs stay (the
        agent's usage), no longer linked to it. Its messages are the checkpointer's to erase.
        Raises ``NotFound``."""
        ...

    def set_conversation_base(self, thread_id: str, kb_id: str) -> str:
        """Records ``kb_id`` as the base of the conversation's attached files, unless it has
        one already; returns the one recorded. Erased with the conversation. Raises
        ``NotFound``."""
        ...

    def conversation_bases(self, thread_ids: Sequence[str]) -> dict[str, str]:
        """The attachment bases of those of the conversations that have one, by thread id."""
        ...

    def record_run(self, run: RunRecord) -> None:
        """The run, and what it spent added to the usage totals, in one transaction."""
        ...

    def list_runs(self, agent_id: str | None = None, limit: int = 100) -> list[RunRecord]:
        """Newest first."""
        ...
