"""Use cases of orders and invoices (a won quote -> an order -> an invoice).

Issuing takes the invoice number from the unit of work's per-year sequence inside the issuing
transaction, after every check that could refuse the issue, so a refused issue consumes nothing
and a rolled-back one gives its number back (see InvoiceNumberSequence).
"""

from __future__ import annotations

from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.billing import INVOICE_FILTERS, ISSUED, PAID, Invoice, InvoiceNumber, Order
from crm_deals.domain.money import Money
from crm_deals.domain.workflows import require_step
from crm_deals.service_layer import event_messages, workflow_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.ports import SUPERVISOR
from crm_deals.service_layer.recording import keep_history, publish, referenced
from crm_deals.service_layer.repositories import FIRST_PAGE, Page, PageQuery
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


def create_order(deps: Dependencies, caller: Caller, quote_id: str) -> Order:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        quote = access.visible(uow.quotes.get(quote_id), "quote", quote_id)
        deal = referenced(uow.opportunities.get(quote.opportunity_id), "deal", quote.opportunity_id)
        access.require_edit(deal, "order this deal's quote")
        require_step(uow.sales_lines.get(deal.sales_line_id), "order a quote", deal.name)
        if uow.orders.for_quote(quote.id) is not None:
            raise FailedPrecondition(
                f"quote {quote.display_number} already has an order", field="quote_id"
            )
        order = Order.from_quote(
            id=deps.ids.new_id(), quote=quote, actor=caller.actor, at=deps.clock.now()
        )
        uow.orders.add(order)
        keep_history(uow, order)
        publish(uow, "order_created", event_messages.order_created(order), order, caller)
        uow.commit()
    return order


def get_order(deps: Dependencies, caller: Caller, order_id: str) -> Order:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return access.visible(uow.orders.get(order_id), "order", order_id)


def _publish_order(uow: DealsUnitOfWork, order: Order, caller: Caller) -> None:
    uow.orders.save(order)
    keep_history(uow, order)
    publish(uow, "order_updated", event_messages.order_updated(order, ["status"]), order, caller)


def cancel_order(deps: Dependencies, caller: Caller, order_id: str, reason: str) -> Order:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        order = access.visible(uow.orders.get(order_id), "order", order_id)
        access.require_role(order.team_id, SUPERVISOR, "cancel orders")
        live = any(i.is_live for i in uow.invoices.for_order(order.id))
        order.cancel(caller.actor, deps.clock.now(), reason, has_live_invoice=live)
        _publish_order(uow, order, caller)
        uow.commit()
    return order


def create_invoice(deps: Dependencies, caller: Caller, order_id: str) -> Invoice:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        order = access.visible(uow.orders.get(order_id), "order", order_id)
        access.require_role(order.team_id, SUPERVISOR, "invoice orders")
        if any(i.is_live for i in uow.invoices.for_order(order.id)):
            raise FailedPrecondition(
                f"order {order.id} already has an invoice that is not cancelled", field="order_id"
            )
        invoice = Invoice.from_order(
            id=deps.ids.new_id(), order=order, actor=caller.actor, at=deps.clock.now()
        )
        uow.invoices.add(invoice)
        keep_history(uow, invoice)
        publish(uow, "invoice_created", event_messages.invoice_created(invoice), invoice, caller)
        uow.commit()
    return invoice


def get_invoice(deps: Dependencies, caller: Caller, invoice_id: str) -> Invoice:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return access.visible(uow.invoices.get(invoice_id), "invoice", invoice_id)


def list_invoices(
    deps: Dependencies,
    caller: Caller,
    *,
    opportunity_id: str = "",
    status: str = "",
    page: PageQuery = FIRST_PAGE,
) -> Page[Invoice]:
    """The invoices the caller may see (of one deal, in one status when given, or partly paid;
    an invisible deal's: none)."""
    status = status.strip().lower()
    if status and status not in INVOICE_FILTERS:
        raise InvalidArgument(
            f"status {status!r} is not an invoice status; use one of "
            f"{', '.join(INVOICE_FILTERS)} (or none for every invoice)",
            field="status",
        )
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return uow.invoices.list(access.visible_team_ids, opportunity_id, page, status)


def _invoice_for_finance(
    uow: DealsUnitOfWork, access: Access, invoice_id: str, doing: str
) -> Invoice:
    invoice = access.visible(uow.invoices.get(invoice_id), "invoice", invoice_id)
    access.require_role(invoice.team_id, SUPERVISOR, doing)
    return invoice


def issue_invoice(deps: Dependencies, caller: Caller, invoice_id: str) -> Invoice:
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        invoice = _invoice_for_finance(uow, access, invoice_id, "issue invoices")
        invoice.ensure_issuable()
        # An invoice made straight from a won deal has no order.
        order = (
            referenced(uow.orders.get(invoice.order_id), "order", invoice.order_id)
            if invoice.order_id
            else None
        )
        if order is not None:
            order.ensure_invoiceable()
        # Last step before writing: the number is taken only when nothing can refuse any more.
        number = InvoiceNumber(now.year, uow.invoice_numbers.next(now.year))
        invoice.issue(caller.actor, now, number)
        uow.invoices.save(invoice)
        keep_history(uow, invoice)
        if order is not None:
            order.mark_invoiced(caller.actor, now, invoice.number)
            _publish_order(uow, order, caller)
        publish(uow, "invoice_issued", event_messages.invoice_issued(invoice), invoice, caller)
        uow.commit()
    return invoice


def mark_invoice_paid(
    deps: Dependencies, caller: Caller, invoice_id: str, *, amount: Money, reference: str = ""
) -> Invoice:
    """The whole balance paid at once (a part payment: payments.record_payment)."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        invoice = _invoice_for_finance(uow, access, invoice_id, "record payments")
        invoice.mark_paid(caller.actor, deps.clock.now(), amount, reference, deps.ids.new_id())
        publish_payment(uow, invoice, caller)
        uow.commit()
    return invoice


def publish_payment(uow: DealsUnitOfWork, invoice: Invoice, caller: Caller) -> None:
    """Save ``invoice`` after its last payment: ``invoice_payment_recorded``, and
    ``invoice_paid`` when that payment settled the balance."""
    payment = invoice.payments[-1]
    uow.invoices.save(invoice)
    keep_history(uow, invoice)
    publish(
        uow,
        "invoice_payment_recorded",
        workflow_messages.invoice_payment_recorded(invoice, payment),
        invoice,
        caller,
    )
    if invoice.status == PAID:
        publish(
            uow,
            "invoice_paid",
            event_messages.invoice_paid(invoice, payment.amount),
            invoice,
            caller,
        )


def cancel_invoice(deps: Dependencies, caller: Caller, invoice_id: str, reason: str) -> Invoice:
    """A draft is dropped without a number; an issued invoice keeps its number (never reused)
    and its order is open for invoicing again."""
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        invoice = _invoice_for_finance(uow, access, invoice_id, "cancel invoices")
        previous = invoice.cancel(caller.actor, now, reason)
        uow.invoices.save(invoice)
        keep_history(uow, invoice)
        if previous == ISSUED and invoice.order_id:
            order = referenced(uow.orders.get(invoice.order_id), "order", invoice.order_id)
            order.reopen_for_invoicing(caller.actor, now, f"invoice {invoice.number} cancelled")
            _publish_order(uow, order, caller)
        publish(
            uow,
            "invoice_cancelled",
            event_messages.invoice_cancelled(invoice, previous),
            invoice,
            caller,
        )
        uow.commit()
    return invoice
