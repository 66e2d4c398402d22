"""deals' SQLAlchemy unit of work: its repositories, history and the outbox on one session."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.uow import SqlAlchemyUnitOfWork

from crm_deals.adapters import orm
from crm_deals.adapters import repositories as rep
from crm_deals.adapters import repositories_support as support
from crm_deals.adapters.invoice_numbers import SqlInvoiceNumberSequence
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

SERVICE_NAME = "deals"


class SqlDealsUnitOfWork(SqlAlchemyUnitOfWork, DealsUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]):
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)

    def __enter__(self):
        # A nested block would open a second session and leak the first (left idle in
        # transaction, holding its locks): one unit of work is one transaction at a time.
        if self.session is not None:
            raise RuntimeError("SqlDealsUnitOfWork is not re-entrant: take a new one per use case")
        return super().__enter__()

    def __exit__(self, *exc_info):
        try:
            return super().__exit__(*exc_info)
        finally:
            self.session = None

    def _open_repositories(self, session: Session) -> None:
        self.accounts = rep.SqlAccountRepository(session)
        self.contacts = rep.SqlContactRepository(session)
        self.pipelines = rep.SqlPipelineRepository(session)
        self.opportunities = rep.SqlOpportunityRepository(session)
        self.activities = rep.SqlActivityRepository(session)
        self.automation_rules = rep.SqlAutomationRuleRepository(session)
        self.quotes = rep.SqlQuoteRepository(session)
        self.orders = rep.SqlOrderRepository(session)
        self.invoices = rep.SqlInvoiceRepository(session)
        self.invoice_numbers = SqlInvoiceNumberSequence(session)
        self.history = support.SqlHistoryRepository(session)
        self.automation_firings = support.SqlAutomationFiringRepository(session)
        self.deliveries = support.SqlDeliveryRepository(session)
        self.conversions = support.SqlConversionRepository(session)
