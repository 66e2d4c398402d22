"""reporting's SQLAlchemy unit of work: the event store, the read models and the outbox (reporting's
erasure confirmations) on one session."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_reporting.adapters import orm
from crm_reporting.adapters.marketing_store import SqlMarketingStore
from crm_reporting.adapters.rates_store import SqlRateStore
from crm_reporting.adapters.repositories import SqlEventStore, SqlReadModels
from crm_reporting.service_layer.unit_of_work import ReportingUnitOfWork

SERVICE_NAME = "reporting"


class SqlReportingUnitOfWork(SqlAlchemyUnitOfWork, ReportingUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)

    def _open_repositories(self, session: Session) -> None:
        self.events = SqlEventStore(session)
        models = SqlReadModels(session)
        self.models = models
        self.reports = models
        self.marketing = SqlMarketingStore(session)
        self.rates = SqlRateStore(session)
