"""Unsaved changes in the editor: opening something else asks first, the draft is kept on disk
while it differs from what is saved (a reload finds it again), and an agent opened later comes
back with its unsaved edits.

What is kept: the last unsaved draft per person and agent (``Services.keep_draft``), written on
each run of the editor where it changed; saving or discarding removes it.
"""

from __future__ import annotations

import streamlit as st

from agents.errors import NotFound
from agents.template_catalogue import load_template
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.editor import (
    EditorValues,
    blank_values,
    fingerprint,
    values_from_data,
    values_from_spec,
    values_to_data,
)
from builder_ui.web.state import OpenRequest, tr

EDITOR_PAGE = "views/editor.py"
AGENT_PARAM = "agent"  # the editor's address names the agent, so a reload reopens it


def when(moment: object) -> str:
    from datetime import datetime

    return moment.astimezone().strftime("%d/%m/%Y %H:%M") if isinstance(moment, datetime) else ""


def tool_ids(services: Services) -> list[str]:
    return [tool.id for tool in services.tools.all()]


# --- opening ------------------------------------------------------------------------------------


def open_agent(services: Services, agent_id: str, number: int | None = None) -> None:
    """The agent's version (the latest unless ``number``) in the editor, with the unsaved edits
    kept for it, if any, on top (and a note saying so)."""
    record = services.version(agent_id, number)
    saved = values_from_spec(record.spec, tool_ids(services))
    kept = services.draft(record.agent_id) if number is None else None
    values = values_from_data(kept.data) if kept is not None else None
    if kept is None or values is None:
        state.open_in_editor(saved, record.agent_id, record.number)
        return
    version = kept.version or record.number
    stored = fingerprint(values)
    state.open_in_editor(values, record.agent_id, version, baseline=saved, stored=stored)
    notice = tr("ui.agents.restored", when=when(kept.saved_at), number=version)
    state.agent_notice("info", notice)


def open_new(services: Services, values: EditorValues) -> None:
    """A draft not saved yet (blank or from a template): it replaces the one kept, if any."""
    services.forget_draft(None)
    state.open_in_editor(values, agent=None, version=None)


def resume(services: Services) -> None:
    """The editor opened with nothing in it (a new session: a reload, an address typed): the
    agent its address names, else the new agent's kept draft, else a blank one."""
    agent = st.query_params.get(AGENT_PARAM)
    if agent:
        try:
            open_agent(services, agent)
            return
        except NotFound:
            pass
    kept = services.draft(None)
    values = values_from_data(kept.data) if kept is not None else None
    blank = blank_values(tool_ids(services))
    if kept is None or values is None:
        state.open_in_editor(blank, agent=None, version=None)
        return
    state.open_in_editor(values, None, None, baseline=blank, stored=fingerprint(values))
    state.agent_notice("info", tr("ui.agents.restored_new", when=when(kept.saved_at)))


def perform(services: Services, request: OpenRequest) -> None:
    if request.kind == "agent":
        open_agent(services, request.ref)
    elif request.kind == "version":
        agent = state.agent_id()
        if agent is not None:
            record = services.version(agent, int(request.ref))
            values = values_from_spec(record.spec, tool_ids(services))
            state.open_in_editor(values, agent, record.number, new_conversation=False)
            state.agent_notice("success", tr("ui.versions.loaded", number=record.number))
    elif request.kind == "template":
        open_new(services, values_from_spec(load_template(request.ref), tool_ids(services)))
    else:
        open_new(services, blank_values(tool_ids(services)))


# --- asking first -------------------------------------------------------------------------------


def at_risk(services: Services, request: OpenRequest) -> str | None:
    """The name of the unsaved draft that opening ``request`` would discard, if any."""
    draft = state.draft()
    if state.unsaved() and draft is not None:
        return draft.name.strip() or tr("ui.editor.untitled")
    if request.kind in ("new", "template"):
        kept = services.draft(None)
        values = values_from_data(kept.data) if kept is not None else None
        if values is not None:
            return values.name.strip() or tr("ui.editor.untitled")
    return None


def request_open(services: Services, request: OpenRequest) -> None:
    """Open ``request`` now, or ask first when it would discard unsaved changes. Opening the
    agent being edited goes back to its draft."""
    editing = request.kind == "agent" and request.ref == state.agent_id()
    if editing and state.draft() is not None:
        state.forget_open()
        st.switch_page(EDITOR_PAGE)
    if at_risk(services, request) is not None:
        state.ask_open(request)
        st.rerun()
    perform(services, request)
    go_to_editor(request)


def go_to_editor(request: OpenRequest) -> None:
    if request.kind == "version":
        st.rerun()
    st.switch_page(EDITOR_PAGE)


def target_words(request: OpenRequest) -> str:
    key = f"ui.agents.target.{request.kind}"
    return tr(key, name=request.name, number=request.ref)


def confirm_box(services: Services, request: OpenRequest) -> None:
    """Keep editing, or discard the unsaved changes and open ``request``."""
    name = at_risk(services, request)
    if name is None:  # saved or discarded meanwhile
        state.forget_open()
        return
    with st.container(border=True):
        message = tr("ui.agents.confirm_discard", name=name, target=target_words(request))
        st.warning(message, icon=":material/warning:")
        keep, discard = st.columns(2)
        if keep.button(tr("ui.agents.keep_editing"), key=state.CONFIRM_KEEP, type="primary"):
            state.forget_open()
            if request.kind == "version":
                st.rerun()
            st.switch_page(EDITOR_PAGE)
        if discard.button(tr("ui.agents.discard_and_open"), key=state.CONFIRM_DISCARD):
            state.forget_open()
            services.forget_draft(state.agent_id())
            perform(services, request)
            go_to_editor(request)


def pending(request_kind: str, ref: str = "") -> OpenRequest | None:
    """The opening waiting for confirmation, if it is this one (drawn where it was asked)."""
    asked = state.open_asked()
    if asked is not None and asked.kind == request_kind and asked.ref == ref:
        return asked
    return None


# --- the editor's side --------------------------------------------------------------------------


def keep_on_disk(services: Services, values: EditorValues) -> None:
    """Write the draft when it differs from what is saved and from what was last written;
    remove it when it is back to what is saved."""
    agent = state.agent_id()
    if state.unsaved():
        current = fingerprint(values)
        if current != state.stored():
            services.keep_draft(agent, state.loaded_version(), values_to_data(values))
            state.set_stored(current)
    elif state.stored() is not None:
        services.forget_draft(agent)
        state.set_stored(None)
    if agent is None:
        st.query_params.pop(AGENT_PARAM, None)
    elif st.query_params.get(AGENT_PARAM) != agent:
        st.query_params[AGENT_PARAM] = agent


def discard(services: Services) -> None:
    """Back to what was opened or last saved."""
    agent, version = state.agent_id(), state.loaded_version()
    services.forget_draft(agent)
    saved = state.saved_values() or blank_values(tool_ids(services))
    state.open_in_editor(saved, agent, version, new_conversation=False)
    if version is not None:
        state.agent_notice("info", tr("ui.agents.discarded", number=version))
    else:
        state.agent_notice("info", tr("ui.agents.discarded_new"))
