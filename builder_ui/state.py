"""Every ``st.session_state`` key of the builder, and small typed accessors.

The editor keeps a draft (``EditorValues``) beside its widgets. Streamlit forgets a widget's value
when the widget is not drawn (another page, an unticked tool), so the editor seeds any missing
widget from the draft before drawing, and writes the draft back after: what a person typed
survives page changes, failed checks and reruns.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar, cast

import streamlit as st

from agents.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language, t
from builder_ui.approval_view import Decision, TryOutcome
from builder_ui.editor_model import EditorValues, ToolChoice
from builder_ui.forms import form_fields, widget_state
from builder_ui.services import Installation, Services
from builder_ui.transcript import ChatTurn
from tools.registry import ToolDefinition

# --- keys ---------------------------------------------------------------------------------------

SERVICES = "atelier.services"
LANGUAGE = "atelier.language"  # the chosen language; kept apart from its picker, whose widget
LANGUAGE_PICKER = "atelier.language_picker"  # state Streamlit may drop when the page changes

AGENT_ID = "editor.agent_id"  # the saved agent being edited, None for a new one
LOADED_VERSION = "editor.loaded_version"  # the version number the draft came from
DRAFT = "editor.draft"
PROBLEMS = "editor.problems"  # list[Problem] of the last failed save
FLASH = "editor.flash"  # a success message shown once, after a rerun
MESSAGE_NONCE = "editor.message_nonce"  # renews the version message field after a save

PREVIEW_TOKEN = "preview.token"  # noqa: S105 (a session key, not a secret)
TRANSCRIPT = "preview.transcript"
PENDING_PROMPT = "preview.pending_prompt"  # a conversation starter clicked
PREVIEW_FLASH = "preview.flash"  # [(kind, message)] shown once above the chat input

# The approval card of the preview (``builder_ui.approval_card``): its widgets are keyed by the
# call they answer, so a new request gets a fresh card.
APPROVAL_PREFIX = "preview.approval."
APPROVAL_QUEUED = APPROVAL_PREFIX + "queued"  # a Decision, sent on the next run
APPROVAL_MODES = APPROVAL_PREFIX + "modes"  # call id -> "ask" | "edit" | "reject"

# "Tester l'outil" in the editor's tool picker.
TRY_PREFIX = "editor.try."
TRY_OUTCOMES = TRY_PREFIX + "outcomes"  # tool id -> TryOutcome of the last "Lancer"

# The OpenAPI import in the editor's "Actions HTTP" box (``builder_ui.openapi_panel``). Kept
# apart from the editor's widgets (a language switch keeps an import under way); a new draft
# (``open_in_editor``) starts it afresh.
OPENAPI_PREFIX = "editor.openapi."
OPENAPI_SOURCE = OPENAPI_PREFIX + "source"  # file | url | text
OPENAPI_UPLOAD_NONCE = OPENAPI_PREFIX + "upload_nonce"
OPENAPI_URL = OPENAPI_PREFIX + "url"
OPENAPI_TEXT = OPENAPI_PREFIX + "text"
OPENAPI_READ = OPENAPI_PREFIX + "read"
OPENAPI_LOADED = OPENAPI_PREFIX + "loaded"  # the ImportedDocument being set up
OPENAPI_CHOICE = OPENAPI_PREFIX + "choice."  # the widgets of what is chosen from it
OPENAPI_NAME = OPENAPI_CHOICE + "name"
OPENAPI_BASE_URL = OPENAPI_CHOICE + "base_url"
OPENAPI_AUTH = OPENAPI_CHOICE + "auth"
OPENAPI_KEY_IN = OPENAPI_CHOICE + "key_in"
OPENAPI_KEY_NAME = OPENAPI_CHOICE + "key_name"
OPENAPI_CREDENTIAL = OPENAPI_CHOICE + "credential"
OPENAPI_ADD = OPENAPI_PREFIX + "add"

HOME_NEW = "home.new"

# The administration page ("Administration").
ADMIN_FLASH = "admin.flash"  # [(kind, message)] shown once, after a rerun
ADMIN_PROBLEMS = "admin.problems"  # (section, [(path, message)]) of the last failed save
ADMIN_CONFIRM = "admin.confirm"  # what awaits confirmation: ("secret", name) or ("server", name)
ADMIN_CONFIRM_YES = "admin.confirm.yes"
ADMIN_CONFIRM_NO = "admin.confirm.no"
ADMIN_EGRESS_FORM = "admin.egress"
ADMIN_ALLOW_HOSTS = "admin.egress.allow_hosts"
ADMIN_DENY_HOSTS = "admin.egress.deny_hosts"
ADMIN_ALLOW_LOOPBACK = "admin.egress.allow_loopback"
ADMIN_ALLOW_PRIVATE = "admin.egress.allow_private"
ADMIN_MAX_MB = "admin.egress.max_mb"
ADMIN_TIMEOUT = "admin.egress.timeout_s"
ADMIN_EGRESS_SAVE = "admin.egress.save"
ADMIN_SEARCH_FORM = "admin.web_search"
ADMIN_SEARCH_BACKEND = "admin.web_search.backend"
ADMIN_SEARCH_URL = "admin.web_search.base_url"
ADMIN_SEARCH_SAVE = "admin.web_search.save"
ADMIN_MCP_FORM = "admin.mcp.new"
ADMIN_MCP_NAME = "admin.mcp.new.name"
ADMIN_MCP_URL = "admin.mcp.new.url"
ADMIN_MCP_CREDENTIAL = "admin.mcp.new.credential"
ADMIN_MCP_ENABLED = "admin.mcp.new.enabled"
ADMIN_MCP_ADD = "admin.mcp.new.add"
ADMIN_CREDENTIAL_FORM = "admin.secret.new"
ADMIN_CREDENTIAL_NAME = "admin.secret.new.name"
ADMIN_CREDENTIAL_VALUE = "admin.secret.new.value"
ADMIN_CREDENTIAL_ADD = "admin.secret.new.add"
ADMIN_MCP_STATUSES = "admin.mcp.statuses"  # (what they were computed from, {server: status})
ADMIN_MCP_REFRESH = "admin.mcp.refresh"
ADMIN_MCP_REVIEW = "admin.mcp.review"  # the tool list an admin is reviewing, or why it failed
ADMIN_REVIEW_APPROVE = "admin.mcp.review.approve"
ADMIN_REVIEW_CANCEL = "admin.mcp.review.cancel"
ADMIN_INSTALL_FORM = "admin.install_secret.new"
ADMIN_INSTALL_NAME = "admin.install_secret.new.name"
ADMIN_INSTALL_VALUE = "admin.install_secret.new.value"
ADMIN_INSTALL_ADD = "admin.install_secret.new.add"
ADMIN_RESET = "admin.reset"  # form keys to empty or reseed before the next run draws them

# Sections of the admin settings, and the keys of the widgets each one's form is drawn from.
ADMIN_SECTION_KEYS = {
    "egress": (
        ADMIN_ALLOW_HOSTS,
        ADMIN_DENY_HOSTS,
        ADMIN_ALLOW_LOOPBACK,
        ADMIN_ALLOW_PRIVATE,
        ADMIN_MAX_MB,
        ADMIN_TIMEOUT,
    ),
    "web_search": (ADMIN_SEARCH_BACKEND, ADMIN_SEARCH_URL),
    "mcp_servers": (ADMIN_MCP_NAME, ADMIN_MCP_URL, ADMIN_MCP_CREDENTIAL, ADMIN_MCP_ENABLED),
    "secret": (ADMIN_CREDENTIAL_NAME, ADMIN_CREDENTIAL_VALUE),
    "install_secret": (ADMIN_INSTALL_NAME, ADMIN_INSTALL_VALUE),
}

# The knowledge page ("Connaissances").
KB_SELECTED = "kb.selected"  # the id of the base shown
KB_PICKER = "kb.picker"
KB_NEW_FORM = "kb.new"
KB_NEW_NAME = "kb.new.name"
KB_NEW_DESCRIPTION = "kb.new.description"
KB_CREATE = "kb.new.create"
KB_UPLOAD_NONCE = "kb.upload_nonce"  # renews the file picker once its files are added
KB_ADD = "kb.add"
KB_FLASH = "kb.flash"  # [(kind, message)] shown once, after a rerun
KB_NEW_RESET = "kb.new.reset"  # empty the "new base" form on the next run
KB_CONFIRM = "kb.confirm"  # what awaits confirmation: ("document", id) or ("base", id)
KB_DELETE_BASE = "kb.delete_base"
KB_REINDEX = "kb.reindex"
KB_CONFIRM_YES = "kb.confirm.yes"
KB_CONFIRM_NO = "kb.confirm.no"


def home_open_key(agent_id: str) -> str:
    return f"home.open.{agent_id}"


def home_template_key(template_id: str) -> str:
    return f"home.template.{template_id}"


def file_download_key(file_id: str) -> str:
    """The download button of a file a tool made, in the preview."""
    return f"preview.file.{file_id}"


def openapi_upload_key(nonce: int) -> str:
    return f"{OPENAPI_PREFIX}upload.{nonce}"


def openapi_operation_key(document_key: str, index: int) -> str:
    """The checkbox of one operation of the document being imported."""
    return f"{OPENAPI_CHOICE}op.{document_key}.{index}"


def admin_server_toggle_key(name: str) -> str:
    return f"admin.mcp.toggle.{name}"


def admin_server_delete_key(name: str) -> str:
    return f"admin.mcp.delete.{name}"


def admin_secret_delete_key(name: str) -> str:
    return f"admin.secret.delete.{name}"


def admin_server_review_key(name: str) -> str:
    return f"admin.mcp.review.{name}"


def admin_install_delete_key(name: str) -> str:
    return f"admin.install_secret.delete.{name}"


def kb_upload_key(kb_id: str, nonce: int) -> str:
    return f"kb.upload.{kb_id}.{nonce}"


def kb_embedder_key(kb_id: str) -> str:
    return f"kb.embedder.{kb_id}"


def kb_search_key(kb_id: str) -> str:
    return f"kb.search.{kb_id}"


def kb_delete_document_key(doc_id: str) -> str:
    return f"kb.delete_document.{doc_id}"


WIDGET_PREFIX = "editor.w."
W_NAME = WIDGET_PREFIX + "name"
W_ICON = WIDGET_PREFIX + "icon"
W_DESCRIPTION = WIDGET_PREFIX + "description"
W_INSTRUCTIONS = WIDGET_PREFIX + "instructions"
W_STARTERS = WIDGET_PREFIX + "starters"
W_MODEL = WIDGET_PREFIX + "model"
W_TEMPERATURE = WIDGET_PREFIX + "temperature"
W_MAX_TOKENS = WIDGET_PREFIX + "max_tokens"
W_MAX_TOOL_STEPS = WIDGET_PREFIX + "max_tool_steps"
W_KB_BASES = WIDGET_PREFIX + "kb.bases"
W_KB_TOP_K = WIDGET_PREFIX + "kb.top_k"
W_KB_MIN_SCORE = WIDGET_PREFIX + "kb.min_score"
W_KB_MODE = WIDGET_PREFIX + "kb.mode"
W_MESSAGE = WIDGET_PREFIX + "message"  # + nonce
SAVE = "editor.save"
EXPORT = "editor.export"
NEW_CONVERSATION = "preview.new_conversation"
CHAT_INPUT = "preview.chat_input"


def approval_key(call_id: str, name: str) -> str:
    """A widget of the card answering ``call_id``: ``approve``, ``edit``, ``reject``, ``reason``,
    ``json``, ``edit_submit``, ``reject_submit``, ``cancel``; ``form.`` + an argument for the
    generated form."""
    return f"{APPROVAL_PREFIX}{call_id}.{name}"


def try_key(tool_id: str, name: str) -> str:
    """A widget of a tool's tester: ``run``; ``form.`` + an argument for its form."""
    return f"{TRY_PREFIX}{tool_id}.{name}"


def version_load_key(number: int) -> str:
    return f"editor.load_version.{number}"


def starter_key(index: int) -> str:
    return f"preview.starter.{index}"


def w_tool_on(tool_id: str) -> str:
    return f"{WIDGET_PREFIX}tool.{tool_id}.on"


def w_tool_approval(tool_id: str) -> str:
    return f"{WIDGET_PREFIX}tool.{tool_id}.approval"


def w_tool_config(tool_id: str) -> str:
    """Prefix of the keys of a tool's config form."""
    return f"{WIDGET_PREFIX}tool.{tool_id}.cfg."


# --- pure helpers (a mapping stands for st.session_state) ----------------------------------------


def editor_widget_state(values: EditorValues, tools: list[ToolDefinition]) -> dict[str, Any]:
    """Every editor widget's value for ``values``."""
    out: dict[str, Any] = {
        W_NAME: values.name,
        W_ICON: values.icon,
        W_DESCRIPTION: values.description,
        W_INSTRUCTIONS: values.instructions,
        W_STARTERS: values.starters,
        W_MODEL: values.model,
        W_TEMPERATURE: values.temperature,
        W_MAX_TOKENS: values.max_tokens,
        W_MAX_TOOL_STEPS: values.max_tool_steps,
        W_KB_BASES: list(values.knowledge.bases),
        W_KB_TOP_K: values.knowledge.top_k,
        W_KB_MIN_SCORE: values.knowledge.min_score,
        W_KB_MODE: values.knowledge.mode,
    }
    for tool_id, choice in values.tools.items():
        out[w_tool_on(tool_id)] = choice.enabled
        out[w_tool_approval(tool_id)] = choice.approval
    for tool in tools:
        choice = values.tools.get(tool.id, ToolChoice())
        fields = form_fields(tool.config_model)
        out.update(widget_state(fields, w_tool_config(tool.id), choice.config))
    return out


def seed_missing(session: MutableMapping[str, Any], wanted: dict[str, Any]) -> None:
    for key, value in wanted.items():
        if key not in session:
            session[key] = value


def drop_editor_widgets(session: MutableMapping[str, Any]) -> None:
    drop_prefixed(session, WIDGET_PREFIX)


def drop_prefixed(session: MutableMapping[str, Any], prefix: str) -> None:
    for key in [k for k in session if isinstance(k, str) and k.startswith(prefix)]:
        del session[key]


# --- accessors ----------------------------------------------------------------------------------

T = TypeVar("T")


def _session() -> MutableMapping[str, Any]:
    return cast("MutableMapping[str, Any]", st.session_state)


def _get(key: str, default: Callable[[], T]) -> T:
    if key not in st.session_state:
        st.session_state[key] = default()
    value: T = st.session_state[key]
    return value


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


def services() -> Services:
    """This browser session's services: the person's workspace, registries and checkpointer."""

    def open_services() -> Services:
        from store.config import default_principal

        return Services.open(default_principal(), shared=_installation(data_dir_key()))

    return _get(SERVICES, open_services)


@st.cache_resource(show_spinner=False)
def _installation(home: str) -> Installation:
    """Shared by every session of this process (thread-safe, nobody's data); keyed by the data
    directory so that a test changing ``ATELIER_HOME`` gets its own."""
    return Installation.open()


def data_dir_key() -> str:
    from store.config import data_dir

    return str(data_dir())


def draft() -> EditorValues | None:
    value: EditorValues | None = st.session_state.get(DRAFT)
    return value


def set_draft(values: EditorValues) -> None:
    st.session_state[DRAFT] = values


def agent_id() -> str | None:
    value: str | None = st.session_state.get(AGENT_ID)
    return value


def loaded_version() -> int | None:
    value: int | None = st.session_state.get(LOADED_VERSION)
    return value


def open_in_editor(
    values: EditorValues,
    agent: str | None,
    version: int | None,
    new_conversation: bool = True,
) -> None:
    """Put ``values`` in the editor (its widgets are redrawn from them on the next run)."""
    st.session_state[DRAFT] = values
    st.session_state[AGENT_ID] = agent
    st.session_state[LOADED_VERSION] = version
    st.session_state[PROBLEMS] = []
    drop_editor_widgets(_session())
    drop_prefixed(_session(), OPENAPI_PREFIX)
    if new_conversation:
        reset_preview()


def seed_editor_widgets(values: EditorValues, tools: list[ToolDefinition]) -> None:
    seed_missing(_session(), editor_widget_state(values, tools))


def set_saved(agent: str, version: int) -> None:
    st.session_state[AGENT_ID] = agent
    st.session_state[LOADED_VERSION] = version
    st.session_state[PROBLEMS] = []
    st.session_state[MESSAGE_NONCE] = message_nonce() + 1


def message_nonce() -> int:
    value: int = st.session_state.get(MESSAGE_NONCE, 0)
    return value


def problems() -> list[Any]:
    value: list[Any] = st.session_state.get(PROBLEMS) or []
    return value


def set_problems(found: list[Any]) -> None:
    st.session_state[PROBLEMS] = found


def flash(message: str | None = None) -> str | None:
    """Set a message to show after the next rerun, or (no argument) take it."""
    if message is not None:
        st.session_state[FLASH] = message
        return None
    taken: str | None = st.session_state.pop(FLASH, None)
    return taken


def preview_token() -> str:
    return _get(PREVIEW_TOKEN, lambda: secrets.token_hex(8))


def transcript() -> list[ChatTurn]:
    return _get(TRANSCRIPT, list)


def reset_preview() -> None:
    """A new preview conversation: a new thread, an empty transcript."""
    st.session_state[PREVIEW_TOKEN] = secrets.token_hex(8)
    st.session_state[TRANSCRIPT] = []
    drop_approval_widgets(_session())


def preview_flash(kind: str, message: str) -> None:
    """A message (``info``, ``warning``) to show once above the chat input."""
    st.session_state.setdefault(PREVIEW_FLASH, []).append((kind, message))


def take_preview_flashes() -> list[tuple[str, str]]:
    taken: list[tuple[str, str]] = st.session_state.pop(PREVIEW_FLASH, None) or []
    return taken


# --- approvals ----------------------------------------------------------------------------------


def drop_approval_widgets(session: MutableMapping[str, Any]) -> None:
    """Forget every card (its modes, typed arguments and reason) once it has been answered."""
    for key in [k for k in session if isinstance(k, str) and k.startswith(APPROVAL_PREFIX)]:
        del session[key]


def approval_mode(call_id: str) -> str:
    modes: dict[str, str] = st.session_state.get(APPROVAL_MODES) or {}
    return modes.get(call_id, "ask")


def set_approval_mode(call_id: str, mode: str) -> None:
    """A button's callback: "Modifier" and "Refuser" open their form, "Annuler" closes it."""
    st.session_state.setdefault(APPROVAL_MODES, {})[call_id] = mode


def queue_decision(decision: Decision) -> None:
    st.session_state[APPROVAL_QUEUED] = decision


def take_decision() -> Decision | None:
    """The decision to send on this run, if a card was answered; its widgets are dropped."""
    decision: Decision | None = st.session_state.pop(APPROVAL_QUEUED, None)
    if decision is not None:
        drop_approval_widgets(_session())
    return decision


def seed_widgets(wanted: dict[str, Any]) -> None:
    """Give generated forms (the card's, a tester's) their first values."""
    seed_missing(_session(), wanted)


def try_outcome(tool_id: str) -> TryOutcome | None:
    outcomes: dict[str, TryOutcome] = st.session_state.get(TRY_OUTCOMES) or {}
    return outcomes.get(tool_id)


def set_try_outcome(tool_id: str, outcome: TryOutcome) -> None:
    st.session_state.setdefault(TRY_OUTCOMES, {})[tool_id] = outcome


def kb_selected() -> str | None:
    value: str | None = st.session_state.get(KB_SELECTED)
    return value


def select_kb(kb_id: str | None) -> None:
    """Show this base; its picker is redrawn on it (a keyed widget keeps its own value)."""
    st.session_state[KB_SELECTED] = kb_id
    st.session_state.pop(KB_PICKER, None)
    st.session_state.pop(KB_CONFIRM, None)


def remember_kb(kb_id: str) -> None:
    """The base the picker shows, kept for the next visit of the page."""
    if st.session_state.get(KB_SELECTED) != kb_id:
        st.session_state[KB_SELECTED] = kb_id
        st.session_state.pop(KB_CONFIRM, None)


def kb_upload_nonce() -> int:
    value: int = st.session_state.get(KB_UPLOAD_NONCE, 0)
    return value


def renew_kb_upload() -> None:
    st.session_state[KB_UPLOAD_NONCE] = kb_upload_nonce() + 1


def kb_flash(kind: str, message: str) -> None:
    """A message (``success``, ``info``, ``warning``) to show once, after the next rerun."""
    st.session_state.setdefault(KB_FLASH, []).append((kind, message))


def take_kb_flashes() -> list[tuple[str, str]]:
    taken: list[tuple[str, str]] = st.session_state.pop(KB_FLASH, None) or []
    return taken


def seed_kb_picker(kb_ids: list[str]) -> None:
    """Point the base picker at the base to show: the one chosen last, else the first."""
    if st.session_state.get(KB_PICKER) in kb_ids:
        return
    chosen = kb_selected()
    st.session_state[KB_PICKER] = chosen if chosen in kb_ids else kb_ids[0]


def reset_new_kb_form() -> None:
    """Empty the "new base" form once its base exists (before the form is drawn again)."""
    st.session_state[KB_NEW_RESET] = True


def take_new_kb_form_reset() -> None:
    if st.session_state.pop(KB_NEW_RESET, False):
        st.session_state.pop(KB_NEW_NAME, None)
        st.session_state.pop(KB_NEW_DESCRIPTION, None)


def kb_confirm() -> tuple[str, str] | None:
    value: tuple[str, str] | None = st.session_state.get(KB_CONFIRM)
    return value


def ask_kb_confirm(what: tuple[str, str] | None) -> None:
    st.session_state[KB_CONFIRM] = what


def set_pending_prompt(text: str) -> None:
    st.session_state[PENDING_PROMPT] = text


def take_pending_prompt() -> str | None:
    value: str | None = st.session_state.pop(PENDING_PROMPT, None)
    return value


# --- the OpenAPI import -------------------------------------------------------------------------


def openapi_loaded() -> Any:
    """The ``openapi_wizard.ImportedDocument`` being set up, if any."""
    return st.session_state.get(OPENAPI_LOADED)


def set_openapi_loaded(imported: Any, widgets: dict[str, Any]) -> None:
    """Show this document in the import, its choices drawn from ``widgets`` (key -> value);
    those of the previous document are forgotten. Call before the choices are drawn."""
    drop_prefixed(_session(), OPENAPI_CHOICE)
    st.session_state[OPENAPI_LOADED] = imported
    st.session_state.update(widgets)


def openapi_upload_nonce() -> int:
    value: int = st.session_state.get(OPENAPI_UPLOAD_NONCE, 0)
    return value


def renew_openapi_upload() -> None:
    st.session_state[OPENAPI_UPLOAD_NONCE] = openapi_upload_nonce() + 1


# --- administration -----------------------------------------------------------------------------


def admin_flash(kind: str, message: str) -> None:
    """A message (``success``, ``info``, ``warning``) to show once, after the next rerun."""
    st.session_state.setdefault(ADMIN_FLASH, []).append((kind, message))


def take_admin_flashes() -> list[tuple[str, str]]:
    taken: list[tuple[str, str]] = st.session_state.pop(ADMIN_FLASH, None) or []
    return taken


def admin_problems() -> tuple[str, list[tuple[str, str]]] | None:
    value: tuple[str, list[tuple[str, str]]] | None = st.session_state.get(ADMIN_PROBLEMS)
    return value


def set_admin_problems(section: str | None, problems: list[tuple[str, str]]) -> None:
    st.session_state[ADMIN_PROBLEMS] = (section, problems) if section else None


def admin_confirm() -> tuple[str, str] | None:
    value: tuple[str, str] | None = st.session_state.get(ADMIN_CONFIRM)
    return value


def ask_admin_confirm(what: tuple[str, str] | None) -> None:
    st.session_state[ADMIN_CONFIRM] = what


def reset_admin_section(section: str) -> None:
    """Redraw a section's form from the saved settings (or empty it) on the next run."""
    st.session_state.setdefault(ADMIN_RESET, set()).add(section)


def take_admin_resets() -> set[str]:
    """The sections whose forms are to be redrawn on this run (see ``set_widgets``)."""
    taken: set[str] = st.session_state.pop(ADMIN_RESET, None) or set()
    return taken


def set_widgets(values: dict[str, Any]) -> None:
    """Give widgets these values, over what they hold (before they are drawn). Forgetting a
    widget's key is not enough: the browser would keep showing what was typed."""
    st.session_state.update(values)
