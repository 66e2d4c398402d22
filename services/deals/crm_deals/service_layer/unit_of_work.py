"""deals' unit of work: one transaction over its repositories, its history and its outbox."""
from __future__ import annotations

from crm_chassis.unit_of_work import AbstractUnitOfWork

from crm_deals.service_layer import repositories as r


class DealsUnitOfWork(AbstractUnitOfWork):
    accounts: r.AccountRepository
    contacts: r.ContactRepository
    pipelines: r.PipelineRepository
    sales_lines: r.SalesLineRepository
    opportunities: r.OpportunityRepository
    activities: r.ActivityRepository
    automation_rules: r.AutomationRuleRepository
    automation_firings: r.AutomationFiringRepository
    deliveries: r.DeliveryRepository
    quotes: r.QuoteRepository
    orders: r.OrderRepository
    invoices: r.InvoiceRepository
    invoice_numbers: r.InvoiceNumberSequence
    history: r.HistoryRepository
    conversions: r.ConversionRepository
