"""deals' copy of territory's sales lines in its own table (written by the worker's
sales_line_changed handler, and by a use case that had to ask territory for a brand-new line).

Both may store one brand-new line at the same moment: ``put`` is one INSERT ... ON CONFLICT that
waits for the other transaction and then keeps the newer snapshot (a plain INSERT would fail on
the duplicate key and the api call would answer INTERNAL).
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crm_deals.adapters import orm
from crm_deals.domain.sales_lines import SalesLine
from crm_deals.service_layer.repositories import SalesLineRepository

_UPSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


class SqlSalesLineRepository(SalesLineRepository):
    def __init__(self, session: Session):
        self.session = session

    def get(self, sales_line_id):
        t = orm.sales_lines
        row = self.session.execute(select(t).where(t.c.id == sales_line_id)).first()
        if row is None:
            return None
        return SalesLine(
            id=row.id,
            name=row.name,
            workflow=row.workflow,
            active=bool(row.active),
            version=row.version,
        )

    def put(self, line: SalesLine) -> None:
        """Store ``line`` unless the stored copy is the same version or newer."""
        t = orm.sales_lines
        values = dict(
            id=line.id,
            name=line.name,
            workflow=line.workflow,
            active=1 if line.active else 0,
            version=line.version,
        )
        make_insert = _UPSERTS.get(self.session.get_bind().dialect.name)
        if make_insert is None:
            stored = self.get(line.id)
            if stored is not None and stored.version >= line.version:
                return
            self.session.execute(delete(t).where(t.c.id == line.id))
            self.session.execute(insert(t).values(**values))
            return
        statement = make_insert(t).values(**values)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[t.c.id],
                set_={key: statement.excluded[key] for key in values if key != "id"},
                where=t.c.version < statement.excluded.version,
            )
        )
