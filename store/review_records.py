"""Publication requests, notifications, and the part of the catalogue that keeps them.

Reaching the whole organisation goes through review: someone who may edit an agent asks for
its latest version to be published (a ``PublicationRequest``); a reviewer approves it (the
organisation's grant is written and the agent's published version set, at once) or sends it
back with a comment. The person who asked, and the agent's owner, are told by a
``Notification``. Who may do what is ``store.reviews``'s rule.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from agents.errors import NotFound

if TYPE_CHECKING:
    from store.records import AgentRecord

RequestStatus = Literal["pending", "approved", "rejected", "withdrawn"]
STATUSES: tuple[RequestStatus, ...] = ("pending", "approved", "rejected", "withdrawn")
NotificationKind = Literal["review.approved", "review.rejected", "review.unpublished"]


def new_request_id() -> str:
    return "pr-" + secrets.token_hex(6)


def new_notification_id() -> str:
    return "nt-" + secrets.token_hex(8)


def request_not_found(request_id: str) -> NotFound:
    return NotFound("review.request_not_found", ref=request_id)


@dataclass(frozen=True)
class PublicationRequest:
    """A request that version ``version`` of an agent be published to the organisation."""

    id: str
    agent_id: str
    version: int
    requested_by: str
    message: str
    status: RequestStatus
    created_at: datetime
    reviewer: str = ""
    comment: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True)
class Notification:
    """Something a person is told (a review's outcome); ``parameters`` fill the catalogue's
    sentence ``notification.<kind>``."""

    id: str
    account_id: str
    kind: NotificationKind
    created_at: datetime
    parameters: dict[str, Any] = field(default_factory=dict)
    read_at: datetime | None = None


class Reviewing(Protocol):
    """The reviews part of the catalogue (``store.records.Catalogue``); unscoped."""

    def add_publication_request(self, request: PublicationRequest) -> PublicationRequest | None:
        """Adds the (pending) request; the agent's pending one, if any, is withdrawn in the
        same step and returned. Raises ``NotFound`` for an unknown agent."""
        ...

    def pending_request(self, agent_id: str) -> PublicationRequest | None:
        """The agent's pending request, if it has one."""
        ...

    def list_publication_requests(
        self, status: RequestStatus = "pending", agent_id: str | None = None
    ) -> list[PublicationRequest]:
        """Oldest first."""
        ...

    def decide_publication_request(
        self, request_id: str, status: RequestStatus, reviewer: str, comment: str, at: datetime
    ) -> PublicationRequest:
        """Ends a pending request (rejected or withdrawn). Raises ``NotFound`` when there is
        no such pending request (decided meanwhile, by someone else)."""
        ...

    def approve_publication(
        self, request_id: str, reviewer: str, comment: str, at: datetime
    ) -> PublicationRequest:
        """In one step: the request approved, the agent granted to the whole organisation to
        use, its published version set to the requested one. Raises ``NotFound`` when there is
        no such pending request."""
        ...

    def add_notification(self, notification: Notification) -> None: ...

    def list_notifications(
        self, account_id: str, unread_only: bool = False, limit: int = 50
    ) -> list[Notification]:
        """Newest first."""
        ...

    def mark_notifications_read(self, account_id: str, ids: list[str] | None, at: datetime) -> int:
        """The account's notifications (``ids``, or all) marked read; how many were unread."""
        ...

    def set_deprecated(self, agent_id: str, deprecated: bool) -> AgentRecord:
        """Raises ``NotFound`` for an unknown agent."""
        ...
