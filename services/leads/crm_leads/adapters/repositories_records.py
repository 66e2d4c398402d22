"""SQLAlchemy repositories of what accompanies leads: history, activities, idempotency keys."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from crm_chassis.context import Actor
from crm_leads.adapters import orm
from crm_leads.adapters.deferred import DeferredInserts
from crm_leads.adapters.locks import lock_keys
from crm_leads.domain.activity import Activity, ActivityKind
from crm_leads.domain.history import FieldChange, HistoryEntry
from crm_leads.service_layer import repositories

H, A, K = orm.lead_history, orm.activities, orm.idempotency_keys
# Built once; values are passed as parameters (no per-call statement building).
_INSERT_HISTORY, _INSERT_ACTIVITY, _INSERT_KEY = insert(H), insert(A), insert(K)
_GET_KEY = select(K.c.fingerprint, K.c.lead_id).where(
    K.c.caller_id == bindparam("caller_id"), K.c.key == bindparam("key")
)


class SqlHistoryRepository(repositories.HistoryRepository):
    """Entries are appended at commit (``deferred``): no use case reads the history it writes."""

    def __init__(self, session: Session, deferred: DeferredInserts):
        self.session = session
        self.deferred = deferred

    def append(self, entry: HistoryEntry) -> None:
        self.deferred.execute(
            _INSERT_HISTORY,
            dict(
                lead_id=entry.lead_id,
                version=entry.version,
                occurred_at=entry.occurred_at,
                actor_id=entry.actor.id,
                actor_kind=entry.actor.kind,
                actor_name=entry.actor.display_name,
                action=entry.action,
                changes=[[c.field, c.old, c.new] for c in entry.changes],
                note=entry.note,
            ),
        )

    def for_leads(self, lead_ids: list[str], offset: int, limit: int) -> list[HistoryEntry]:
        if not lead_ids:
            return []
        statement = (
            select(H)
            .where(H.c.lead_id.in_(lead_ids))
            .order_by(H.c.occurred_at, H.c.lead_id, H.c.version)
            .offset(offset)
            .limit(limit)
        )
        return [
            HistoryEntry(
                row.lead_id,
                row.version,
                row.occurred_at,
                Actor(row.actor_id, row.actor_kind, row.actor_name),
                row.action,
                tuple(FieldChange(*change) for change in row.changes),
                row.note,
            )
            for row in self.session.execute(statement)
        ]


def _activity(row) -> Activity:
    return Activity(
        row.id, row.lead_id, ActivityKind(row.kind), row.occurred_at, dict(row.details or {})
    )


class SqlActivityRepository(repositories.ActivityRepository):
    def __init__(self, session: Session):
        self.session = session

    def get(self, activity_id: str) -> Activity | None:
        # The activity id makes recording idempotent; a concurrent retry waits here.
        lock_keys(self.session, [("activity", activity_id)])
        row = self.session.execute(select(A).where(A.c.id == activity_id)).first()
        return _activity(row) if row else None

    def add(self, activity: Activity) -> None:
        self.session.execute(
            _INSERT_ACTIVITY,
            dict(
                id=activity.id,
                lead_id=activity.lead_id,
                kind=activity.kind.value,
                occurred_at=activity.occurred_at,
                details=dict(activity.details),
            ),
        )

    def for_lead(self, lead_id: str, since: dt.datetime | None = None) -> list[Activity]:
        statement = select(A).where(A.c.lead_id == lead_id)
        if since is not None:
            statement = statement.where(A.c.occurred_at >= since)
        statement = statement.order_by(A.c.occurred_at.desc(), A.c.id.desc())
        return [_activity(row) for row in self.session.execute(statement)]

    def move(self, from_lead_id: str, to_lead_id: str) -> None:
        self.session.execute(
            update(A).where(A.c.lead_id == from_lead_id).values(lead_id=to_lead_id)
        )


class SqlIdempotencyRepository(repositories.IdempotencyRepository):
    """Keys are inserted at commit (``deferred``); until then this unit of work's own keys are
    answered from memory (an import batch naming one row twice)."""

    def __init__(self, session: Session, deferred: DeferredInserts):
        self.session = session
        self.deferred = deferred
        self._pending: dict[tuple[str, str], tuple[str, str]] = {}

    def pending(self, caller_id: str, key: str) -> tuple[str, str] | None:
        return self._pending.get((caller_id, key))

    def get(self, caller_id: str, key: str) -> tuple[str, str] | None:
        if (caller_id, key) in self._pending:
            return self._pending[caller_id, key]
        # A concurrent capture with this key waits here until the first one commits, then
        # reads its key and replays it (see adapters/locks.py).
        lock_keys(self.session, [("idempotency", caller_id, key)])
        row = self.session.execute(_GET_KEY, {"caller_id": caller_id, "key": key}).first()
        return (row.fingerprint, row.lead_id) if row else None

    def add(self, caller_id: str, key: str, fingerprint: str, lead_id: str) -> None:
        self._pending[caller_id, key] = (fingerprint, lead_id)
        self.deferred.execute(
            _INSERT_KEY,
            dict(caller_id=caller_id, key=key, fingerprint=fingerprint, lead_id=lead_id),
        )
