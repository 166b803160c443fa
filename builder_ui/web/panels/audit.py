"""The audit log, as an administrator reads it in the "Journal" tab of the administration page:
filters, one page of entries (newest first), an integrity check and the whole log to download.

Everything goes through ``workspace.audit``, which refuses anyone but an administrator. The
download is made only when its button is pressed (and recorded as an export then), not on every
run of the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import streamlit as st

from agents.errors import UserError
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.state import keys, tr, tr_or
from store.audit import AuditEntry
from store.audit_journal import AuditJournal

PAGE_SIZE = 50
ACTIONS = (  # what the filter offers, in the person's words (agents/locales/*/audit_actions.yaml)
    "sign_in.succeeded",
    "sign_in.failed",
    "account.created",
    "account.disabled",
    "account.enabled",
    "account.invited",
    "account.password_set",
    "account.password_changed",
    "account.reset_link",
    "account.role_changed",
    "account.setup_link",
    "team.created",
    "team.member_added",
    "team.member_removed",
    "agent.created",
    "agent.saved",
    "agent.deleted",
    "agent.shared",
    "agent.unshared",
    "agent.released",
    "agent.forked",
    "agent.deprecated",
    "agent.undeprecated",
    "review.requested",
    "review.withdrawn",
    "review.approved",
    "review.rejected",
    "review.unpublished",
    "feedback.given",
    "kb.created",
    "kb.deleted",
    "kb.documents_added",
    "kb.document_deleted",
    "kb.reindexed",
    "kb.shared",
    "kb.unshared",
    "conversation.deleted",
    "approval.decided",
    "secret.saved",
    "secret.deleted",
    "admin.secret_saved",
    "admin.secret_deleted",
    "admin.settings_changed",
    "admin.model_added",
    "admin.model_removed",
    "admin.model_changed",
    "data.exported",
    "data.erased",
    "audit.exported",
    "retention.changed",
    "retention.applied",
)


def _moment(day: object, *, end: bool = False) -> datetime | None:
    if not isinstance(day, date):
        return None
    return datetime.combine(day, time.max if end else time.min).astimezone()


def _rows(entries: list[AuditEntry]) -> list[dict[str, object]]:
    col = "ui.audit.col."
    return [
        {
            tr(col + "seq"): e.seq,
            tr(col + "at"): e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            tr(col + "actor"): e.actor,
            tr(col + "action"): tr_or(f"audit.action.{e.action}", e.action),
            tr(col + "target"): " ".join(
                part
                for part in (tr_or(f"audit.target.{e.target_kind}", e.target_kind), e.target_id)
                if part
            ),
            tr(col + "origin"): e.origin,
            tr(col + "details"): " · ".join(
                f"{tr_or(f'audit.detail.{k}', k)} : {v}" for k, v in sorted(e.details.items())
            ),
        }
        for e in entries
    ]


def _target(entry: AuditEntry) -> str:
    kind = tr_or(f"audit.target.{entry.target_kind}", entry.target_kind)
    return " ".join(part for part in (kind, entry.target_id) if part)


def _turn(step: int) -> None:
    st.session_state[keys.AUDIT_PAGE] = max(0, int(st.session_state.get(keys.AUDIT_PAGE, 0)) + step)


def _first_page() -> None:
    st.session_state[keys.AUDIT_PAGE] = 0


def _export(journal: AuditJournal, fmt: str) -> Callable[[], bytes]:
    return lambda: "".join(journal.export(fmt)).encode("utf-8")


def audit_section(services: Services) -> None:
    journal = services.workspace.audit  # refused inside to anyone but an administrator
    st.caption(tr("ui.audit.intro"))
    with st.form(keys.AUDIT_FILTERS, border=False):
        left, middle, right = st.columns(3)
        actor = left.text_input(tr("ui.audit.actor"), key=keys.AUDIT_ACTOR)
        action = middle.selectbox(
            tr("ui.audit.action"),
            ("", *ACTIONS),
            format_func=lambda code: (
                tr_or(f"audit.action.{code}", code) if code else tr("ui.audit.every_action")
            ),
            key=keys.AUDIT_ACTION,
        )
        target = right.text_input(tr("ui.audit.target"), key=keys.AUDIT_TARGET)
        start, end = st.columns(2)
        since = start.date_input(tr("ui.audit.since"), value=None, key=keys.AUDIT_SINCE)
        until = end.date_input(tr("ui.audit.until"), value=None, key=keys.AUDIT_UNTIL)
        st.form_submit_button(tr("ui.audit.filter"), on_click=_first_page)
    page = int(st.session_state.get(keys.AUDIT_PAGE, 0))
    try:
        entries = journal.entries(
            actor=actor,
            action=action,
            target_id=target,
            since=_moment(since),
            until=_moment(until, end=True),
            limit=PAGE_SIZE + 1,  # one more: is there an older page?
            offset=page * PAGE_SIZE,
        )
    except UserError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        entries = []
    shown, older = entries[:PAGE_SIZE], len(entries) > PAGE_SIZE
    if shown:
        st.dataframe(_rows(shown), hide_index=True, width="stretch")
    else:
        st.info(tr("ui.audit.none"), icon=":material/info:")
    newer_col, page_col, older_col = st.columns(3)
    newer_col.button(
        tr("ui.audit.previous"),
        key=keys.AUDIT_NEWER,
        disabled=page == 0,
        on_click=_turn,
        args=(-1,),
    )
    page_col.caption(tr("ui.audit.page", page=page + 1))
    older_col.button(
        tr("ui.audit.next"), key=keys.AUDIT_OLDER, disabled=not older, on_click=_turn, args=(1,)
    )
    if st.button(tr("ui.audit.verify"), key=keys.AUDIT_VERIFY, icon=":material/verified:"):
        verdict = journal.verify()
        if verdict.ok:
            st.success(
                tr("ui.audit.intact", count=verdict.count, head=verdict.head.hash),
                icon=":material/check_circle:",
            )
        else:
            problem = tr(f"audit.problem.{verdict.problem}", seq=verdict.seq)
            st.error(tr("ui.audit.broken", problem=problem), icon=":material/error:")
    st.subheader(tr("ui.audit.export_heading"))
    jsonl, csv = st.columns(2)
    jsonl.download_button(
        tr("ui.audit.download_jsonl"),
        data=_export(journal, "jsonl"),
        file_name="journal-audit.jsonl",
        mime="application/x-ndjson",
        key=keys.AUDIT_DOWNLOAD_JSONL,
        on_click="ignore",
    )
    csv.download_button(
        tr("ui.audit.download_csv"),
        data=_export(journal, "csv"),
        file_name="journal-audit.csv",
        mime="text/csv",
        key=keys.AUDIT_DOWNLOAD_CSV,
        on_click="ignore",
    )
