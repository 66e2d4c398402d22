"""deals' copy of territory's sales lines in its own table (written by the worker's
sales_line_changed handler, and by a use case that had to ask territory for a brand-new line),
and of territories' pipeline choice (written by the territory_rules_changed handler).

Both may store one brand-new line at the same moment: ``put`` is one INSERT ... ON CONFLICT that
waits for the other transaction and then keeps the newer snapshot (a plain INSERT would fail on
the duplicate key and the api call would answer INTERNAL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crm_deals.adapters import orm
from crm_deals.domain.sales_lines import SalesLine, TerritoryPipeline
from crm_deals.service_layer.repositories import SalesLineRepository, TerritoryPipelineRepository

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
            pipeline_id=row.pipeline_id,
        )

    def put(self, line: SalesLine) -> None:
        """Store ``line`` unless the stored copy is the same version or newer."""
        values = dict(
            id=line.id,
            name=line.name,
            workflow=line.workflow,
            active=1 if line.active else 0,
            version=line.version,
            pipeline_id=line.pipeline_id,
        )
        _put_newer(self.session, orm.sales_lines, "id", values, lambda: self.get(line.id))


class SqlTerritoryPipelineRepository(TerritoryPipelineRepository):
    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def _from_row(row) -> TerritoryPipeline:
        return TerritoryPipeline(
            territory_id=row.territory_id,
            name=row.name,
            sales_line_id=row.sales_line_id,
            team_id=row.team_id,
            pipeline_id=row.pipeline_id,
            active=bool(row.active),
            version=row.version,
        )

    def get(self, territory_id):
        t = orm.territory_pipelines
        row = self.session.execute(select(t).where(t.c.territory_id == territory_id)).first()
        return self._from_row(row) if row is not None else None

    def put(self, territory: TerritoryPipeline) -> None:
        values = dict(
            territory_id=territory.territory_id,
            name=territory.name,
            sales_line_id=territory.sales_line_id,
            team_id=territory.team_id,
            pipeline_id=territory.pipeline_id,
            active=1 if territory.active else 0,
            version=territory.version,
        )
        _put_newer(
            self.session,
            orm.territory_pipelines,
            "territory_id",
            values,
            lambda: self.get(territory.territory_id),
        )

    def for_line_and_team(self, sales_line_id, team_id):
        t = orm.territory_pipelines
        rows = self.session.execute(
            select(t)
            .where(t.c.sales_line_id == sales_line_id, t.c.team_id == team_id)
            .order_by(t.c.territory_id)
        )
        return [self._from_row(row) for row in rows]


def _put_newer(
    session: Session, t: Table, key: str, values: dict, stored: Callable[[], Any]
) -> None:
    """Insert ``values`` or replace the stored row when they are of a newer version (one
    INSERT ... ON CONFLICT on PostgreSQL and SQLite; ``stored`` reads the row elsewhere)."""
    make_insert = _UPSERTS.get(session.get_bind().dialect.name)
    if make_insert is None:
        current = stored()
        if current is not None and current.version >= values["version"]:
            return
        session.execute(delete(t).where(t.c[key] == values[key]))
        session.execute(insert(t).values(**values))
        return
    statement = make_insert(t).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[t.c[key]],
            set_={name: statement.excluded[name] for name in values if name != key},
            where=t.c.version < statement.excluded.version,
        )
    )
