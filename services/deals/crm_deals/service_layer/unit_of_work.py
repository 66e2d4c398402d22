"""deals' unit of work: one transaction over its repositories, its history and its outbox."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Self

from crm_chassis.unit_of_work import AbstractUnitOfWork
from crm_deals.service_layer.repositories import (
    AccountRepository,
    ActivityRepository,
    AutomationFiringRepository,
    AutomationRuleRepository,
    BouncedAddressRepository,
    ConsentRepository,
    ContactRepository,
    ContractRepository,
    ConversionRepository,
    CustomerEmailTemplateRepository,
    DeliveryRepository,
    HistoryRepository,
    ImportKeyRepository,
    InvoiceNumberSequence,
    InvoiceRepository,
    NotificationRepository,
    OpportunityRepository,
    OrderRepository,
    PersonalDataRepository,
    PipelineRepository,
    PrivacyRequestRepository,
    ProFormaRepository,
    QuoteRepository,
    SalesLineRepository,
    TerritoryPipelineRepository,
)


class DealsUnitOfWork(AbstractUnitOfWork):
    if TYPE_CHECKING:

        def __enter__(self) -> Self: ...

    accounts: AccountRepository
    contacts: ContactRepository
    pipelines: PipelineRepository
    sales_lines: SalesLineRepository
    territory_pipelines: TerritoryPipelineRepository
    opportunities: OpportunityRepository
    activities: ActivityRepository
    automation_rules: AutomationRuleRepository
    automation_firings: AutomationFiringRepository
    deliveries: DeliveryRepository
    quotes: QuoteRepository
    orders: OrderRepository
    invoices: InvoiceRepository
    invoice_numbers: InvoiceNumberSequence
    history: HistoryRepository
    conversions: ConversionRepository
    import_keys: ImportKeyRepository
    notifications: NotificationRepository
    customer_email_templates: CustomerEmailTemplateRepository
    bounced_addresses: BouncedAddressRepository
    contracts: ContractRepository
    proformas: ProFormaRepository
    privacy_requests: PrivacyRequestRepository
    consents: ConsentRepository
    personal_data: PersonalDataRepository

    @contextlib.contextmanager
    def batched_inserts(self) -> Iterator[None]:
        """Inside the block new rows may be held back and written together when it ends (one
        statement per table: a bulk import's batch). Reads inside the block still see every row
        written before them. Nothing is held by default (the in-memory unit of work)."""
        yield
