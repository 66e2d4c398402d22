"""reporting's exchange rates on SQLAlchemy Core (adapters/rates_orm.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from crm_chassis.exchange import Rate
from crm_reporting.adapters.rates_orm import exchange_rates
from crm_reporting.service_layer.conversion_ports import RateStore


class SqlRateStore(RateStore):
    def __init__(self, session: Session) -> None:
        self.session = session

    def put_rate(self, rate: Rate) -> None:
        t = exchange_rates
        key = (rate.base, rate.quote, rate.effective_on.isoformat())
        self.session.execute(
            delete(t).where(t.c.base == key[0], t.c.quote == key[1], t.c.effective_on == key[2])
        )
        self.session.execute(
            insert(t).values(
                base=key[0],
                quote=key[1],
                effective_on=key[2],
                rate=f"{rate.value:f}",
                source=rate.source,
            )
        )

    def rates(self, quote: str) -> list[Rate]:
        t = exchange_rates
        rows = self.session.execute(
            select(t.c.base, t.c.quote, t.c.effective_on, t.c.rate, t.c.source)
            .where(or_(t.c.quote == quote, t.c.base == quote))
            .order_by(t.c.base, t.c.quote, t.c.effective_on)
        ).tuples()
        return [
            Rate(base, q, dt.date.fromisoformat(day), Decimal(rate), source)
            for base, q, day, rate, source in rows
        ]
