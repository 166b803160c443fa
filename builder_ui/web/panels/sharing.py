""" "Partager" in the editor: with whom the agent is shared, to use or to edit, and which version
they get. The owner shares and stops sharing; whoever may edit publishes the draft for them.
Every action goes through the services (``builder_ui.services.sharing``), which ask the
workspace: this panel only draws what they answer, and a refusal in words."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from agents.errors import AtelierError
from builder_ui.services.installation import Services
from builder_ui.services.sharing import ShareLine
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.state import keys, tr

KINDS = ("user", "team")
PERMISSIONS = ("use", "edit")


def _outcome(kind: str, message: str) -> None:
    st.session_state[keys.SHARE_OUTCOME] = (kind, message)


Share = Callable[[str, str], object]  # (grantee, permission)
Unshare = Callable[[str], object]  # (grantee)


def _share(share: Share) -> None:
    kind = st.session_state.get(keys.SHARE_KIND) or "user"
    who = (st.session_state.get(keys.SHARE_WHO) or "").strip()
    can = st.session_state.get(keys.SHARE_CAN) or "use"
    if not who:
        _outcome("warning", tr("ui.share.who_missing"))
        return
    try:
        share(f"{kind}:{who}", can)
    except AtelierError as exc:
        _outcome("warning", exc.message(state.language()))
        return
    st.session_state[keys.SHARE_WHO] = ""
    _outcome("success", tr(f"ui.share.done.{can}", who=who))


def _unshare(unshare: Unshare, grantee: str, label: str) -> None:
    try:
        unshare(grantee)
    except AtelierError as exc:
        _outcome("warning", exc.message(state.language()))
        return
    _outcome("success", tr("ui.share.removed", who=label))


def _release(services: Services, agent_id: str) -> None:
    try:
        record = services.release(agent_id)
    except AtelierError as exc:
        _outcome("warning", exc.message(state.language()))
        return
    _outcome("success", tr("ui.share.released", number=record.published_version))


def render(services: Services, agent_id: str) -> None:
    """The agent's "Partage": with whom, to use or to edit, and which version they get."""
    agent = services.find_agent(agent_id)
    lines = services.shares(agent_id, state.language())

    def versions() -> None:
        if agent.published_version:
            st.caption(
                tr(
                    "ui.share.versions",
                    published=agent.published_version,
                    latest=agent.latest_version,
                )
            )
        else:
            st.caption(tr("ui.share.not_published"))
        if lines and agent.published_version != agent.latest_version:
            st.button(
                tr("ui.share.release", number=agent.latest_version),
                key=keys.SHARE_RELEASE,
                help=tr("ui.share.release_help"),
                icon=":material/publish:",
                on_click=_release,
                args=(services, agent_id),
            )

    _box(
        lines,
        services.access(agent_id) == "owner",
        lambda who, can: services.share(agent_id, who, can),
        lambda who: services.unshare(agent_id, who),
        versions,
        "ui.share.nobody",
        "ui.share.owner_shares",
    )


def render_kb(services: Services, kb_id: str) -> None:
    """A knowledge base's "Partage": to use it in one's agents, or to edit its documents."""
    _box(
        services.kb_shares(kb_id, state.language()),
        services.workspace.kb_access(kb_id) == "owner",
        lambda who, can: services.share_kb(kb_id, who, can),
        lambda who: services.unshare_kb(kb_id, who),
        lambda: st.caption(tr("ui.share.kb_rights")),
        "ui.share.kb_nobody",
        "ui.share.kb_owner_shares",
    )


def _box(
    lines: list[ShareLine],
    owner: bool,
    share: Share,
    unshare: Unshare,
    above: Callable[[], object],
    nobody: str,
    owner_shares: str,
) -> None:
    shown = st.session_state.pop(keys.SHARE_OUTCOME, None)
    # Open again after an action: the page is drawn anew and its outcome is shown inside.
    with st.expander(tr("ui.share.title"), icon=":material/share:", expanded=shown is not None):
        if shown is not None:
            kind, message = shown
            (st.success if kind == "success" else st.warning)(literal(message))
        above()
        if not lines:
            st.write(tr(nobody))
        for line in lines:
            text, action = st.columns([4, 1], vertical_alignment="center")
            text.markdown(literal(f"{line.label} · {line.permission_label(state.language())}"))
            if owner and line.grantee != "organisation":
                action.button(
                    tr("ui.share.remove"),
                    key=keys.share_remove_key(line.grantee),
                    help=tr("ui.share.remove_help", who=line.label),
                    on_click=_unshare,
                    args=(unshare, line.grantee, line.label),
                )
        if not owner:
            st.caption(tr(owner_shares))
            return
        with st.form(keys.SHARE_FORM, border=False):
            st.radio(
                tr("ui.share.kind"),
                KINDS,
                format_func=lambda kind: tr(f"ui.share.kind.{kind}"),
                key=keys.SHARE_KIND,
                horizontal=True,
            )
            st.text_input(tr("ui.share.who"), key=keys.SHARE_WHO, help=tr("ui.share.who_help"))
            st.radio(
                tr("ui.share.can"),
                PERMISSIONS,
                format_func=lambda can: tr(f"share.permission.{can}"),
                key=keys.SHARE_CAN,
                horizontal=True,
            )
            st.form_submit_button(
                tr("ui.share.submit"), icon=":material/share:", on_click=_share, args=(share,)
            )
