"""Reviewing an MCP server's tools before agents may use them: "Check and approve the tools"
reads the list from the server, shows it in full, and approves exactly what was shown (or drops
it)."""

from __future__ import annotations

import json

import streamlit as st

from agents.errors import AtelierError
from builder_ui.services import mcp_admin
from builder_ui.services.installation import Services
from builder_ui.services.mcp_admin import ToolReview
from builder_ui.web import state
from builder_ui.web.state import tr
from tools.mcp.client import McpServerError


def review_block(services: Services, name: str) -> None:
    """The "check and approve" button of server ``name`` and, once clicked, its tool list."""
    if st.button(
        tr("ui.admin.mcp.review"),
        key=state.admin_server_review_key(name),
        icon=":material/fact_check:",
    ):
        try:
            reviewing(name, review=mcp_admin.review_tools(services.workspace.organisation, name))
        except AtelierError as exc:
            reviewing(name, error=plain_error(name, exc))
    current = state.mcp_review()
    if not current or current["server"] != name:
        return
    if current["error"]:
        st.error(current["error"], icon=":material/error:")
        return
    review: ToolReview = current["review"]
    if current["moved"]:
        st.warning(tr("ui.admin.mcp.review.moved"), icon=":material/warning:")
    show_review(review)
    approve, cancel, _ = st.columns([2, 1, 2])
    if approve.button(
        tr("ui.admin.mcp.review.approve"),
        type="primary",
        icon=":material/verified_user:",
        key=state.ADMIN_REVIEW_APPROVE,
    ):
        approve_review(services, name, review)
        st.rerun()
    if cancel.button(tr("ui.admin.cancel"), key=state.ADMIN_REVIEW_CANCEL):
        state.forget_mcp_review()
        st.rerun()


def approve_review(services: Services, name: str, review: ToolReview) -> None:
    """Approve the tools as shown; if the server's list changed meanwhile, show the new one."""
    try:
        moved = mcp_admin.approve_reviewed(services.workspace.organisation, review)
    except AtelierError as exc:
        reviewing(name, error=plain_error(name, exc))
        return
    if moved is not None:
        reviewing(name, review=moved, moved=True)
        return
    state.forget_mcp_review()
    count = len(review.pins())
    state.admin_flash("success", tr("ui.admin.mcp.approved", name=name, count=count))


def reviewing(
    name: str, *, review: ToolReview | None = None, error: str = "", moved: bool = False
) -> None:
    state.set_mcp_review({"server": name, "review": review, "error": error, "moved": moved})


def plain_error(name: str, exc: AtelierError) -> str:
    """Why a server's tools could not be read: the reason itself, not what it means for agents.
    The servers' state is read again on the next run."""
    state.forget_mcp_statuses()
    lang = state.language()
    reason = exc.reason.message(lang) if isinstance(exc, McpServerError) else exc.message(lang)
    return tr("ui.admin.mcp.review.failed", name=name, reason=reason)


def show_review(review: ToolReview) -> None:
    """Every tool in full: its description is an instruction to the model, so it is shown as
    written (never rendered), with its arguments and what it may do."""
    st.markdown(tr("ui.admin.mcp.review.title", name=review.server, count=len(review.tools)))
    st.caption(tr("ui.admin.mcp.review.help"))
    if not review.tools:
        st.caption(tr("ui.admin.mcp.review.empty"))
    for tool in review.tools:
        with st.container(border=True):
            change = tr(f"ui.admin.mcp.tool.{review.change(tool.name)}")
            st.markdown(f"**`{tool.name}`** — {change}")
            st.caption(
                tr("ui.admin.mcp.tool.read_only" if tool.read_only else "ui.admin.mcp.tool.acts")
            )
            st.caption(tr("ui.admin.mcp.tool.description"))
            st.code(tool.description or "—", language=None, wrap_lines=True)
            st.caption(tr("ui.admin.mcp.tool.arguments"))
            schema = json.dumps(tool.input_schema, indent=2, ensure_ascii=False, sort_keys=True)
            st.code(schema, language="json", wrap_lines=True)
    if review.before.removed:
        st.caption(tr("ui.admin.mcp.review.removed", tools=", ".join(review.before.removed)))
