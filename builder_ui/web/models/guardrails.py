"""The editor's "Données et supervision" values, from and to the spec's ``guardrails`` and
``oversight`` sections (kept in ``EditorValues.base``)."""

from __future__ import annotations

from typing import Any

DEFAULTS = {"data_class": "internal", "pii": "off", "high_risk_area": "none"}


def current(base: dict[str, Any]) -> dict[str, Any]:
    """What the section shows for ``base``: every field, defaults filled in."""
    guard = dict(base.get("guardrails") or {})
    if guard.get("pii") is False:  # YAML's unquoted off
        guard["pii"] = "off"
    oversight = base.get("oversight") or {}
    if isinstance(oversight, str):
        oversight = {"mode": oversight}
    review = oversight.get("mode") == "review" or oversight.get("review_before_send") is True
    return {
        **{k: guard.get(k, v) for k, v in DEFAULTS.items()},
        "review": review,
        "reviewers": ", ".join(oversight.get("reviewers") or []),
    }


def with_choices(base: dict[str, Any], chosen: dict[str, Any]) -> dict[str, Any]:
    """``base`` with the section's choices; unchanged (the very same sections) when they say
    what ``base`` already says, so that loading a spec does not look edited."""
    if chosen == current(base):
        return base
    out = {k: v for k, v in base.items() if k not in ("guardrails", "oversight")}
    kept = {k: chosen[k] for k in DEFAULTS if chosen[k] != DEFAULTS[k]}
    if kept:
        out["guardrails"] = kept
    reviewers = [r.strip() for r in str(chosen["reviewers"]).split(",") if r.strip()]
    if chosen["review"]:
        out["oversight"] = {"mode": "review", **({"reviewers": reviewers} if reviewers else {})}
    return out
