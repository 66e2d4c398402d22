"""The deal page's use cases: the deal with its account, contacts, timeline and quotes; logging
activities and completing tasks (any member of the deal's team, on a teammate's deal too); the
quote builder priced by catalog; accept -> order -> invoice, or an invoice straight from a won
deal's priced lines; issuing invoices and recording payments in parts. Every call carries the
caller's own token: an id the caller may not see is NotFound, exactly like an id that does not
exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from crm_console.domain.deals import (
    ACTIVITY_KINDS,
    DIRECTIONS,
    PAYMENT_METHODS,
    Activity,
    DealFile,
    Invoice,
    LineRequest,
    Order,
    Pricing,
    Product,
    Quote,
)
from crm_console.domain.errors import T_, ConsoleError, Tn_
from crm_console.domain.session import Session
from crm_console.service_layer.dependencies import Dependencies

MAX_LINES = 200


def deal_file(deps: Dependencies, caller: Session, *, deal_id: str) -> DealFile:
    """One call per thing shown; the deal first, so a deal the caller may not see stops here."""
    token = caller.tokens.access_token
    deal = deps.deals.get(token, deal_id)
    return DealFile(
        deal=deal,
        account=deps.deals.account(token, deal.account_id) if deal.account_id else None,
        contacts=deps.deals.contacts(token, deal.account_id) if deal.account_id else (),
        timeline=deps.deals.timeline(token, deal_id),
        quotes=deps.deals.quotes(token, deal_id),
        documents=deps.deals.documents(token, deal_id),
    )


def log_activity(
    deps: Dependencies,
    caller: Session,
    *,
    deal_id: str,
    kind: str,
    subject: str,
    body: str = "",
    due: str = "",
    direction: str = "",
    duration_minutes: str = "",
) -> Activity:
    if kind not in ACTIVITY_KINDS:
        raise ConsoleError(
            T_("choose one of %(choices)s", choices=", ".join(ACTIVITY_KINDS)), field="kind"
        )
    if not subject.strip():
        raise ConsoleError(T_("enter a subject"), field="subject")
    due_at = None
    if kind == "task":
        if not due:
            raise ConsoleError(T_("a task needs a due day"), field="due_at")
        try:
            day = dt.date.fromisoformat(due)
        except ValueError:
            raise ConsoleError(T_("enter the due day as YYYY-MM-DD"), field="due_at") from None
        due_at = dt.datetime.combine(day, dt.time(17, 0), dt.UTC)
    if direction and direction not in DIRECTIONS:
        raise ConsoleError(T_("the direction is inbound or outbound"), field="direction")
    minutes = 0
    if duration_minutes.strip():
        if not duration_minutes.strip().isdigit():
            raise ConsoleError(T_("enter the duration in whole minutes"), field="duration_minutes")
        minutes = int(duration_minutes)
    return deps.deals.log_activity(
        caller.tokens.access_token,
        deal_id,
        kind=kind,
        subject=subject.strip(),
        body=body.strip(),
        due_at=due_at,
        direction=direction if kind in ("call", "email") else "",
        duration_minutes=minutes if kind in ("call", "meeting") else 0,
    )


def complete_task(
    deps: Dependencies, caller: Session, *, activity_id: str, done: bool = True
) -> Activity:
    return deps.deals.complete_task(caller.tokens.access_token, activity_id, done)


def products(deps: Dependencies, caller: Session) -> tuple[Product, ...]:
    return deps.catalog.products(caller.tokens.access_token)


def parse_lines(
    product_ids: list[str], quantities: list[str], units: list[str]
) -> tuple[LineRequest, ...]:
    """The builder's rows as lines; rows without a product are left out, a product without a
    quantity is refused naming the row."""
    lines = []
    for row, (product_id, quantity, unit) in enumerate(
        zip(product_ids, quantities, units, strict=False), start=1
    ):
        if not product_id.strip():
            continue
        if not quantity.strip():
            raise ConsoleError(T_("line %(row)s: enter a quantity", row=row), field="quantity")
        lines.append(LineRequest(product_id.strip(), quantity.strip(), unit.strip()))
    if not lines:
        raise ConsoleError(T_("add at least one product line"), field="product_id")
    if len(lines) > MAX_LINES:
        raise ConsoleError(
            Tn_("a quote has at most %(num)s line", "a quote has at most %(num)s lines", MAX_LINES),
            field="product_id",
        )
    return tuple(lines)


def explain_price(
    deps: Dependencies, caller: Session, *, deal_id: str, lines: tuple[LineRequest, ...]
) -> Pricing:
    """How catalog prices the lines for this deal (its sales line, account and currency), each
    figure explained; nothing is saved."""
    token = caller.tokens.access_token
    deal = deps.deals.get(token, deal_id)
    return deps.catalog.price(
        token,
        lines,
        sales_line_id=deal.sales_line_id,
        account_id=deal.account_id,
        currency=deal.currency,
    )


def create_quote(deps: Dependencies, caller: Session, *, deal_id: str, title: str) -> Quote:
    return deps.deals.create_quote(caller.tokens.access_token, deal_id, title.strip())


def price_quote(
    deps: Dependencies, caller: Session, *, quote_id: str, lines: tuple[LineRequest, ...]
) -> Quote:
    return deps.deals.price_quote(caller.tokens.access_token, quote_id, lines)


QUOTE_ACTIONS = ("activate", "revise", "accept", "reject", "withdraw")


def quote_action(
    deps: Dependencies, caller: Session, *, quote_id: str, action: str, reason: str = ""
) -> Quote:
    if action not in QUOTE_ACTIONS:
        raise ConsoleError(T_("unknown quote action %(value)s", value=repr(action)))
    if action in ("reject", "withdraw") and not reason.strip():
        raise ConsoleError(T_("say why"), field="reason")
    return deps.deals.quote_action(caller.tokens.access_token, quote_id, action, reason.strip())


def order_quote(deps: Dependencies, caller: Session, *, quote_id: str) -> Order:
    return deps.deals.create_order(caller.tokens.access_token, quote_id)


def invoice_order(deps: Dependencies, caller: Session, *, order_id: str) -> Invoice:
    return deps.deals.create_invoice(caller.tokens.access_token, order_id)


def invoice_deal(deps: Dependencies, caller: Session, *, deal_id: str) -> Invoice:
    """A draft invoice of a won deal's priced lines (no order); deals refuses an open deal, one
    without priced lines and one that already has an invoice."""
    return deps.deals.invoice_deal(caller.tokens.access_token, deal_id)


def issue_invoice(deps: Dependencies, caller: Session, *, invoice_id: str) -> Invoice:
    return deps.deals.issue_invoice(caller.tokens.access_token, invoice_id)


def record_payment(
    deps: Dependencies,
    caller: Session,
    *,
    invoice_id: str,
    amount: str,
    currency: str,
    paid_on: str = "",
    method: str,
    reference: str = "",
) -> Invoice:
    """One payment (part or all of the balance); deals decides whether it fits the balance."""
    try:
        value = Decimal(amount.strip().replace(",", ""))
    except InvalidOperation:
        raise ConsoleError(
            T_("enter the amount as a number, e.g. 250.00"), field="amount"
        ) from None
    if not value.is_finite() or value <= 0:
        raise ConsoleError(T_("enter an amount above zero"), field="amount")
    if method not in PAYMENT_METHODS:
        raise ConsoleError(
            T_("choose one of %(choices)s", choices=", ".join(PAYMENT_METHODS)), field="method"
        )
    if paid_on.strip():
        try:
            dt.date.fromisoformat(paid_on.strip())
        except ValueError:
            raise ConsoleError(T_("enter the day paid as YYYY-MM-DD"), field="paid_on") from None
    return deps.deals.record_payment(
        caller.tokens.access_token,
        invoice_id,
        value,
        currency,
        paid_on=paid_on.strip(),
        method=method,
        reference=reference.strip(),
    )
