"""The "Actions HTTP" box of the editor: import an API described by an OpenAPI (or Swagger)
document, tick the operations the agent may call, say how it authenticates, and add it.

The steps are those of ``builder_ui.web.models.openapi_wizard``, which does the work; this module
reads the
widgets and draws the result. A URL is fetched through the egress guard of the admin settings
(``builder_ui.services.openapi_import``, as ``atelier tool openapi``), so the import goes
nowhere the agent itself could not.
"""

from __future__ import annotations

import streamlit as st

from agents.errors import AtelierError
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.editor import ToolChoice
from builder_ui.web.models.openapi_wizard import (
    AUTH_TYPES,
    KEY_LOCATIONS,
    ImportedDocument,
    WizardChoice,
    WizardProblems,
    add_to_values,
    fetch_document,
    from_config,
    operation_rows,
    problem_label,
    read_pasted,
    read_upload,
    suggested_name,
    summarise,
    tool_config,
)
from builder_ui.web.models.transcript import escape_markdown
from builder_ui.web.state import tr

SOURCES = ("file", "url", "text")
ADMIN_PAGE = "views/admin.py"
SHOWN_OPERATIONS = 6


def choice_widgets(imported: ImportedDocument, choice: WizardChoice) -> dict[str, object]:
    """The wizard's widgets for ``choice`` over ``imported``."""
    ticked = set(choice.operations)
    widgets: dict[str, object] = {
        state.OPENAPI_NAME: choice.name,
        state.OPENAPI_BASE_URL: choice.base_url,
        state.OPENAPI_AUTH: choice.auth_type,
        state.OPENAPI_KEY_IN: choice.key_location,
        state.OPENAPI_KEY_NAME: choice.key_name,
        state.OPENAPI_CREDENTIAL: choice.credential or None,
    }
    for index, row in enumerate(operation_rows(imported)):
        widgets[state.openapi_operation_key(imported.key, index)] = row.ref in ticked
    return widgets


def render(services: Services, previous: ToolChoice) -> None:
    """The box's content once the tool is ticked: what is set, and the import."""
    summary = summarise(previous.config)
    if summary is None:
        st.info(tr("ui.openapi.empty_config"), icon=":material/info:")
    else:
        shown = ", ".join(f"`{op}`" for op in summary.operations[:SHOWN_OPERATIONS])
        if len(summary.operations) > SHOWN_OPERATIONS:
            shown += ", …"
        auth = tr(f"ui.openapi.auth.{summary.auth_type}")
        if summary.credential:
            auth += f" (`{summary.credential}`)"
        st.markdown(
            tr(
                "ui.openapi.summary",
                title=escape_markdown(summary.title or "?"),
                count=len(summary.operations),
                operations=shown,
                auth=auth,
            )
        )
    if state.openapi_loaded() is None:
        found = from_config(previous.config)
        if found is not None:  # the import opens on what is set, to change it
            state.set_openapi_loaded(found[0], choice_widgets(*found))
    title = tr("ui.openapi.title" if summary is None else "ui.openapi.change")
    with st.expander(title, expanded=summary is None, icon=":material/api:"):
        source_step(services)
        imported = state.openapi_loaded()
        if imported is not None:
            choice_step(services, imported)


def source_step(services: Services) -> None:
    labels = {source: tr(f"ui.openapi.source.{source}") for source in SOURCES}
    source = st.radio(
        tr("ui.openapi.source"),
        SOURCES,
        format_func=labels.__getitem__,
        key=state.OPENAPI_SOURCE,
        horizontal=True,
    )
    upload = None
    if source == "file":
        upload = st.file_uploader(
            tr("ui.openapi.file"),
            type=["json", "yaml", "yml"],
            key=state.openapi_upload_key(state.openapi_upload_nonce()),
            help=tr("ui.openapi.file.help"),
        )
    elif source == "url":
        st.text_input(
            tr("ui.openapi.url"),
            key=state.OPENAPI_URL,
            placeholder="https://api.example.org/openapi.json",
            help=tr("ui.openapi.url.help"),
        )
    else:
        st.text_area(
            tr("ui.openapi.text"),
            key=state.OPENAPI_TEXT,
            height=160,
            help=tr("ui.openapi.text.help"),
        )
    if not st.button(tr("ui.openapi.read"), key=state.OPENAPI_READ, icon=":material/download:"):
        return
    try:
        if source == "file":
            if upload is None:
                st.warning(tr("ui.openapi.no_file"), icon=":material/warning:")
                return
            imported = read_upload(upload.getvalue(), upload.name)
        elif source == "url":
            url = st.session_state.get(state.OPENAPI_URL) or ""
            imported = fetch_document(url)
        else:
            text = st.session_state.get(state.OPENAPI_TEXT) or ""
            imported = read_pasted(text, tr("ui.openapi.pasted"))
    except AtelierError as exc:
        message = escape_markdown(exc.message(state.language()))
        st.error(tr("ui.openapi.unreadable", reason=message), icon=":material/error:")
        return
    choice = WizardChoice(name=suggested_name(imported.title), base_url=imported.base_url)
    state.set_openapi_loaded(imported, choice_widgets(imported, choice))
    if source == "file":
        state.renew_openapi_upload()


def choice_step(services: Services, imported: ImportedDocument) -> None:
    document = imported.document
    rows = operation_rows(imported)
    st.markdown(
        tr(
            "ui.openapi.loaded",
            title=escape_markdown(document.title or imported.source),
            version=escape_markdown(document.version or "?"),
            count=len(rows),
        )
    )
    st.markdown(f"**{tr('ui.openapi.operations')}**")
    st.caption(tr("ui.openapi.operations.help"))
    ticked = []
    for index, row in enumerate(rows):
        path = row.path.replace("`", "'")  # in code: shown as is, never as Markdown
        label = f"`{row.method}` `{path}`"
        if row.summary:
            label += f" — {escape_markdown(row.summary)}"
        if row.consequential:
            label += f" · {tr('ui.openapi.asks_approval')}"
        key = state.openapi_operation_key(imported.key, index)
        if st.checkbox(label, key=key, disabled=bool(row.problem)):
            ticked.append(row.ref)
        if row.problem:
            st.caption(tr("ui.openapi.unusable", problem=escape_markdown(row.problem)))
    name = st.text_input(
        tr("ui.openapi.name"), key=state.OPENAPI_NAME, help=tr("ui.openapi.name.help")
    )
    base_url = st.text_input(
        tr("ui.openapi.base_url"), key=state.OPENAPI_BASE_URL, help=tr("ui.openapi.base_url.help")
    )
    auth_type = st.selectbox(
        tr("ui.openapi.auth"),
        AUTH_TYPES,
        format_func=lambda code: tr(f"ui.openapi.auth.{code}"),
        key=state.OPENAPI_AUTH,
    )
    choice = WizardChoice(name=name or "", operations=ticked, auth_type=str(auth_type))
    choice.base_url = base_url or ""
    if auth_type == "api_key":
        where, key_name = st.columns(2)
        choice.key_location = str(
            where.radio(
                tr("ui.openapi.key_in"),
                KEY_LOCATIONS,
                format_func=lambda code: tr(f"ui.openapi.key_in.{code}"),
                key=state.OPENAPI_KEY_IN,
                horizontal=True,
            )
        )
        choice.key_name = key_name.text_input(tr("ui.openapi.key_name"), key=state.OPENAPI_KEY_NAME)
    if auth_type != "none":
        choice.credential = credential_field(services)
    if st.button(
        tr("ui.openapi.add"), type="primary", key=state.OPENAPI_ADD, icon=":material/add_link:"
    ):
        add(imported, choice)


def credential_field(services: Services) -> str:
    """The name of one of the person's stored credentials (never its value)."""
    try:
        names = [info.name for info in services.workspace.list_secrets()]
    except AtelierError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        names = []
    current = st.session_state.get(state.OPENAPI_CREDENTIAL)
    options = names + ([current] if current and current not in names else [])
    if not names:
        st.warning(tr("ui.openapi.no_credentials"), icon=":material/key_off:")
        st.page_link(ADMIN_PAGE, label=tr("ui.openapi.manage_credentials"), icon=":material/key:")
    chosen = st.selectbox(
        tr("ui.openapi.credential"),
        options,
        format_func=lambda n: n if n in names else tr("ui.openapi.credential.missing", name=n),
        key=state.OPENAPI_CREDENTIAL,
        placeholder=tr("ui.openapi.credential.placeholder"),
        help=tr("ui.openapi.credential.help"),
    )
    return str(chosen or "")


def add(imported: ImportedDocument, choice: WizardChoice) -> None:
    try:
        config = tool_config(imported, choice)
    except WizardProblems as exc:
        lines = "\n".join(
            f"- **{tr(problem_label(path))}** (`{path or '/'}`) : {escape_markdown(message)}"
            for path, message in exc.problems
        )
        title = tr("ui.openapi.problems_title", count=len(exc.problems))
        st.error(f"{title}\n\n{lines}", icon=":material/error:")
        return
    draft = state.draft()
    if draft is None:
        return
    state.set_draft(add_to_values(draft, config))
    title = imported.title or imported.source
    state.flash(tr("ui.openapi.added", title=title, count=len(choice.operations)))
    st.rerun()
