"""Feedback on answers: thumbs up or down, an optional comment and, only when its author chose
to give it, the exchange (their question and the answer). Opened for one principal as
``Workspace.feedback``; every method asks the workspace first.

- Anyone who may use an agent rates its answers in their own conversations with it; an agent
  one cannot use is reported exactly like a missing one.
- The agent's owner and those who may edit it read the feedback on it, with who gave it (the
  page says so before anyone sends): never a conversation's text that was not given.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from agents.errors import UserError
from store.catalogue_index import RATINGS, FeedbackRecord, Rating
from store.database import utc_now
from store.memory import thread_not_found

if TYPE_CHECKING:
    from store.records import Catalogue
    from store.workspace import Workspace

COMMENT_MAX = 2_000
EXCHANGE_MAX = 20_000
LIST_LIMIT = 200


class Feedback:
    def __init__(self, workspace: Workspace, catalogue: Catalogue) -> None:
        self._workspace = workspace
        self._catalogue = catalogue

    def give(
        self,
        agent_id: str,
        thread_id: str,
        rating: str,
        comment: str = "",
        exchange: str = "",
    ) -> FeedbackRecord:
        """Rate an answer of ``agent_id`` in the principal's conversation ``thread_id``.
        ``exchange``: the question and the answer, when the person ticked to give them."""
        agent = self._workspace.get_agent(agent_id)
        thread = self._workspace.get_thread(thread_id)
        if thread.agent_id != agent.id:
            raise thread_not_found(thread_id)
        if rating not in RATINGS:
            raise UserError("feedback.bad_rating", rating=rating)
        comment = comment.strip()
        if len(comment) > COMMENT_MAX:
            raise UserError("feedback.comment_too_long", limit=COMMENT_MAX)
        version = self._workspace.get_version(agent.id).number
        chosen: Rating = "up" if rating == "up" else "down"
        record = FeedbackRecord(
            id="fb-" + secrets.token_hex(8),
            agent_id=agent.id,
            version=version,
            thread_id=thread.id,
            author=self._workspace.principal,
            rating=chosen,
            comment=comment,
            exchange=exchange.strip()[:EXCHANGE_MAX],
            created_at=utc_now(),
        )
        self._catalogue.add_feedback(record)
        self._workspace._audit(  # never the comment or the exchange
            "feedback.given", "agent", agent.id, rating=chosen, version=version
        )
        return record

    def on_agent(self, agent_id: str, limit: int = LIST_LIMIT) -> list[FeedbackRecord]:
        """The feedback on an agent, newest first: for its owner and those who may edit it."""
        agent = self._workspace._editable(agent_id)
        return self._catalogue.list_feedback(agent.id, limit)

    def totals(self, agent_id: str) -> tuple[int, int]:
        """(thumbs up, thumbs down) on an agent, for whoever reaches it."""
        agent = self._workspace.get_agent(agent_id)
        return self._catalogue.ratings().get(agent.id, (0, 0))
