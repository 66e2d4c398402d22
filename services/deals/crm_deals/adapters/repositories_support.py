"""SQLAlchemy repositories of deals' supporting records: history (append-only), automation
firings and deliveries, lead conversions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_chassis.errors import InvalidArgument
from crm_deals.adapters import orm, records
from crm_deals.domain.bounces import BouncedAddress
from crm_deals.domain.deliveries import PENDING, Delivery
from crm_deals.domain.history import HistoryEntry
from crm_deals.service_layer.repositories import (
    AutomationFiringRepository,
    BouncedAddressRepository,
    ConversionRecord,
    ConversionRepository,
    DeliveryRepository,
    HistoryRepository,
    Page,
    PageQuery,
)

_INSERT_HISTORY = insert(orm.history)  # built once (an import appends thousands of entries)


class SqlHistoryRepository(HistoryRepository):
    def __init__(self, session: Session):
        self.session = session

    def append(self, entries: list[HistoryEntry]) -> None:
        if entries:
            self.session.execute(
                _INSERT_HISTORY,
                [
                    dict(
                        record_type=e.record_type,
                        record_id=e.record_id,
                        at=e.at,
                        version=e.version,
                        body=records.dumps(e),
                    )
                    for e in entries
                ],
            )

    def for_record(
        self, record_type, record_id, page: PageQuery, merged_ids=()
    ) -> Page[HistoryEntry]:
        t = orm.history
        stmt = select(t.c.seq, t.c.body).where(
            t.c.record_type == record_type, t.c.record_id.in_([record_id, *merged_ids])
        )
        if page.after_key:
            if not page.after_key.isdigit():
                raise InvalidArgument(
                    "page cursor is not one this service returned", field="page.cursor"
                )
            stmt = stmt.where(t.c.seq > int(page.after_key))
        rows = self.session.execute(stmt.order_by(t.c.seq).limit(page.limit + 1)).all()
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        return Page(
            [records.loads(HistoryEntry, row.body) for row in rows],
            str(rows[-1].seq) if more else "",
        )


class SqlAutomationFiringRepository(AutomationFiringRepository):
    def __init__(self, session: Session):
        self.session = session

    def claim(self, key: str, at: dt.datetime) -> bool:
        t = orm.automation_firings
        if self.session.execute(select(t.c.key).where(t.c.key == key)).first() is not None:
            return False
        try:
            with self.session.begin_nested():  # a concurrent scan's claim fails only this insert
                self.session.execute(insert(t).values(key=key, at=at))
        except IntegrityError:
            return False
        return True


_DELIVERY_FIELDS = (
    "idempotency_key",
    "rule_id",
    "deal_id",
    "kind",
    "created_at",
    "state",
    "attempts",
    "last_error",
    "next_attempt_at",
    "sent_at",
)


class SqlDeliveryRepository(DeliveryRepository):
    """Deliveries as plain columns, plus the adapter-only command copy and send lease."""

    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def _delivery(row) -> Delivery:
        return Delivery(
            **{name: getattr(row, name) for name in _DELIVERY_FIELDS},
            message_id=row.message_id or "",
        )

    def _select(self, *where, order_by=(), limit=None) -> list[Delivery]:
        t = orm.deliveries
        columns = [t.c[name] for name in _DELIVERY_FIELDS] + [t.c.message_id]
        stmt = select(*columns).where(*where).order_by(*order_by)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [self._delivery(row) for row in self.session.execute(stmt)]

    def get(self, record_id: str) -> Delivery | None:
        found = self._select(orm.deliveries.c.idempotency_key == record_id)
        return found[0] if found else None

    def add(self, record: Delivery) -> None:
        self.session.execute(
            insert(orm.deliveries).values(
                **{name: getattr(record, name) for name in _DELIVERY_FIELDS},
                message_id=record.message_id or None,
            )
        )

    def save(self, record: Delivery) -> None:
        t = orm.deliveries
        self.session.execute(
            update(t)
            .where(t.c.idempotency_key == record.idempotency_key)
            .values(lease_until=None, **{name: getattr(record, name) for name in _DELIVERY_FIELDS})
        )

    def for_deal(self, deal_id, kind):
        t = orm.deliveries
        return self._select(
            t.c.deal_id == deal_id,
            t.c.kind == kind,
            order_by=(t.c.created_at.desc(), t.c.idempotency_key),
        )

    def by_message_id(self, message_id):
        found = self._select(orm.deliveries.c.message_id == message_id)
        return found[0] if found else None

    def due(self, now, limit):
        t = orm.deliveries
        return self._select(
            t.c.state == PENDING,
            or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now),
            or_(t.c.lease_until.is_(None), t.c.lease_until <= now),
            order_by=(t.c.created_at, t.c.idempotency_key),
            limit=limit,
        )

    def for_rule(self, rule_id):
        t = orm.deliveries
        return self._select(
            t.c.rule_id == rule_id, order_by=(t.c.created_at.desc(), t.c.idempotency_key)
        )

    # ----------------------------------------------------- adapter-only (the worker's sender)
    def keep_command(self, key: str, command_type: str, command: bytes) -> None:
        """Keep the command of a delivery (once) so retries can send it without the broker."""
        t = orm.deliveries
        self.session.execute(
            update(t)
            .where(t.c.idempotency_key == key, t.c.command.is_(None))
            .values(command_type=command_type, command=command)
        )

    def command_of(self, key: str) -> tuple[str, bytes] | None:
        t = orm.deliveries
        row = self.session.execute(
            select(t.c.command_type, t.c.command).where(t.c.idempotency_key == key)
        ).first()
        return (row.command_type, row.command) if row and row.command is not None else None

    def lease(self, key: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Take the right to attempt a pending delivery now (False: another worker holds it, or
        it is no longer pending). The lease ends when the result is saved or at ``until``."""
        t = orm.deliveries
        result = self.session.execute(
            update(t)
            .where(
                t.c.idempotency_key == key,
                t.c.state == PENDING,
                or_(t.c.lease_until.is_(None), t.c.lease_until <= now),
            )
            .values(lease_until=until)
        )
        return result.rowcount == 1


class SqlConversionRepository(ConversionRepository):
    def __init__(self, session: Session):
        self.session = session

    def get(self, conversion_id):
        t = orm.conversions
        row = self.session.execute(select(t).where(t.c.conversion_id == conversion_id)).first()
        return ConversionRecord(**row._mapping) if row else None

    def add(self, record: ConversionRecord) -> None:
        self.session.execute(
            insert(orm.conversions).values(
                conversion_id=record.conversion_id,
                lead_id=record.lead_id,
                account_id=record.account_id,
                contact_id=record.contact_id,
                opportunity_id=record.opportunity_id,
                at=record.at,
            )
        )


class SqlBouncedAddressRepository(BouncedAddressRepository):
    _FIELDS = ("address", "status", "reason", "idempotency_key", "bounced_at")

    def __init__(self, session: Session):
        self.session = session

    def _rows(self, *where) -> list[BouncedAddress]:
        t = orm.bounced_addresses
        stmt = select(*(t.c[n] for n in self._FIELDS)).where(*where)
        stmt = stmt.order_by(t.c.bounced_at.desc(), t.c.address)
        return [BouncedAddress(**row._mapping) for row in self.session.execute(stmt)]

    def get(self, address):
        found = self._rows(orm.bounced_addresses.c.address == address)
        return found[0] if found else None

    def put(self, bounced):
        t = orm.bounced_addresses
        values = {n: getattr(bounced, n) for n in self._FIELDS}
        self.session.execute(delete(t).where(t.c.address == bounced.address))
        self.session.execute(insert(t).values(**values))

    def remove(self, address):
        t = orm.bounced_addresses
        return bool(self.session.execute(delete(t).where(t.c.address == address)).rowcount)

    def all(self):
        return self._rows()
