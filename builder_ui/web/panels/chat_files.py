"""The files attached to the conversation shown on the chat page ("Discuter").

Files come with a message, through the paper clip of the chat input: they are attached to the
conversation shown (started then, if it is a new one, so that they have a home) and read
before the message is sent, with a progress bar; a file the reading refuses (a format not
read, a file too big) is said so, and the rest carries on. The list of the conversation's
files, each with its state and a "Retirer" button, is drawn above the messages. File names
come from the person: they are shown inert.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from agents.errors import AtelierError
from builder_ui.services.agents import AgentRecord
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.models.knowledge import (
    file_size,
    is_pending,
    plain_reason,
    progress_value,
    status_label,
    summarise,
)
from builder_ui.web.state import chat as chat_state
from builder_ui.web.state import keys, tr
from store.knowledge.failures import failure_text
from store.knowledge.records import DocumentRecord


def attached_ids(documents: Sequence[DocumentRecord]) -> frozenset[str]:
    """What tells a source from an attached file: its document's id, or its base's."""
    return frozenset({d.id for d in documents} | {d.kb_id for d in documents})


def conversation_files(services: Services) -> list[DocumentRecord]:
    thread = chat_state.thread()
    if thread is None:
        return []
    try:
        return services.attachments(thread)
    except AtelierError:
        return []


def attach(services: Services, agent: AgentRecord, files: Sequence[UploadedFile]) -> None:
    """Attach ``files`` to the conversation shown, starting one if none is; says what was
    refused and why."""
    try:
        thread = chat_state.thread()
        if thread is None:
            thread = services.start_conversation(agent.id).id
            chat_state.set_thread(thread)
        payload = [(f.name, f.getvalue()) for f in files]
        bar = st.progress(0.0, text=tr("ui.chat.attach.reading"))

        def progress(documents: list[DocumentRecord]) -> None:
            pending = [d for d in documents if is_pending(d)]
            if pending:
                text = tr(
                    "ui.chat.attach.reading_one",
                    name=literal(pending[0].filename),
                    stage=status_label(pending[0], tr, state.language()),
                )
                bar.progress(summarise(documents).progress, text=text)

        done = services.attach_to_conversation(thread, payload, on_progress=progress)
        bar.empty()
    except AtelierError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return
    for document in done:
        if document.status == "failed":
            st.warning(refusal(document), icon=":material/warning:")
    ready = sum(d.status == "ready" for d in done)
    if ready:
        st.success(tr("ui.chat.attach.added", count=ready), icon=":material/attach_file:")


def refusal(document: DocumentRecord) -> str:
    reason = plain_reason(failure_text(document.failure, state.language()), tr)
    return tr("ui.chat.attach.refused", reason=literal(reason))  # the reason names the file


def _remove(services: Services, thread: str, doc_id: str) -> None:
    try:
        services.remove_attachment(thread, doc_id)
    except AtelierError as exc:
        chat_state.flash("warning", exc.message(state.language()))
        return
    chat_state.flash("success", tr("ui.chat.attach.removed"))


def panel(services: Services, documents: Sequence[DocumentRecord]) -> None:
    """The conversation's files, with their state and a button to remove each."""
    thread = chat_state.thread()
    label = tr("ui.chat.attach.title", count=len(documents))
    with st.expander(label, icon=":material/attach_file:", expanded=bool(documents)):
        st.caption(tr("ui.chat.attach.hint"))
        if thread is None:
            return
        from builder_ui.web.panels.retention import file_note, rules

        kept = rules(services)
        for document in documents:
            name, remove = st.columns([5, 1], vertical_alignment="center")
            name.markdown(literal(document.filename))
            if is_pending(document):
                name.progress(
                    progress_value(document), text=status_label(document, tr, state.language())
                )
            elif document.status == "failed":
                name.error(refusal(document), icon=":material/error:")
            else:
                size = file_size(document.size, tr)
                name.caption(tr("ui.chat.attach.ready", size=size) + file_note(document, kept))
            remove.button(
                tr("ui.chat.attach.remove"),
                key=keys.chat_attachment_remove_key(document.id),
                icon=":material/delete:",
                help=tr("ui.chat.attach.remove_help"),
                on_click=_remove,
                args=(services, thread, document.id),
                width="stretch",
            )
