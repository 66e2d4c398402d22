"""SQLAlchemy repository of the in-app notifications (table ``notifications``; the worker's
delivery writes them, adapters/automation_delivery.py)."""

from __future__ import annotations

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from crm_deals.adapters import orm
from crm_deals.domain.notifications import Notification
from crm_deals.service_layer.repositories import NotificationRepository

N = orm.notifications


def _notification(row) -> Notification:
    return Notification(
        id=row.idempotency_key,
        user_id=row.user_id,
        kind=row.kind,
        record_type=row.record_type,
        record_id=row.deal_id,
        title=row.title,
        text=row.text,
        created_at=row.created_at,
        read_at=row.read_at,
        team_id=row.team_id or "",
    )


class SqlNotificationRepository(NotificationRepository):
    def __init__(self, session: Session):
        self.session = session

    def for_user(self, user_id, *, unread_only, before, limit):
        where = [N.c.user_id == user_id]
        if unread_only:
            where.append(N.c.read_at.is_(None))
        if before is not None:
            at, key = before
            where.append(
                or_(N.c.created_at < at, and_(N.c.created_at == at, N.c.idempotency_key < key))
            )
        statement = (
            select(N)
            .where(*where)
            .order_by(N.c.created_at.desc(), N.c.idempotency_key.desc())
            .limit(limit)
        )
        return [_notification(row) for row in self.session.execute(statement)]

    def unread_of(self, user_id):
        statement = select(N).where(N.c.user_id == user_id, N.c.read_at.is_(None))
        return [_notification(row) for row in self.session.execute(statement)]

    def mark_read(self, user_id, ids, at):
        if not ids:
            return []
        found = list(
            self.session.execute(
                select(N.c.idempotency_key).where(
                    N.c.user_id == user_id, N.c.idempotency_key.in_(ids)
                )
            ).scalars()
        )
        self.session.execute(
            update(N)
            .where(N.c.user_id == user_id, N.c.idempotency_key.in_(ids), N.c.read_at.is_(None))
            .values(read_at=at)
        )
        return found
