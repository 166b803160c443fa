"""Supervision: what people do with the assistants' drafts, per agent and per reviewer: the
share approved unchanged, approved after edits and rejected (a bar chart, its figures in a table
beside it: nothing said by colour alone), how much the edits change the text, and the time taken
to decide; the (draft, final reply) pairs download as test cases. Who sees what is the services'
to decide: an administrator the whole installation, a creator her agents' drafts and those she
reviewed."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from builder_ui.web.state import drafts as drafts_state
from builder_ui.web.state import keys, tr

SHARES = ("unchanged", "edited", "rejected")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


def _table(lines: list[Any]) -> pd.DataFrame:
    rows = [
        {
            tr("ui.oversight.col.name"): line.label,
            tr("ui.oversight.col.decided"): line.decided,
            **{tr(f"ui.oversight.col.{s}"): round(100 * getattr(line, s), 1) for s in SHARES},
            tr("ui.oversight.col.edit_distance"): round(line.edit_distance, 1),
            tr("ui.oversight.col.decide_time"): _duration(line.decide_seconds),
        }
        for line in lines
    ]
    return pd.DataFrame(rows)


def _section(title: str, lines: list[Any]) -> None:
    st.subheader(title)
    if not lines:
        st.caption(tr("ui.oversight.nothing"))
        return
    frame = _table(lines)
    shares = [tr(f"ui.oversight.col.{s}") for s in SHARES]
    st.caption(tr("ui.oversight.chart"))
    st.bar_chart(frame.set_index(tr("ui.oversight.col.name"))[shares], horizontal=True, height=240)
    st.dataframe(frame, hide_index=True, width="stretch")


def main() -> None:
    drafting = drafts_state.drafting()
    st.title(tr("ui.oversight.title"))
    st.caption(tr("ui.oversight.intro"))
    measures = drafting.oversight_measures()
    st.caption(tr(f"ui.oversight.scope.{measures.scope}"))
    _section(tr("ui.oversight.by_agent"), measures.by_agent)
    _section(tr("ui.oversight.by_reviewer"), measures.by_reviewer)
    agents = {line.id: line.label for line in measures.by_agent}
    if not agents:
        return
    agent = st.selectbox(
        tr("ui.oversight.agent"),
        list(agents),
        format_func=lambda a: agents[a],
        key=keys.OVERSIGHT_AGENT,
    )
    st.download_button(
        tr("ui.oversight.pairs"),
        lambda: drafting.draft_pairs(agent),
        file_name=f"cas-de-test-{agent}.yaml",
        mime="text/yaml",
        icon=":material/download:",
        help=tr("ui.oversight.pairs_help"),
        key=keys.OVERSIGHT_PAIRS,
    )


main()
