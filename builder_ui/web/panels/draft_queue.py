"""The review queue of the "Brouillons" page: filters by batch and status, the counts by status
(a table: no colour alone), then the first draft waiting, its message beside it (two columns),
to approve, reject or send back; after a decision the next one comes. Drafts already decided
are listed in a table with their final reply and who decided."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from builder_ui.web.models.inert import literal
from builder_ui.web.panels import draft_card, inert
from builder_ui.web.panels.draft_batch import STATUSES, status_label
from builder_ui.web.state import keys, tr

ALL = ""


def _filters(drafting: Any) -> tuple[str | None, str]:
    batches = {b.id: b.name for b in drafting.batches()}
    left, right = st.columns(2)
    batch = left.selectbox(
        tr("ui.drafts.queue.batch"),
        [ALL, *batches],
        format_func=lambda b: literal(batches[b]) if b else tr("ui.drafts.queue.all_batches"),
        key=keys.DRAFTS_QUEUE_BATCH,
    )
    status = right.selectbox(
        tr("ui.drafts.queue.status"),
        list(STATUSES),
        format_func=status_label,
        key=keys.DRAFTS_QUEUE_STATUS,
    )
    return (batch or None), status


def _counts(drafts: list[Any]) -> None:
    counts: dict[str, int] = {}
    for draft in drafts:
        counts[draft.status] = counts.get(draft.status, 0) + 1
    if not counts:
        return
    rows = [{"status": status_label(s), "count": counts[s]} for s in STATUSES if s in counts]
    frame = pd.DataFrame(rows).rename(
        columns={"status": tr("ui.drafts.col.status"), "count": tr("ui.drafts.col.count")}
    )
    st.caption(tr("ui.drafts.batches.counts"))
    st.dataframe(frame, hide_index=True)


def render(drafting: Any) -> None:
    st.caption(tr("ui.drafts.queue.intro"))
    batch, status = _filters(drafting)
    everything = drafting.review_queue(batch=batch, status=None)
    _counts(everything)
    shown = [d for d in everything if d.status == status]
    if not shown:
        st.info(tr("ui.drafts.queue.empty"), icon=":material/task_alt:")
        return
    if status == "pending":
        mine = [d for d in shown if drafting.may_decide(d)]
        if not mine:
            st.info(tr("ui.drafts.queue.empty"), icon=":material/task_alt:")
            return
        st.caption(tr("ui.drafts.queue.position", index=1, count=len(mine)))
        _one(drafting, mine[0])
    else:
        _decided_table(shown)


def _where(draft: Any) -> str:
    if draft.batch_id:
        return tr("ui.drafts.queue.from_batch", name=draft.source_name or "", row=draft.row)
    return tr("ui.drafts.queue.from_conversation", agent=draft.source_name or "")


def _one(drafting: Any, draft: Any) -> None:
    with st.container(border=True):
        st.caption(literal(_where(draft)))
        message, reply = st.columns(2)
        with message:
            st.markdown(f"**{tr('ui.drafts.queue.message')}**")
            st.markdown(literal(draft.message))
            if draft.context:
                st.markdown(f"**{tr('ui.drafts.queue.context')}**")
                for name, value in draft.context.items():
                    st.markdown(f"- {literal(str(name))} : {literal(str(value))}")
        with reply:
            st.markdown(f"**{tr('ui.drafts.queue.draft')}**")
            inert.markdown(draft.draft)
        draft_card.decision(drafting, draft)


def _decided_table(drafts: list[Any]) -> None:
    rows = []
    for draft in drafts:
        rows.append(
            {
                tr("ui.drafts.queue.message"): draft.message,
                tr("ui.drafts.queue.draft"): draft.draft,
                tr("ui.drafts.queue.final"): draft.final or "",
                tr("ui.drafts.col.status"): status_label(draft.status),
                tr("ui.drafts.queue.reason"): draft.reason or draft.error or "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
