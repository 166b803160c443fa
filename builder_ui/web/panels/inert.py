"""Untrusted text drawn inert: model answers, tool output, document passages and what a spec
carries. The Markdown is made safe by ``builder_ui.web.models.inert`` (links and images only to
the administrator's allowlist, no HTML); what was shown as text instead is said in a caption
under it, in the person's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import streamlit as st

from builder_ui.services.links import ShownHosts, shown_hosts
from builder_ui.web.models.inert import InertText, Note, inert_markdown, literal
from builder_ui.web.state import tr

HOSTS_TTL_S = 5  # an allowlist saved on the administration page applies within seconds


@st.cache_data(ttl=HOSTS_TTL_S, show_spinner=False)
def _hosts() -> ShownHosts:
    return shown_hosts()  # the installation's settings, the same for everyone: no personal data


def inert(text: str) -> InertText:
    return inert_markdown(text, _hosts())


def note_lines(notes: Iterable[Note]) -> list[str]:
    """A sentence per note: "Image non affichée : adresse externe (collector.example)"."""
    lines = []
    for note in notes:
        if note.kind == "html":
            lines.append(tr("ui.inert.html"))
        else:
            lines.append(tr(f"ui.inert.{note.kind}", address=note.address or "?"))
    return lines


def show_notes(notes: Iterable[Note], where: Any = None) -> None:
    lines = note_lines(notes)
    if lines:
        target = where if where is not None else st
        target.caption(literal("\n".join([*lines, tr("ui.inert.hint")])))


def markdown(text: str, where: Any = None) -> None:
    """``text`` drawn as Markdown, inert, with its notes under it."""
    target = where if where is not None else st
    shown = inert(text)
    target.markdown(shown.markdown)
    show_notes(shown.notes, target)


def title(text: str, level: int = 4, where: Any = None) -> None:
    """An untrusted title (an agent's name): its characters as typed, as a heading."""
    target = where if where is not None else st
    target.markdown(f"{'#' * level} {literal(' '.join(text.split()))}")


def stream(chunks: Iterator[str]) -> str:
    """Draw text as it streams, made inert again at each piece (an image half written is text
    until it is complete, and then text too); return the whole text."""
    box = st.empty()
    text = ""
    for chunk in chunks:
        text += chunk
        box.markdown(inert(text).markdown)
    if text:
        shown = inert(text)
        with box.container():
            st.markdown(shown.markdown)
            show_notes(shown.notes)
    return text
