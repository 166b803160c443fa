"""Publication requests and notifications in SQL: the reviews part of ``SqlCatalogue`` (see
``store.review_records``). A request's approval (the request, the organisation's grant, the
published version) is one transaction; at most one request per agent is pending (a partial
unique index)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from store.database import stamp
from store.memory import agent_not_found, version_not_found
from store.records import AgentRecord
from store.review_records import (
    Notification,
    PublicationRequest,
    RequestStatus,
    request_not_found,
)
from store.sharing import ORGANISATION
from store.sql_catalogue_cache import moved
from store.sql_sharing import agent_record
from store.tables import agents, grants, notifications, publication_requests, versions


class SqlReviews:
    """Mixed into ``SqlCatalogue``: it provides ``_read`` and ``_write``."""

    _read: Callable[[Callable[[Connection], Any]], Any]
    _write: Callable[[Callable[[Connection], Any]], Any]

    def add_publication_request(self, request: PublicationRequest) -> PublicationRequest | None:
        def work(conn: Connection) -> PublicationRequest | None:
            if conn.execute(select(agents.c.id).where(agents.c.id == request.agent_id)).first():
                known = _pending(conn, request.agent_id)
            else:
                raise agent_not_found(request.agent_id)
            withdrawn = None
            if known is not None:
                withdrawn = _decide(conn, known.id, "withdrawn", "", "", request.created_at)
            conn.execute(insert(publication_requests).values(_request_row(request)))
            return withdrawn

        return self._write(work)

    def pending_request(self, agent_id: str) -> PublicationRequest | None:
        return self._read(lambda conn: _pending(conn, agent_id))

    def list_publication_requests(
        self, status: RequestStatus = "pending", agent_id: str | None = None
    ) -> list[PublicationRequest]:
        query = select(publication_requests).where(publication_requests.c.status == status)
        if agent_id is not None:
            query = query.where(publication_requests.c.agent_id == agent_id)
        query = query.order_by(publication_requests.c.created_at, publication_requests.c.id)
        return self._read(lambda conn: [_request(row) for row in conn.execute(query)])

    def decide_publication_request(
        self, request_id: str, status: RequestStatus, reviewer: str, comment: str, at: datetime
    ) -> PublicationRequest:
        return self._write(lambda conn: _decide(conn, request_id, status, reviewer, comment, at))

    def approve_publication(
        self, request_id: str, reviewer: str, comment: str, at: datetime
    ) -> PublicationRequest:
        def work(conn: Connection) -> PublicationRequest:
            decided = _decide(conn, request_id, "approved", reviewer, comment, at)
            agent_id, number = decided.agent_id, decided.version
            known = select(versions.c.number).where(
                versions.c.agent_id == agent_id, versions.c.number == number
            )
            if conn.execute(known).first() is None:
                raise version_not_found(agent_id, number)
            conn.execute(
                update(agents).where(agents.c.id == agent_id).values(published_version=number)
            )
            key = and_(
                grants.c.resource_kind == "agent",
                grants.c.resource_id == agent_id,
                grants.c.grantee_kind == "organisation",
                grants.c.grantee_id == ORGANISATION,
            )
            if not conn.execute(update(grants).where(key).values(permission="use")).rowcount:
                conn.execute(
                    insert(grants).values(
                        resource_kind="agent",
                        resource_id=agent_id,
                        grantee_kind="organisation",
                        grantee_id=ORGANISATION,
                        permission="use",
                        granted_by=reviewer,
                        created_at=stamp(at),
                    )
                )
            moved(conn, agent_id)
            return decided

        return self._write(work)

    def add_notification(self, notification: Notification) -> None:
        row = {
            "id": notification.id,
            "account_id": notification.account_id,
            "kind": notification.kind,
            "parameters": json.dumps(notification.parameters, ensure_ascii=False),
            "created_at": stamp(notification.created_at),
            "read_at": None,
        }
        self._write(lambda conn: conn.execute(insert(notifications).values(row)))

    def list_notifications(
        self, account_id: str, unread_only: bool = False, limit: int = 50
    ) -> list[Notification]:
        query = select(notifications).where(notifications.c.account_id == account_id)
        if unread_only:
            query = query.where(notifications.c.read_at.is_(None))
        query = query.order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        query = query.limit(max(limit, 0))
        return self._read(lambda conn: [_notification(row) for row in conn.execute(query)])

    def mark_notifications_read(self, account_id: str, ids: list[str] | None, at: datetime) -> int:
        where = and_(notifications.c.account_id == account_id, notifications.c.read_at.is_(None))
        if ids is not None:
            where = and_(where, notifications.c.id.in_(ids))
        change = update(notifications).where(where).values(read_at=stamp(at))
        return int(self._write(lambda conn: conn.execute(change).rowcount))

    def set_deprecated(self, agent_id: str, deprecated: bool) -> AgentRecord:
        def work(conn: Connection) -> AgentRecord:
            change = update(agents).where(agents.c.id == agent_id)
            if not conn.execute(change.values(deprecated=1 if deprecated else 0)).rowcount:
                raise agent_not_found(agent_id)
            moved(conn, agent_id)
            return agent_record(conn.execute(select(agents).where(agents.c.id == agent_id)).one())

        return self._write(work)


def _pending(conn: Connection, agent_id: str) -> PublicationRequest | None:
    query = select(publication_requests).where(
        publication_requests.c.agent_id == agent_id, publication_requests.c.status == "pending"
    )
    row = conn.execute(query).first()
    return _request(row) if row is not None else None


def _decide(
    conn: Connection,
    request_id: str,
    status: RequestStatus,
    reviewer: str,
    comment: str,
    at: datetime,
) -> PublicationRequest:
    """The pending request ended: only one decision wins, the others find nothing."""
    table = publication_requests
    where = and_(table.c.id == request_id, table.c.status == "pending")
    done = conn.execute(
        update(publication_requests)
        .where(where)
        .values(status=status, reviewer=reviewer, comment=comment, decided_at=stamp(at))
    ).rowcount
    if not done:
        raise request_not_found(request_id)
    query = select(publication_requests).where(publication_requests.c.id == request_id)
    return _request(conn.execute(query).one())


def _request_row(request: PublicationRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "agent_id": request.agent_id,
        "version": request.version,
        "requested_by": request.requested_by,
        "message": request.message,
        "status": request.status,
        "reviewer": request.reviewer,
        "comment": request.comment,
        "created_at": stamp(request.created_at),
        "decided_at": stamp(request.decided_at) if request.decided_at else None,
    }


def _request(row: Any) -> PublicationRequest:
    return PublicationRequest(
        id=row.id,
        agent_id=row.agent_id,
        version=row.version,
        requested_by=row.requested_by,
        message=row.message,
        status=row.status,
        created_at=datetime.fromisoformat(row.created_at),
        reviewer=row.reviewer,
        comment=row.comment,
        decided_at=datetime.fromisoformat(row.decided_at) if row.decided_at else None,
    )


def _notification(row: Any) -> Notification:
    parameters = json.loads(row.parameters)
    return Notification(
        id=row.id,
        account_id=row.account_id,
        kind=row.kind,
        created_at=datetime.fromisoformat(row.created_at),
        parameters=parameters if isinstance(parameters, dict) else {},
        read_at=datetime.fromisoformat(row.read_at) if row.read_at else None,
    )
