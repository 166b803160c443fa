"""Inputs labelled from the message catalogues, drawn the same way on every page: a field's label
is the message ``key`` and its help the message ``key.help``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st

from builder_ui.web.models.editor import Problem
from builder_ui.web.models.inert import literal
from builder_ui.web.state import tr


def problem_lines(problems: Iterable[Problem]) -> str:
    """A Markdown list: "- **Outils › Lecture de page web** : message". The place is said in the
    form's words; the spec's field path (``tools[3].config.document``) means nothing to the person
    who fills the form, so it is not shown."""
    return "\n".join(f"- **{literal(p.label)}** : {literal(p.message)}" for p in problems)


def number_field(
    message: str, key: str, low: float, high: float, step: float, *, where: Any = st, **options: Any
) -> Any:
    """A number input between ``low`` and ``high`` (whole numbers if they are ``int``), drawn in
    ``where`` (a column; the current container by default)."""
    return where.number_input(
        tr(message),
        min_value=low,
        max_value=high,
        step=step,
        key=key,
        help=tr(f"{message}.help"),
        **options,
    )
