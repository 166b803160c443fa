"""“Tester l'outil” in the editor's tool picker: run a ticked tool by hand, with the settings the
editor holds, and read its result or its error.

It calls ``Services.run_tool``, the call behind ``atelier tool run``, so the builder and the CLI
give the same answer for the same arguments. The form is generated from the tool's arguments
model (``builder_ui.web.panels.forms``); the last result stays on screen until the next "Lancer".
"""

from __future__ import annotations

import json
import logging
from typing import Any

import streamlit as st

from agents.errors import AtelierError
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.approval import TryOutcome
from builder_ui.web.models.transcript import escape_markdown
from builder_ui.web.panels.forms import FormField, form_fields, render_form, widget_state
from builder_ui.web.state import tr, tr_or
from tools.registry import ToolDefinition

log = logging.getLogger(__name__)


def try_tool(
    services: Services, tool_id: str, args: dict[str, Any], config: dict[str, Any]
) -> TryOutcome:
    """Run the tool; a bad setting, bad arguments or a failure inside the tool come back as an
    error in plain words, never as a crash of the page."""
    try:
        return TryOutcome.from_result(services.run_tool(tool_id, args, config))
    except AtelierError as exc:
        return TryOutcome(False, error=exc.message(state.language()))
    except Exception:
        log.exception("trying tool %s failed", tool_id)
        return TryOutcome(False, error=tr("ui.try.internal"))


def _label(tool_id: str) -> Any:
    def label(field: FormField) -> str:
        return tr_or(f"tool.{tool_id}.args.{field.name}", field.label)

    return label


def render(services: Services, tool: ToolDefinition, config: dict[str, Any]) -> None:
    with st.expander(tr("ui.try.title"), icon=":material/science:"):
        st.caption(tr("ui.try.intro"))
        if tool.consequential:
            st.warning(tr("ui.try.consequential"), icon=":material/warning:")
        fields = form_fields(tool.args_model)
        args: dict[str, Any] = {}
        if fields:
            prefix = state.try_key(tool.id, "form.")
            state.seed_widgets(widget_state(fields, prefix, {}))
            args = render_form(tool.args_model, prefix, _label(tool.id))
        else:
            st.caption(tr("ui.try.no_args"))
        if st.button(
            tr("ui.try.run"), key=state.try_key(tool.id, "run"), icon=":material/play_arrow:"
        ):
            state.set_try_outcome(tool.id, try_tool(services, tool.id, args, config))
        outcome = state.try_outcome(tool.id)
        if outcome is None:
            return
        if outcome.ok:
            st.markdown(f"**{tr('ui.try.result')}**")
            if isinstance(outcome.output, dict | list):
                st.json(outcome.output, expanded=True)
            else:
                st.code(json.dumps(outcome.output, ensure_ascii=False, default=str), language=None)
        else:
            error = escape_markdown(outcome.error)
            st.error(tr("ui.try.failed", error=error), icon=":material/error:")
