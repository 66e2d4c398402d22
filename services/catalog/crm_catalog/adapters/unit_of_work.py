"""catalog's SQLAlchemy unit of work: the four revisioned repositories and the outbox on one
session, one revision clock per transaction, one revision cache per process."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from crm_catalog.adapters import orm
from crm_catalog.adapters.as_of_versions import AsOfVersions
from crm_catalog.adapters.exchange_rates import SqlExchangeRateRepository
from crm_catalog.adapters.repositories import (
    SqlDiscountListRepository,
    SqlPriceListRepository,
    SqlProductRepository,
    SqlUnitGroupRepository,
)
from crm_catalog.adapters.revision_cache import RevisionCache
from crm_catalog.adapters.revision_clock import RevisionClock
from crm_catalog.service_layer.unit_of_work import CatalogUnitOfWork
from crm_chassis.clock import Clock
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork

SERVICE_NAME = "catalog"


class SqlCatalogUnitOfWork(SqlAlchemyUnitOfWork, CatalogUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session], cache: RevisionCache):
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)
        self._cache = cache

    def _open_repositories(self, session: Session) -> None:
        self.revision_clock = RevisionClock(session)
        arguments = (session, self.revision_clock, self._cache, AsOfVersions(session))
        self.unit_groups = SqlUnitGroupRepository(*arguments)
        self.products = SqlProductRepository(*arguments)
        self.price_lists = SqlPriceListRepository(*arguments)
        self.discount_lists = SqlDiscountListRepository(*arguments)
        self.exchange_rates = SqlExchangeRateRepository(session)

    def pricing_instant(self, clock: Clock) -> dt.datetime:
        return self.revision_clock.read_instant()
