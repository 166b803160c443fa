"""Which parts of a spec have no effect yet.

The spec format carries sections that later work will honour (the trust issue: pseudonymisation,
review before sending; workflows; test runs; the opening form). Until then a spec may set them,
and a person reading it must not believe they protect anything. ``inactive_fields`` lists those
that are set, each with a plain sentence from the catalogue for the editor to show.

When a feature lands, remove its entry from ``NOT_YET_ACTIVE``: the editor stops flagging it and
``tests/test_templates.py`` lets templates speak of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from agents.i18n import t
from agents.spec import AgentSpec

NOT_YET_ACTIVE: Final[dict[str, str]] = {
    # field path -> catalogue key of its plain sentence
    "workflow": "spec_effects.workflow",
    "tests": "spec_effects.tests",
    "opening_form": "spec_effects.opening_form",
}


@dataclass(frozen=True)
class InactiveField:
    """A field that is set in the spec but does nothing yet."""

    path: str  # for developers and the YAML view: ``oversight.mode``
    key: str  # catalogue key of the sentence people read

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang)


def is_active(path: str) -> bool:
    """Whether Atelier honours the field ``path`` today."""
    return path not in NOT_YET_ACTIVE


def inactive_fields(spec: AgentSpec) -> list[InactiveField]:
    """The fields of ``spec`` that are set but have no effect yet, in the order of
    ``NOT_YET_ACTIVE``. Values that promise nothing are not listed (``pii: "off"``,
    ``oversight: none``, an empty list)."""
    found: list[InactiveField] = []
    for path, key in NOT_YET_ACTIVE.items():
        if _is_set(spec, path):
            found.append(InactiveField(path, key))
    return found


def _is_set(spec: AgentSpec, path: str) -> bool:
    if path == "guardrails.data_class":
        # Any class written down counts: "sensitive" suggests a protection, "public" a sharing.
        return spec.guardrails is not None and "data_class" in spec.guardrails.model_fields_set
    if path == "oversight.mode":
        return spec.oversight is not None and spec.oversight.review
    return bool(getattr(spec, path))  # workflow, tests, opening_form: a non-empty list
