"""Repository of tracked items (workload tracking): one row per (kind, item_id).

Rows read are locked (``SELECT … FOR UPDATE``) until the unit of work ends: events about one
lead arrive on several queues (lead_assigned, lead_status_changed) and may be applied at the
same moment; the second waits for the first and then sees its result, so no count is moved
twice. Two transactions inserting the same new item collide on the primary key at flush:
:class:`TransactionConflict`, and the use case runs again and finds the row.

New rows are inserted together at flush (routing a bulk import adds one per routed lead), and
changed rows are updated together at flush (a batch of lead_assigned changes one per lead).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from crm_chassis.bulk_insert import BulkInsert
from crm_territory.adapters import orm
from crm_territory.adapters.repositories_routing import conflicts_retryable
from crm_territory.domain.workload import ItemKind, TrackedItem
from crm_territory.service_layer import repositories

_T = orm.tracked_items
_INSERT = BulkInsert(_T)
_ONE = (
    select(_T)
    .where(_T.c.kind == bindparam("kind"), _T.c.item_id == bindparam("item_id"))
    .with_for_update()
)
# Prebuilt: building an UPDATE per item cost more than running it (one per lead_assigned).
_UPDATE = (
    update(_T)
    .where(_T.c.kind == bindparam("key_kind"), _T.c.item_id == bindparam("key_item_id"))
    .values(
        team_id=bindparam("new_team_id"),
        owner_user_id=bindparam("new_owner_user_id"),
        open=bindparam("new_open"),
        owner_version=bindparam("new_owner_version"),
        open_version=bindparam("new_open_version"),
    )
)
_MANY = (
    select(_T)
    .where(_T.c.kind == bindparam("kind"), _T.c.item_id.in_(bindparam("item_ids", expanding=True)))
    .order_by(_T.c.item_id)
    .with_for_update()
)


def _values(item: TrackedItem) -> dict:
    return dict(
        kind=item.kind.value,
        item_id=item.item_id,
        team_id=item.team_id,
        owner_user_id=item.owner_user_id,
        open=item.open,
        owner_version=item.owner_version,
        open_version=item.open_version,
    )


def _item(row) -> TrackedItem:
    return TrackedItem(
        ItemKind(row.kind),
        row.item_id,
        row.team_id,
        row.owner_user_id,
        row.open,
        row.owner_version,
        row.open_version,
    )


class SqlTrackedItemRepository(repositories.TrackedItemRepository):
    def __init__(self, session: Session):
        self._session = session
        self._seen: dict[tuple[ItemKind, str], TrackedItem] = {}
        self._missing: set[tuple[ItemKind, str]] = set()  # read and not found (no lock held)
        self._pending: dict[tuple[ItemKind, str], TrackedItem] = {}
        self._changed: dict[tuple[ItemKind, str], TrackedItem] = {}  # read rows, updated

    def flush(self) -> None:
        if self._pending:
            rows = [_values(item) for item in self._pending.values()]
            self._pending.clear()
            with conflicts_retryable("tracked item"):
                _INSERT.execute(self._session, rows)
        if self._changed:  # rows read (and locked) in this unit of work: one executemany
            items, self._changed = list(self._changed.values()), {}
            self._session.execute(
                _UPDATE,
                [
                    {
                        "key_kind": item.kind.value,
                        "key_item_id": item.item_id,
                        "new_team_id": item.team_id,
                        "new_owner_user_id": item.owner_user_id,
                        "new_open": item.open,
                        "new_owner_version": item.owner_version,
                        "new_open_version": item.open_version,
                    }
                    for item in items
                ],
            )

    def prefetch(self, kind: ItemKind, item_ids: list[str]) -> None:
        wanted = [i for i in dict.fromkeys(item_ids) if (kind, i) not in self._seen]
        if not wanted:
            return
        with conflicts_retryable("tracked items"):
            rows = self._session.execute(_MANY, {"kind": kind.value, "item_ids": wanted}).all()
        for row in rows:
            self._seen[(kind, row.item_id)] = _item(row)
        self._missing.update((kind, i) for i in wanted if (kind, i) not in self._seen)

    def get(self, kind: ItemKind, item_id: str) -> TrackedItem | None:
        key = (kind, item_id)
        if key in self._seen:
            return self._seen[key]
        if key in self._missing:
            # Read as absent in this transaction; a concurrent insert of it shows up as a
            # unique violation at flush, and the use case runs again.
            return None
        with conflicts_retryable(f"tracked {kind.value} {item_id}"):
            row = self._session.execute(_ONE, {"kind": kind.value, "item_id": item_id}).first()
        if row is None:
            self._missing.add(key)
            return None
        return self._seen.setdefault(key, _item(row))

    def add(self, item: TrackedItem) -> None:
        key = (item.kind, item.item_id)
        self._pending[key] = item
        self._seen[key] = item
        self._missing.discard(key)

    def save(self, item: TrackedItem) -> None:
        key = (item.kind, item.item_id)
        self._seen[key] = item
        if key in self._pending:  # added in this unit of work: not in the table yet
            self._pending[key] = item
            return
        self._changed[key] = item  # written at flush, before the commit
