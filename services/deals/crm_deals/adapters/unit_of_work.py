"""deals' SQLAlchemy unit of work: its repositories, history and the outbox on one session."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_chassis.write_behind import WriteBehindSession
from crm_deals.adapters import orm
from crm_deals.adapters.import_keys import SqlImportKeyRepository
from crm_deals.adapters.invoice_numbers import SqlInvoiceNumberSequence
from crm_deals.adapters.personal_data import (
    SqlConsentRepository,
    SqlPersonalDataRepository,
    SqlPrivacyRequestRepository,
)
from crm_deals.adapters.repositories import (
    SqlAccountRepository,
    SqlActivityRepository,
    SqlAutomationRuleRepository,
    SqlContactRepository,
    SqlCustomerEmailTemplateRepository,
    SqlInvoiceRepository,
    SqlOpportunityRepository,
    SqlOrderRepository,
    SqlPipelineRepository,
    SqlQuoteRepository,
)
from crm_deals.adapters.repositories_notifications import SqlNotificationRepository
from crm_deals.adapters.repositories_support import (
    SqlAutomationFiringRepository,
    SqlBouncedAddressRepository,
    SqlConversionRepository,
    SqlDeliveryRepository,
    SqlHistoryRepository,
)
from crm_deals.adapters.sales_line_replica import (
    SqlSalesLineRepository,
    SqlTerritoryPipelineRepository,
)
from crm_deals.adapters.secret_box import SecretBox
from crm_deals.adapters.workflow_repositories import SqlContractRepository, SqlProFormaRepository
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

SERVICE_NAME = "deals"


class SqlDealsUnitOfWork(SqlAlchemyUnitOfWork, DealsUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session], secrets: SecretBox | None = None):
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)
        self._secrets = secrets

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

    @contextlib.contextmanager
    def batched_inserts(self) -> Iterator[None]:
        """The repositories and the outbox on a write-behind session for the block
        (crm_chassis.write_behind): their inserts go out together when it ends. Opened at the
        start of a unit of work, before any record is read (the repositories are opened
        again on it)."""
        session = self._open_session()
        with WriteBehindSession(session) as held:
            self._open_repositories(held)  # type: ignore[arg-type]
            self.outbox._session = held  # type: ignore[assignment]
            try:
                yield
            finally:
                self._open_repositories(session)
                self.outbox._session = session

    def _open_repositories(self, session: Session) -> None:
        self.accounts = SqlAccountRepository(session)
        self.contacts = SqlContactRepository(session)
        self.pipelines = SqlPipelineRepository(session)
        self.sales_lines = SqlSalesLineRepository(session)
        self.territory_pipelines = SqlTerritoryPipelineRepository(session)
        self.opportunities = SqlOpportunityRepository(session)
        self.activities = SqlActivityRepository(session)
        self.automation_rules = SqlAutomationRuleRepository(session, self._secrets)
        self.quotes = SqlQuoteRepository(session)
        self.orders = SqlOrderRepository(session)
        self.invoices = SqlInvoiceRepository(session)
        self.invoice_numbers = SqlInvoiceNumberSequence(session)
        self.history = SqlHistoryRepository(session)
        self.automation_firings = SqlAutomationFiringRepository(session)
        self.deliveries = SqlDeliveryRepository(session)
        self.conversions = SqlConversionRepository(session)
        self.import_keys = SqlImportKeyRepository(session)
        self.notifications = SqlNotificationRepository(session)
        self.customer_email_templates = SqlCustomerEmailTemplateRepository(session)
        self.bounced_addresses = SqlBouncedAddressRepository(session)
        self.contracts = SqlContractRepository(session)
        self.proformas = SqlProFormaRepository(session)
        self.privacy_requests = SqlPrivacyRequestRepository(session)
        self.consents = SqlConsentRepository(session)
        self.personal_data = SqlPersonalDataRepository(session, self.contacts, self.activities)
