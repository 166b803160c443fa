"""The EU AI Act's rule for publishing an agent, in one place.

An agent used in an area of the Act's Annex III (``guardrails.high_risk_area``: sorting job
applications, deciding on access to public services…) is a high-risk system: it may reach
other people (shared, released, published to the organisation) only under human oversight
(``oversight: review``: each answer is a draft a person approves) and with logging: the audit
log, which is always on, and its drafts and conversations kept at least six months
(``AdminSettings.retention``, Article 19's minimum for deployers' logs).
"""

from __future__ import annotations

from typing import Final

from agents.errors import Refused
from agents.spec import AgentSpec

MIN_LOG_DAYS: Final = 183


def high_risk(spec: AgentSpec) -> bool:
    return spec.guardrails is not None and spec.guardrails.high_risk_area != "none"


def logs_kept(conversations_days: int | None, drafts_days: int | None) -> bool:
    return all(days is None or days >= MIN_LOG_DAYS for days in (conversations_days, drafts_days))


def check_publishable(spec: AgentSpec, name: str) -> None:
    """Refused when a high-risk agent would reach other people without review and logs."""
    if not high_risk(spec):
        return
    from store.admin_settings import saved_admin_settings

    retention = saved_admin_settings().retention
    if spec.oversight is None or not spec.oversight.review:
        raise Refused("ai_act.needs_review", name=name)
    if not logs_kept(retention.conversations_days, retention.drafts_days):
        raise Refused("ai_act.needs_logs", name=name, days=MIN_LOG_DAYS)
