"""Accueil: the person's agents (open, duplicate, delete), a blank agent, an agent imported from
a YAML file, and the catalogue's templates. Opening anything while the editor holds unsaved
changes asks first (``panels.unsaved``)."""

from __future__ import annotations

import streamlit as st

from agents.errors import InvalidSpec, UserError
from agents.template_catalogue import list_templates
from builder_ui.services.agents import AgentRecord
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.agent_files import FileProblem, file_problems
from builder_ui.web.models.editor import blank_values
from builder_ui.web.panels import inert, publication, unsaved
from builder_ui.web.state import OpenRequest, tr

TEMPLATE_COLUMNS = 3
CHAT_PAGE = "views/chat.py"


def notices() -> None:
    for kind, message in state.take_agent_notices():
        if kind == "success":
            st.success(message, icon=":material/check_circle:")
        else:
            st.info(message, icon=":material/info:")


def new_agent_button(services: Services) -> None:
    if st.button(
        tr("ui.home.new_agent"), type="primary", icon=":material/add:", key=state.HOME_NEW
    ):
        unsaved.request_open(services, OpenRequest("new"))
    asked = unsaved.pending("new")
    if asked is not None:
        unsaved.confirm_box(services, asked)


def waiting_draft(services: Services) -> None:
    """A new agent's draft kept from an earlier session (a reload), offered again."""
    if state.draft() is not None or services.draft(None) is None:
        return
    text, action = st.columns([5, 1], vertical_alignment="center")
    text.info(tr("ui.agents.waiting_draft"), icon=":material/edit_note:")
    if action.button(tr("ui.agents.resume"), key=state.HOME_RESUME, icon=":material/edit:"):
        st.switch_page(unsaved.EDITOR_PAGE)  # the editor, empty, takes the kept draft


# --- my agents -----------------------------------------------------------------------------------


def shared_section(services: Services) -> None:
    """The agents others shared with the person: to edit (the editor) or to use (Discuter)."""
    shared = [found for found in services.open_agents() if found.access != "owner"]
    if not shared:
        return
    st.header(tr("ui.home.shared_with_me"), divider="gray")
    for found in shared:
        agent = found.agent
        with st.container(border=True):
            text, actions = st.columns([4, 2], vertical_alignment="center")
            inert.title(f"{agent.icon or '🤖'} {agent.name}", where=text)
            if agent.description:
                inert.markdown(agent.description, where=text)
            text.caption(tr(f"ui.home.shared.{found.access}", owner=agent.owner))
            if found.access == "edit" and actions.button(
                tr("ui.home.open"),
                key=state.home_open_key(agent.id),
                help=tr("ui.home.open_help", name=agent.name),
                icon=":material/edit:",
            ):
                unsaved.request_open(services, OpenRequest("agent", agent.id, agent.name))
            asked = unsaved.pending("agent", agent.id)
            if asked is not None:
                unsaved.confirm_box(services, asked)
            actions.page_link(CHAT_PAGE, label=tr("ui.home.to_chat"), icon=":material/forum:")


def agent_card(services: Services, agent: AgentRecord) -> None:
    with st.container(border=True):
        text, actions = st.columns([4, 2], vertical_alignment="center")
        inert.title(f"{agent.icon or '🤖'} {agent.name}", where=text)
        if agent.description:
            inert.markdown(agent.description, where=text)
        text.caption(tr("ui.home.latest_version", number=agent.latest_version))
        if services.draft(agent.id) is not None or (
            state.agent_id() == agent.id and state.unsaved()
        ):
            text.markdown(f":orange-badge[:material/edit: {tr('ui.agents.unsaved')}]")
        if actions.button(
            tr("ui.home.open"),
            key=state.home_open_key(agent.id),
            help=tr("ui.home.open_help", name=agent.name),
            icon=":material/edit:",
        ):
            unsaved.request_open(services, OpenRequest("agent", agent.id, agent.name))
        if actions.button(
            tr("ui.agents.duplicate"),
            key=state.home_duplicate_key(agent.id),
            help=tr("ui.agents.duplicate_help", name=agent.name),
            icon=":material/content_copy:",
        ):
            copy = services.duplicate_agent(agent.id, state.language())
            notice = tr("ui.agents.duplicated", name=copy.spec.name, version=agent.latest_version)
            state.agent_notice("success", notice)
            st.rerun()
        if actions.button(
            tr("ui.agents.delete"),
            key=state.home_delete_key(agent.id),
            help=tr("ui.agents.delete_help", name=agent.name),
            icon=":material/delete:",
        ):
            state.ask_delete(agent.id)
            st.rerun()
        asked = unsaved.pending("agent", agent.id)
        if asked is not None:
            unsaved.confirm_box(services, asked)
        if state.delete_asked() == agent.id:
            confirm_delete(services, agent)


def confirm_delete(services: Services, agent: AgentRecord) -> None:
    """Say what is erased, then erase it or not."""
    erasure = services.deletion(agent.id)
    message = tr(
        "ui.agents.delete_confirm",
        name=agent.name,
        versions=erasure.versions,
        conversations=erasure.conversations,
    )
    st.warning(message, icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button(tr("ui.agents.delete_yes"), key=state.HOME_DELETE_YES, type="primary"):
        services.delete_agent(agent.id)
        state.forget_delete()
        if state.agent_id() == agent.id:  # the editor held it: it starts afresh
            tool_ids = unsaved.tool_ids(services)
            state.open_in_editor(blank_values(tool_ids), agent=None, version=None)
        state.agent_notice("success", tr("ui.agents.deleted", name=agent.name))
        st.rerun()
    if no.button(tr("ui.agents.cancel"), key=state.HOME_DELETE_NO):
        state.forget_delete()
        st.rerun()


# --- import --------------------------------------------------------------------------------------


def import_section(services: Services) -> None:
    with st.expander(tr("ui.agents.import.title"), icon=":material/upload_file:"):
        st.caption(tr("ui.agents.import.help"))
        upload = st.file_uploader(
            tr("ui.agents.import.file"),
            type=["yaml", "yml"],
            key=state.home_import_file_key(state.import_nonce()),
        )
        clicked = st.button(
            tr("ui.agents.import.button"),
            key=state.HOME_IMPORT,
            disabled=upload is None,
            icon=":material/upload:",
        )
        if clicked and upload is not None:
            import_file(services, upload.name, upload.getvalue())
        shown = state.import_problems()
        if shown is not None:
            file_name, problems = shown
            lines = "\n".join(f"- **{p.where}** : {p.message}" for p in problems)
            title = tr("ui.agents.import.invalid", file=file_name, count=len(problems))
            st.error(f"{title}\n\n{lines}", icon=":material/error:")


def import_file(services: Services, file_name: str, data: bytes) -> None:
    """The CLI's ``agent import``: the same loader, the same checks, the same messages."""
    problems: list[FileProblem]
    try:
        spec = services.read_spec(data, file_name)
        services.create_agent(spec, tr("ui.agents.import.message", file=file_name))
    except InvalidSpec as exc:
        problems = file_problems(exc, tr)
    except UserError as exc:
        problems = [FileProblem(tr("ui.agents.place.document"), exc.message(state.language()))]
    else:
        state.set_import_problems(None)
        state.renew_import()
        state.agent_notice("success", tr("ui.agents.import.done", name=spec.name))
        st.rerun()
    state.set_import_problems((file_name, problems))


# --- the page ------------------------------------------------------------------------------------


def main() -> None:
    services = state.services()
    st.title(tr("ui.home.title"))
    st.write(tr("ui.home.intro"))
    notices()
    publication.notifications(services)
    waiting_draft(services)
    new_agent_button(services)

    st.header(tr("ui.home.my_agents"), divider="gray")
    agents = services.list_agents()
    if not agents:
        st.info(tr("ui.home.no_agents"), icon=":material/info:")
    for agent in agents:
        agent_card(services, agent)
    shared_section(services)
    import_section(services)

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
                    request = OpenRequest("template", template_id, spec.name)
                    unsaved.request_open(services, request)
                asked = unsaved.pending("template", template_id)
                if asked is not None:
                    unsaved.confirm_box(services, asked)


main()
