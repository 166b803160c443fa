"""Usage ("Utilisation"): a month's runs, tokens, cost and active people, day by day and broken
down, with a CSV download. What a person sees follows their role, decided inside their
workspace (``store.usage``): the whole installation for an administrator (by agent, team, person
or model, and the quotas they set), their own agents for a creator, their own use and quotas for
everyone. Every chart has its figures in a table beside it: nothing is said by colour alone."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from agents.errors import UserError
from builder_ui.services import usage as usage_service
from builder_ui.web import state
from builder_ui.web.panels.admin_section import show_flashes
from builder_ui.web.state import keys, tr
from store.usage import UsageReport
from store.usage_records import BREAKDOWNS, QUOTA_UNITS
from store.workspace import Workspace


def main() -> None:
    workspace = state.services().workspace
    me = workspace.me()
    st.title(tr("ui.usage.title"))
    show_flashes()
    month = st.selectbox(tr("ui.usage.month"), usage_service.recent_months(), key=keys.USAGE_MONTH)
    by = None
    if me.is_admin:
        by = st.selectbox(
            tr("ui.usage.by"),
            list(BREAKDOWNS),
            format_func=lambda choice: tr(f"ui.usage.by.{choice}"),
            key=keys.USAGE_BY,
        )
    found = usage_service.report(workspace, month, by)
    st.caption(tr(f"ui.usage.intro.{found.scope}"))
    _totals(found)
    _days(found)
    if found.by != "all":
        _breakdown(found)
    _download(found)
    _my_quotas(workspace)
    if me.is_admin:
        _quotas(workspace)


def _totals(found: UsageReport) -> None:
    total = found.total
    runs, tokens, cost, people = st.columns(4)
    runs.metric(tr("ui.usage.metric.runs"), f"{total.runs:,}".replace(",", " "))
    tokens.metric(tr("ui.usage.metric.tokens"), f"{total.tokens:,}".replace(",", " "))
    cost.metric(tr("ui.usage.metric.cost"), usage_service.euros(total.cost))
    people.metric(tr("ui.usage.metric.people"), total.people)


def _columns(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows with their columns named in the person's language."""
    frame = pd.DataFrame(rows)
    return frame.rename(columns={c: tr(f"ui.usage.col.{c}") for c in frame.columns})


def _days(found: UsageReport) -> None:
    st.subheader(tr("ui.usage.days_title"))
    if not found.total.runs:
        st.info(tr("ui.usage.nothing"), icon=":material/info:")
        return
    rows = usage_service.day_rows(found)
    frame = _columns(rows).set_index(tr("ui.usage.col.day"))
    st.caption(tr("ui.usage.days_chart"))
    st.bar_chart(frame, y=tr("ui.usage.col.tokens"), height=240)
    st.caption(tr("ui.usage.cost_chart"))
    st.bar_chart(frame, y=tr("ui.usage.col.cost_eur"), height=200)  # a line chart fails axe
    st.dataframe(frame, width="stretch")


def _breakdown(found: UsageReport) -> None:
    st.subheader(tr("ui.usage.breakdown_title"))
    rows = usage_service.rows(found, state.language())
    if not rows:
        return
    frame = _columns(rows)
    top = frame.head(10).set_index(tr("ui.usage.col.name"))
    st.caption(tr("ui.usage.breakdown_chart"))
    st.bar_chart(top, y=tr("ui.usage.col.cost_eur"), horizontal=True, height=280)
    st.dataframe(frame, hide_index=True, width="stretch")


def _download(found: UsageReport) -> None:
    if not found.total.runs:
        return
    st.download_button(
        tr("ui.usage.download"),
        usage_service.to_csv(found, state.language()).encode("utf-8"),
        file_name=f"utilisation-{found.month}-{found.by}.csv",
        mime="text/csv",
        icon=":material/download:",
    )


def _my_quotas(workspace: Workspace) -> None:
    st.subheader(tr("ui.usage.my_quotas_title"))
    states = workspace.usage.quota_state()
    if not states:
        st.caption(tr("ui.usage.no_quota"))
        return
    st.dataframe(
        _columns(usage_service.quota_rows(states, state.language())),
        hide_index=True,
        width="stretch",
    )


def _quotas(workspace: Workspace) -> None:
    st.subheader(tr("ui.usage.quotas_title"))
    states = workspace.usage.list_quotas()
    if states:
        st.dataframe(
            _columns(usage_service.quota_rows(states, state.language())),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(tr("ui.usage.no_quotas"))
    with st.form("usage.quota.set_form"):
        st.markdown(f"**{tr('ui.usage.quota_form')}**")
        kind = st.radio(
            tr("ui.usage.quota_kind"),
            ["person", "team"],
            format_func=lambda k: tr(f"usage.quota.kind.{k}"),
            horizontal=True,
            key=keys.USAGE_QUOTA_KIND,
        )
        who = st.text_input(tr("ui.usage.quota_who"), key=keys.USAGE_QUOTA_WHO)
        unit = st.radio(
            tr("ui.usage.quota_unit"),
            list(QUOTA_UNITS),
            format_func=lambda u: tr(f"usage.quota.unit.{u}"),
            horizontal=True,
            key=keys.USAGE_QUOTA_UNIT,
        )
        limit = st.number_input(
            tr("ui.usage.quota_limit"), min_value=0.0, step=1.0, key=keys.USAGE_QUOTA_LIMIT
        )
        if st.form_submit_button(tr("ui.usage.quota_save"), key=keys.USAGE_QUOTA_SAVE):
            _set_quota(workspace, kind, who, unit, limit)
    if states:
        _remove_quota(workspace, states)


def _set_quota(workspace: Workspace, kind: str, who: str, unit: str, limit: float) -> None:
    person, team = (who, None) if kind == "person" else (None, who)
    tokens, euros = (int(limit), None) if unit == "tokens" else (None, limit)
    try:
        done = usage_service.set_quota(
            workspace, person=person, team=team, tokens=tokens, euros_limit=euros
        )
    except UserError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return
    state.admin_flash("success", tr("ui.usage.quota_saved", name=done.label))
    st.rerun()


def _remove_quota(workspace: Workspace, states: list[Any]) -> None:
    labels = {f"{s.quota.subject_kind}\0{s.quota.subject_id}\0{s.quota.unit}": s for s in states}
    with st.form("usage.quota.remove_form"):
        st.markdown(f"**{tr('ui.usage.quota_remove')}**")
        picked = st.selectbox(
            tr("ui.usage.quota_remove_pick"),
            list(labels),
            format_func=lambda k: (
                f"{tr('usage.quota.kind.' + labels[k].quota.subject_kind)} "
                f"{labels[k].label} ({tr('usage.quota.unit.' + labels[k].quota.unit)})"
            ),
            key=keys.USAGE_QUOTA_PICK,
        )
        removing = st.form_submit_button(
            tr("ui.usage.quota_remove_button"), key=keys.USAGE_QUOTA_REMOVE
        )
        if removing and picked in labels:
            chosen = labels[picked]
            kind = chosen.quota.subject_kind
            subject = chosen.quota.subject_id
            person, team = (subject, None) if kind == "person" else (None, subject)
            try:
                usage_service.remove_quota(
                    workspace, person=person, team=team, unit=chosen.quota.unit
                )
            except UserError as exc:
                st.error(exc.message(state.language()), icon=":material/error:")
                return
            state.admin_flash("success", tr("ui.usage.quota_removed", name=chosen.label))
            st.rerun()


main()
