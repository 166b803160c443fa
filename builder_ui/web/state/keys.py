"""Every ``st.session_state`` key of the builder, in one place: the keys of what a session keeps
and of the widgets the pages draw. ``builder_ui.web.state`` re-exports them; the accessors of each
page (``editor_state``, ``preview_state``, ``knowledge_state``, ``admin_state``) read and write
them. A key's string is part of the browser tests' contract: change one only with them.
"""

from __future__ import annotations

from collections.abc import Callable

SERVICES = "atelier.services"
SESSION_TOKEN = "atelier.session_token"  # noqa: S105 (the key of the signed-in session's token)
SIGNED_IN_AS = "atelier.signed_in_as"  # the account id the session's services were opened for
COOKIE_PENDING = "atelier.cookie_pending"  # the session cookie to write (or clear) in the page
SIGN_IN_REFUSAL = "sign_in.refusal"  # why the provider's or the proxy's person was not let in
SIGN_IN_FLASH = "sign_in.flash"  # a message shown once on the sign-in page (signed out, expired)
LANGUAGE = "atelier.language"  # the chosen language; kept apart from its picker, whose widget
LANGUAGE_PICKER = "atelier.language_picker"  # state Streamlit may drop when the page changes
ERASE_ASKED = "account.erase_asked"  # "Effacer toutes mes données" clicked: the confirmation shows

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

# The approval card of the preview (``builder_ui.web.panels.approval_card``): its widgets are
# keyed by the call they answer, so a new request gets a fresh card.
APPROVAL_PREFIX = "preview.approval."
APPROVAL_QUEUED = APPROVAL_PREFIX + "queued"  # a Decision, sent on the next run
APPROVAL_MODES = APPROVAL_PREFIX + "modes"  # call id -> "ask" | "edit" | "reject"

# "Tester l'outil" in the editor's tool picker.
TRY_PREFIX = "editor.try."
TRY_OUTCOMES = TRY_PREFIX + "outcomes"  # tool id -> TryOutcome of the last "Lancer"

# The OpenAPI import in the editor's "Actions HTTP" box (``builder_ui.web.panels.openapi``). Kept
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
ADMIN_ASK_UNKNOWN_URLS = "admin.egress.ask_for_unknown_urls"
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
ADMIN_MODEL_FORM = "admin.models.new"
ADMIN_MODEL_ID = "admin.models.new.id"
ADMIN_MODEL_DISPLAY = "admin.models.new.display_name"
ADMIN_MODEL_PROVIDER = "admin.models.new.provider"
ADMIN_MODEL_NAME = "admin.models.new.name"
ADMIN_MODEL_URL = "admin.models.new.base_url"
ADMIN_MODEL_KEY = "admin.models.new.key"
ADMIN_MODEL_PRICE_IN = "admin.models.new.price_in"
ADMIN_MODEL_PRICE_OUT = "admin.models.new.price_out"
ADMIN_MODEL_SELF_HOSTED = "admin.models.new.self_hosted"
ADMIN_MODEL_ROLES = "admin.models.new.roles"
ADMIN_MODEL_TEAMS = "admin.models.new.teams"
ADMIN_MODEL_ENABLED = "admin.models.new.enabled"
ADMIN_MODEL_ADD = "admin.models.new.add"
ADMIN_MODEL_TESTS = "admin.models.tests"  # {model id: (kind, message)} of its last test

# Sections of the admin settings, and the keys of the widgets each one's form is drawn from.
ADMIN_SECTION_KEYS = {
    "egress": (
        ADMIN_ALLOW_HOSTS,
        ADMIN_DENY_HOSTS,
        ADMIN_ALLOW_LOOPBACK,
        ADMIN_ALLOW_PRIVATE,
        ADMIN_MAX_MB,
        ADMIN_TIMEOUT,
        ADMIN_ASK_UNKNOWN_URLS,
    ),
    "web_search": (ADMIN_SEARCH_BACKEND, ADMIN_SEARCH_URL),
    "mcp_servers": (ADMIN_MCP_NAME, ADMIN_MCP_URL, ADMIN_MCP_CREDENTIAL, ADMIN_MCP_ENABLED),
    "secret": (ADMIN_CREDENTIAL_NAME, ADMIN_CREDENTIAL_VALUE),
    "install_secret": (ADMIN_INSTALL_NAME, ADMIN_INSTALL_VALUE),
    "models": (
        ADMIN_MODEL_ID,
        ADMIN_MODEL_DISPLAY,
        ADMIN_MODEL_PROVIDER,
        ADMIN_MODEL_NAME,
        ADMIN_MODEL_URL,
        ADMIN_MODEL_KEY,
        ADMIN_MODEL_PRICE_IN,
        ADMIN_MODEL_PRICE_OUT,
        ADMIN_MODEL_SELF_HOSTED,
        ADMIN_MODEL_ROLES,
        ADMIN_MODEL_TEAMS,
        ADMIN_MODEL_ENABLED,
    ),
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
KB_REPLACE = "kb.replace"  # "replace the documents of the same name" on upload
KB_FLASH = "kb.flash"  # [(kind, message)] shown once, after a rerun
KB_NEW_RESET = "kb.new.reset"  # empty the "new base" form on the next run
KB_CONFIRM = "kb.confirm"  # what awaits confirmation: ("document", id) or ("base", id)
KB_DELETE_BASE = "kb.delete_base"
KB_REINDEX = "kb.reindex"
KB_PASSAGES = "kb.passages"  # the document whose passages are shown
KB_CONFIRM_YES = "kb.confirm.yes"
KB_CONFIRM_NO = "kb.confirm.no"


# The people and teams page ("Personnes et équipes", administrators only).
PEOPLE_OUTCOME = "people.outcome"  # (place, kind, message) of the last action, shown once
PEOPLE_LINK = "people.link"  # the one-time link just made (a ShownLink), shown once
PEOPLE_CONFIRM = "people.confirm"  # the login whose deactivation awaits confirmation
PEOPLE_ADD_FORM = "people.add"
PEOPLE_ADD_LOGIN = "people.add.login"
PEOPLE_ADD_NAME = "people.add.name"
PEOPLE_ADD_ROLE = "people.add.role"
PEOPLE_ADD_SUBMIT = "people.add.submit"
PEOPLE_ACCOUNT = "people.account"  # the account being managed
PEOPLE_SET_ROLE = "people.set_role"
PEOPLE_DISABLE = "people.disable"
PEOPLE_ENABLE = "people.enable"
PEOPLE_CONFIRM_YES = "people.confirm.yes"
PEOPLE_CONFIRM_NO = "people.confirm.no"
PEOPLE_NEW_LINK = "people.new_link"
PEOPLE_TEAM_FORM = "people.team.new"
PEOPLE_TEAM_NAME = "people.team.new.name"
PEOPLE_TEAM_ADD = "people.team.new.add"
PEOPLE_TEAM = "people.team"  # the id of the team shown
PEOPLE_MEMBER = "people.team.member"  # the account to add to it (+ "." + the nonce below)
PEOPLE_MEMBERS_NONCE = "people.team.members_nonce"  # renews that select box after a change
PEOPLE_MEMBER_ADD = "people.team.member.add"

# The editor's widgets (``editor_state.editor_widget_state`` seeds them from the draft).
WIDGET_PREFIX = "editor.w."
W_NAME = WIDGET_PREFIX + "name"
W_ICON = WIDGET_PREFIX + "icon"
W_DESCRIPTION = WIDGET_PREFIX + "description"
W_CATEGORY = WIDGET_PREFIX + "category"
W_GUARD_CLASS = WIDGET_PREFIX + "guard.data_class"  # "Données et supervision"
W_GUARD_PII = WIDGET_PREFIX + "guard.pii"
W_GUARD_AREA = WIDGET_PREFIX + "guard.high_risk_area"
W_GUARD_REVIEW = WIDGET_PREFIX + "guard.review"
W_GUARD_REVIEWERS = WIDGET_PREFIX + "guard.reviewers"
W_INSTRUCTIONS = WIDGET_PREFIX + "instructions"
W_STARTERS = WIDGET_PREFIX + "starters"
W_MODEL = WIDGET_PREFIX + "model"
W_TEMPERATURE = WIDGET_PREFIX + "temperature"
W_MAX_TOKENS = WIDGET_PREFIX + "max_tokens"
W_MAX_TOOL_STEPS = WIDGET_PREFIX + "max_tool_steps"
W_KB_BASES = WIDGET_PREFIX + "kb.bases"
W_KB_TOP_K = WIDGET_PREFIX + "kb.top_k"
W_KB_MIN_SCORE = WIDGET_PREFIX + "kb.min_score"
W_KB_PER_DOCUMENT = WIDGET_PREFIX + "kb.per_document"
W_KB_MODE = WIDGET_PREFIX + "kb.mode"
W_MESSAGE = WIDGET_PREFIX + "message"  # + nonce
SAVE = "editor.save"
EXPORT = "editor.export"
NEW_CONVERSATION = "preview.new_conversation"
CHAT_INPUT = "preview.chat_input"


# --- keys of a widget drawn once per item ---------------------------------------------------------

ItemKey = Callable[[str | int], str]


def _per_item(prefix: str, suffix: str = "") -> ItemKey:
    """The key of a widget drawn once per item (an agent, a server, a base, a tool): the item's
    id between ``prefix`` and ``suffix``."""

    def key(item: str | int) -> str:
        return f"{prefix}{item}{suffix}"

    return key


home_open_key = _per_item("home.open.")
home_template_key = _per_item("home.template.")

version_load_key = _per_item("editor.load_version.")
w_tool_on = _per_item(f"{WIDGET_PREFIX}tool.", ".on")
w_tool_approval = _per_item(f"{WIDGET_PREFIX}tool.", ".approval")
w_tool_config = _per_item(f"{WIDGET_PREFIX}tool.", ".cfg.")  # the prefix of its config form
openapi_upload_key = _per_item(f"{OPENAPI_PREFIX}upload.")  # + the upload nonce

starter_key = _per_item("preview.starter.")
file_download_key = _per_item("preview.file.")  # a file a tool made, in the preview

admin_server_toggle_key = _per_item("admin.mcp.toggle.")
admin_server_delete_key = _per_item("admin.mcp.delete.")
admin_server_review_key = _per_item("admin.mcp.review.")
admin_secret_delete_key = _per_item("admin.secret.delete.")
admin_install_delete_key = _per_item("admin.install_secret.delete.")
admin_model_test_key = _per_item("admin.models.test.")
admin_model_toggle_key = _per_item("admin.models.toggle.")
admin_model_delete_key = _per_item("admin.models.delete.")

people_role_key = _per_item("people.role.")  # the role chosen for an account
people_remove_key = _per_item("people.team.remove.")  # "Retirer" a member from the team shown

kb_embedder_key = _per_item("kb.embedder.")
kb_search_key = _per_item("kb.search.")
kb_delete_document_key = _per_item("kb.delete_document.")
kb_passages_key = _per_item("kb.passages.")  # "show the text read" of a document


def kb_upload_key(kb_id: str, nonce: int) -> str:
    return f"kb.upload.{kb_id}.{nonce}"


def openapi_operation_key(document_key: str, index: int) -> str:
    """The checkbox of one operation of the document being imported."""
    return f"{OPENAPI_CHOICE}op.{document_key}.{index}"


def approval_key(call_id: str, name: str) -> str:
    """A widget of the card answering ``call_id``: ``approve``, ``edit``, ``reject``, ``reason``,
    ``json``, ``edit_submit``, ``reject_submit``, ``cancel``; ``form.`` + an argument for the
    generated form."""
    return f"{APPROVAL_PREFIX}{call_id}.{name}"


def try_key(tool_id: str, name: str) -> str:
    """A widget of a tool's tester: ``run``; ``form.`` + an argument for its form."""
    return f"{TRY_PREFIX}{tool_id}.{name}"


# --- agents: unsaved changes, import, duplicate, delete ------------------------------------------
BASELINE = "editor.baseline"  # the fingerprint of what was opened or saved: a draft that differs
STORED = "editor.stored"  # is unsaved; the fingerprint of the draft last kept on disk
OPEN_REQUEST = "agents.open_request"  # an OpenRequest waiting for "keep editing" or "discard"
CONFIRM_KEEP = "agents.confirm.keep"
CONFIRM_DISCARD = "agents.confirm.discard"
EDITOR_DISCARD = "editor.discard"  # "Abandonner les modifications"
HOME_FLASH = "agents.notices"  # [(kind, message)] shown once on the home page or the editor
HOME_DELETE = "home.delete"  # the id of the agent whose deletion awaits confirmation
HOME_DELETE_YES = "home.delete.yes"
HOME_DELETE_NO = "home.delete.no"
HOME_RESUME = "home.resume"  # "Reprendre" a draft kept from an earlier session
HOME_IMPORT_NONCE = "home.import_nonce"  # renews the file picker after an import
HOME_IMPORT = "home.import"
HOME_IMPORT_PROBLEMS = "home.import.problems"  # (file name, [FileProblem]) of the last import

home_duplicate_key = _per_item("home.duplicate.")
home_delete_key = _per_item("home.delete.")
home_import_file_key = _per_item("home.import.file.")  # + the import nonce

# --- the chat page ("Discuter") ------------------------------------------------------------------
CHAT_AGENT = "chat.agent"  # the agent picker: the id of the agent chatted with
CHAT_THREAD = "chat.thread"  # the conversation shown, None for a new one (until its first answer)
CHAT_TRANSCRIPT = "chat.transcript"  # list[ChatTurn] of the conversation shown
CHAT_PENDING_PROMPT = "chat.pending_prompt"  # a conversation starter clicked
CHAT_FLASH = "chat.flash"  # [(kind, message)] shown once, after a rerun
CHAT_INPUT_BOX = "chat.input"
CHAT_NEW = "chat.new"  # "Nouvelle conversation"
CHAT_RENAME_TITLE = "chat.rename.title"
CHAT_RENAME = "chat.rename"
CHAT_DELETE = "chat.delete"
CHAT_CONFIRM = "chat.confirm"  # the id of the conversation whose deletion awaits confirmation
CHAT_DELETE_YES = "chat.delete.yes"
CHAT_DELETE_NO = "chat.delete.no"

chat_open_key = _per_item("chat.open.")  # resume a conversation of the list
chat_starter_key = _per_item("chat.starter.")
chat_attachment_remove_key = _per_item("chat.attachment.remove.")  # a file of the conversation

# "Partager" in the editor (``builder_ui.web.panels.sharing``).
SHARE_FORM = "share.form"
SHARE_KIND = "share.kind"  # a person or a team
SHARE_WHO = "share.who"  # an address or a team's name
SHARE_CAN = "share.can"  # use | edit
SHARE_RELEASE = "share.release"
SHARE_OUTCOME = "share.outcome"  # (kind, message) shown once after an action


def share_remove_key(grantee: str) -> str:
    return f"share.remove.{grantee}"


# --- the editor's "Versions" section: two versions compared, an old one restored ---------------
VERSIONS_FIRST = "editor.versions.first"  # the version compared (and restored)
VERSIONS_SECOND = "editor.versions.second"  # the version it is compared with
VERSIONS_RESTORE = "editor.versions.restore"  # "Restaurer cette version"


# --- the audit log (the administration's "Journal" tab) ------------------------------------------
AUDIT_FILTERS = "audit.filters"  # the filters' form
AUDIT_ACTOR = "audit.actor"
AUDIT_ACTION = "audit.action"
AUDIT_TARGET = "audit.target"
AUDIT_SINCE = "audit.since"
AUDIT_UNTIL = "audit.until"
AUDIT_PAGE = "audit.page"  # which page of entries is shown, 0 for the newest
AUDIT_NEWER = "audit.newer"
AUDIT_OLDER = "audit.older"
AUDIT_VERIFY = "audit.verify"
AUDIT_DOWNLOAD_JSONL = "audit.download.jsonl"
AUDIT_DOWNLOAD_CSV = "audit.download.csv"


# "À relire" (``views/review.py``) and the notifications on the home page
# (``panels.notifications``): widgets keyed by the agent they act on.
REVIEW_FLASH = "review.flash"  # [(kind, message)] shown once at the top of the page
REVIEW_PREFIX = "review."
NOTIFICATIONS_SHOWN = "home.notifications"  # the notifications read this session, kept shown
NOTIFICATIONS_CLOSE = "home.notifications_close"
PUBLICATION_MESSAGE = "editor.publication_message"
PUBLICATION_ASK = "editor.publication_ask"


def review_comment_key(agent_id: str) -> str:
    return f"{REVIEW_PREFIX}comment.{agent_id}"


def review_approve_key(agent_id: str) -> str:
    return f"{REVIEW_PREFIX}approve.{agent_id}"


def review_reject_key(agent_id: str) -> str:
    return f"{REVIEW_PREFIX}reject.{agent_id}"


def review_unpublish_key(agent_id: str) -> str:
    return f"{REVIEW_PREFIX}unpublish.{agent_id}"


def review_deprecate_key(agent_id: str) -> str:
    return f"{REVIEW_PREFIX}deprecate.{agent_id}"


# --- the usage page ("Utilisation") -------------------------------------------------------------
USAGE_MONTH = "usage.month"  # the month shown, YYYY-MM
USAGE_BY = "usage.by"  # what an administrator breaks the month down by
USAGE_QUOTA_KIND = "usage.quota.kind"  # "person" or "team"
USAGE_QUOTA_WHO = "usage.quota.who"
USAGE_QUOTA_UNIT = "usage.quota.unit"  # "tokens" or "euros"
USAGE_QUOTA_LIMIT = "usage.quota.limit"
USAGE_QUOTA_PICK = "usage.quota.pick"  # the quota to remove
USAGE_QUOTA_SAVE = "usage.quota.save"
USAGE_QUOTA_REMOVE = "usage.quota.remove"


# The catalogue page ("Catalogue") and what it hands to the chat page.
CATALOGUE_TEXT = "catalogue.text"
CATALOGUE_SORT = "catalogue.sort"
CATALOGUE_TEAM = "catalogue.team"
CATALOGUE_CATEGORY = "catalogue.category"
CATALOGUE_DOCUMENTS = "catalogue.documents"
CATALOGUE_TOOLS = "catalogue.tools"
CATALOGUE_FLASH = "catalogue.flash"  # [(kind, message)] shown once, after a rerun
CHAT_OPEN_AGENT = "chat.open_agent"  # set by "Utiliser": the chat page opens on that agent
FEEDBACK_PREFIX = "chat.feedback."  # the thumbs of each answer, keyed by conversation and turn


def catalogue_use_key(agent_id: str) -> str:
    return f"catalogue.use.{agent_id}"


def catalogue_fork_key(agent_id: str) -> str:
    return f"catalogue.fork.{agent_id}"


def feedback_key(thread_id: str, index: int, part: str) -> str:
    return f"{FEEDBACK_PREFIX}{thread_id}.{index}.{part}"


RETENTION_FORM = "admin.retention"  # the administration's "Conservation des données"
RETENTION_CONVERSATIONS = "admin.retention.conversations_days"
RETENTION_DRAFTS = "admin.retention.drafts_days"
RETENTION_UPLOADS = "admin.retention.uploads_days"
RETENTION_SAVE = "admin.retention.save"
RETENTION_APPLY = "admin.retention.apply"
# --- supervised drafting: "Brouillons" (``views/drafts.py``), "Supervision"
# (``views/oversight.py``) and the draft card of the chat page (``panels.draft_card``) ------------
DRAFTS_FLASH = "drafts.flash"  # [(kind, message)] shown once at the top of the page
DRAFTS_NEW_AGENT = "drafts.new.agent"  # the agent that drafts the batch
DRAFTS_NEW_NONCE = "drafts.new.nonce"  # renews the new batch's widgets once it has started
DRAFTS_NEW_FILE = "drafts.new.file"  # + the nonce
DRAFTS_NEW_MESSAGE = "drafts.new.message"  # + the nonce: the message column
DRAFTS_NEW_CONTEXT = "drafts.new.context"  # + the nonce: the context columns
DRAFTS_NEW_ASSIGN_KIND = "drafts.new.assign_kind"  # none | person | team
DRAFTS_NEW_ASSIGN_WHO = "drafts.new.assign_who"
DRAFTS_NEW_START = "drafts.new.start"
DRAFTS_QUEUE_BATCH = "drafts.queue.batch"  # the batch the queue is filtered on ("" for all)
DRAFTS_QUEUE_STATUS = "drafts.queue.status"  # the status it is filtered on
DRAFTS_PREFIX = "drafts.draft."  # the widgets of one draft, keyed by its id
OVERSIGHT_AGENT = "oversight.agent"  # the agent the pairs are downloaded for ("" for all)
OVERSIGHT_PAIRS = "oversight.pairs"


def draft_key(draft_id: str, name: str) -> str:
    """A widget of the draft ``draft_id``: ``reply``, ``reason``, ``instruction``, ``approve``,
    ``reject``, ``send_back`` (the queue's and the chat card's alike)."""
    return f"{DRAFTS_PREFIX}{draft_id}.{name}"


def batch_key(batch_id: str, name: str) -> str:
    """A widget of the batch ``batch_id``: ``csv``, ``xlsx`` (its export)."""
    return f"drafts.batch.{batch_id}.{name}"
