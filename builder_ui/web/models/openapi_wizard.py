"""The logic of the editor's OpenAPI import, kept apart from Streamlit so that it can be tested
on its own: list the operations of a document read by ``builder_ui.services.openapi_import``
(a file, a URL through the administrator's egress guard, pasted text; the same reading as
``atelier tool openapi``), and turn what the person ticked into the config of an
``http_action`` tool.

The config carries the document's own TEXT (``document`` accepts it, see
``tools.openapi.loader.is_inline``), so the agent's spec is self-contained: it does not point at
a file on the server nor depend on a URL still answering. When the document came from a URL and
gives its API address relative to it, that address is resolved now and kept in ``base_url``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from agents.errors import AtelierError, UserError
from agents.i18n import t
from agents.spec import describe_validation_error
from builder_ui.services.openapi_import import (
    ImportedDocument,
    absolute,
    fetch_document,
    read_pasted,
    read_upload,
    read_url,
)
from builder_ui.web.models.editor import EditorValues, ToolChoice
from tools.openapi import TOOL_ID, HttpActionConfig, OpenApiError, load_document, operation_tools
from tools.openapi.loader import INLINE, is_inline, is_url

__all__ = [
    "ImportedDocument",
    "WizardChoice",
    "WizardProblems",
    "fetch_document",
    "read_pasted",
    "read_upload",
    "read_url",
]

AUTH_TYPES = ("none", "api_key", "bearer", "basic")
KEY_LOCATIONS = ("header", "query")
DEFAULT_KEY_NAME = "X-API-Key"


class WizardProblems(UserError):
    """What stops the import, as (field path in the tool's config, plain sentence) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {path or '-'}: {message}" for path, message in problems)
        super().__init__("ui.openapi.problems", count=len(problems), lines=lines)


@dataclass(frozen=True)
class OperationRow:
    ref: str
    """What the config names: the operation's id."""
    method: str
    path: str
    summary: str
    consequential: bool
    problem: str = ""
    """Why it cannot become a tool (then it cannot be ticked)."""


@dataclass
class WizardChoice:
    """What the person chose in the wizard."""

    name: str = "api"
    operations: list[str] = field(default_factory=list)
    auth_type: str = "none"
    credential: str = ""
    key_location: str = "header"
    key_name: str = DEFAULT_KEY_NAME
    base_url: str = ""


def operation_rows(imported: ImportedDocument) -> list[OperationRow]:
    return [
        OperationRow(
            ref=op.operation_id,
            method=op.method,
            path=op.path,
            summary=op.summary,
            consequential=op.consequential,
            problem=op.problem.message() if op.problem else "",
        )
        for op in imported.document.operations
    ]


def suggested_name(title: str) -> str:
    """A prefix for the functions the model sees, from the API's title (``API Géo`` gives
    ``api_geo``)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_title.lower()).strip("_")[:24].strip("_")
    return slug or "api"


# --- the tool's config ---------------------------------------------------------------------------


def tool_config(imported: ImportedDocument, choice: WizardChoice) -> dict[str, Any]:
    """The ``http_action`` config for the choice, checked as the spec check will (shape, then
    each operation); ``WizardProblems`` names every problem with its field path."""
    config: dict[str, Any] = {
        "document": imported.text,
        "name": choice.name.strip(),
        "operations": list(choice.operations),
    }
    base_url = choice.base_url.strip()
    if base_url and base_url.rstrip("/") != imported.document.base_url.rstrip("/"):
        config["base_url"] = base_url
    if choice.auth_type != "none":
        auth: dict[str, Any] = {"type": choice.auth_type, "credential": choice.credential}
        if choice.auth_type == "api_key":
            auth["in"] = choice.key_location
            auth["name"] = choice.key_name.strip()
        config["auth"] = auth
    checked: HttpActionConfig | None = None
    problems: list[tuple[str, str]] = []
    try:
        checked = HttpActionConfig.model_validate(config)
    except ValidationError as exc:
        problems = describe_validation_error(exc)
    if not choice.operations:  # said in the wizard's words rather than pydantic's
        problems = [p for p in problems if not p[0].startswith("operations")]
        problems.insert(0, ("operations", t("ui.openapi.no_operation")))
    if checked is not None and not is_url(checked.base_url or imported.document.base_url):
        problems.append(("base_url", t("ui.openapi.base_url_needed")))
    if problems or checked is None:
        raise WizardProblems(problems)
    try:
        operation_tools(imported.document, checked)
    except OpenApiError as exc:
        raise WizardProblems([("operations", exc.message())]) from None
    return config


def add_to_values(values: EditorValues, config: dict[str, Any]) -> EditorValues:
    """The editor's values with the ``http_action`` tool ticked and set to ``config`` (an agent
    has one: a new import replaces the previous one, its approval policy kept)."""
    tools = dict(values.tools)
    previous = tools.get(TOOL_ID, ToolChoice())
    tools[TOOL_ID] = ToolChoice(True, previous.approval, dict(config))
    return replace(values, tools=tools)


def from_config(config: dict[str, Any]) -> tuple[ImportedDocument, WizardChoice] | None:
    """The wizard as it was left, from a tool config holding the document's text (None for a
    document given as a path or a URL, or one that no longer reads)."""
    try:
        checked = HttpActionConfig.model_validate(config)
    except ValidationError:
        return None
    if not is_inline(checked.document):
        return None
    try:
        document = load_document(checked.document)
    except AtelierError:
        return None
    imported = ImportedDocument(
        checked.document, INLINE, document, checked.base_url or absolute(document.base_url)
    )
    refs = []
    for ref in checked.operations:
        try:
            refs.append(document.find(ref).operation_id)
        except OpenApiError:
            continue
    auth = checked.authentication
    choice = WizardChoice(
        name=checked.name,
        operations=refs,
        auth_type=auth.type,
        credential=auth.credential,
        key_location=auth.location,
        key_name=auth.name,
        base_url=imported.base_url,
    )
    return imported, choice


@dataclass(frozen=True)
class ConfigSummary:
    """What the editor shows of an ``http_action`` tool already set."""

    title: str
    operations: list[str]
    auth_type: str
    credential: str


def summarise(config: dict[str, Any]) -> ConfigSummary | None:
    """None when the config has no document yet."""
    document = str(config.get("document") or "")
    if not document:
        return None
    title = _inline_title(document) if is_inline(document) else document
    auth = config.get("auth") or {}
    return ConfigSummary(
        title=title,
        operations=[str(op) for op in config.get("operations") or []],
        auth_type=str(auth.get("type") or "none") if isinstance(auth, dict) else "none",
        credential=str(auth.get("credential") or "") if isinstance(auth, dict) else "",
    )


@lru_cache(maxsize=8)
def _inline_title(text: str) -> str:
    """The title of a document kept inline (read once: the editor redraws often)."""
    try:
        return load_document(text).title
    except AtelierError:
        return ""


# Where each field of the tool's config sits in the wizard (message keys of its labels).
FIELD_LABELS = {
    "name": "ui.openapi.name",
    "operations": "ui.openapi.operations",
    "base_url": "ui.openapi.base_url",
    "auth.credential": "ui.openapi.credential",
    "auth.name": "ui.openapi.key_name",
    "auth": "ui.openapi.auth",
    "document": "ui.openapi.source",
}


def problem_label(path: str) -> str:
    """The message key of the wizard field a config path points at."""
    for prefix, key in FIELD_LABELS.items():
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return key
    return "ui.openapi.title"
