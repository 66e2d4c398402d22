"""Use cases of quotes: create, price, activate, revise, win / lose / withdraw."""

from __future__ import annotations

import datetime as dt

from google.protobuf.message import Message

from crm_chassis.errors import FailedPrecondition
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.pricing import LineRequest, check_line_requests, check_priced, mark_existing
from crm_deals.domain.quotes import ACTIVE, Quote
from crm_deals.domain.workflows import require_step
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.ports import PricingContext
from crm_deals.service_layer.recording import keep_history, publish
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


def _deal_for_edit(uow: DealsUnitOfWork, access: Access, deal_id: str, doing: str) -> Opportunity:
    deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
    access.require_edit(deal, doing)
    return deal


def _quote_for_edit(
    uow: DealsUnitOfWork, access: Access, quote_id: str, doing: str
) -> tuple[Quote, Opportunity]:
    quote = access.visible(uow.quotes.get(quote_id), "quote", quote_id)
    deal = _deal_for_edit(uow, access, quote.opportunity_id, doing)
    return quote, deal


def _save(
    uow: DealsUnitOfWork, quote: Quote, caller: Caller, event_type: str, message: Message
) -> None:
    uow.quotes.save(quote)
    keep_history(uow, quote)
    publish(uow, event_type, message, quote, caller)


def create_quote(
    deps: Dependencies,
    caller: Caller,
    *,
    deal_id: str,
    title: str = "",
    valid_until: dt.date | None = None,
) -> Quote:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = _deal_for_edit(uow, access, deal_id, "quote this deal")
        require_step(uow.sales_lines.get(deal.sales_line_id), "quote", deal.name)
        sequence = len({q.number for q in uow.quotes.for_opportunity(deal.id)}) + 1
        quote = Quote.create(
            id=deps.ids.new_id(),
            number=f"Q-{deal.id[:8].upper()}-{sequence}",
            deal=deal,
            title=title or deal.name,
            valid_until=valid_until,
            actor=caller.actor,
            at=deps.clock.now(),
        )
        uow.quotes.add(quote)
        keep_history(uow, quote)
        publish(uow, "quote_created", event_messages.quote_created(quote), quote, caller)
        uow.commit()
    return quote


def get_quote(deps: Dependencies, caller: Caller, quote_id: str) -> Quote:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return access.visible(uow.quotes.get(quote_id), "quote", quote_id)


def list_quotes(deps: Dependencies, caller: Caller, deal_id: str) -> list[Quote]:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        return sorted(uow.quotes.for_opportunity(deal.id), key=lambda q: (q.number, q.revision))


def price_quote_lines(
    deps: Dependencies,
    caller: Caller,
    quote_id: str,
    lines: list[LineRequest],
    price_list_id: str = "",
) -> Quote:
    """Replace the lines of a draft with catalog's exact prices of ``lines``."""
    access = Access.of(caller, deps.scopes)
    check_line_requests(lines)
    with deps.uow() as uow:
        quote, deal = _quote_for_edit(uow, access, quote_id, "change this quote")
        quote.ensure_draft()
        answer = deps.pricing.price(
            mark_existing(lines, quote.lines),
            PricingContext(
                currency=quote.currency,
                sales_line_id=deal.sales_line_id,
                account_id=quote.account_id,
                pricing_date=deps.clock.now().date(),
                price_list_id=price_list_id or quote.price_list_id,
            ),
        )
        quote.set_lines(caller.actor, deps.clock.now(), check_priced(answer, lines, quote.currency))
        _save(
            uow,
            quote,
            caller,
            "quote_updated",
            event_messages.quote_updated(quote, ["lines", "total"]),
        )
        uow.commit()
    return quote


def update_quote(
    deps: Dependencies,
    caller: Caller,
    quote_id: str,
    *,
    title: str | None = None,
    valid_until: dt.date | None = None,
) -> Quote:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        quote, _ = _quote_for_edit(uow, access, quote_id, "change this quote")
        version = quote.version
        quote.update(caller.actor, deps.clock.now(), title=title, valid_until=valid_until)
        if quote.version != version:
            _save(
                uow,
                quote,
                caller,
                "quote_updated",
                event_messages.quote_updated(quote, ["title", "valid_until"]),
            )
            uow.commit()
    return quote


def activate_quote(deps: Dependencies, caller: Caller, quote_id: str) -> Quote:
    """Draft -> active (read-only). The active revision it replaces becomes closed."""
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        quote, deal = _quote_for_edit(uow, access, quote_id, "activate this quote")
        deal.ensure_open()
        quote.activate(caller.actor, now, now.date())
        superseded = ""
        previous = uow.quotes.get(quote.replaces_quote_id) if quote.replaces_quote_id else None
        if previous is not None and previous.status == ACTIVE:
            previous.supersede(caller.actor, now, quote)
            _save(uow, previous, caller, "quote_closed", event_messages.quote_closed(previous))
            superseded = previous.id
        _save(
            uow, quote, caller, "quote_activated", event_messages.quote_activated(quote, superseded)
        )
        uow.commit()
    return quote


def revise_quote(deps: Dependencies, caller: Caller, quote_id: str) -> Quote:
    """A new draft revision (number + 1) of an active quote, with its lines."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        quote, deal = _quote_for_edit(uow, access, quote_id, "revise this quote")
        later = [
            q
            for q in uow.quotes.for_opportunity(deal.id)
            if q.number == quote.number and q.revision > quote.revision
        ]
        if later:
            raise FailedPrecondition(
                f"quote {quote.display_number} already has revision "
                f"{later[0].display_number}; work on that one",
                field="quote_id",
            )
        revision = quote.new_revision(
            id=deps.ids.new_id(), actor=caller.actor, at=deps.clock.now(), deal=deal
        )
        uow.quotes.add(revision)
        keep_history(uow, revision)
        publish(uow, "quote_created", event_messages.quote_created(revision), revision, caller)
        uow.commit()
    return revision


def accept_quote(deps: Dependencies, caller: Caller, quote_id: str) -> Quote:
    """The customer accepted: won. Other active quotes of the deal close (one offer wins)."""
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        quote, deal = _quote_for_edit(uow, access, quote_id, "record the customer's answer")
        deal.ensure_open()
        quote.accept(caller.actor, now)
        _save(uow, quote, caller, "quote_won", event_messages.quote_won(quote))
        for other in uow.quotes.for_opportunity(deal.id):
            if other.id != quote.id and other.status in ("draft", "active"):
                other.withdraw(caller.actor, now, f"quote {quote.display_number} was won")
                _save(uow, other, caller, "quote_closed", event_messages.quote_closed(other))
        uow.commit()
    return quote


def reject_quote(deps: Dependencies, caller: Caller, quote_id: str, reason: str = "") -> Quote:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        quote, _ = _quote_for_edit(uow, access, quote_id, "record the customer's answer")
        quote.reject(caller.actor, deps.clock.now(), reason)
        _save(uow, quote, caller, "quote_lost", event_messages.quote_lost(quote))
        uow.commit()
    return quote


def withdraw_quote(deps: Dependencies, caller: Caller, quote_id: str, reason: str) -> Quote:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        quote, _ = _quote_for_edit(uow, access, quote_id, "withdraw this quote")
        quote.withdraw(caller.actor, deps.clock.now(), reason)
        _save(uow, quote, caller, "quote_closed", event_messages.quote_closed(quote))
        uow.commit()
    return quote
