"""Which data may go to which model: the one rule, for every interface and every run.

An agent handles data of a class (``public``, ``internal``, ``sensitive``): its own
(``guardrails.data_class``) or, if higher, that of a knowledge base it searches. Each model
may receive data up to a class: an organisation's model as its administrator set it (by
default ``sensitive`` on the organisation's own machines, ``internal`` elsewhere); a model that
runs here (the offline model, a local GGUF file, the scripted test model) ``sensitive``; any
other configured model ``internal``, or ``sensitive`` when its provider serves models on the
organisation's machines (Ollama). An agent whose class exceeds its model's is not saved nor run
with it, unless it pseudonymises personal data first (``guardrails.pii: pseudonymise``) and an
administrator allowed that for its class (``AdminSettings.privacy``). The refusal names a model
that would do, among those open to the person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from agents.errors import Refused, UserError
from agents.i18n import t
from agents.models.registry import parse_ref
from agents.spec import DATA_CLASSES, AgentSpec, DataClass, ModelSettings, class_rank
from store.admin_settings import saved_admin_settings

if TYPE_CHECKING:
    from agents.models.registry import ProviderRegistry
    from builder_ui.services.agents import Saved
    from builder_ui.services.model_access import UsableModel
    from store.admin_settings import AdminSettings
    from store.knowledge.records import KnowledgeBaseRecord
    from store.records import VersionRecord
    from store.workspace import Workspace

RUNS_HERE: Final = frozenset({"offline", "local", "scripted"})


def model_class(
    settings: ModelSettings, admin: AdminSettings, providers: ProviderRegistry
) -> DataClass:
    """The most protected class the model of ``settings`` may receive."""
    for org in admin.models:
        if org.provider == settings.provider and org.name == settings.name:
            return org.data_class
    if settings.provider in RUNS_HERE:
        return "sensitive"
    try:
        provider = providers.get(settings.provider)
    except Exception:  # an unknown provider: its run stops with its own plain message
        return "sensitive"
    return "sensitive" if getattr(provider, "self_hosted", False) else "internal"


def allowed(needed: str, model: str, spec: AgentSpec, admin: AdminSettings) -> bool:
    if class_rank(needed) <= class_rank(model):
        return True
    pseudonymised = spec.guardrails is not None and spec.guardrails.pii == "pseudonymise"
    return pseudonymised and needed in admin.privacy.pseudonymised_may_exceed


def refusal(needed: str, settings: ModelSettings, others: list[tuple[str, str]]) -> Refused:
    """``others``: (name, class) of the models open to the person."""
    fitting = [name for name, klass in others if class_rank(klass) >= class_rank(needed)]
    if fitting:
        advice = t("data.use_instead", models=", ".join(fitting[:3]))
    else:
        advice = t("data.no_model", data_class=t(f"data.class.{needed}"))
    return Refused(
        "data.model_too_low",
        data_class=t(f"data.class.{needed}"),
        model=settings.ref,
        advice=advice,
    )


class DataRoutingServices:
    """Mixed into ``Services`` (first, so that saving an agent checks its route)."""

    workspace: Workspace
    providers: ProviderRegistry

    if TYPE_CHECKING:

        def model_settings(self, spec: AgentSpec, override: str | None = None) -> ModelSettings: ...

        def model_choices(self) -> list[UsableModel]: ...

    def check_data_route(
        self, spec: AgentSpec, model: str | None = None, agent_id: str | None = None
    ) -> None:
        """Refused when the agent's data may not go to its model (with this ``model``)."""
        settings = self.model_settings(spec, model)
        needed = self.workspace.data_class_of(spec, agent_id)
        admin = saved_admin_settings()
        if allowed(needed, model_class(settings, admin, self.providers), spec, admin):
            return
        others = []
        for choice in self.model_choices():
            klass = model_class(parse_ref(choice.ref), admin, self.providers)
            if allowed(needed, klass, spec, admin):
                others.append((choice.display_name or choice.ref, needed))
        raise refusal(needed, settings, others)

    def check_base_route(self, kb_ref: str, data_class: str | None = None) -> None:
        """Before adding documents to a base, or raising its class: refused when an agent of
        this person's that searches it has a model that may not receive its data."""
        kb = self.workspace.resolve_kb(kb_ref)
        needed = data_class or kb.data_class
        if needed not in DATA_CLASSES:
            raise UserError("data.unknown_class", value=needed, known=", ".join(DATA_CLASSES))
        admin = saved_admin_settings()
        for agent in self.workspace.list_agents():
            spec = self.workspace.get_version(agent.id).spec
            refs = spec.knowledge.bases if spec.knowledge is not None else []
            if kb.id not in refs and kb.name not in refs:
                continue
            settings = self.model_settings(spec)
            if not allowed(needed, model_class(settings, admin, self.providers), spec, admin):
                raise Refused(
                    "data.upload_refused",
                    base=kb.name,
                    data_class=t(f"data.class.{needed}"),
                    agent=agent.name,
                    model=settings.ref,
                )

    def set_kb_class(self, kb_ref: str, data_class: str) -> KnowledgeBaseRecord:
        self.check_base_route(kb_ref, data_class)
        return self.workspace.set_kb_class(kb_ref, data_class)

    def create_agent(self, spec: AgentSpec, message: str = "") -> VersionRecord:
        self.check_data_route(spec)
        return super().create_agent(spec, message)  # type: ignore[misc]

    def save_agent(self, agent_id: str | None, spec: AgentSpec, message: str = "") -> Saved:
        self.check_data_route(spec, agent_id=agent_id)
        return super().save_agent(agent_id, spec, message)  # type: ignore[misc]
