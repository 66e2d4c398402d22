"""SQLAlchemy repository of dated exchange rates (table ``exchange_rates``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from crm_catalog.adapters import orm
from crm_catalog.domain.exchange_rates import ExchangeRate
from crm_catalog.service_layer import repositories as ports

T = orm.exchange_rates
_KEY = and_(
    T.c.base == bindparam("base"),
    T.c.quote == bindparam("quote"),
)
_GET = select(T).where(_KEY, T.c.effective_on == bindparam("day"))
_LATEST = (
    select(T)
    .where(_KEY, T.c.effective_on <= bindparam("day"))
    .order_by(T.c.effective_on.desc())
    .limit(1)
)


def _rate(row: Row) -> ExchangeRate:
    return ExchangeRate(
        base=row.base,
        quote=row.quote,
        effective_on=row.effective_on,
        rate=Decimal(row.rate),
        source=row.source,
        set_by=row.set_by,
        set_at=row.set_at,
        version=row.version,
    )


def _values(rate: ExchangeRate) -> dict:
    return {
        "rate": f"{rate.rate:f}",
        "source": rate.source,
        "set_by": rate.set_by,
        "set_at": rate.set_at,
        "version": rate.version,
    }


class SqlExchangeRateRepository(ports.ExchangeRateRepository):
    def __init__(self, session: Session):
        self.session = session

    def get(self, base: str, quote: str, effective_on: dt.date) -> ExchangeRate | None:
        row = self.session.execute(
            _GET, {"base": base, "quote": quote, "day": effective_on}
        ).first()
        return _rate(row) if row else None

    def add(self, rate: ExchangeRate) -> None:
        self.session.execute(
            insert(T).values(
                base=rate.base, quote=rate.quote, effective_on=rate.effective_on, **_values(rate)
            )
        )

    def update(self, rate: ExchangeRate) -> None:
        self.session.execute(
            update(T)
            .where(
                T.c.base == rate.base,
                T.c.quote == rate.quote,
                T.c.effective_on == rate.effective_on,
            )
            .values(**_values(rate))
        )

    def latest(self, base: str, quote: str, on: dt.date) -> ExchangeRate | None:
        row = self.session.execute(_LATEST, {"base": base, "quote": quote, "day": on}).first()
        return _rate(row) if row else None

    def list_page(
        self, filter: ports.ExchangeRateFilter, *, after: tuple | None, limit: int
    ) -> list[ExchangeRate]:
        query = select(T)
        if filter.base:
            query = query.where(T.c.base == filter.base)
        if filter.quote:
            query = query.where(T.c.quote == filter.quote)
        if filter.from_date:
            query = query.where(T.c.effective_on >= filter.from_date)
        if filter.to_date:
            query = query.where(T.c.effective_on <= filter.to_date)
        if after is not None:
            base, quote, day = str(after[0]), str(after[1]), dt.date.fromisoformat(str(after[2]))
            query = query.where(
                or_(
                    T.c.base > base,
                    and_(T.c.base == base, T.c.quote > quote),
                    and_(T.c.base == base, T.c.quote == quote, T.c.effective_on > day),
                )
            )
        query = query.order_by(T.c.base, T.c.quote, T.c.effective_on).limit(limit)
        return [_rate(row) for row in self.session.execute(query)]
