"""The builder's session, as the pages see it: every ``st.session_state`` key
(``keys``), the accessors of each page, and the session's language and services.

Pages and tests reach all of it as ``state.X``, each name imported explicitly below. The keys live
in ``keys`` alone; the accessors are grouped by what they serve: the editor's draft (``editor``),
the preview and its approval cards (``preview``), the knowledge page (``knowledge``) and the
administration page (``admin``), all built from the few shapes of ``session``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from agents.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language, t
from builder_ui.services.installation import Installation, Services
from builder_ui.web.state.admin import (
    admin_confirm as admin_confirm,
)
from builder_ui.web.state.admin import (
    admin_flash as admin_flash,
)
from builder_ui.web.state.admin import (
    admin_problems as admin_problems,
)
from builder_ui.web.state.admin import (
    ask_admin_confirm as ask_admin_confirm,
)
from builder_ui.web.state.admin import (
    forget_mcp_review as forget_mcp_review,
)
from builder_ui.web.state.admin import (
    forget_mcp_statuses as forget_mcp_statuses,
)
from builder_ui.web.state.admin import (
    mcp_review as mcp_review,
)
from builder_ui.web.state.admin import (
    mcp_statuses as mcp_statuses,
)
from builder_ui.web.state.admin import (
    model_tests as model_tests,
)
from builder_ui.web.state.admin import (
    reset_admin_section as reset_admin_section,
)
from builder_ui.web.state.admin import (
    set_admin_problems as set_admin_problems,
)
from builder_ui.web.state.admin import (
    set_mcp_review as set_mcp_review,
)
from builder_ui.web.state.admin import (
    set_mcp_statuses as set_mcp_statuses,
)
from builder_ui.web.state.admin import (
    set_model_test as set_model_test,
)
from builder_ui.web.state.admin import (
    take_admin_flashes as take_admin_flashes,
)
from builder_ui.web.state.admin import (
    take_admin_resets as take_admin_resets,
)
from builder_ui.web.state.agents import (
    OpenRequest as OpenRequest,
)
from builder_ui.web.state.agents import (
    agent_notice as agent_notice,
)
from builder_ui.web.state.agents import (
    ask_delete as ask_delete,
)
from builder_ui.web.state.agents import (
    ask_open as ask_open,
)
from builder_ui.web.state.agents import (
    delete_asked as delete_asked,
)
from builder_ui.web.state.agents import (
    forget_delete as forget_delete,
)
from builder_ui.web.state.agents import (
    forget_open as forget_open,
)
from builder_ui.web.state.agents import (
    import_nonce as import_nonce,
)
from builder_ui.web.state.agents import (
    import_problems as import_problems,
)
from builder_ui.web.state.agents import (
    open_asked as open_asked,
)
from builder_ui.web.state.agents import (
    renew_import as renew_import,
)
from builder_ui.web.state.agents import (
    set_import_problems as set_import_problems,
)
from builder_ui.web.state.agents import (
    take_agent_notices as take_agent_notices,
)
from builder_ui.web.state.editor import (
    agent_id as agent_id,
)
from builder_ui.web.state.editor import (
    draft as draft,
)
from builder_ui.web.state.editor import (
    drop_editor_widgets as drop_editor_widgets,
)
from builder_ui.web.state.editor import (
    editor_widget_state as editor_widget_state,
)
from builder_ui.web.state.editor import (
    flash as flash,
)
from builder_ui.web.state.editor import (
    loaded_version as loaded_version,
)
from builder_ui.web.state.editor import (
    message_nonce as message_nonce,
)
from builder_ui.web.state.editor import (
    open_in_editor as open_in_editor,
)
from builder_ui.web.state.editor import (
    openapi_loaded as openapi_loaded,
)
from builder_ui.web.state.editor import (
    openapi_upload_nonce as openapi_upload_nonce,
)
from builder_ui.web.state.editor import (
    problems as problems,
)
from builder_ui.web.state.editor import (
    renew_openapi_upload as renew_openapi_upload,
)
from builder_ui.web.state.editor import (
    saved_values as saved_values,
)
from builder_ui.web.state.editor import (
    seed_editor_widgets as seed_editor_widgets,
)
from builder_ui.web.state.editor import (
    set_draft as set_draft,
)
from builder_ui.web.state.editor import (
    set_openapi_loaded as set_openapi_loaded,
)
from builder_ui.web.state.editor import (
    set_problems as set_problems,
)
from builder_ui.web.state.editor import (
    set_saved as set_saved,
)
from builder_ui.web.state.editor import (
    set_stored as set_stored,
)
from builder_ui.web.state.editor import (
    set_try_outcome as set_try_outcome,
)
from builder_ui.web.state.editor import (
    stored as stored,
)
from builder_ui.web.state.editor import (
    try_outcome as try_outcome,
)
from builder_ui.web.state.editor import (
    unsaved as unsaved,
)
from builder_ui.web.state.keys import (
    ADMIN_ALLOW_HOSTS as ADMIN_ALLOW_HOSTS,
)
from builder_ui.web.state.keys import (
    ADMIN_ALLOW_LOOPBACK as ADMIN_ALLOW_LOOPBACK,
)
from builder_ui.web.state.keys import (
    ADMIN_ALLOW_PRIVATE as ADMIN_ALLOW_PRIVATE,
)
from builder_ui.web.state.keys import (
    ADMIN_ASK_UNKNOWN_URLS as ADMIN_ASK_UNKNOWN_URLS,
)
from builder_ui.web.state.keys import (
    ADMIN_CONFIRM_NO as ADMIN_CONFIRM_NO,
)
from builder_ui.web.state.keys import (
    ADMIN_CONFIRM_YES as ADMIN_CONFIRM_YES,
)
from builder_ui.web.state.keys import (
    ADMIN_CREDENTIAL_ADD as ADMIN_CREDENTIAL_ADD,
)
from builder_ui.web.state.keys import (
    ADMIN_CREDENTIAL_FORM as ADMIN_CREDENTIAL_FORM,
)
from builder_ui.web.state.keys import (
    ADMIN_CREDENTIAL_NAME as ADMIN_CREDENTIAL_NAME,
)
from builder_ui.web.state.keys import (
    ADMIN_CREDENTIAL_VALUE as ADMIN_CREDENTIAL_VALUE,
)
from builder_ui.web.state.keys import (
    ADMIN_DENY_HOSTS as ADMIN_DENY_HOSTS,
)
from builder_ui.web.state.keys import (
    ADMIN_EGRESS_FORM as ADMIN_EGRESS_FORM,
)
from builder_ui.web.state.keys import (
    ADMIN_EGRESS_SAVE as ADMIN_EGRESS_SAVE,
)
from builder_ui.web.state.keys import (
    ADMIN_INSTALL_ADD as ADMIN_INSTALL_ADD,
)
from builder_ui.web.state.keys import (
    ADMIN_INSTALL_FORM as ADMIN_INSTALL_FORM,
)
from builder_ui.web.state.keys import (
    ADMIN_INSTALL_NAME as ADMIN_INSTALL_NAME,
)
from builder_ui.web.state.keys import (
    ADMIN_INSTALL_VALUE as ADMIN_INSTALL_VALUE,
)
from builder_ui.web.state.keys import (
    ADMIN_MAX_MB as ADMIN_MAX_MB,
)
from builder_ui.web.state.keys import (
    ADMIN_MCP_ADD as ADMIN_MCP_ADD,
)
from builder_ui.web.state.keys import (
    ADMIN_MCP_CREDENTIAL as ADMIN_MCP_CREDENTIAL,
)
from builder_ui.web.state.keys import (
    ADMIN_MCP_ENABLED as ADMIN_MCP_ENABLED,
)
from builder_ui.web.state.keys import (
    ADMIN_MCP_FORM as ADMIN_MCP_FORM,
)
from builder_ui.web.state.keys import (
    ADMIN_MCP_NAME as ADMIN_MCP_NAME,
)
from builder_ui.web.state.keys import (
    ADMIN_MCP_REFRESH as ADMIN_MCP_REFRESH,
)
from builder_ui.web.state.keys import (
    ADMIN_MCP_URL as ADMIN_MCP_URL,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_ADD as ADMIN_MODEL_ADD,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_DISPLAY as ADMIN_MODEL_DISPLAY,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_ENABLED as ADMIN_MODEL_ENABLED,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_FORM as ADMIN_MODEL_FORM,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_ID as ADMIN_MODEL_ID,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_KEY as ADMIN_MODEL_KEY,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_NAME as ADMIN_MODEL_NAME,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_PRICE_IN as ADMIN_MODEL_PRICE_IN,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_PRICE_OUT as ADMIN_MODEL_PRICE_OUT,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_PROVIDER as ADMIN_MODEL_PROVIDER,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_ROLES as ADMIN_MODEL_ROLES,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_SELF_HOSTED as ADMIN_MODEL_SELF_HOSTED,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_TEAMS as ADMIN_MODEL_TEAMS,
)
from builder_ui.web.state.keys import (
    ADMIN_MODEL_URL as ADMIN_MODEL_URL,
)
from builder_ui.web.state.keys import (
    ADMIN_REVIEW_APPROVE as ADMIN_REVIEW_APPROVE,
)
from builder_ui.web.state.keys import (
    ADMIN_REVIEW_CANCEL as ADMIN_REVIEW_CANCEL,
)
from builder_ui.web.state.keys import (
    ADMIN_SEARCH_BACKEND as ADMIN_SEARCH_BACKEND,
)
from builder_ui.web.state.keys import (
    ADMIN_SEARCH_FORM as ADMIN_SEARCH_FORM,
)
from builder_ui.web.state.keys import (
    ADMIN_SEARCH_SAVE as ADMIN_SEARCH_SAVE,
)
from builder_ui.web.state.keys import (
    ADMIN_SEARCH_URL as ADMIN_SEARCH_URL,
)
from builder_ui.web.state.keys import (
    ADMIN_SECTION_KEYS as ADMIN_SECTION_KEYS,
)
from builder_ui.web.state.keys import (
    ADMIN_TIMEOUT as ADMIN_TIMEOUT,
)
from builder_ui.web.state.keys import (
    APPROVAL_MODES as APPROVAL_MODES,
)
from builder_ui.web.state.keys import (
    BASELINE as BASELINE,
)
from builder_ui.web.state.keys import (
    CHAT_INPUT as CHAT_INPUT,
)
from builder_ui.web.state.keys import (
    CONFIRM_DISCARD as CONFIRM_DISCARD,
)
from builder_ui.web.state.keys import (
    CONFIRM_KEEP as CONFIRM_KEEP,
)
from builder_ui.web.state.keys import (
    DRAFT as DRAFT,
)
from builder_ui.web.state.keys import (
    EDITOR_DISCARD as EDITOR_DISCARD,
)
from builder_ui.web.state.keys import (
    EXPORT as EXPORT,
)
from builder_ui.web.state.keys import (
    HOME_DELETE_NO as HOME_DELETE_NO,
)
from builder_ui.web.state.keys import (
    HOME_DELETE_YES as HOME_DELETE_YES,
)
from builder_ui.web.state.keys import (
    HOME_IMPORT as HOME_IMPORT,
)
from builder_ui.web.state.keys import (
    HOME_NEW as HOME_NEW,
)
from builder_ui.web.state.keys import (
    HOME_RESUME as HOME_RESUME,
)
from builder_ui.web.state.keys import (
    KB_ADD as KB_ADD,
)
from builder_ui.web.state.keys import (
    KB_CONFIRM_NO as KB_CONFIRM_NO,
)
from builder_ui.web.state.keys import (
    KB_CONFIRM_YES as KB_CONFIRM_YES,
)
from builder_ui.web.state.keys import (
    KB_CREATE as KB_CREATE,
)
from builder_ui.web.state.keys import (
    KB_DELETE_BASE as KB_DELETE_BASE,
)
from builder_ui.web.state.keys import (
    KB_NEW_DESCRIPTION as KB_NEW_DESCRIPTION,
)
from builder_ui.web.state.keys import (
    KB_NEW_FORM as KB_NEW_FORM,
)
from builder_ui.web.state.keys import (
    KB_NEW_NAME as KB_NEW_NAME,
)
from builder_ui.web.state.keys import (
    KB_PICKER as KB_PICKER,
)
from builder_ui.web.state.keys import (
    KB_REINDEX as KB_REINDEX,
)
from builder_ui.web.state.keys import (
    KB_REPLACE as KB_REPLACE,
)
from builder_ui.web.state.keys import (
    LANGUAGE as LANGUAGE,
)
from builder_ui.web.state.keys import (
    LANGUAGE_PICKER as LANGUAGE_PICKER,
)
from builder_ui.web.state.keys import (
    MESSAGE_NONCE as MESSAGE_NONCE,
)
from builder_ui.web.state.keys import (
    NEW_CONVERSATION as NEW_CONVERSATION,
)
from builder_ui.web.state.keys import (
    OPEN_REQUEST as OPEN_REQUEST,
)
from builder_ui.web.state.keys import (
    OPENAPI_ADD as OPENAPI_ADD,
)
from builder_ui.web.state.keys import (
    OPENAPI_AUTH as OPENAPI_AUTH,
)
from builder_ui.web.state.keys import (
    OPENAPI_BASE_URL as OPENAPI_BASE_URL,
)
from builder_ui.web.state.keys import (
    OPENAPI_CREDENTIAL as OPENAPI_CREDENTIAL,
)
from builder_ui.web.state.keys import (
    OPENAPI_KEY_IN as OPENAPI_KEY_IN,
)
from builder_ui.web.state.keys import (
    OPENAPI_KEY_NAME as OPENAPI_KEY_NAME,
)
from builder_ui.web.state.keys import (
    OPENAPI_LOADED as OPENAPI_LOADED,
)
from builder_ui.web.state.keys import (
    OPENAPI_NAME as OPENAPI_NAME,
)
from builder_ui.web.state.keys import (
    OPENAPI_READ as OPENAPI_READ,
)
from builder_ui.web.state.keys import (
    OPENAPI_SOURCE as OPENAPI_SOURCE,
)
from builder_ui.web.state.keys import (
    OPENAPI_TEXT as OPENAPI_TEXT,
)
from builder_ui.web.state.keys import (
    OPENAPI_URL as OPENAPI_URL,
)
from builder_ui.web.state.keys import (
    PREVIEW_TOKEN as PREVIEW_TOKEN,
)
from builder_ui.web.state.keys import (
    SAVE as SAVE,
)
from builder_ui.web.state.keys import (
    SERVICES as SERVICES,
)
from builder_ui.web.state.keys import (
    SESSION_TOKEN as SESSION_TOKEN,
)
from builder_ui.web.state.keys import (
    SIGNED_IN_AS as SIGNED_IN_AS,
)
from builder_ui.web.state.keys import (
    STORED as STORED,
)
from builder_ui.web.state.keys import (
    TRANSCRIPT as TRANSCRIPT,
)
from builder_ui.web.state.keys import (
    W_CATEGORY as W_CATEGORY,
)
from builder_ui.web.state.keys import (
    W_DESCRIPTION as W_DESCRIPTION,
)
from builder_ui.web.state.keys import (
    W_ICON as W_ICON,
)
from builder_ui.web.state.keys import (
    W_INSTRUCTIONS as W_INSTRUCTIONS,
)
from builder_ui.web.state.keys import (
    W_KB_BASES as W_KB_BASES,
)
from builder_ui.web.state.keys import (
    W_KB_MIN_SCORE as W_KB_MIN_SCORE,
)
from builder_ui.web.state.keys import (
    W_KB_MODE as W_KB_MODE,
)
from builder_ui.web.state.keys import (
    W_KB_PER_DOCUMENT as W_KB_PER_DOCUMENT,
)
from builder_ui.web.state.keys import (
    W_KB_TOP_K as W_KB_TOP_K,
)
from builder_ui.web.state.keys import (
    W_MAX_TOKENS as W_MAX_TOKENS,
)
from builder_ui.web.state.keys import (
    W_MAX_TOOL_STEPS as W_MAX_TOOL_STEPS,
)
from builder_ui.web.state.keys import (
    W_MESSAGE as W_MESSAGE,
)
from builder_ui.web.state.keys import (
    W_MODEL as W_MODEL,
)
from builder_ui.web.state.keys import (
    W_NAME as W_NAME,
)
from builder_ui.web.state.keys import (
    W_STARTERS as W_STARTERS,
)
from builder_ui.web.state.keys import (
    W_TEMPERATURE as W_TEMPERATURE,
)
from builder_ui.web.state.keys import (
    admin_install_delete_key as admin_install_delete_key,
)
from builder_ui.web.state.keys import (
    admin_model_delete_key as admin_model_delete_key,
)
from builder_ui.web.state.keys import (
    admin_model_test_key as admin_model_test_key,
)
from builder_ui.web.state.keys import (
    admin_model_toggle_key as admin_model_toggle_key,
)
from builder_ui.web.state.keys import (
    admin_secret_delete_key as admin_secret_delete_key,
)
from builder_ui.web.state.keys import (
    admin_server_delete_key as admin_server_delete_key,
)
from builder_ui.web.state.keys import (
    admin_server_review_key as admin_server_review_key,
)
from builder_ui.web.state.keys import (
    admin_server_toggle_key as admin_server_toggle_key,
)
from builder_ui.web.state.keys import (
    approval_key as approval_key,
)
from builder_ui.web.state.keys import (
    file_download_key as file_download_key,
)
from builder_ui.web.state.keys import (
    home_delete_key as home_delete_key,
)
from builder_ui.web.state.keys import (
    home_duplicate_key as home_duplicate_key,
)
from builder_ui.web.state.keys import (
    home_import_file_key as home_import_file_key,
)
from builder_ui.web.state.keys import (
    home_open_key as home_open_key,
)
from builder_ui.web.state.keys import (
    home_template_key as home_template_key,
)
from builder_ui.web.state.keys import (
    kb_delete_document_key as kb_delete_document_key,
)
from builder_ui.web.state.keys import (
    kb_embedder_key as kb_embedder_key,
)
from builder_ui.web.state.keys import (
    kb_passages_key as kb_passages_key,
)
from builder_ui.web.state.keys import (
    kb_search_key as kb_search_key,
)
from builder_ui.web.state.keys import (
    kb_upload_key as kb_upload_key,
)
from builder_ui.web.state.keys import (
    openapi_operation_key as openapi_operation_key,
)
from builder_ui.web.state.keys import (
    openapi_upload_key as openapi_upload_key,
)
from builder_ui.web.state.keys import (
    starter_key as starter_key,
)
from builder_ui.web.state.keys import (
    try_key as try_key,
)
from builder_ui.web.state.keys import (
    version_load_key as version_load_key,
)
from builder_ui.web.state.keys import (
    w_tool_approval as w_tool_approval,
)
from builder_ui.web.state.keys import (
    w_tool_config as w_tool_config,
)
from builder_ui.web.state.keys import (
    w_tool_on as w_tool_on,
)
from builder_ui.web.state.knowledge import (
    ask_kb_confirm as ask_kb_confirm,
)
from builder_ui.web.state.knowledge import (
    kb_confirm as kb_confirm,
)
from builder_ui.web.state.knowledge import (
    kb_flash as kb_flash,
)
from builder_ui.web.state.knowledge import (
    kb_passages_shown as kb_passages_shown,
)
from builder_ui.web.state.knowledge import (
    kb_upload_nonce as kb_upload_nonce,
)
from builder_ui.web.state.knowledge import (
    remember_kb as remember_kb,
)
from builder_ui.web.state.knowledge import (
    renew_kb_upload as renew_kb_upload,
)
from builder_ui.web.state.knowledge import (
    reset_new_kb_form as reset_new_kb_form,
)
from builder_ui.web.state.knowledge import (
    seed_kb_picker as seed_kb_picker,
)
from builder_ui.web.state.knowledge import (
    select_kb as select_kb,
)
from builder_ui.web.state.knowledge import (
    show_kb_passages as show_kb_passages,
)
from builder_ui.web.state.knowledge import (
    take_kb_flashes as take_kb_flashes,
)
from builder_ui.web.state.knowledge import (
    take_new_kb_form_reset as take_new_kb_form_reset,
)
from builder_ui.web.state.preview import (
    approval_mode as approval_mode,
)
from builder_ui.web.state.preview import (
    drop_approval_widgets as drop_approval_widgets,
)
from builder_ui.web.state.preview import (
    preview_flash as preview_flash,
)
from builder_ui.web.state.preview import (
    preview_token as preview_token,
)
from builder_ui.web.state.preview import (
    queue_decision as queue_decision,
)
from builder_ui.web.state.preview import (
    reset_preview as reset_preview,
)
from builder_ui.web.state.preview import (
    set_approval_mode as set_approval_mode,
)
from builder_ui.web.state.preview import (
    set_pending_prompt as set_pending_prompt,
)
from builder_ui.web.state.preview import (
    take_decision as take_decision,
)
from builder_ui.web.state.preview import (
    take_pending_prompt as take_pending_prompt,
)
from builder_ui.web.state.preview import (
    take_preview_flashes as take_preview_flashes,
)
from builder_ui.web.state.preview import (
    transcript as transcript,
)
from builder_ui.web.state.session import Slot
from builder_ui.web.state.session import drop_prefixed as drop_prefixed
from builder_ui.web.state.session import seed_missing as seed_missing
from builder_ui.web.state.session import seed_widgets as seed_widgets
from builder_ui.web.state.session import session as _session
from builder_ui.web.state.session import set_widgets as set_widgets


def language() -> str:
    lang = st.session_state.get(LANGUAGE) or current_language() or DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def language_picker_changed() -> None:
    """Keyed select boxes keep the option label they showed, in the old language; the editor's
    widgets are redrawn from the draft instead (it holds everything typed so far)."""
    st.session_state[LANGUAGE] = st.session_state[LANGUAGE_PICKER]
    drop_editor_widgets(_session())


def seed_language_picker() -> None:
    st.session_state.setdefault(LANGUAGE_PICKER, language())


def tr(key: str, **params: Any) -> str:
    """A message of the interface in the session's language."""
    return t(key, language(), **params)


def tr_or(key: str, fallback: str, **params: Any) -> str:
    """The message ``key``, or ``fallback`` when no catalogue has it (a plug-in's tool)."""
    text = tr(key, **params)
    return fallback if text == key else text


def _open_services() -> Services:
    """For the account signed in to this browser session (``state.identity``): pages run only
    once someone is."""
    account_id = st.session_state.get(SIGNED_IN_AS)
    if not account_id:
        raise RuntimeError("a page asked for services before anyone signed in")
    from builder_ui.web.state.identity import origin

    return Services.open(str(account_id), shared=installation(), origin=origin())


_SERVICES = Slot(SERVICES, _open_services)
services = _SERVICES.kept  # this browser session's: the person's workspace, registries, etc.


def installation() -> Installation:
    """This process's installation (shared by every session)."""
    return _installation(data_dir_key())


@st.cache_resource(show_spinner=False)
def _installation(home: str) -> Installation:
    """Shared by every session of this process (thread-safe, nobody's data); keyed by the data
    directory so that a test changing ``ATELIER_HOME`` gets its own. What is past its retention
    is erased now and every hour (``builder_ui.services.retention``)."""
    from builder_ui.services.retention import keep_sweeping

    opened = Installation.open()
    keep_sweeping(opened)
    return opened


def data_dir_key() -> str:
    from store.config import data_dir

    return str(data_dir())
