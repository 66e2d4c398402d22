"""The gap-free per-year invoice number sequence (see docs/services/deals.md).

One counter row per year. The increment is an UPDATE inside the issuing transaction: it takes the
row lock, so concurrent issuers of one year wait for the holder's commit or rollback; a rollback
undoes the increment (the number is given back), a commit makes it final. A database SEQUENCE
is not used because ``nextval`` survives a rollback and leaves holes.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crm_deals.adapters import orm
from crm_deals.service_layer.repositories import InvoiceNumberSequence

_UPSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


class SqlInvoiceNumberSequence(InvoiceNumberSequence):
    def __init__(self, session: Session):
        self.session = session

    def next(self, year: int) -> int:
        t = orm.invoice_sequences
        dialect = self.session.get_bind().dialect.name
        make_insert = _UPSERTS.get(dialect)
        if make_insert is not None:
            # Concurrent first issuers of a year: one inserts, the others wait on its row and
            # then do nothing; all then queue on the UPDATE's row lock.
            self.session.execute(
                make_insert(t)
                .values(year=year, last_value=0)
                .on_conflict_do_nothing(index_elements=[t.c.year])
            )
        elif self.session.execute(select(t.c.year).where(t.c.year == year)).first() is None:
            self.session.execute(insert(t).values(year=year, last_value=0))
        return self.session.execute(
            update(t)
            .where(t.c.year == year)
            .values(last_value=t.c.last_value + 1)
            .returning(t.c.last_value)
        ).scalar_one()
