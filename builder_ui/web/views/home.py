"""Accueil: the person's agents, a blank agent, and the catalogue's templates."""

from __future__ import annotations

import streamlit as st

from agents.template_catalogue import list_templates
from builder_ui.web import state
from builder_ui.web.models.editor import blank_values, values_from_spec
from builder_ui.web.panels import inert
from builder_ui.web.state import tr

EDITOR_PAGE = "views/editor.py"
TEMPLATE_COLUMNS = 3

services = state.services()
tool_ids = [tool.id for tool in services.tools.all()]

st.title(tr("ui.home.title"))
st.write(tr("ui.home.intro"))

if st.button(tr("ui.home.new_agent"), type="primary", icon=":material/add:", key=state.HOME_NEW):
    state.open_in_editor(blank_values(tool_ids), agent=None, version=None)
    st.switch_page(EDITOR_PAGE)

st.header(tr("ui.home.my_agents"), divider="gray")
agents = services.list_agents()
if not agents:
    st.info(tr("ui.home.no_agents"), icon=":material/info:")
for agent in agents:
    with st.container(border=True):
        text, action = st.columns([5, 1], vertical_alignment="center")
        inert.title(f"{agent.icon or '🤖'} {agent.name}", where=text)
        if agent.description:
            inert.markdown(agent.description, where=text)
        text.caption(tr("ui.home.latest_version", number=agent.latest_version))
        if action.button(
            tr("ui.home.open"),
            key=state.home_open_key(agent.id),
            help=tr("ui.home.open_help", name=agent.name),
            icon=":material/edit:",
        ):
            record = services.version(agent.id)
            values = values_from_spec(record.spec, tool_ids)
            state.open_in_editor(values, agent=agent.id, version=record.number)
            st.switch_page(EDITOR_PAGE)

st.header(tr("ui.home.templates"), divider="gray")
st.write(tr("ui.home.templates_intro"))
templates = list_templates()
for start in range(0, len(templates), TEMPLATE_COLUMNS):
    row = st.columns(TEMPLATE_COLUMNS)
    for column, (template_id, spec) in zip(
        row, templates[start : start + TEMPLATE_COLUMNS], strict=False
    ):
        with column.container(border=True, height="stretch"):
            inert.title(f"{spec.icon} {spec.name}")
            inert.markdown(spec.description)
            if st.button(
                tr("ui.home.use_template"),
                key=state.home_template_key(template_id),
                help=tr("ui.home.use_template_help", name=spec.name),
                icon=":material/content_copy:",
            ):
                state.open_in_editor(values_from_spec(spec, tool_ids), agent=None, version=None)
                st.switch_page(EDITOR_PAGE)
