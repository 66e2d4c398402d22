"""SQLAlchemy repository of migration import keys (table ``import_keys``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from crm_deals.adapters import orm
from crm_deals.service_layer.repositories import ImportKeyRepository

T = orm.import_keys
_FIND = select(T.c.external_id, T.c.record_id).where(
    T.c.kind == bindparam("kind"), T.c.external_id.in_(bindparam("ids", expanding=True))
)
_INSERT = insert(T)


class SqlImportKeyRepository(ImportKeyRepository):
    def __init__(self, session: Session):
        self.session = session

    def find(self, kind: str, external_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(external_ids))
        if not ids:
            return {}
        rows = self.session.execute(_FIND, {"kind": kind, "ids": ids})
        return {row.external_id: row.record_id for row in rows}

    def add(self, kind: str, external_id: str, record_id: str, at: dt.datetime) -> None:
        self.session.execute(
            _INSERT, dict(kind=kind, external_id=external_id, record_id=record_id, imported_at=at)
        )
