"""Retention in the builder: the administration's "Conservation des données" section, and what
each person is told of when their things go (in the list of conversations, above the
conversation shown, beside each attached file, and in "Mes données"). The rules are read through
the person's services; the dates are the last activity (or the upload) plus the days kept
(``store.retention.erased_on``)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from agents.i18n import t
from builder_ui.services.installation import Services
from builder_ui.services.retention import conversation_erased_on, upload_erased_on
from builder_ui.web import state
from builder_ui.web.panels.admin_section import apply, heading, save_button, seed, show_problems
from builder_ui.web.state import keys, tr
from store.admin_settings import AdminSettings, RetentionSettings
from store.knowledge.records import DocumentRecord
from store.records import ConversationSummary

SECTION = "retention"
FIELDS = {
    keys.RETENTION_CONVERSATIONS: ("conversations_days", "ui.retention.conversations"),
    keys.RETENTION_DRAFTS: ("drafts_days", "ui.retention.drafts"),
    keys.RETENTION_UPLOADS: ("uploads_days", "ui.retention.uploads"),
}
MAX_DAYS = 36_500


def long_date(day: date, lang: str | None = None) -> str:
    """ "3 mars 2027", "3 March 2027"."""
    month = t(f"retention.month.{day.month}", lang)
    return t("retention.date", lang, day=day.day, month=month, year=day.year)


# --- the administrator's section -------------------------------------------------------------


def admin_section(services: Services, settings: AdminSettings, resets: set[str]) -> None:
    heading("ui.retention")
    rules = settings.retention
    seed(SECTION, {key: getattr(rules, name) for key, (name, _) in FIELDS.items()}, resets)
    with st.form(keys.RETENTION_FORM):
        for key, (_, label) in FIELDS.items():
            st.number_input(
                tr(label),
                value=None,  # may be left empty: kept until deleted
                min_value=1,
                max_value=MAX_DAYS,
                step=1,
                key=key,
                help=tr("ui.retention.days_help"),
                placeholder=tr("retention.kept_forever"),
            )
        saved = save_button(keys.RETENTION_SAVE)
    show_problems(SECTION)
    if saved:
        typed = [st.session_state.get(key) for key in FIELDS]
        days = [None if value is None else int(value) for value in typed]
        apply(SECTION, lambda: services.set_retention(*days), tr("ui.retention.saved"))
    if st.button(
        tr("ui.retention.apply"),
        key=keys.RETENTION_APPLY,
        icon=":material/auto_delete:",
        help=tr("ui.retention.apply_help"),
    ):
        report = services.apply_retention()
        if report.total:
            counts = ", ".join(
                tr("ui.retention.count", kind=tr(f"retention.kind.{kind}"), count=count)
                for kind, count in report.counts.items()
            )
            state.admin_flash("success", tr("ui.retention.applied", counts=counts))
        else:
            state.admin_flash("info", tr("ui.retention.applied_nothing"))
        st.rerun()


# --- what a person is told --------------------------------------------------------------------


def rules(services: Services) -> RetentionSettings:
    return services.retention_rules()


def list_note(summary: ConversationSummary, kept: RetentionSettings) -> str:
    """ " · effacée le 3 mars 2027" after a conversation's line in the list, or nothing."""
    day = conversation_erased_on(summary, kept)
    if day is None:
        return ""
    return " · " + tr("ui.retention.list_note", day=long_date(day, state.language()))


def conversation_note(summary: ConversationSummary | None, kept: RetentionSettings) -> None:
    """Under the conversation's name: when it will be erased, if it will."""
    if summary is None:
        return
    day = conversation_erased_on(summary, kept)
    if day is not None:
        when = long_date(day, state.language())
        st.caption(
            tr("ui.retention.conversation_note", day=when, days=kept.conversations_days),
        )


def file_note(document: DocumentRecord, kept: RetentionSettings) -> str:
    """ " · effacé le 3 mars 2027" after an attached file's size, or nothing."""
    day = upload_erased_on(document.created_at, kept)
    if day is None:
        return ""
    return " · " + tr("ui.retention.file_note", day=long_date(day, state.language()))


def my_data_rules(kept: RetentionSettings) -> None:
    """The installation's rules in a few plain sentences ("Mes données")."""
    days = {
        "conversations": kept.conversations_days,
        "drafts": kept.drafts_days,
        "uploads": kept.uploads_days,
    }
    if all(value is None for value in days.values()):
        st.caption(tr("ui.retention.rules_none"))
        return
    lines = [tr("ui.retention.rules_intro")]
    for kind, value in days.items():
        if value is None:
            lines.append("- " + tr("ui.retention.rule_kept", kind=tr(f"retention.kind.{kind}")))
        else:
            lines.append("- " + tr(f"ui.retention.rule_{kind}", days=value))
    st.markdown("\n".join(lines))
