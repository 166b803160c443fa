"""Publication requests and notifications in memory: the reference for ``SqlReviews``
(``store.review_records``)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from store.review_records import (
    Notification,
    PublicationRequest,
    RequestStatus,
    request_not_found,
)
from store.sharing import ORGANISATION, Grant

if TYPE_CHECKING:
    from store.records import AgentRecord


class MemoryReviews:
    """Mixed into ``MemoryCatalogue``; thread-safe under its own lock (taken after the
    catalogue's, never before)."""

    def __init__(self) -> None:
        self._reviews_lock = threading.RLock()
        self._requests: dict[str, PublicationRequest] = {}
        self._notifications: dict[str, Notification] = {}

    if TYPE_CHECKING:  # the catalogue's, which this is mixed into

        def _agent(self, agent_id: str) -> AgentRecord: ...
        def _change_agent(self, agent_id: str, **changes: Any) -> AgentRecord: ...
        def set_grant(self, grant: Grant) -> None: ...
        def set_published_version(self, agent_id: str, number: int) -> AgentRecord: ...

    def add_publication_request(self, request: PublicationRequest) -> PublicationRequest | None:
        self._agent(request.agent_id)
        with self._reviews_lock:
            known = self.pending_request(request.agent_id)
            withdrawn = None
            if known is not None:
                withdrawn = replace(known, status="withdrawn", decided_at=request.created_at)
                self._requests[known.id] = withdrawn
            self._requests[request.id] = request
            return withdrawn

    def pending_request(self, agent_id: str) -> PublicationRequest | None:
        found = self.list_publication_requests("pending", agent_id)
        return found[0] if found else None

    def list_publication_requests(
        self, status: RequestStatus = "pending", agent_id: str | None = None
    ) -> list[PublicationRequest]:
        with self._reviews_lock:
            found = [
                r
                for r in self._requests.values()
                if r.status == status and (agent_id is None or r.agent_id == agent_id)
            ]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    def decide_publication_request(
        self, request_id: str, status: RequestStatus, reviewer: str, comment: str, at: datetime
    ) -> PublicationRequest:
        with self._reviews_lock:
            known = self._requests.get(request_id)
            if known is None or known.status != "pending":
                raise request_not_found(request_id)
            decided = replace(
                known, status=status, reviewer=reviewer, comment=comment, decided_at=at
            )
            self._requests[request_id] = decided
            return decided

    def approve_publication(
        self, request_id: str, reviewer: str, comment: str, at: datetime
    ) -> PublicationRequest:
        with self._reviews_lock:
            known = self._requests.get(request_id)
            if known is None or known.status != "pending":
                raise request_not_found(request_id)
            self.set_published_version(known.agent_id, known.version)
            self.set_grant(
                Grant("agent", known.agent_id, "organisation", ORGANISATION, "use", reviewer, at)
            )
            return self.decide_publication_request(request_id, "approved", reviewer, comment, at)

    def add_notification(self, notification: Notification) -> None:
        with self._reviews_lock:
            self._notifications[notification.id] = replace(
                notification, parameters=dict(notification.parameters)
            )

    def list_notifications(
        self, account_id: str, unread_only: bool = False, limit: int = 50
    ) -> list[Notification]:
        with self._reviews_lock:
            found = [
                n
                for n in self._notifications.values()
                if n.account_id == account_id and not (unread_only and n.read_at is not None)
            ]
        found.sort(key=lambda n: (n.created_at, n.id), reverse=True)
        return found[: max(limit, 0)]

    def mark_notifications_read(self, account_id: str, ids: list[str] | None, at: datetime) -> int:
        wanted = None if ids is None else set(ids)
        done = 0
        with self._reviews_lock:
            for key, known in list(self._notifications.items()):
                if known.account_id != account_id or known.read_at is not None:
                    continue
                if wanted is None or key in wanted:
                    self._notifications[key] = replace(known, read_at=at)
                    done += 1
        return done

    def set_deprecated(self, agent_id: str, deprecated: bool) -> AgentRecord:
        return self._change_agent(agent_id, deprecated=deprecated)

    def _forget_reviews_of_agent(self, agent_id: str) -> None:
        with self._reviews_lock:
            self._requests = {k: r for k, r in self._requests.items() if r.agent_id != agent_id}

    def _forget_notifications_of(self, account_id: str) -> None:
        with self._reviews_lock:
            self._notifications = {
                k: n for k, n in self._notifications.items() if n.account_id != account_id
            }
