"""Catalogue: the door for everyone. Search the agents published to the organisation or shared
with you (accents and plurals do not matter), filter, sort, and from a card either use the agent
("Utiliser" opens the chat page on it) or, for those who build, copy it into their own agents
("Dupliquer"). The page reads its widgets, calls the services, and draws the cards."""

from __future__ import annotations

import streamlit as st

from agents.errors import AtelierError
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.panels import inert
from builder_ui.web.state import keys, tr
from store.agent_catalogue import SORTS, Card, Filters

CHAT_PAGE = "views/chat.py"
COLUMNS = 2


def _use(agent_id: str) -> None:
    st.session_state[keys.CHAT_OPEN_AGENT] = agent_id


def _fork(services: Services, card: Card) -> None:
    flashes = st.session_state.setdefault(keys.CATALOGUE_FLASH, [])
    try:
        made = services.fork_agent(card.agent_id, lang=state.language())
    except AtelierError as exc:
        flashes.append(("warning", exc.message(state.language())))
        return
    version = made.version
    flashes.append(("success", tr("catalogue.forked", name=version.spec.name, id=version.agent_id)))
    if made.dropped_bases:
        flashes.append(
            ("warning", tr("catalogue.dropped_bases", names=", ".join(made.dropped_bases)))
        )


def _filters(services: Services) -> tuple[str, Filters, str]:
    facets = services.catalogue_facets()
    text = st.text_input(
        tr("ui.catalogue.search"), key=keys.CATALOGUE_TEXT, help=tr("ui.catalogue.search_help")
    )
    sort_col, team_col, category_col = st.columns(3)
    sort = sort_col.selectbox(
        tr("ui.catalogue.sort"),
        list(SORTS),
        format_func=lambda s: tr(f"catalogue.sort.{s}"),
        key=keys.CATALOGUE_SORT,
    )
    any_label = tr("ui.catalogue.any")
    team = team_col.selectbox(
        tr("ui.catalogue.team"),
        ["", *facets.teams],
        key=keys.CATALOGUE_TEAM,
        format_func=lambda v: v or any_label,
    )
    category = category_col.selectbox(
        tr("ui.catalogue.category"),
        ["", *facets.categories],
        key=keys.CATALOGUE_CATEGORY,
        format_func=lambda v: v or any_label,
    )
    documents_col, tools_col = st.columns(2)
    documents = documents_col.checkbox(tr("ui.catalogue.documents"), key=keys.CATALOGUE_DOCUMENTS)
    tools = tools_col.checkbox(tr("ui.catalogue.tools"), key=keys.CATALOGUE_TOOLS)
    filters = Filters(
        team=team or "",
        category=category or "",
        uses_documents=True if documents else None,
        uses_tools=True if tools else None,
    )
    return text, filters, str(sort)


def _facts(card: Card) -> list[str]:
    facts = [tr("catalogue.by", owner=card.owner_name)]
    if card.teams:
        facts.append(", ".join(card.teams))
    facts.append(tr("catalogue.version", version=card.version))
    if card.rating is None:
        facts.append(tr("catalogue.no_rating"))
    else:
        facts.append(tr("catalogue.rating", share=round(100 * card.rating), count=card.ratings))
    facts.append(tr("catalogue.uses", count=card.uses_30_days))
    if card.forks:
        facts.append(tr("catalogue.forks", count=card.forks))
    return facts


def _card(services: Services, card: Card, builds: bool) -> None:
    with st.container(border=True):
        inert.title(f"{card.icon} {card.name}", level=4)
        if card.category:
            st.markdown(f":blue-badge[{literal(card.category)}]")
        if card.description:
            inert.markdown(card.description)
        st.caption(literal(" · ".join(_facts(card))))
        if card.lineage is not None:
            lineage = card.lineage
            st.caption(
                literal(
                    tr(
                        "catalogue.lineage",
                        name=lineage.forked_name,
                        version=lineage.forked_version,
                    )
                )
            )
        use, fork = st.columns(2)
        if use.button(
            tr("ui.catalogue.use"),
            key=keys.catalogue_use_key(card.agent_id),
            type="primary",
            icon=":material/forum:",
            on_click=_use,
            args=(card.agent_id,),
        ):
            st.switch_page(CHAT_PAGE)
        if builds:
            fork.button(
                tr("ui.catalogue.fork"),
                key=keys.catalogue_fork_key(card.agent_id),
                icon=":material/content_copy:",
                help=tr("ui.catalogue.fork_help"),
                on_click=_fork,
                args=(services, card),
            )


def render() -> None:
    services = state.services()
    st.title(tr("ui.catalogue.title"))
    st.caption(tr("ui.catalogue.intro"))
    for kind, message in st.session_state.pop(keys.CATALOGUE_FLASH, []):
        (st.success if kind == "success" else st.warning)(message)
    text, filters, sort = _filters(services)
    try:
        cards = services.catalogue_search(text, filters, sort)
    except AtelierError as exc:
        st.warning(exc.message(state.language()))
        return
    if not cards:
        st.info(tr("catalogue.none"), icon=":material/search_off:")
        return
    st.caption(tr("ui.catalogue.count", count=len(cards)))
    builds = services.workspace.me().can_build
    columns = st.columns(COLUMNS)
    for index, card in enumerate(cards):
        with columns[index % COLUMNS]:
            _card(services, card, builds)


render()
