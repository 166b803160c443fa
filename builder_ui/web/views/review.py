"""À relire (reviewers and administrators): the requests to publish an agent to the whole
organisation, each with what changed since the published version, the agent's tools and what
they do, its knowledge bases and model; approve, or send back with a comment. Administrators
also withdraw an agent from the organisation and mark it deprecated. The workspace refuses all
of it to anyone else, whatever page asks (``store.reviews``)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from agents.errors import Refused, UserError
from builder_ui.services.installation import Services
from builder_ui.services.reviews import ReviewSheet, review_sheets
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.panels import fiche, inert
from builder_ui.web.panels.version_compare import instructions_diff
from builder_ui.web.state import keys, tr


def _flash(kind: str, message: str) -> None:
    st.session_state.setdefault(keys.REVIEW_FLASH, []).append((kind, message))


def _flashes() -> None:
    for kind, message in st.session_state.pop(keys.REVIEW_FLASH, []):
        if kind == "success":
            st.success(message, icon=":material/check_circle:")
        else:
            st.error(message, icon=":material/error:")


def _act(action: Any, done: str) -> None:
    """Run a decision; say what happened, or why it could not be done."""
    try:
        action()
    except UserError as exc:
        _flash("error", exc.message(state.language()))
    else:
        _flash("success", done)
    st.rerun()


def _changes(sheet: ReviewSheet) -> None:
    """Each changed field under its label, in the reader's words: the instructions as a line
    diff whose signs a legend explains, any other field as its two values side by side."""
    published = sheet.pending.published
    if published is None:
        st.caption(tr("ui.review.first"))
        before = tr("ui.review.column.nothing")
    else:
        st.caption(tr("ui.review.against", version=published.number))
        before = tr("ui.review.column.published", version=published.number)
    after = tr("ui.review.column.requested", version=sheet.pending.requested.number)
    if not sheet.changes:
        st.write(tr("ui.review.no_changes"))
    for change in sheet.changes:
        with st.container(border=True):
            st.markdown(f"**{literal(change.label)}**")
            if change.lines:
                instructions_diff(change)
                continue
            columns = st.columns(2)
            for column, head, value in zip(
                columns, (before, after), (change.before, change.after), strict=True
            ):
                column.caption(head)
                column.markdown(literal(value))


def _what_it_uses(sheet: ReviewSheet) -> None:
    st.markdown(f"**{tr('ui.review.model')}** : {literal(sheet.model)}")
    bases = ", ".join(literal(b) for b in sheet.pending.bases) or tr("ui.review.none")
    st.markdown(f"**{tr('ui.review.bases')}** : {bases}")
    if not sheet.tools:
        st.markdown(f"**{tr('ui.review.tools')}** : {tr('ui.review.none')}")
        return
    st.markdown(f"**{tr('ui.review.tools')}**")
    for tool in sheet.tools:
        effects = " ".join(tool.effects)
        st.markdown(f"- **{literal(tool.title)}** (`{tool.id}`) : {effects} {tool.approval}")


def _request_card(services: Services, sheet: ReviewSheet, me: str) -> None:
    pending, agent = sheet.pending, sheet.pending.agent
    request = pending.request
    with st.container(border=True):
        inert.title(f"{agent.icon or '🤖'} {agent.name}", level=3)
        if agent.description:
            inert.markdown(agent.description)
        when = request.created_at.astimezone().strftime("%d/%m/%Y %H:%M")
        st.caption(
            tr(
                "ui.review.asked",
                owner=literal(agent.owner),
                by=literal(request.requested_by),
                when=when,
                version=request.version,
            )
        )
        if request.message:
            st.markdown(f"**{tr('ui.review.message')}**")
            inert.markdown(request.message)
        with st.expander(tr("ui.review.changes"), expanded=True):
            _changes(sheet)
        with st.expander(tr("ui.review.uses"), expanded=True):
            _what_it_uses(sheet)
        fiche.about(services, agent.id, f"review.{request.id}", review=sheet)
        if me in (request.requested_by, agent.owner):
            st.info(tr("ui.review.own"), icon=":material/info:")
            return
        comment = st.text_area(
            tr("ui.review.comment"),
            key=keys.review_comment_key(agent.id),
            help=tr("ui.review.comment_help"),
        )
        approve, reject = st.columns(2)
        reviews = services.workspace.reviews
        if approve.button(
            tr("ui.review.approve"),
            key=keys.review_approve_key(agent.id),
            type="primary",
            icon=":material/public:",
        ):
            _act(
                lambda: reviews.approve(agent.id, comment),
                tr("ui.review.approved", name=literal(agent.name)),
            )
        if reject.button(
            tr("ui.review.reject"),
            key=keys.review_reject_key(agent.id),
            icon=":material/undo:",
        ):
            _act(
                lambda: reviews.reject(agent.id, comment),
                tr("ui.review.rejected", name=literal(agent.name)),
            )


def _published_section(services: Services) -> None:
    """Administrators: the agents the whole organisation reaches, to withdraw or deprecate."""
    st.header(tr("ui.review.published"), divider="gray")
    sharing, reviews = services.workspace.sharing, services.workspace.reviews
    published = [o.agent for o in services.workspace.open_agents() if o.agent.published_version]
    published = [a for a in published if sharing.in_organisation(a.id)]
    if not published:
        st.info(tr("ui.review.none_published"), icon=":material/info:")
    for agent in published:
        with st.container(border=True):
            text, actions = st.columns([4, 2], vertical_alignment="center")
            inert.title(f"{agent.icon or '🤖'} {agent.name}", where=text)
            text.caption(tr("ui.review.published_by", owner=literal(agent.owner)))
            if agent.deprecated:
                text.markdown(f":orange-badge[:material/warning: {tr('ui.review.deprecated')}]")
            if actions.button(
                tr("ui.review.unpublish"),
                key=keys.review_unpublish_key(agent.id),
                help=tr("ui.review.unpublish_help", name=agent.name),
                icon=":material/public_off:",
            ):
                _act(
                    lambda agent_id=agent.id: reviews.unpublish(agent_id),
                    tr("ui.review.unpublished", name=literal(agent.name)),
                )
            undo = agent.deprecated
            if actions.button(
                tr("ui.review.undeprecate" if undo else "ui.review.deprecate"),
                key=keys.review_deprecate_key(agent.id),
                help=tr("ui.review.deprecate_help", name=agent.name),
                icon=":material/history:",
            ):
                _act(
                    lambda agent_id=agent.id, mark=not undo: reviews.set_deprecated(agent_id, mark),
                    tr("ui.review.undeprecated" if undo else "ui.review.deprecated_done"),
                )


def main() -> None:
    services = state.services()
    me = services.workspace.me()
    st.title(tr("ui.review.title"))
    st.caption(tr("ui.review.intro"))
    _flashes()
    try:
        sheets = review_sheets(services, state.language())
    except Refused as exc:  # not a reviewer: the page is not offered, and refused anyway
        st.error(exc.message(state.language()), icon=":material/block:")
        return
    if not sheets:
        st.info(tr("ui.review.empty"), icon=":material/task_alt:")
    for sheet in sheets:
        _request_card(services, sheet, me.id)
    if me.is_admin:
        _published_section(services)


main()
