"""Éditeur: the agent's settings on the left, a live preview chat on the right."""

from __future__ import annotations

from typing import Any

import streamlit as st

from agents.errors import AtelierError, UserError
from agents.spec import MAX_TOOL_STEPS, AgentSpec, KnowledgeSettings
from agents.spec_effects import inactive_fields
from builder_ui.services.installation import Services
from builder_ui.services.model_access import UsableModel
from builder_ui.web import state
from builder_ui.web.models.approval import KNOWLEDGE_TAG, POLICIES, can_try, policy_warning
from builder_ui.web.models.editor import (
    EditorValues,
    KnowledgeChoice,
    Problem,
    ToolChoice,
    blank_values,
    checked_spec,
)
from builder_ui.web.models.inert import literal
from builder_ui.web.models.knowledge import SEARCH_MODES, base_options, unknown_refs
from builder_ui.web.panels import (
    agent_feedback,
    fiche,
    guardrails,
    publication,
    tool_tester,
    unsaved,
    version_compare,
)
from builder_ui.web.panels import openapi as openapi_panel
from builder_ui.web.panels import preview as preview_panel
from builder_ui.web.panels import sharing as sharing_panel
from builder_ui.web.panels.fields import number_field, problem_lines
from builder_ui.web.panels.forms import FormField, form_fields, render_form
from builder_ui.web.state import OpenRequest, tr, tr_or
from tools.openapi import TOOL_ID as HTTP_ACTION
from tools.registry import ToolDefinition

KNOWLEDGE_PAGE = "views/knowledge.py"
KNOWLEDGE_BOUNDS = {f.name: f for f in form_fields(KnowledgeSettings)}  # the spec's limits


def tool_title(services: Services, tool_id: str) -> str:
    fallback = services.tools.get(tool_id).title if tool_id in services.tools else tool_id
    return tr_or(f"tool.{tool_id}.title", fallback)


def check_values(
    services: Services, values: EditorValues
) -> tuple[AgentSpec | None, list[Problem]]:
    return checked_spec(values, services.check, tr, lambda i: tool_title(services, i))


# --- settings ------------------------------------------------------------------------------------


def model_options(choices: list[UsableModel], current: str) -> dict[str, str]:
    """Model ref -> its label; "" is the workspace default. The models offered are exactly
    the ones this person may use (``Services.model_choices``), by their display names. A saved
    model that is not offered here stays selectable, so loading never drops it."""
    options = {"": tr("ui.field.model.default")}
    for choice in choices:
        options[choice.ref] = choice.display_name or tr(
            "ui.field.model.choice",
            provider=tr_or(f"ui.model.provider.{choice.provider}", choice.provider_label),
            ref=choice.ref,
        )
    if current and current not in options:
        options[current] = tr("ui.field.model.unavailable", ref=current)
    return options


def identity_fields() -> dict[str, Any]:
    icon_col, name_col = st.columns([1, 5])
    icon = icon_col.text_input(tr("ui.field.icon"), key=state.W_ICON, max_chars=16)
    name = name_col.text_input(
        tr("ui.field.name"), key=state.W_NAME, placeholder=tr("ui.field.name.placeholder")
    )
    description = st.text_area(
        tr("ui.field.description"),
        key=state.W_DESCRIPTION,
        height=68,
        placeholder=tr("ui.field.description.placeholder"),
    )
    category = st.text_input(
        tr("ui.field.category"),
        key=state.W_CATEGORY,
        max_chars=40,
        help=tr("ui.field.category.help"),
    )
    instructions = st.text_area(
        tr("ui.field.instructions"),
        key=state.W_INSTRUCTIONS,
        height=220,
        placeholder=tr("ui.field.instructions.placeholder"),
        help=tr("ui.field.instructions.help"),
    )
    starters = st.text_area(
        tr("ui.field.starters"),
        key=state.W_STARTERS,
        height=90,
        help=tr("ui.field.starters.help"),
    )
    return {
        "icon": icon or "",
        "name": name or "",
        "description": description or "",
        "category": category or "",
        "instructions": instructions or "",
        "starters": starters or "",
    }


def model_fields(services: Services, current: str) -> dict[str, Any]:
    choices = services.model_choices()
    options = model_options(choices, current)
    model = st.selectbox(
        tr("ui.field.model"),
        list(options),
        format_func=lambda ref: options.get(ref, ref),
        key=state.W_MODEL,
        help=tr("ui.field.model.help"),
    )
    if not any(choice.generates for choice in choices):
        st.caption(tr("ui.models.none_for_you"))
    with st.expander(tr("ui.editor.advanced"), icon=":material/tune:"):
        if not model:
            st.caption(tr("ui.field.model_settings_need_model"))
        temperature = number_field(
            "ui.field.temperature", state.W_TEMPERATURE, 0.0, 2.0, 0.1, disabled=not model
        )
        max_tokens = number_field(
            "ui.field.max_tokens",
            state.W_MAX_TOKENS,
            1,
            200_000,
            256,
            placeholder=tr("ui.field.max_tokens.placeholder"),
            disabled=not model,
        )
        max_tool_steps = number_field(
            "ui.field.max_tool_steps", state.W_MAX_TOOL_STEPS, 1, MAX_TOOL_STEPS, 1
        )
    return {
        "model": model or "",
        "temperature": float(temperature or 0.0),
        "max_tokens": int(max_tokens) if max_tokens else None,
        "max_tool_steps": int(max_tool_steps or 1),
    }


def knowledge_fields(services: Services, draft: EditorValues) -> KnowledgeChoice:
    """The bases the agent answers from (ids in the spec, names on screen) and, under
    "Avancé", how it searches them."""
    st.subheader(tr("ui.kb_field.title"))
    st.caption(tr("ui.kb_field.help"))
    try:
        bases = services.workspace.list_kbs()
    except AtelierError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        bases = []
    options = base_options(bases, draft.knowledge.bases, tr)
    labels = {option.ref: option.label for option in options}
    chosen = st.multiselect(
        tr("ui.kb_field.bases"),
        [option.ref for option in options],
        format_func=lambda ref: labels.get(ref, ref),
        key=state.W_KB_BASES,
        placeholder=tr("ui.kb_field.bases.placeholder"),
        help=tr("ui.kb_field.bases.help"),
    )
    missing = unknown_refs(options, chosen)
    if missing:
        refs = ", ".join(f"« {ref} »" for ref in missing)
        st.warning(tr("ui.kb_field.missing", refs=refs), icon=":material/warning:")
    if not bases:
        st.caption(tr("ui.kb_field.none"))
    st.page_link(KNOWLEDGE_PAGE, label=tr("ui.kb_field.manage"), icon=":material/library_books:")
    with st.expander(tr("ui.kb_field.advanced"), icon=":material/tune:"):
        mode_labels = {mode: tr(f"ui.kb_field.mode.{mode}") for mode in SEARCH_MODES}
        mode = st.radio(
            tr("ui.kb_field.mode"),
            SEARCH_MODES,
            format_func=mode_labels.__getitem__,
            captions=[tr(f"ui.kb_field.mode.{mode}.help") for mode in SEARCH_MODES],
            key=state.W_KB_MODE,
        )
        top_k = number_field(
            "ui.kb_field.top_k",
            state.W_KB_TOP_K,
            int(KNOWLEDGE_BOUNDS["top_k"].minimum or 1),
            int(KNOWLEDGE_BOUNDS["top_k"].maximum or 50),
            1,
        )
        min_score = number_field("ui.kb_field.min_score", state.W_KB_MIN_SCORE, 0.0, 1.0, 0.05)
        per_document = st.checkbox(
            tr("ui.kb_field.per_document"),
            key=state.W_KB_PER_DOCUMENT,
            help=tr("ui.kb_field.per_document.help"),
        )
    return KnowledgeChoice(
        bases=list(chosen),
        top_k=int(top_k or 1),
        min_score=float(min_score or 0.0),
        mode=str(mode or "auto"),
        per_document=bool(per_document),
        kept=draft.knowledge.kept,
    )


def tool_field_label(tool_id: str) -> Any:
    def label(field: FormField) -> str:
        return tr_or(f"tool.{tool_id}.config.{field.name}", field.label)

    return label


def tool_box(services: Services, tool: ToolDefinition, previous: ToolChoice) -> ToolChoice:
    with st.container(border=True):
        enabled = st.checkbox(tool_title(services, tool.id), key=state.w_tool_on(tool.id))
        st.caption(tr_or(f"tool.{tool.id}.description", tool.description))
        if not enabled:
            return ToolChoice(False, previous.approval, previous.config)
        config = previous.config
        if tool.id == HTTP_ACTION:  # a document to import rather than fields to fill
            openapi_panel.render(services, previous)
        elif form_fields(tool.config_model):
            config = render_form(
                tool.config_model,
                state.w_tool_config(tool.id),
                tool_field_label(tool.id),
                previous=previous.config,
            )
        labels = {policy: tr(f"ui.tool.policy.{policy}") for policy in POLICIES}
        approval = st.selectbox(
            tr("ui.tool.approval"),
            POLICIES,
            format_func=labels.__getitem__,
            key=state.w_tool_approval(tool.id),
            help=tr("ui.tool.policy.help"),
        )
        if policy_warning(tool, str(approval)):
            title = tool_title(services, tool.id)
            st.warning(
                tr("ui.tool.policy.never_ask_consequential", tool=title), icon=":material/warning:"
            )
        if can_try(tool):
            tool_tester.render(services, tool, config)
        return ToolChoice(True, str(approval), config)


def tool_fields(services: Services, draft: EditorValues) -> dict[str, ToolChoice]:
    st.subheader(tr("ui.field.tools"))
    st.caption(tr("ui.field.tools.help"))
    chosen: dict[str, ToolChoice] = {}
    for tool_id, previous in draft.tools.items():
        if tool_id in services.tools and KNOWLEDGE_TAG in services.tools.get(tool_id).tags:
            chosen[tool_id] = previous  # not offered: it comes with the knowledge section
        elif tool_id in services.tools:
            chosen[tool_id] = tool_box(services, services.tools.get(tool_id), previous)
        elif previous.enabled:  # saved with a tool this installation lacks
            keep = st.checkbox(
                tr("ui.tool.unavailable", tool=tool_id), key=state.w_tool_on(tool_id)
            )
            chosen[tool_id] = ToolChoice(bool(keep), previous.approval, previous.config)
    for tool in services.tools.all():
        if tool.id not in chosen and KNOWLEDGE_TAG not in tool.tags:
            chosen[tool.id] = tool_box(services, tool, ToolChoice())
    return chosen


def settings_panel(services: Services, draft: EditorValues) -> EditorValues:
    st.subheader(tr("ui.editor.settings"))
    fields = identity_fields()
    fields.update(model_fields(services, draft.model))
    knowledge = knowledge_fields(services, draft)
    tools = tool_fields(services, draft)
    base = guardrails.fields(draft.base)
    return EditorValues(**fields, tools=tools, knowledge=knowledge, base=base)


# --- saving, versions, export --------------------------------------------------------------------


def show_problems(found: list[Problem]) -> None:
    lines = problem_lines(found)  # in the form's words, without the spec's field paths
    st.error(f"{tr('ui.editor.problems', count=len(found))}\n\n{lines}", icon=":material/error:")


def save_bar(services: Services, values: EditorValues) -> None:
    """The version note, Save and Export, in one row above the two columns."""
    note, save, export = st.columns([5, 2, 2], vertical_alignment="bottom")
    message = note.text_input(
        tr("ui.editor.version_message"),
        key=f"{state.W_MESSAGE}.{state.message_nonce()}",
        placeholder=tr("ui.editor.version_message.placeholder"),
    )
    spec, found = check_values(services, values)
    with export:
        export_button(services)
    if spec is not None:
        inactive_notice(spec)
    if save.button(
        tr("ui.editor.save"),
        type="primary",
        icon=":material/save:",
        key=state.SAVE,
        width="stretch",
    ):
        if spec is None:
            state.set_problems(found)
        else:
            save_spec(services, spec, values, message or "")
    if state.problems():  # shown after a failed save, and follow the fixes as they are typed
        state.set_problems(found)
        if found:
            show_problems(found)


def inactive_notice(spec: AgentSpec) -> None:
    """What the agent's settings ask for that Atelier does not do yet, said in words."""
    inactive = inactive_fields(spec)
    if inactive:
        lang = state.language()
        lines = "\n".join(f"- {field.message(lang)}" for field in inactive)
        st.info(f"{tr('spec_effects.intro')}\n\n{lines}", icon=":material/info:")


def save_spec(services: Services, spec: AgentSpec, values: EditorValues, message: str) -> None:
    """A new version, or "no change" when the spec is the latest version's."""
    before = state.agent_id()
    try:
        saved = services.save_agent(before, spec, message)
    except UserError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return
    record = saved.record
    services.forget_draft(before)
    state.set_stored(None)
    state.set_saved(record.agent_id, record.number, values)
    if saved.changed:
        state.flash(tr("ui.editor.saved", number=record.number))
    else:
        state.agent_notice("info", tr("ui.agents.unchanged", number=record.number))
    st.rerun()


def versions_panel(services: Services, agent: str, tool_ids: list[str]) -> None:
    versions = services.versions(agent)
    with st.expander(tr("ui.versions.title", count=len(versions)), icon=":material/history:"):
        for record in versions:
            text, action = st.columns([4, 1], vertical_alignment="center")
            when = record.created_at.astimezone().strftime("%d/%m/%Y %H:%M")
            summary = tr("ui.versions.line", number=record.number, author=record.author, when=when)
            text.markdown(summary)
            if record.message:
                text.caption(record.message)
            if action.button(
                tr("ui.versions.load"),
                key=state.version_load_key(record.number),
                help=tr("ui.versions.load_help", number=record.number),
            ):
                request = OpenRequest("version", str(record.number))
                unsaved.request_open(services, request)
            asked = unsaved.pending("version", str(record.number))
            if asked is not None:
                unsaved.confirm_box(services, asked)
        version_compare.render(services, agent, versions)


def export_button(services: Services) -> None:
    """The saved version shown in the editor, as a YAML file named after it."""
    agent, version = state.agent_id(), state.loaded_version()
    if agent is None or version is None:
        st.button(
            tr("ui.agents.export_new"),
            icon=":material/download:",
            disabled=True,
            key=state.EXPORT,
            help=tr("ui.agents.export_needs_save"),
            width="stretch",
        )
        return
    exported = services.export_agent(agent, version)
    help_key = "ui.agents.export_help_unsaved" if state.unsaved() else "ui.agents.export_help"
    st.download_button(
        tr("ui.agents.export", number=exported.version),
        data=exported.text,
        file_name=exported.file_name,
        mime="application/yaml",
        icon=":material/download:",
        key=state.EXPORT,
        help=tr(help_key, number=exported.version, file=exported.file_name),
        width="stretch",
    )


def show_notice(kind: str, message: str) -> None:
    if kind == "success":
        st.success(message, icon=":material/check_circle:")
    else:
        st.info(message, icon=":material/info:")


# --- the page ------------------------------------------------------------------------------------


def header(services: Services, values: EditorValues) -> None:
    name = values.name.strip() or tr("ui.editor.untitled")
    st.title(literal(f"{values.icon or '🤖'} {name}"))
    agent, version = state.agent_id(), state.loaded_version()
    if state.unsaved():
        marker, action = st.columns([4, 1], vertical_alignment="center")
        marker.markdown(f":orange-badge[:material/edit: {tr('ui.agents.unsaved')}]")
        if action.button(
            tr("ui.agents.discard"),
            key=state.EDITOR_DISCARD,
            help=tr("ui.agents.discard_help"),
            icon=":material/undo:",
        ):
            unsaved.discard(services)
            st.rerun()
    if agent is None:
        st.caption(tr("ui.editor.not_saved"))
    else:
        st.caption(tr("ui.editor.editing_version", number=version))
        origin = services.lineage(agent)
        if origin is not None:
            st.caption(
                literal(
                    tr("ui.editor.lineage", name=origin.forked_name, version=origin.forked_version)
                )
            )


def main() -> None:
    services = state.services()
    tools = services.tools.all()
    tool_ids = [tool.id for tool in tools]
    if state.draft() is None:
        unsaved.resume(services)
    draft = state.draft() or blank_values(tool_ids)
    state.seed_editor_widgets(draft, tools)

    # Drawn top to bottom, filled in another order: the header and the save bar need the values
    # the settings hold, and must be in place before the preview starts streaming.
    top = st.container()
    bar = st.container(border=True)
    left, right = st.columns([11, 9], gap="large")
    with left:
        values = settings_panel(services, draft)
    state.set_draft(values)
    unsaved.keep_on_disk(services, values)
    with top:
        header(services, values)
    with bar:
        save_bar(services, values)
        message = state.flash()
        if message:
            st.success(message, icon=":material/check_circle:")
        for kind, notice in state.take_agent_notices():
            show_notice(kind, notice)
        agent = state.agent_id()
        if agent is not None:
            versions_panel(services, agent, tool_ids)
            sharing_panel.render(services, agent)
            publication.publication_box(services, agent)
            agent_feedback.render(services, agent)
            fiche.about(services, agent, "editor")
    with right:
        preview_panel.render(services, values)


main()
