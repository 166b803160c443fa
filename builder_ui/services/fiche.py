"""The transparency sheet ("Fiche") of an agent: what anyone who uses it, reviews it or
audits it needs to know, generated from the version people get and the installation's
settings, never written by hand: purpose, owner, model and where it runs, data classes,
knowledge sources, tools and their effects, personal data, human oversight, retention, and the
agent's category under the EU AI Act. Shown as "À propos de cet assistant", in the review
queue, and exported as Markdown or PDF (``builder_ui.services.fiche_pdf``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agents.i18n import t
from builder_ui.services.data_routing import RUNS_HERE, model_class
from builder_ui.services.reviews import ReviewSheet, ToolLine, tool_lines
from store.admin_settings import RetentionSettings, saved_admin_settings

if TYPE_CHECKING:
    from agents.spec import AgentSpec
    from builder_ui.services.installation import Services


@dataclass(frozen=True)
class TransparencySheet:
    name: str
    version: int
    description: str
    category: str
    owner: str
    model: str
    model_where: str  # organisation | external | here | none
    model_class: str
    data_class: str
    bases: list[str] = field(default_factory=list)
    tools: list[ToolLine] = field(default_factory=list)
    pii: str = "off"
    review: bool = False
    reviewers: list[str] = field(default_factory=list)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    high_risk_area: str = "none"


def transparency_sheet(services: Services, ref: str, lang: str | None = None) -> TransparencySheet:
    """The sheet of the agent ``ref`` as the person may use it (someone else's private agent:
    not found)."""
    agent = services.find_agent(ref)
    record = services.workspace.get_version(agent.id)
    return built_sheet(
        services,
        record.spec,
        record.number,
        agent.owner,
        data_class=services.workspace.data_class_of(record.spec, agent.id),
        bases=services.workspace.agent_base_names(agent.id),
        lang=lang,
    )


def review_sheet_fiche(
    services: Services, sheet: ReviewSheet, lang: str | None = None
) -> TransparencySheet:
    """The sheet of the version a reviewer is asked to publish (they reach it through the
    request, not as someone it is shared with)."""
    spec = sheet.pending.requested.spec
    own = spec.guardrails.data_class if spec.guardrails is not None else "internal"
    return built_sheet(
        services,
        spec,
        sheet.pending.requested.number,
        sheet.pending.agent.owner,
        data_class=own,
        bases=list(sheet.pending.bases),
        lang=lang,
    )


def built_sheet(
    services: Services,
    spec: AgentSpec,
    version: int,
    owner: str,
    *,
    data_class: str,
    bases: list[str],
    lang: str | None,
) -> TransparencySheet:
    admin = saved_admin_settings()
    settings = services.model_settings(spec)
    org = next(
        (m for m in admin.models if (m.provider, m.name) == (settings.provider, settings.name)),
        None,
    )
    if settings.provider == "offline":
        where, model = "none", t("fiche.model.offline", lang)
    elif org is not None:
        where = "organisation" if org.self_hosted else "external"
        model = f"{org.display_name} ({org.provider})"
    else:
        where = "here" if settings.provider in RUNS_HERE else "external"
        model = settings.ref
    guardrails = spec.guardrails
    return TransparencySheet(
        name=spec.name,
        version=version,
        description=spec.description,
        category=spec.category,
        owner=owner,
        model=model,
        model_where=where,
        model_class=model_class(settings, admin, services.providers),
        data_class=data_class,
        bases=bases,
        tools=tool_lines(services, spec, lang),
        pii=guardrails.pii if guardrails is not None else "off",
        review=spec.oversight is not None and spec.oversight.review,
        reviewers=list(spec.oversight.reviewers) if spec.oversight is not None else [],
        retention=admin.retention,
        high_risk_area=guardrails.high_risk_area if guardrails is not None else "none",
    )


def _days(days: int | None, lang: str | None) -> str:
    if days is None:
        return t("fiche.retention.kept", lang)
    return t("fiche.retention.days", lang, days=days)


def sheet_sections(sheet: TransparencySheet, lang: str | None = None) -> list[tuple[str, str]]:
    """(heading, text) pairs, in the reader's language: the sheet's content, whatever its form."""
    w = lambda key, **values: t(f"fiche.{key}", lang, **values)  # noqa: E731
    none = w("none")
    tools = "\n".join(
        f"- {tool.title} : {' '.join(tool.effects)} ({tool.approval})" for tool in sheet.tools
    )
    if sheet.high_risk_area == "none":
        act = w("act.limited")
    else:
        area = t(f"versions.high_risk_area.{sheet.high_risk_area}", lang)
        act = w("act.high", area=area)
    reviewers = ", ".join(sheet.reviewers) or w("oversight.requester")
    retention = sheet.retention
    return [
        (w("purpose"), "\n".join(x for x in (sheet.description, sheet.category) if x) or none),
        (w("owner"), sheet.owner),
        (w("model"), f"{sheet.model}. {w(f'where.{sheet.model_where}')}"),
        (
            w("data"),
            w(
                "data.text",
                data_class=t(f"data.class.{sheet.data_class}", lang),
                model_class=t(f"data.class.{sheet.model_class}", lang),
            ),
        ),
        (w("bases"), ", ".join(sheet.bases) or none),
        (w("tools"), tools or none),
        (w("pii"), w(f"pii.{sheet.pii}")),
        (
            w("oversight"),
            w("oversight.review", who=reviewers) if sheet.review else w("oversight.none"),
        ),
        (
            w("retention"),
            w(
                "retention.text",
                conversations=_days(retention.conversations_days, lang),
                drafts=_days(retention.drafts_days, lang),
                uploads=_days(retention.uploads_days, lang),
            ),
        ),
        (w("act"), act),
    ]


def sheet_markdown(sheet: TransparencySheet, lang: str | None = None) -> str:
    """The sheet as Markdown, its texts written as plain text (nothing in a description turns
    into a link or an image)."""
    from agents.safe_text import safe_text

    lines = [f"# {t('fiche.title', lang, name=sheet.name, version=sheet.version)}", ""]
    for heading, text in sheet_sections(sheet, lang):
        lines += [f"## {heading}", "", safe_text(text), ""]
    lines.append(t("fiche.generated", lang))
    return "\n".join(lines) + "\n"
