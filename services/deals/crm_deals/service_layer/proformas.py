"""Use cases of pro-forma invoices (domain/proformas.py): issued from an active quote of a
pro-forma line's deal; accepting one wins the quote, makes its order and wins the deal, in one
transaction."""

from __future__ import annotations

import datetime as dt

from google.protobuf.message import Message

from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.billing import Order
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.proformas import ISSUED, ProForma
from crm_deals.domain.quotes import ACTIVE, DRAFT, Quote
from crm_deals.domain.workflows import require_step
from crm_deals.service_layer import event_messages, workflow_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.closing import win
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history, publish, referenced
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


def _deal_for_edit(uow: DealsUnitOfWork, access: Access, deal_id: str, doing: str) -> Opportunity:
    deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
    access.require_edit(deal, doing)
    return deal


def _save_quote(
    uow: DealsUnitOfWork, quote: Quote, caller: Caller, event_type: str, message: Message
) -> None:
    uow.quotes.save(quote)
    keep_history(uow, quote)
    publish(uow, event_type, message, quote, caller)


def issue_proforma(
    deps: Dependencies, caller: Caller, *, quote_id: str, valid_until: dt.date | None
) -> ProForma:
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        quote = access.visible(uow.quotes.get(quote_id), "quote", quote_id)
        deal = _deal_for_edit(uow, access, quote.opportunity_id, "issue this deal's pro-forma")
        require_step(
            uow.sales_lines.get(deal.sales_line_id), "issue a pro-forma invoice", deal.name
        )
        deal.ensure_open()
        if valid_until is None:
            raise InvalidArgument(
                "valid_until is required: the last day the customer may accept (YYYY-MM-DD)",
                field="valid_until",
            )
        earlier = uow.proformas.for_opportunity(deal.id)
        live = [p for p in earlier if p.quote_id == quote.id and p.status_on(now.date()) == ISSUED]
        if live:
            raise FailedPrecondition(
                f"quote {quote.display_number} already has pro-forma {live[0].number}, valid "
                f"until {live[0].valid_until}; withdraw it before issuing another",
                field="quote_id",
            )
        proforma = ProForma.issue(
            id=deps.ids.new_id(),
            number=f"PF-{deal.id[:8].upper()}-{len(earlier) + 1}",
            quote=quote,
            valid_until=valid_until,
            actor=caller.actor,
            at=now,
        )
        uow.proformas.add(proforma)
        keep_history(uow, proforma)
        publish(
            uow,
            "proforma_issued",
            workflow_messages.proforma_issued(proforma, now.date()),
            proforma,
            caller,
        )
        uow.commit()
    return proforma


def get_proforma(deps: Dependencies, caller: Caller, proforma_id: str) -> ProForma:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return access.visible(uow.proformas.get(proforma_id), "pro-forma invoice", proforma_id)


def list_proformas(deps: Dependencies, caller: Caller, deal_id: str) -> list[ProForma]:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        return uow.proformas.for_opportunity(deal.id)


def accept_proforma(deps: Dependencies, caller: Caller, proforma_id: str) -> ProForma:
    """The customer accepted the offer: its quote is won (the deal's other open quotes close),
    the quote's order is made, and the deal is won for the pro-forma's total today."""
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        proforma = access.visible(uow.proformas.get(proforma_id), "pro-forma invoice", proforma_id)
        deal = _deal_for_edit(uow, access, proforma.opportunity_id, "record the customer's answer")
        require_step(
            uow.sales_lines.get(deal.sales_line_id), "accept a pro-forma invoice", deal.name
        )
        deal.ensure_open()
        if uow.orders.for_quote(proforma.quote_id) is not None:
            raise FailedPrecondition(
                f"the quote of pro-forma {proforma.number} already has an order",
                field="quote_id",
            )
        quote = referenced(uow.quotes.get(proforma.quote_id), "quote", proforma.quote_id)
        order_id = deps.ids.new_id()
        proforma.accept(caller.actor, now, order_id)  # refuses an expired offer first
        order = Order.from_quote(
            id=order_id, quote=_won(uow, caller, now, quote), actor=caller.actor, at=now
        )
        uow.orders.add(order)
        keep_history(uow, order)
        publish(uow, "order_created", event_messages.order_created(order), order, caller)
        uow.proformas.save(proforma)
        keep_history(uow, proforma)
        publish(
            uow,
            "proforma_accepted",
            workflow_messages.proforma_accepted(proforma, now.date()),
            proforma,
            caller,
        )
        win(uow, deps, caller, deal, actual_revenue=proforma.total, actual_close_date=now.date())
        uow.commit()
    return proforma


def _won(uow: DealsUnitOfWork, caller: Caller, now: dt.datetime, quote: Quote) -> Quote:
    """The pro-forma's quote, won if it was still active (as AcceptQuote does)."""
    if quote.status == ACTIVE:
        quote.accept(caller.actor, now)
        _save_quote(uow, quote, caller, "quote_won", event_messages.quote_won(quote))
        for other in uow.quotes.for_opportunity(quote.opportunity_id):
            if other.id != quote.id and other.status in (DRAFT, ACTIVE):
                other.withdraw(caller.actor, now, f"quote {quote.display_number} was won")
                _save_quote(uow, other, caller, "quote_closed", event_messages.quote_closed(other))
    return quote


def withdraw_proforma(
    deps: Dependencies, caller: Caller, proforma_id: str, reason: str
) -> ProForma:
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        proforma = access.visible(uow.proformas.get(proforma_id), "pro-forma invoice", proforma_id)
        _deal_for_edit(uow, access, proforma.opportunity_id, "withdraw this deal's pro-forma")
        proforma.withdraw(caller.actor, now, reason)
        uow.proformas.save(proforma)
        keep_history(uow, proforma)
        publish(
            uow,
            "proforma_withdrawn",
            workflow_messages.proforma_withdrawn(proforma, now.date()),
            proforma,
            caller,
        )
        uow.commit()
    return proforma
