"""Use cases of invoicing beside orders: an invoice straight from a won deal's priced lines, and
payments in parts (domain/billing.py: the balance and the paid status follow from them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.errors import FailedPrecondition
from crm_deals.domain.billing import Invoice, Order, Payment
from crm_deals.domain.money import Money
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.billing import publish_payment
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.ports import SUPERVISOR
from crm_deals.service_layer.recording import keep_history, publish


def create_invoice_from_deal(deps: Dependencies, caller: Caller, deal_id: str) -> Invoice:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        access.require_role(deal.team_id, SUPERVISOR, "invoice deals")
        live = [i for i in uow.invoices.for_opportunity(deal.id) if i.is_live]
        if live:
            raise FailedPrecondition(
                f"deal {deal.name!r} already has invoice {live[0].number or live[0].id} "
                f"({live[0].status}); cancel it before invoicing the deal again",
                field="opportunity_id",
            )
        invoice = Invoice.from_deal(
            id=deps.ids.new_id(), deal=deal, actor=caller.actor, at=deps.clock.now()
        )
        uow.invoices.add(invoice)
        keep_history(uow, invoice)
        publish(uow, "invoice_created", event_messages.invoice_created(invoice), invoice, caller)
        uow.commit()
    return invoice


def record_payment(
    deps: Dependencies,
    caller: Caller,
    invoice_id: str,
    *,
    amount: Money,
    paid_on: dt.date | None = None,
    method: str,
    reference: str = "",
) -> Invoice:
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        invoice = access.visible(uow.invoices.get(invoice_id), "invoice", invoice_id)
        access.require_role(invoice.team_id, SUPERVISOR, "record payments")
        invoice.record_payment(
            caller.actor,
            now,
            Payment(
                id=deps.ids.new_id(),
                amount=amount,
                paid_on=paid_on or now.date(),
                method=method.strip(),
                reference=reference,
                recorded_at=now,
            ),
        )
        publish_payment(uow, invoice, caller)
        uow.commit()
    return invoice


@dataclass(frozen=True)
class DealDocuments:
    """A deal's orders and invoices, each oldest first."""

    orders: list[Order]
    invoices: list[Invoice]


def list_deal_documents(deps: Dependencies, caller: Caller, deal_id: str) -> DealDocuments:
    """Whoever sees the deal sees its orders and invoices (as GetOrder and GetInvoice); a deal
    the caller may not see is NotFound, like one that does not exist."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        return DealDocuments(
            orders=sorted(uow.orders.for_opportunity(deal.id), key=lambda o: (o.created_at, o.id)),
            invoices=sorted(
                uow.invoices.for_opportunity(deal.id), key=lambda i: (i.created_at, i.id)
            ),
        )
