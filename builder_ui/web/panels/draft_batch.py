"""A batch of messages on the "Brouillons" page: the new batch (an agent, a CSV or XLSX file, its
first rows, the message and context columns, who reviews), the drafting's progress while it runs
in the background, the rows that failed with their reason, and the export of the approved
replies. Reading the file and drafting are the services' (``builder_ui.services.drafting``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from agents.errors import AtelierError
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.state import drafts as drafts_state
from builder_ui.web.state import keys, tr

REFRESH_S = 2.0  # the progress is read again this often while a batch is drafted
PREVIEW_ROWS = 5
STATUSES = ("pending", "approved", "edited", "rejected", "failed", "drafting")


def status_label(status: str) -> str:
    return tr(f"ui.drafts.status.{status}")


# --- a new batch ---------------------------------------------------------------------------------


def new_batch(drafting: Any) -> None:
    st.caption(tr("ui.drafts.new.intro"))
    agents = [found.agent for found in state.services().open_agents()]
    if not agents:
        st.info(tr("ui.drafts.new.no_agents"), icon=":material/info:")
        return
    names = {a.id: f"{a.icon or '🤖'} {' '.join(a.name.split())}" for a in agents}
    nonce = drafts_state.new_batch_nonce()
    agent = st.selectbox(
        tr("ui.drafts.new.agent"),
        list(names),
        format_func=lambda agent_id: names.get(agent_id, agent_id),
        key=keys.DRAFTS_NEW_AGENT,
        help=tr("ui.drafts.new.agent_help"),
    )
    upload = st.file_uploader(
        tr("ui.drafts.new.file"),
        type=["csv", "xlsx"],
        key=f"{keys.DRAFTS_NEW_FILE}.{nonce}",
        help=tr("ui.drafts.new.file_help"),
    )
    if upload is None:
        return
    data = upload.getvalue()
    try:
        table = drafting.batch_columns(upload.name, data)
    except AtelierError as exc:
        st.error(
            tr("ui.drafts.new.unreadable", reason=exc.message(state.language())),
            icon=":material/error:",
        )
        return
    st.caption(tr("ui.drafts.new.preview", rows=table.total))
    st.dataframe(
        pd.DataFrame(table.rows[:PREVIEW_ROWS], columns=table.columns),
        hide_index=True,
        width="stretch",
    )
    _columns_and_start(drafting, agent, upload.name, data, table.columns, nonce)


def _columns_and_start(
    drafting: Any, agent: str, name: str, data: bytes, columns: list[str], nonce: int
) -> None:
    message = st.selectbox(
        tr("ui.drafts.new.message_column"),
        columns,
        key=f"{keys.DRAFTS_NEW_MESSAGE}.{nonce}",
        help=tr("ui.drafts.new.message_column_help"),
    )
    context = st.multiselect(
        tr("ui.drafts.new.context_columns"),
        [c for c in columns if c != message],
        key=f"{keys.DRAFTS_NEW_CONTEXT}.{nonce}",
        help=tr("ui.drafts.new.context_columns_help"),
    )
    kind = st.radio(
        tr("ui.drafts.new.assign_kind"),
        ["none", "person", "team"],
        format_func=lambda k: tr(f"ui.drafts.new.assign.{k}"),
        horizontal=True,
        key=keys.DRAFTS_NEW_ASSIGN_KIND,
    )
    who = ""
    if kind != "none":
        who = st.text_input(tr("ui.drafts.new.assign_who"), key=keys.DRAFTS_NEW_ASSIGN_WHO)
    if not st.button(
        tr("ui.drafts.new.start"),
        key=keys.DRAFTS_NEW_START,
        type="primary",
        icon=":material/play_arrow:",
    ):
        return
    assign = None
    if kind == "person" and who.strip():
        assign = who.strip()
    elif kind == "team" and who.strip():
        assign = f"team:{who.strip()}"
    try:
        batch = drafting.start_batch(
            agent, name, data, message_column=message, context_columns=context, assign_to=assign
        )
    except AtelierError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return
    drafts_state.renew_new_batch()
    drafts_state.flash("success", tr("ui.drafts.new.started", name=literal(name), rows=batch.total))
    st.rerun()


# --- the batches: progress, failed rows, export ---------------------------------------------------


def _progress(batch: Any) -> None:
    done = batch.done + batch.failed
    value = done / batch.total if batch.total else 1.0
    text = tr("ui.drafts.batches.progress", done=done, total=batch.total)
    st.progress(min(value, 1.0), text=text)


def running(batches: list[Any]) -> bool:
    return any(b.running for b in batches)


def progress_of_running(drafting: Any) -> None:
    """The progress of the batches being drafted, above the tabs: redrawn alone every
    ``REFRESH_S`` seconds while one is; once none is, the whole page is drawn again."""
    if not running(drafting.batches()):
        return
    _live_progress(drafting)


@st.fragment(run_every=REFRESH_S)
def _live_progress(drafting: Any) -> None:
    batches = [b for b in drafting.batches() if b.running]
    for batch in batches:
        st.markdown(f"**{literal(tr('ui.drafts.batches.progress_label', name=batch.name))}**")
        _progress(batch)
    if batches:
        st.caption(tr("ui.drafts.batches.running"))
    else:
        st.rerun(scope="app")


def batch_list(drafting: Any) -> None:
    batches = drafting.batches()
    if not batches:
        st.info(tr("ui.drafts.batches.none"), icon=":material/info:")
        return
    for batch in batches:
        with st.container(border=True):
            _batch_card(drafting, batch)


def _batch_card(drafting: Any, batch: Any) -> None:
    st.markdown(
        "#### " + literal(tr("ui.drafts.batches.heading", name=batch.name, agent=batch.agent_name))
    )
    when = batch.created_at.astimezone().strftime("%d/%m/%Y %H:%M")
    st.caption(
        tr("ui.drafts.batches.created", by=literal(batch.created_by), when=when, total=batch.total)
    )
    _progress(batch)
    if not batch.running:
        st.caption(tr("ui.drafts.batches.finished"))
    counts = {s: n for s, n in batch.counts.items() if n}
    if counts:
        frame = pd.DataFrame(
            [{"status": status_label(s), "count": n} for s, n in counts.items()]
        ).rename(columns={"status": tr("ui.drafts.col.status"), "count": tr("ui.drafts.col.count")})
        st.dataframe(frame, hide_index=True)
    failed = [d for d in drafting.review_queue(batch=batch.id, status="failed")]
    if failed:
        st.warning(tr("ui.drafts.batches.failed_rows", count=len(failed)), icon=":material/error:")
        for draft in failed:
            st.caption(
                literal(tr("ui.drafts.batches.failed_row", row=draft.row, reason=draft.error))
            )
    _export(drafting, batch)


def _export(drafting: Any, batch: Any) -> None:
    if not (batch.counts.get("approved", 0) or batch.counts.get("edited", 0)):
        st.caption(tr("ui.drafts.batches.nothing_approved"))
        return
    csv, xlsx = st.columns(2)
    stem = f"reponses-{batch.id}"
    csv.download_button(
        tr("ui.drafts.batches.export_csv"),
        lambda: drafting.export_batch(batch.id, "csv"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=keys.batch_key(batch.id, "csv"),
    )
    xlsx.download_button(
        tr("ui.drafts.batches.export_xlsx"),
        lambda: drafting.export_batch(batch.id, "xlsx"),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        key=keys.batch_key(batch.id, "xlsx"),
    )
