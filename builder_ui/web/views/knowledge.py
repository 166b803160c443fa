"""Connaissances: the person's knowledge bases, their documents, and a search to try them.

Documents are indexed in the background (``Workspace.add_documents`` returns at once); while
some are queued or indexing, their list refreshes itself every ``REFRESH_S`` seconds, and
stops once none is left. The search is the one the agents use (``Workspace.search``).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from agents.errors import AtelierError
from agents.spec import DATA_CLASSES
from builder_ui.services.installation import Services
from builder_ui.services.system import ocr_missing_key
from builder_ui.web import state
from builder_ui.web.models.knowledge import (
    ACCEPTED_TYPES,
    STATUS_ICONS,
    counted,
    file_size,
    heading_trail,
    is_pending,
    plain_reason,
    progress_value,
    quoted,
    ready_detail,
    score_line,
    source_label,
    split_added,
    status_label,
    summarise,
    summary_line,
)
from builder_ui.web.models.transcript import escape_markdown
from builder_ui.web.panels import sharing as sharing_panel
from builder_ui.web.state import tr, tr_or
from store.knowledge.failures import failure_text
from store.knowledge.records import DocumentRecord, KnowledgeBaseRecord

REFRESH_S = 1.0
SEARCH_RESULTS = 5


def show_error(exc: AtelierError) -> None:
    st.error(exc.message(state.language()), icon=":material/error:")


def show_flashes() -> None:
    for kind, message in state.take_kb_flashes():
        icon = ":material/check_circle:" if kind == "success" else ":material/info:"
        getattr(st, kind)(message, icon=icon)


def confirm(message: str, yes: str) -> bool | None:
    """A warning with "yes" and "cancel": True, False, or None until one is clicked."""
    st.warning(message, icon=":material/warning:")
    left, right, _ = st.columns([2, 1, 2])
    if left.button(yes, type="primary", icon=":material/delete_forever:", key=state.KB_CONFIRM_YES):
        return True
    if right.button(tr("ui.kb.cancel"), key=state.KB_CONFIRM_NO):
        return False
    return None


# --- a new base ----------------------------------------------------------------------------------


def new_base_form(services: Services, expanded: bool) -> None:
    state.take_new_kb_form_reset()
    with (
        st.expander(tr("ui.kb.new.title"), expanded=expanded, icon=":material/add:"),
        st.form(state.KB_NEW_FORM, border=False),
    ):
        name = st.text_input(
            tr("ui.kb.new.name"),
            key=state.KB_NEW_NAME,
            placeholder=tr("ui.kb.new.name.placeholder"),
        )
        description = st.text_area(
            tr("ui.kb.new.description"),
            key=state.KB_NEW_DESCRIPTION,
            height=68,
            placeholder=tr("ui.kb.new.description.placeholder"),
        )
        data_class = st.selectbox(
            tr("ui.guard.class"),
            DATA_CLASSES,
            index=DATA_CLASSES.index("internal"),
            format_func={c: tr(f"ui.guard.class.{c}") for c in DATA_CLASSES}.__getitem__,
            help=tr("ui.kb.class.help"),
        )
        created = st.form_submit_button(
            tr("ui.kb.new.create"), type="primary", icon=":material/add:", key=state.KB_CREATE
        )
    if created:
        try:
            kb = services.workspace.create_kb(
                name or "", description=description or "", data_class=data_class
            )
        except AtelierError as exc:
            show_error(exc)
        else:
            state.select_kb(kb.id)
            state.reset_new_kb_form()
            state.kb_flash("success", tr("ui.kb.created", name=kb.name))
            st.rerun()


# --- documents -----------------------------------------------------------------------------------


def upload(services: Services, kb: KnowledgeBaseRecord, documents: list[DocumentRecord]) -> None:
    st.subheader(tr("ui.kb.upload.title"))
    files = st.file_uploader(
        tr("ui.kb.upload"),
        type=list(ACCEPTED_TYPES),
        accept_multiple_files=True,
        key=state.kb_upload_key(kb.id, state.kb_upload_nonce()),
        help=tr("ui.kb.upload.help"),
    )
    replace = st.checkbox(
        tr("ui.kb.replace"), value=True, key=state.KB_REPLACE, help=tr("ui.kb.replace.help")
    )
    if st.button(
        tr("ui.kb.add"),
        type="primary",
        icon=":material/upload_file:",
        disabled=not files,
        key=state.KB_ADD,
    ):
        try:
            services.check_base_route(kb.id)  # its agents' models may receive its data
            returned = services.workspace.add_documents(
                kb.id, [(file.name, file.getvalue()) for file in files or []], replace=replace
            )
        except AtelierError as exc:
            show_error(exc)
            return
        added, already = split_added(documents, returned)
        if added:
            state.kb_flash("success", counted(tr, "ui.kb.added", len(added)))
        for document in already:
            state.kb_flash("info", tr("ui.kb.already", name=document.filename))
        for document in added:
            if document.replaces:
                state.kb_flash("info", tr("ui.kb.replacing", name=document.filename))
        state.renew_kb_upload()
        st.rerun()


def document_row(services: Services, kb: KnowledgeBaseRecord, document: DocumentRecord) -> None:
    with st.container(border=True):
        name, status, action = st.columns([6, 3, 2], vertical_alignment="center")
        name.markdown(f"**{escape_markdown(document.filename)}**")
        status.markdown(
            f"{STATUS_ICONS[document.status]} {status_label(document, tr, state.language())}"
        )
        if action.button(
            tr("ui.kb.delete_document"),
            key=state.kb_delete_document_key(document.id),
            icon=":material/delete:",
            help=tr("ui.kb.delete_document.help", name=document.filename),
            width="stretch",
        ):
            state.ask_kb_confirm(("document", document.id))
            st.rerun()
        size = file_size(document.size, tr)
        if is_pending(document):
            st.progress(progress_value(document), text=status_label(document, tr, state.language()))
        elif document.status == "failed":
            reason = failure_text(document.failure, state.language())
            st.error(plain_reason(reason, tr), icon=":material/error:")
        else:
            st.caption(f"{ready_detail(document, tr)} · {size}")
            passages_toggle(services, kb, document)
        if state.kb_confirm() == ("document", document.id):
            answer = confirm(
                tr("ui.kb.delete_document.confirm", name=document.filename),
                tr("ui.kb.delete_document.yes"),
            )
            if answer is not None:
                state.ask_kb_confirm(None)
                if answer:
                    delete_document(services, kb, document)
                st.rerun()


def passages_toggle(services: Services, kb: KnowledgeBaseRecord, document: DocumentRecord) -> None:
    """ "Show the text read": the document's passages as indexed (check a scan's OCR, or why
    a passage is found), one document at a time."""
    shown = state.kb_passages_shown() == document.id
    label = (
        tr("ui.kb.passages.hide") if shown else counted(tr, "ui.kb.passages.show", document.chunks)
    )
    if st.button(
        label,
        key=state.kb_passages_key(document.id),
        icon=":material/visibility_off:" if shown else ":material/visibility:",
        type="tertiary",
    ):
        state.show_kb_passages(None if shown else document.id)
        st.rerun()
    if not shown:
        return
    try:
        passages = services.workspace.document_passages(kb.id, document.id)
    except AtelierError as exc:
        show_error(exc)
        return
    for passage in passages:
        where = [tr("ui.kb.passages.number", number=passage.ordinal + 1)]
        if passage.page is not None:
            where.append(tr("ui.kb.passages.page", page=passage.page))
        if passage.heading_path:
            where.append(" › ".join(passage.heading_path))
        st.caption(escape_markdown(" · ".join(where)))
        st.markdown(quoted(passage.text))


def delete_document(services: Services, kb: KnowledgeBaseRecord, document: DocumentRecord) -> None:
    try:
        with st.spinner(tr("ui.kb.deleting")):
            services.workspace.delete_document(kb.id, document.id, wait=False)
    except AtelierError as exc:
        state.kb_flash("warning", exc.message(state.language()))
    else:
        state.kb_flash("success", tr("ui.kb.document_deleted", name=document.filename))


def document_list(
    services: Services, kb: KnowledgeBaseRecord, documents: Sequence[DocumentRecord]
) -> None:
    if not documents:
        st.caption(tr("ui.kb.no_documents"))
    for document in documents:
        document_row(services, kb, document)


@st.fragment(run_every=REFRESH_S)
def live_document_list(services: Services, kb: KnowledgeBaseRecord) -> None:
    """The list while documents are indexing: redrawn alone every ``REFRESH_S`` seconds; once
    nothing is pending, the whole page is drawn again, without this timer."""
    try:
        documents = services.workspace.list_documents(kb.id)
    except AtelierError as exc:
        show_error(exc)
        return
    document_list(services, kb, documents)
    if not summarise(documents).busy:
        st.rerun()


# --- search --------------------------------------------------------------------------------------


def search(services: Services, kb: KnowledgeBaseRecord, ready: int) -> None:
    st.subheader(tr("ui.kb.search.title"))
    st.caption(tr("ui.kb.search.help"))
    query = st.text_input(
        tr("ui.kb.search"),
        key=state.kb_search_key(kb.id),
        placeholder=tr("ui.kb.search.placeholder"),
    )
    if not (query or "").strip():
        return
    if not ready:
        st.info(tr("ui.kb.search.nothing_ready"), icon=":material/info:")
        return
    try:
        passages = services.workspace.search([kb.id], query, k=SEARCH_RESULTS)
    except AtelierError as exc:
        show_error(exc)
        return
    if not passages:
        st.info(tr("ui.kb.search.none"), icon=":material/info:")
    for number, passage in enumerate(passages, 1):
        with st.container(border=True):
            # One result per document: its title (from its content), then where the passage is.
            heading = passage.title or source_label(passage, tr)
            st.markdown(f"**[{number}] {escape_markdown(heading)}**")
            where = source_label(passage, tr) if passage.title else heading_trail(passage)
            if where:
                st.caption(escape_markdown(where))
            st.markdown(quoted(passage.text))
            similarity = passage.scores.get("dense")
            st.caption(
                score_line(similarity, state.language(), tr),
                help=tr("knowledge.similarity_help"),
            )
            if passage.others:
                with st.expander(tr("ui.kb.search.others", count=len(passage.others))):
                    for other in passage.others:
                        st.caption(escape_markdown(source_label(other, tr)))
                        st.markdown(quoted(other.text))


# --- re-indexing ---------------------------------------------------------------------------------


def model_warning(services: Services, kb: KnowledgeBaseRecord) -> None:
    """The base's vectors come from another model than the one configured now."""
    changed = services.workspace.kb_model_changed(kb.id)
    if changed is not None:
        was, now = changed
        st.warning(tr("ui.kb.model_changed", was=was, now=now), icon=":material/warning:")


def reindex(services: Services, kb: KnowledgeBaseRecord) -> None:
    """Advanced: the base's embedding model, and re-indexing (with a progress bar)."""
    infos = {info.id: info for info in services.workspace.kb_embedders()}
    ids = list(dict.fromkeys([kb.embedder, *infos]))  # the base's own, even if not offered
    with st.expander(tr("ui.kb.reindex.title"), icon=":material/tune:"):
        st.write(tr("ui.kb.reindex.explain"))
        chosen = st.selectbox(
            tr("ui.kb.reindex.embedder"),
            ids,
            format_func=lambda i: tr_or(f"ui.kb.embedder.{i}", infos[i].label if i in infos else i),
            key=state.kb_embedder_key(kb.id),
        )
        info = infos.get(chosen)
        if info is not None:
            st.caption(tr_or(f"ui.kb.embedder.{chosen}.help", info.description))
            if not info.offline:
                st.warning(tr("ui.kb.reindex.remote"), icon=":material/cloud_upload:")
        if not st.button(tr("ui.kb.reindex"), key=state.KB_REINDEX, icon=":material/refresh:"):
            return
        bar = st.progress(0.0, text=tr("ui.kb.reindex.running"))

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=tr("ui.kb.reindex.running"))

        try:
            done = services.workspace.reindex_kb(kb.id, chosen, on_progress=progress)
        except AtelierError as exc:
            show_error(exc)
            return
        state.kb_flash("success", tr("ui.kb.reindexed", name=done.name))
        st.rerun()


# --- deleting the base ---------------------------------------------------------------------------


def delete_base(services: Services, kb: KnowledgeBaseRecord) -> None:
    asked = state.kb_confirm() == ("base", kb.id)
    with st.expander(
        tr("ui.kb.delete_base.title"), icon=":material/delete_forever:", expanded=asked
    ):
        st.write(tr("ui.kb.delete_base.explain"))
        if not asked:
            if st.button(
                tr("ui.kb.delete_base"), key=state.KB_DELETE_BASE, icon=":material/delete:"
            ):
                state.ask_kb_confirm(("base", kb.id))
                st.rerun()
            return
        using = services.workspace.agents_using_kb(kb.id)
        if using:
            names = ", ".join(tr("kb.agent_name", name=agent.name) for agent in using)
            st.warning(tr("ui.kb.delete_base.used_by", agents=names), icon=":material/smart_toy:")
        answer = confirm(tr("ui.kb.delete_base.confirm", name=kb.name), tr("ui.kb.delete_base.yes"))
        if answer is None:
            return
        state.ask_kb_confirm(None)
        if answer:
            try:
                with st.spinner(tr("ui.kb.deleting")):
                    services.workspace.delete_kb(kb.id)
            except AtelierError as exc:
                state.kb_flash("warning", exc.message(state.language()))
            else:
                state.select_kb(None)
                state.kb_flash("success", tr("ui.kb.base_deleted", name=kb.name))
        st.rerun()


# --- the page ------------------------------------------------------------------------------------


def data_class_field(services: Services, kb: KnowledgeBaseRecord) -> None:
    """The class of the base's data, changed by its owner; raising it past what an agent's
    model may receive is refused, saying which agent."""
    chosen = st.selectbox(
        tr("ui.guard.class"),
        DATA_CLASSES,
        index=DATA_CLASSES.index(kb.data_class),
        format_func={c: tr(f"ui.guard.class.{c}") for c in DATA_CLASSES}.__getitem__,
        help=tr("ui.kb.class.help"),
        key=f"kb.class.{kb.id}.{kb.data_class}",
    )
    if chosen != kb.data_class:
        try:
            services.set_kb_class(kb.id, chosen)
        except AtelierError as exc:
            show_error(exc)
            return
        st.rerun()


def base_panel(services: Services, kb: KnowledgeBaseRecord) -> None:
    access = services.workspace.kb_access(kb.id)
    if access == "use":  # shared to be named in one's agents: its documents are not shown
        st.header(kb.name, divider="gray")
        st.info(tr("ui.kb.shared_to_use", owner=kb.owner), icon=":material/share:")
        return
    documents = services.workspace.list_documents(kb.id)
    summary = summarise(documents)
    st.header(kb.name, divider="gray")
    if kb.description:
        st.write(kb.description)
    st.caption(summary_line(summary, tr))
    if access == "owner":
        data_class_field(services, kb)
    if services.workspace.kb_erasing(kb.id):
        st.info(tr("ui.kb.erasing"), icon=":material/auto_delete:")
    model_warning(services, kb)
    upload(services, kb, documents)
    st.subheader(tr("ui.kb.documents.title"))
    if summary.busy:
        live_document_list(services, kb)
    else:
        document_list(services, kb, documents)
    search(services, kb, summary.ready)
    sharing_panel.render_kb(services, kb.id)
    if access == "owner":
        reindex(services, kb)
        delete_base(services, kb)


def main() -> None:
    services = state.services()
    st.title(tr("ui.kb.title"))
    st.write(tr("ui.kb.intro"))
    if (missing := ocr_missing_key()) is not None:
        st.info(tr(missing), icon=":material/document_scanner:")
    show_flashes()
    try:
        bases = services.workspace.list_kbs()
    except AtelierError as exc:
        show_error(exc)
        return
    new_base_form(services, expanded=not bases)
    if not bases:
        st.info(tr("ui.kb.no_bases"), icon=":material/info:")
        return
    names = {kb.id: kb.name for kb in bases}
    state.seed_kb_picker(list(names))
    chosen = st.selectbox(
        tr("ui.kb.pick"), list(names), format_func=names.__getitem__, key=state.KB_PICKER
    )
    state.remember_kb(chosen)
    try:
        base_panel(services, next(kb for kb in bases if kb.id == chosen))
    except AtelierError as exc:  # deleted meanwhile, from another tab or by the CLI
        show_error(exc)


main()
