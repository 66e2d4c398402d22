"""reporting's unit of work: the event store and the read models in one transaction."""

from __future__ import annotations

from crm_chassis.unit_of_work import AbstractUnitOfWork
from crm_reporting.service_layer.conversion_ports import RateStore
from crm_reporting.service_layer.marketing_ports import MarketingStore
from crm_reporting.service_layer.ports import EventStore, ReadModels, ReportStore


class ReportingUnitOfWork(AbstractUnitOfWork):
    """Adapters provide the repositories when the block is entered."""

    events: EventStore
    models: ReadModels
    reports: ReportStore
    marketing: MarketingStore  # the marketing and customer facts (marketing_ports.py)
    rates: RateStore  # catalog's exchange rates (conversion_ports.py)
