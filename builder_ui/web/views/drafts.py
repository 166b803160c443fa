"""Brouillons: supervised drafting. A person imports a file of messages for an agent to draft
replies to in the background ("Nouveau lot"), reads each message beside its draft and approves,
rejects or sends it back ("À relire"), and downloads the approved replies ("Lots et export").
What a person sees and may decide is the services' to say (``builder_ui.services.drafting``):
their own batches, the drafts assigned to them or to their teams."""

from __future__ import annotations

import streamlit as st

from builder_ui.web.panels import draft_batch, draft_card, draft_queue
from builder_ui.web.state import drafts as drafts_state
from builder_ui.web.state import tr


def main() -> None:
    drafting = drafts_state.drafting()
    st.title(tr("ui.drafts.title"))
    st.caption(tr("ui.drafts.intro"))
    draft_card.show_flashes()
    draft_batch.progress_of_running(drafting)
    waiting = drafting.waiting_count()
    queue_label = tr("ui.drafts.tab.queue_count", count=waiting) if waiting else None
    queue, new, batches = st.tabs(
        [
            queue_label or tr("ui.drafts.tab.queue"),
            tr("ui.drafts.tab.new"),
            tr("ui.drafts.tab.batches"),
        ]
    )
    with queue:
        draft_queue.render(drafting)
    with new:
        draft_batch.new_batch(drafting)
    with batches:
        draft_batch.batch_list(drafting)


main()
