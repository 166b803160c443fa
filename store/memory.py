"""The in-memory catalogue: the reference implementation every other backend must agree with.

It defines the semantics the contract suite checks (ordering, errors, immutability) in the plainest
code, and serves tests and throw-away sessions. Specs are kept as YAML text, exactly as the SQL
backend keeps them, so that a caller who mutates a spec after saving it cannot rewrite history and
a spec that does not survive the round trip fails at save time, not on next load.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from agents.errors import NotFound
from agents.spec import AgentSpec
from store.database import utc_now
from store.memory_accounts import MemoryAccounts
from store.memory_audit import MemoryAudit
from store.memory_catalogue_cache import MemoryCatalogueCache
from store.memory_catalogue_index import MemoryCatalogueIndex
from store.memory_pseudonyms import MemoryPseudonyms
from store.memory_reply_drafts import MemoryReplyDrafts
from store.memory_retention import MemoryRetention
from store.memory_reviews import MemoryReviews
from store.memory_sharing import MemorySharing
from store.memory_usage import MemoryUsage
from store.records import (
    AgentRecord,
    ConversationSummary,
    RunRecord,
    ThreadRecord,
    VersionRecord,
)


def new_agent_id() -> str:
    """Short enough to type in a CLI, random enough never to collide within one catalogue."""
    return "ag-" + secrets.token_hex(5)


def freeze_spec(spec: AgentSpec) -> tuple[str, AgentSpec]:
    """The YAML to store and a private copy of the spec read back from it."""
    text = spec.to_yaml()
    return text, AgentSpec.from_yaml(text, source="catalogue")


def same_spec(a: AgentSpec, b: AgentSpec) -> bool:
    """Equal as stored: a spec and its YAML round trip compare equal. Saving a spec equal to
    the latest version's makes no new version."""
    return a.to_data() == b.to_data()


def agent_not_found(agent_id: str) -> NotFound:
    return NotFound("agent.not_found", ref=agent_id)


def version_not_found(agent_id: str, number: int) -> NotFound:
    return NotFound("version.not_found", ref=agent_id, number=number)


def thread_not_found(thread_id: str) -> NotFound:
    return NotFound("thread.not_found", ref=thread_id)


@dataclass(frozen=True)
class _StoredVersion:
    number: int
    author: str
    message: str
    created_at: datetime
    spec_yaml: str


class MemoryCatalogue(
    MemoryAccounts,
    MemorySharing,
    MemoryAudit,
    MemoryReviews,
    MemoryUsage,
    MemoryCatalogueIndex,
    MemoryCatalogueCache,
    MemoryRetention,
    MemoryReplyDrafts,
    MemoryPseudonyms,
):
    """Thread-safe: one lock around every operation, so a save is as atomic as in SQL."""

    def __init__(self) -> None:
        MemoryAccounts.__init__(self)
        MemorySharing.__init__(self)
        MemoryAudit.__init__(self)
        MemoryReviews.__init__(self)
        MemoryUsage.__init__(self)
        MemoryCatalogueIndex.__init__(self)
        MemoryCatalogueCache.__init__(self)
        MemoryReplyDrafts.__init__(self)
        MemoryPseudonyms.__init__(self)
        self._lock = threading.RLock()
        self._agents: dict[str, AgentRecord] = {}
        self._versions: dict[str, list[_StoredVersion]] = {}
        self._threads: dict[str, ThreadRecord] = {}
        self._runs: dict[str, RunRecord] = {}
        self._previews: dict[str, str] = {}  # preview thread id -> agent id
        self._conversation_bases: dict[str, str] = {}  # thread id -> its attachments' base

    # --- agents and versions ---------------------------------------------------------------

    def create_agent(self, spec: AgentSpec, owner: str, message: str = "") -> VersionRecord:
        spec_yaml, stored = freeze_spec(spec)
        now = utc_now()
        with self._lock:
            agent_id = new_agent_id()
            while agent_id in self._agents:
                agent_id = new_agent_id()
            self._agents[agent_id] = AgentRecord(
                id=agent_id,
                name=stored.name,
                owner=owner,
                created_at=now,
                updated_at=now,
                latest_version=1,
                description=stored.description,
                icon=stored.icon,
            )
            self._versions[agent_id] = [_StoredVersion(1, owner, message, now, spec_yaml)]
            self._moved(agent_id)
        return VersionRecord(agent_id, 1, owner, message, now, stored)

    def save_version(
        self, agent_id: str, spec: AgentSpec, author: str, message: str = ""
    ) -> VersionRecord:
        return self._save_version(agent_id, spec, author, message, if_changed=False)[0]

    def save_version_if_changed(
        self, agent_id: str, spec: AgentSpec, author: str, message: str = ""
    ) -> tuple[VersionRecord, bool]:
        return self._save_version(agent_id, spec, author, message, if_changed=True)

    def _save_version(
        self, agent_id: str, spec: AgentSpec, author: str, message: str, *, if_changed: bool
    ) -> tuple[VersionRecord, bool]:
        spec_yaml, stored = freeze_spec(spec)
        now = utc_now()
        with self._lock:
            agent = self._agent(agent_id)
            if if_changed:
                current = _version(agent_id, self._versions[agent_id][-1])
                if same_spec(current.spec, stored):
                    return current, False
            number = agent.latest_version + 1
            self._versions[agent_id].append(_StoredVersion(number, author, message, now, spec_yaml))
            self._agents[agent_id] = replace(
                agent,
                name=stored.name,
                description=stored.description,
                icon=stored.icon,
                updated_at=now,
                latest_version=number,
            )
            self._moved(agent_id)
        return VersionRecord(agent_id, number, author, message, now, stored), True

    def get_agent(self, agent_id: str) -> AgentRecord:
        with self._lock:
            return self._agent(agent_id)

    def list_agents(self, owner: str | None = None) -> list[AgentRecord]:
        with self._lock:
            found = [a for a in self._agents.values() if owner is None or a.owner == owner]
        return sorted(found, key=lambda a: (a.updated_at, a.id), reverse=True)

    def get_version(self, agent_id: str, number: int | None = None) -> VersionRecord:
        with self._lock:
            agent = self._agent(agent_id)
            wanted = agent.latest_version if number is None else number
            for stored in self._versions[agent_id]:
                if stored.number == wanted:
                    return _version(agent_id, stored)
        raise version_not_found(agent_id, wanted)

    def list_versions(self, agent_id: str) -> list[VersionRecord]:
        with self._lock:
            self._agent(agent_id)
            stored = list(self._versions[agent_id])
        return [_version(agent_id, s) for s in sorted(stored, key=lambda s: -s.number)]

    def delete_agent(self, agent_id: str) -> None:
        with self._lock:
            self._agent(agent_id)
            self.erase_pseudonyms(self.conversation_ids(agent_id))
            del self._agents[agent_id]
            del self._versions[agent_id]
            self._threads = {k: v for k, v in self._threads.items() if v.agent_id != agent_id}
            self._runs = {k: v for k, v in self._runs.items() if v.agent_id != agent_id}
            self._previews = {k: v for k, v in self._previews.items() if v != agent_id}
            self.remove_grants("agent", agent_id)
            self._forget_reviews_of_agent(agent_id)
            self._forget_agent_index(agent_id)
            self._conversation_bases = {
                k: v for k, v in self._conversation_bases.items() if k in self._threads
            }
            self._moved(agent_id, "agents")
            self._moved(agent_id, "feedback")  # its feedback went with it

    def add_preview_thread(self, agent_id: str, thread_id: str, owner: str) -> None:
        with self._lock:
            self._agent(agent_id)
            self._previews.setdefault(thread_id, agent_id)

    def conversation_ids(self, agent_id: str) -> list[str]:
        with self._lock:
            self._agent(agent_id)
            found = {t.id for t in self._threads.values() if t.agent_id == agent_id}
            found |= {k for k, v in self._previews.items() if v == agent_id}
        return sorted(found)

    # --- threads and runs ------------------------------------------------------------------

    def add_thread(self, thread: ThreadRecord) -> None:
        with self._lock:
            self._agent(thread.agent_id)
            self._threads[thread.id] = thread

    def get_thread(self, thread_id: str) -> ThreadRecord:
        with self._lock:
            thread = self._threads.get(thread_id)
        if thread is None:
            raise thread_not_found(thread_id)
        return thread

    def list_threads(self, agent_id: str, owner: str) -> list[ThreadRecord]:
        with self._lock:
            self._agent(agent_id)
            found = [
                t for t in self._threads.values() if t.agent_id == agent_id and t.owner == owner
            ]
        return sorted(found, key=lambda t: (t.created_at, t.id), reverse=True)

    def list_person_threads(self, owner: str, limit: int = 100) -> list[ConversationSummary]:
        with self._lock:
            found = []
            for thread in self._threads.values():
                if thread.owner != owner:
                    continue
                runs = [r for r in self._runs.values() if r.thread_id == thread.id]
                last = max(runs, key=lambda r: (r.created_at, r.id), default=None)
                found.append(
                    ConversationSummary(
                        thread=thread,
                        agent_name=self._agents[thread.agent_id].name,
                        last_activity=last.created_at if last else thread.created_at,
                        last_outcome=last.outcome if last else "",
                    )
                )
        found.sort(key=lambda c: (c.last_activity, c.thread.id), reverse=True)
        return found[: max(limit, 0)]

    def rename_thread(self, thread_id: str, title: str) -> ThreadRecord:
        with self._lock:
            renamed = replace(self.get_thread(thread_id), title=title)
            self._threads[thread_id] = renamed
        return renamed

    def delete_thread(self, thread_id: str) -> None:
        with self._lock:
            self.get_thread(thread_id)
            del self._threads[thread_id]
            self._conversation_bases.pop(thread_id, None)
            self._pseudonyms.pop(thread_id, None)
            self._forget_drafts_of_thread(thread_id)  # what was said goes with it
            for run in [r for r in self._runs.values() if r.thread_id == thread_id]:
                self._runs[run.id] = replace(run, thread_id="")

    def set_conversation_base(self, thread_id: str, kb_id: str) -> str:
        with self._lock:
            self.get_thread(thread_id)
            return self._conversation_bases.setdefault(thread_id, kb_id)

    def conversation_bases(self, thread_ids: Sequence[str]) -> dict[str, str]:
        with self._lock:
            return {
                i: self._conversation_bases[i] for i in thread_ids if i in self._conversation_bases
            }

    def record_run(self, run: RunRecord) -> None:
        with self._lock:
            self._agent(run.agent_id)
            self._runs[run.id] = run
            self.add_usage(
                agent_id=run.agent_id,
                team=run.team,
                principal=run.principal,
                model=run.model,
                input_tokens=run.input_tokens,
                output_tokens=run.output_tokens,
                cost=run.cost,
                at=run.created_at,
            )

    def list_runs(self, agent_id: str | None = None, limit: int = 100) -> list[RunRecord]:
        with self._lock:
            if agent_id is not None:
                self._agent(agent_id)
            found = [r for r in self._runs.values() if agent_id is None or r.agent_id == agent_id]
        found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return found[: max(limit, 0)]

    def _change_agent(self, agent_id: str, **changes: Any) -> AgentRecord:
        with self._lock:
            changed = replace(self._agent(agent_id), **changes)
            self._agents[agent_id] = changed
            self._moved(agent_id)
        return changed

    def delete_account(self, account_id: str) -> None:
        super().delete_account(account_id)
        self.remove_grants_to("account", account_id)
        self._forget_notifications_of(account_id)

    def _agent(self, agent_id: str) -> AgentRecord:
        agent = self._agents.get(agent_id)
        if agent is None:
            raise agent_not_found(agent_id)
        return agent


def _version(agent_id: str, stored: _StoredVersion) -> VersionRecord:
    spec = AgentSpec.from_yaml(stored.spec_yaml, source="catalogue")
    return VersionRecord(
        agent_id, stored.number, stored.author, stored.message, stored.created_at, spec
    )
