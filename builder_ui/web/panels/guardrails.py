"""The editor's "Données et supervision": the class of data the agent handles, what becomes of
personal data, its use under the EU AI Act, and whether a person approves each answer. These
live in the spec's ``guardrails`` and ``oversight`` sections, which the form keeps in
``EditorValues.base``; saving checks them (a class its model may not receive is refused with a
model that would do)."""

from __future__ import annotations

from typing import Any, get_args

import streamlit as st

from agents.spec import DATA_CLASSES, HighRiskArea
from builder_ui.web.state import tr

PII = ("off", "pseudonymise", "block")
AREAS: tuple[str, ...] = get_args(HighRiskArea)


def fields(base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with the section's choices; defaults are left out of the spec."""
    guard = dict(base.get("guardrails") or {})
    oversight = base.get("oversight") or {}
    if isinstance(oversight, str):
        oversight = {"mode": oversight}
    with st.expander(tr("ui.guard.title"), icon=":material/shield_person:"):
        st.caption(tr("ui.guard.intro"))
        data_class = st.selectbox(
            tr("ui.guard.class"),
            DATA_CLASSES,
            index=DATA_CLASSES.index(guard.get("data_class", "internal")),
            format_func=lambda c: tr(f"ui.guard.class.{c}"),
            help=tr("ui.guard.class.help"),
        )
        pii_now = guard.get("pii", "off")
        pii = st.selectbox(
            tr("ui.guard.pii"),
            PII,
            index=PII.index(pii_now if pii_now in PII else "off"),
            format_func=lambda p: tr(f"ui.guard.pii.{p}"),
            help=tr("ui.guard.pii.help"),
        )
        area = st.selectbox(
            tr("ui.guard.area"),
            AREAS,
            index=AREAS.index(guard.get("high_risk_area", "none")),
            format_func=lambda a: tr(f"versions.high_risk_area.{a}"),
            help=tr("ui.guard.area.help"),
        )
        review = st.toggle(
            tr("ui.guard.review"),
            value=oversight.get("mode") == "review",
            help=tr("ui.guard.review.help"),
        )
        reviewers = list(oversight.get("reviewers") or [])
        if review:
            typed = st.text_input(
                tr("ui.guard.reviewers"),
                value=", ".join(reviewers),
                help=tr("ui.guard.reviewers.help"),
            )
            reviewers = [r.strip() for r in (typed or "").split(",") if r.strip()]
    out = {k: v for k, v in base.items() if k not in ("guardrails", "oversight")}
    chosen = {"data_class": data_class, "pii": pii, "high_risk_area": area}
    defaults = {"data_class": "internal", "pii": "off", "high_risk_area": "none"}
    kept = {k: v for k, v in chosen.items() if v != defaults[k]}
    if kept:
        out["guardrails"] = kept
    if review:
        out["oversight"] = {"mode": "review", **({"reviewers": reviewers} if reviewers else {})}
    return out
