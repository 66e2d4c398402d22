"""deals' copy of territory's sales lines in its own table (written by the worker's
sales_line_changed handler, and by a use case that had to ask territory for a brand-new line)."""
from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from crm_deals.adapters import orm
from crm_deals.domain.sales_lines import SalesLine
from crm_deals.service_layer.repositories import SalesLineRepository


class SqlSalesLineRepository(SalesLineRepository):
    def __init__(self, session: Session):
        self.session = session

    def get(self, sales_line_id):
        t = orm.sales_lines
        row = self.session.execute(select(t).where(t.c.id == sales_line_id)).first()
        if row is None:
            return None
        return SalesLine(id=row.id, name=row.name, workflow=row.workflow, active=bool(row.active),
                         version=row.version)

    def put(self, line: SalesLine) -> None:
        t = orm.sales_lines
        self.session.execute(delete(t).where(t.c.id == line.id))
        self.session.execute(insert(t).values(id=line.id, name=line.name, workflow=line.workflow,
                                              active=1 if line.active else 0,
                                              version=line.version))
