"""The services every interface calls: the CLI, the Streamlit builder and (later) the HTTP API.

One ``Services`` per person: it holds that person's ``Workspace`` (the only access layer), the
registries and the checkpointer, and it is where a run is recorded. Pages and commands read
their input, call one method here, and render what comes back, so the interfaces agree by
construction.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from agents.errors import Refused, UserError
from agents.models.registry import (
    Connection,
    ProviderRegistry,
    default_model_settings,
    parse_ref,
)
from agents.models.registry import default_registry as default_providers
from agents.retry import RetryPolicy
from agents.runtime import AgentRuntime, Finished, RunEvent, RunResult, thread_model
from agents.spec import AgentSpec, KnowledgeSettings, ModelSettings
from agents.validation import check_spec
from builder_ui.services.agents import AgentServices
from builder_ui.services.catalogue import CatalogueServices
from builder_ui.services.conversations import ConversationServices
from builder_ui.services.data_routing import DataRoutingServices
from builder_ui.services.drafting import DraftingServices, with_oversight
from builder_ui.services.knowledge import KnowledgeServices
from builder_ui.services.model_access import (
    UsableModel,
    find_org_model,
    may_use,
    org_connection,
    usable_models,
)
from builder_ui.services.previews import PreviewServices
from builder_ui.services.privacy import (
    DetectorFactory,
    default_detector,
    hidden_again,
    hidden_title,
    privacy_guard,
)
from builder_ui.services.retention import RetentionServices
from builder_ui.services.sharing import SharingServices
from store.admin_settings import (
    MODEL_PROVIDERS,
    installation_secret_resolver,
    saved_admin_settings,
)
from store.files import StoredFile
from store.records import Catalogue, RunRecord
from store.workspace import Workspace
from tools.registry import ToolContext, ToolRegistry, ToolResult
from tools.registry import default_registry as default_tools

if TYPE_CHECKING:
    from store.front_door import FrontDoor

RUNTIME_CACHE_SIZE = 16
RuntimeKey = tuple[str, str, str, str]  # spec, model settings, conversation with files, agent
ATTACHED = "pieces-jointes"  # what an agent without bases searches, in a conversation with files


def with_attachments(spec: AgentSpec) -> AgentSpec:
    """The agent as it runs in a conversation with attached files: an agent without knowledge
    bases searches them before answering, as it would a base (its own settings kept)."""
    if spec.knowledge is not None and spec.knowledge.bases:
        return spec
    knowledge = (spec.knowledge or KnowledgeSettings()).model_copy(update={"bases": [ATTACHED]})
    return spec.model_copy(update={"knowledge": knowledge})


@dataclass(frozen=True)
class Installation:
    """What every person of one installation shares: thread-safe, holds nobody's data in
    memory, opened once per process. Its catalogue is not for interfaces: they reach it as
    one person's ``workspace`` or, before anyone is known, through the ``front_door``."""

    _catalogue: Catalogue = field(repr=False)
    tools: ToolRegistry
    providers: ProviderRegistry
    checkpointer: BaseCheckpointSaver[Any]
    detector: DetectorFactory = default_detector
    """What finds personal data for ``guardrails.pii`` (``builder_ui.services.privacy``)."""

    @classmethod
    def open(cls) -> Installation:
        """The embedded defaults: SQLite catalogue and checkpoints under ``ATELIER_HOME``."""
        from agents.checkpoints import sqlite_checkpointer
        from store.config import threads_path
        from store.sql_catalogue import open_catalogue

        return cls(
            _catalogue=open_catalogue(),
            tools=default_tools(),
            providers=default_providers(),
            checkpointer=sqlite_checkpointer(threads_path()),
        )

    def workspace(self, principal: str, origin: str = "") -> Workspace:
        """``origin``: from where the person acts, for the audit log (``web 192.0.2.7``)."""
        return Workspace(principal, self._catalogue, origin=origin)

    @property
    def front_door(self) -> FrontDoor:
        """Signing in: the part of the catalogue reached before anyone is known."""
        from store.front_door import FrontDoor

        return FrontDoor(self._catalogue)

    def front_door_from(self, origin: str) -> FrontDoor:
        """The front door, for someone knocking from ``origin`` (the audit log's "from
        where")."""
        from store.front_door import FrontDoor

        return FrontDoor(self._catalogue, origin)


@dataclass
class Services(
    DataRoutingServices,
    ConversationServices,
    PreviewServices,
    AgentServices,
    SharingServices,
    CatalogueServices,
    KnowledgeServices,
    RetentionServices,
    DraftingServices,
):
    """One person's services; the agent methods (check, save, export...) are ``AgentServices``'."""

    workspace: Workspace
    tools: ToolRegistry
    providers: ProviderRegistry
    checkpointer: BaseCheckpointSaver[Any]
    retry: RetryPolicy | None = None
    env: Mapping[str, str] | None = None
    detector: DetectorFactory = default_detector
    _models: dict[str, BaseChatModel] = field(default_factory=dict, repr=False)
    _runtimes: dict[RuntimeKey, AgentRuntime] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(
        cls, principal: str | None = None, shared: Installation | None = None, origin: str = ""
    ) -> Services:
        """One person's services over this installation (opened from ``ATELIER_HOME`` unless
        an already open one is given: the builder shares one between its sessions).
        ``principal`` is an account id; without one, whom the terminal acts as."""
        shared = shared or Installation.open()
        if principal is None:
            from store.config import default_principal

            principal = shared.front_door.terminal_account(default_principal()).id
        return cls(
            workspace=shared.workspace(principal, origin),
            tools=shared.tools,
            providers=shared.providers,
            checkpointer=shared.checkpointer,
            detector=shared.detector,
        )

    @property
    def principal(self) -> str:
        return self.workspace.principal

    # --- models ----------------------------------------------------------------------------

    def model_choices(self) -> list[UsableModel]:
        """The models this person may use: the organisation's open to their role and teams,
        and the environment's (open to everyone)."""
        role, teams = self._role_and_teams()
        org = saved_admin_settings().models
        return usable_models(org, self.providers.choices(self.env), role, teams)

    def _role_and_teams(self) -> tuple[str, frozenset[str]]:
        me = self.workspace.me()
        return me.role, frozenset(team.name for team in self.workspace.people.my_teams())

    def model_settings(self, spec: AgentSpec, override: str | None = None) -> ModelSettings:
        if override:
            chosen = parse_ref(override)
            if spec.model is not None and spec.model.provider == chosen.provider:
                return spec.model.model_copy(update={"name": chosen.name})
            return chosen
        return spec.model or default_model_settings(self.env)

    def model(self, settings: ModelSettings) -> BaseChatModel:
        """Models are kept per session: a scripted model's position in its script and a
        provider's connection pool outlive one turn."""
        self.workspace.me()  # a disabled account spends nothing of the organisation's
        connection = self._org_connection(settings)
        key = settings.model_dump_json()
        if connection is not None:  # a key changed since: another model
            seen = f"{connection.base_url}\0{connection.api_key}".encode()
            key += hashlib.sha256(seen).hexdigest()
        with self._lock:
            if key not in self._models:
                self._models[key] = self.providers.create(settings, self.env, connection)
            return self._models[key]

    def _org_connection(self, settings: ModelSettings) -> Connection | None:
        """The address and key of the organisation model ``settings`` names, or None for a
        model of the environment."""
        if settings.provider not in MODEL_PROVIDERS:  # offline, scripted: nothing to look up
            return None
        found = find_org_model(saved_admin_settings().models, settings)
        if found is None:
            return None
        if not found.enabled:
            raise UserError("models.err.disabled", name=found.display_name)
        if not may_use(found, *self._role_and_teams()):  # not only hidden in the editor
            raise Refused("models.err.not_open", name=found.display_name)
        env = os.environ if self.env is None else self.env
        provider = self.providers.get(settings.provider)
        return org_connection(found, provider, env, installation_secret_resolver())

    # --- conversations ---------------------------------------------------------------------

    def runtime(
        self,
        spec: AgentSpec,
        model: str | None = None,
        thread: str | None = None,
        agent_id: str | None = None,
    ) -> AgentRuntime:
        """The compiled agent, kept for the next turns of this session (compiling and checking
        a spec costs more than a whole turn of a fast model). In conversation ``thread``, it
        also searches the files attached to it (``attachments``), and is kept for it alone.
        A saved agent (``agent_id``) searches its bases as its owner reaches them: someone it
        is shared with gets passages from them, and nothing more."""
        self.workspace.me()  # a disabled account runs nothing, a kept runtime included
        self.check_data_route(spec, model, agent_id)
        settings = self.model_settings(spec, model)
        attached = thread if thread is not None and self._reads_attachments(thread) else None
        key = (spec.to_yaml(), settings.model_dump_json(), attached or "", agent_id or "")
        with self._lock:
            cached = self._runtimes.pop(key, None)
        if cached is None:
            # Not ``check``: what the installation lacks today (a server removed since the
            # agent was saved), the run reports, and the agent's other tools keep working.
            cached = AgentRuntime(
                check_spec(
                    with_attachments(spec) if attached else spec,
                    self.tools,
                    self.providers,
                    installation=None,
                ),
                self.model(settings),
                self.tools,
                self.checkpointer,
                model_ref=settings.ref,
                retry=self.retry,
                retriever=self.retriever(spec, attached, agent_id),
                tool_context=self.tool_context(),
                privacy=privacy_guard(spec, self.workspace, self.detector),
            )
        with self._lock:
            self._runtimes[key] = cached  # most recently used last
            while len(self._runtimes) > RUNTIME_CACHE_SIZE:
                self._runtimes.pop(next(iter(self._runtimes)))
        return cached

    def chat(
        self,
        ref: str,
        message: str,
        thread: str | None = None,
        model: str | None = None,
        version: int | None = None,
        tokens: bool = True,
    ) -> Iterator[RunEvent]:
        """One turn with a saved agent, in a new or an existing conversation of this person."""
        if not message.strip():
            raise UserError("run.empty_message")
        self.workspace.usage.check_quota()  # over a monthly quota: no model is called
        agent = self.find_agent(ref)
        record = self.workspace.get_version(agent.id, version)
        record = replace(record, spec=with_oversight(record.spec, self.tools))
        if thread is None:
            # The model first: a wrong model or a missing key must not leave an empty
            # conversation; nor a message refused for the personal data it holds.
            runtime = self.runtime(record.spec, model, agent_id=agent.id)
            if runtime.privacy is None:
                thread_id = self.workspace.start_thread(agent.id, title=message[:80]).id
            else:
                runtime.privacy.check(message)
                thread_id = self.workspace.start_thread(agent.id).id
                self._name_conversation(runtime, thread_id, message)
        else:
            existing = self.workspace.get_thread(thread)
            if existing.agent_id != agent.id:
                raise UserError("run.thread_other_agent", thread=thread, agent=agent.name)
            thread_id = existing.id
            runtime = self.runtime(record.spec, model, thread_id, agent.id)  # with its files
            if not existing.title.strip():  # started by attaching files: named by its message
                if runtime.privacy is not None:
                    runtime.privacy.check(message)
                self._name_conversation(runtime, thread_id, message)
        review = record.spec.oversight is not None and record.spec.oversight.review
        for event in runtime.stream(thread_id, message, tokens=tokens):
            if isinstance(event, Finished):
                self._record(agent.id, record.number, event.result)
                result = event.result
                if review and result.outcome == "ok" and result.answer.strip():
                    # Under review, the answer is a draft a person approves before it counts.
                    asked, answer = message, result.answer
                    if runtime.privacy is not None:  # the catalogue keeps placeholders only
                        asked = hidden_again(self.workspace, thread_id, asked)
                        answer = hidden_again(self.workspace, thread_id, answer)
                    self.workspace.reply_drafts.conversation_draft(
                        agent.id, record.number, thread_id, asked, answer
                    )
            yield event

    def _name_conversation(self, runtime: AgentRuntime, thread_id: str, message: str) -> None:
        """Named by its first message, pseudonymised as the agent's policy says."""
        title = hidden_title(runtime.privacy, thread_id, message)
        if title.strip():
            self.workspace.rename_thread(thread_id, title)

    def approve(
        self,
        thread: str,
        decision: str,
        *,
        args: dict[str, Any] | None = None,
        comment: str = "",
        model: str | None = None,
        tokens: bool = True,
    ) -> Iterator[RunEvent]:
        """A person's answer to the tool call a conversation waits on; the run continues."""
        self.workspace.usage.check_quota()
        record = self.workspace.get_thread(thread)
        version = self.workspace.get_version(record.agent_id)
        version = replace(version, spec=with_oversight(version.spec, self.tools))
        model = model or thread_model(self.checkpointer, record.id)
        runtime = self.runtime(version.spec, model, record.id, record.agent_id)
        note = self._decision_note(record.id, runtime, decision)
        for event in runtime.resume(
            record.id, decision, args=args, comment=comment, by=self.principal, tokens=tokens
        ):
            note()  # the decision was taken: the run goes on with it
            if isinstance(event, Finished):
                self._record(record.agent_id, version.number, event.result)
                self._answer_as_draft(version, record.id, event.result)  # under review
            yield event

    def pending_approval(self, thread: str) -> dict[str, Any] | None:
        record = self.workspace.get_thread(thread)
        spec = self.workspace.get_version(record.agent_id).spec
        return self.runtime(spec, "offline", agent_id=record.agent_id).pending_approval(record.id)

    def preview_approve(
        self,
        spec: AgentSpec,
        token: str,
        decision: str,
        *,
        args: dict[str, Any] | None = None,
        comment: str = "",
        model: str | None = None,
    ) -> Iterator[RunEvent]:
        self.workspace.usage.check_quota()
        thread_id = self._preview_thread(token)
        model = model or thread_model(self.checkpointer, thread_id)
        runtime = self.runtime(spec, model)
        note = self._decision_note(thread_id, runtime, decision, preview=True)
        for event in runtime.resume(
            thread_id, decision, args=args, comment=comment, by=self.principal
        ):
            note()
            yield event

    def _decision_note(
        self, thread_id: str, runtime: AgentRuntime, decision: str, *, preview: bool = False
    ) -> Callable[[], None]:
        """Records the decision in the audit log (the tool and the decision, never the call's
        arguments nor the comment) once, when the run goes on with it."""
        pending = runtime.pending_approval(thread_id)
        tool = str((pending or {}).get("tool") or "")
        done: list[bool] = []

        def note() -> None:
            if pending is not None and not done:
                done.append(True)
                self.workspace.note_approval(thread_id, tool[:200], decision[:40], preview=preview)

        return note

    def run(self, ref: str, message: str, **kwargs: Any) -> RunResult:
        for event in self.chat(ref, message, tokens=False, **kwargs):
            if isinstance(event, Finished):
                return event.result
        raise AssertionError("a run always finishes")

    def _record(self, agent_id: str, version: int, result: RunResult) -> None:
        import secrets

        from builder_ui.services.usage import run_cost

        self.workspace.record_run(
            RunRecord(
                id="run-" + secrets.token_hex(6),
                agent_id=agent_id,
                version=version,
                thread_id=result.thread,
                principal=self.principal,
                model=result.model,
                outcome=result.outcome,
                input_tokens=result.input_tokens,
                output_tokens=result.output_tokens,
                latency_ms=result.latency_ms,
                tool_calls=len(result.tool_calls),
                error=result.error,
                cost=run_cost(result.model, result.input_tokens, result.output_tokens),
            )
        )

    # --- tools -----------------------------------------------------------------------------

    def tool_context(self) -> ToolContext:
        from builder_ui.services.tool_context import tool_context

        self.workspace.me()  # "try this tool" too: a disabled account runs nothing
        return tool_context(self.workspace.secret_resolver(), self.principal)

    def run_tool(
        self, tool_id: str, args: dict[str, Any], config: dict[str, Any] | None = None
    ) -> ToolResult:
        """The builder's "try this tool" and ``atelier tool run``: the same call."""
        return self.tools.run(tool_id, args, config, self.tool_context())

    def preview_pending(
        self, spec: AgentSpec, token: str, model: str | None = None
    ) -> dict[str, Any] | None:
        """The tool call a preview conversation waits on a person for, if any: the builder
        shows its approval card again when its own record of the conversation has lost it."""
        thread_id = self._preview_thread(token)
        return self.runtime(spec, model).pending_approval(thread_id)

    # --- files -----------------------------------------------------------------------------

    def file(self, file_id: str) -> tuple[StoredFile, bytes]:
        """A file a tool made for this person (``create_document``), with its bytes: another
        person's file is reported exactly like a missing one (``NotFound``)."""
        from store.files import personal_files

        self.workspace.me()  # a disabled account downloads nothing, not even its own files
        files = personal_files(self.principal)
        return files.get(file_id), files.read(file_id)
