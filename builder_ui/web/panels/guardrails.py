"""The editor's "Données et supervision": the class of data the agent handles, what becomes of
personal data, its use under the EU AI Act, and whether a person approves each answer. These
live in the spec's ``guardrails`` and ``oversight`` sections, which the form keeps in
``EditorValues.base`` (``builder_ui.web.models.guardrails``); saving checks them (a class its
model may not receive is refused with a model that would do)."""

from __future__ import annotations

from typing import Any, get_args

import streamlit as st

from agents.spec import DATA_CLASSES, HighRiskArea
from builder_ui.web.models.guardrails import current, with_choices
from builder_ui.web.state import keys, language, tr

PII = ("off", "pseudonymise", "block")
AREAS: tuple[str, ...] = get_args(HighRiskArea)


def fields(base: dict[str, Any]) -> dict[str, Any]:
    now = current(base)
    lang = language()  # keyed per language: a choice's words change with it

    def key(name: str) -> str:
        return f"{name}.{lang}"

    with st.expander(tr("ui.guard.title"), icon=":material/shield_person:"):
        st.caption(tr("ui.guard.intro"))
        data_class = st.selectbox(
            tr("ui.guard.class"),
            DATA_CLASSES,
            format_func={c: tr(f"ui.guard.class.{c}") for c in DATA_CLASSES}.__getitem__,
            help=tr("ui.guard.class.help"),
            index=_position(DATA_CLASSES, now["data_class"]),
            key=key(keys.W_GUARD_CLASS),
        )
        pii = st.selectbox(
            tr("ui.guard.pii"),
            PII,
            format_func={p: tr(f"ui.guard.pii.{p}") for p in PII}.__getitem__,
            help=tr("ui.guard.pii.help"),
            index=_position(PII, now["pii"]),
            key=key(keys.W_GUARD_PII),
        )
        area = st.selectbox(
            tr("ui.guard.area"),
            AREAS,
            format_func={a: tr(f"versions.high_risk_area.{a}") for a in AREAS}.__getitem__,
            help=tr("ui.guard.area.help"),
            index=_position(AREAS, now["high_risk_area"]),
            key=key(keys.W_GUARD_AREA),
        )
        review = st.toggle(
            tr("ui.guard.review"),
            value=now["review"],
            help=tr("ui.guard.review.help"),
            key=key(keys.W_GUARD_REVIEW),
        )
        reviewers = st.text_input(
            tr("ui.guard.reviewers"),
            help=tr("ui.guard.reviewers.help"),
            value=now["reviewers"],
            key=key(keys.W_GUARD_REVIEWERS),
            disabled=not review,
        )
    chosen = {
        "data_class": data_class,
        "pii": pii,
        "high_risk_area": area,
        "review": bool(review),
        "reviewers": reviewers or "",
    }
    return with_choices(base, chosen)


def _position(options: tuple[str, ...], value: str) -> int:
    return options.index(value) if value in options else 0
