"""What the reviewer reads, and what a person is told: the services of "À relire" and of the
notifications, over ``Workspace.reviews``. The CLI and the builder both call these, so they
show the same thing.

What changes is the editor's comparison of two versions (``agents.spec_diff``), in the
reader's words: the requested version against the published one, or, for a first
publication, against an empty agent of the same name, so that every field the requested
version sets is listed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.errors import UserError
from agents.i18n import t
from agents.spec import AgentSpec
from agents.spec_diff import FieldChange, diff_specs

if TYPE_CHECKING:
    from builder_ui.services.installation import Services
    from store.review_records import Notification
    from store.reviews import PendingReview


@dataclass(frozen=True)
class ToolLine:
    """A tool the version enables, with what its calls do, in the reader's language."""

    id: str
    title: str
    effects: list[str]
    approval: str


@dataclass(frozen=True)
class ReviewSheet:
    pending: PendingReview
    changes: list[FieldChange]
    tools: list[ToolLine]
    model: str

    @property
    def agent_id(self) -> str:
        return self.pending.agent.id


def review_sheets(services: Services, lang: str | None = None) -> list[ReviewSheet]:
    """The waiting requests, oldest first (reviewers and administrators)."""
    return [_sheet(services, pending, lang) for pending in services.workspace.reviews.queue()]


def review_sheet(services: Services, ref: str, lang: str | None = None) -> ReviewSheet:
    return _sheet(services, services.workspace.reviews.review(ref), lang)


def notification_text(notification: Notification, lang: str | None = None) -> str:
    return t(f"notification.{notification.kind}", lang, **notification.parameters).strip()


def _sheet(services: Services, pending: PendingReview, lang: str | None) -> ReviewSheet:
    spec = pending.requested.spec
    previous = pending.published.spec if pending.published is not None else None
    tools = tool_lines(services, spec, lang)
    if spec.model is not None:
        model = f"{spec.model.provider}:{spec.model.name}".rstrip(":")
    else:
        model = t("review.model_default", lang)
    changes = diff_specs(
        previous if previous is not None else AgentSpec(name=spec.name),
        spec,
        lang,
        tool_title=lambda tool_id: _tool_title(services, tool_id),
        base_name=lambda ref: pending.base_names.get(ref, ref),
    )
    return ReviewSheet(pending, changes, tools, model)


def tool_lines(services: Services, spec: AgentSpec, lang: str | None) -> list[ToolLine]:
    """The tools a spec enables, each with what its calls do, in the reader's language."""
    tools = []
    for use in spec.tools:
        effects: tuple[str, ...]
        try:
            definition = services.tools.get(use.id)
        except UserError:  # a tool this installation no longer has
            title, effects = use.id, ("undeclared",)
        else:
            effects = definition.declared_effects
            title = _translated(f"tool.{use.id}.title", lang) or definition.title
        tools.append(
            ToolLine(
                use.id,
                title,
                [t(f"tool.effect.{effect}", lang) for effect in effects],
                t(f"review.approval.{use.approval}", lang),
            )
        )
    return tools


def _tool_title(services: Services, tool_id: str) -> str:
    return services.tools.get(tool_id).title if tool_id in services.tools else tool_id


def _translated(key: str, lang: str | None) -> str:
    text = t(key, lang)
    return "" if text == key else text
