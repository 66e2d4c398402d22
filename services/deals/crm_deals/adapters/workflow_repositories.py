"""SQLAlchemy repositories of the line workflows' records: contracts and pro-forma invoices
(same shape as repositories.py: the record whole as a document plus the columns it is found by).
"""

from __future__ import annotations

from crm_deals.adapters import orm
from crm_deals.adapters.repositories import SqlRecordRepository
from crm_deals.domain.contracts import SIGNED, Contract
from crm_deals.domain.proformas import ProForma
from crm_deals.service_layer.repositories import ContractRepository, ProFormaRepository


class SqlContractRepository(SqlRecordRepository, ContractRepository):
    table, record_cls = orm.contracts, Contract

    def columns(self, c: Contract) -> dict:
        return dict(
            team_id=c.team_id,
            opportunity_id=c.opportunity_id,
            status=c.status,
            renewal_due_on=c.renewal_due_on,
            renewal_opportunity_id=c.renewal_opportunity_id,
        )

    def for_opportunity(self, opportunity_id):
        return self._having("opportunity_id", opportunity_id)

    def renewals_due(self, today, limit):
        c = self.table.c
        return self._select(
            c.status == SIGNED,
            c.renewal_opportunity_id == "",
            c.renewal_due_on <= today,
            order_by=(c.renewal_due_on, c.id),
            limit=limit,
        )


class SqlProFormaRepository(SqlRecordRepository, ProFormaRepository):
    table, record_cls = orm.proformas, ProForma

    def columns(self, p: ProForma) -> dict:
        return dict(
            team_id=p.team_id,
            opportunity_id=p.opportunity_id,
            quote_id=p.quote_id,
            number=p.number,
        )

    def for_opportunity(self, opportunity_id):
        return self._having("opportunity_id", opportunity_id)
