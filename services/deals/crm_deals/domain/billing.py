"""Orders and invoices: a won quote becomes an order; an order becomes an invoice.

Order: ``open`` (to invoice) -> ``invoiced`` (its invoice was issued) or ``cancelled``.
Invoice: ``draft`` -> ``issued`` -> ``paid``; ``draft`` or ``issued`` -> ``cancelled``.
- An invoice gets its number only when it is issued, from a gap-free sequence per calendar year
  of the issue date (UTC): ``INV-2026-000123``. A draft that is cancelled never had a number, and
  an issued invoice that is cancelled keeps it (it is a legal document; it is never reused), so
  the numbers of a year are 1..n without a hole. How the adapter keeps the sequence gap-free under
  concurrency: see :class:`InvoiceNumber` and docs/services/deals.md.
- Payments (amount, date, method, reference) are recorded against an issued invoice, each at most
  the balance still due; the balance and the paid status are derived from them: the payment that
  brings the balance to zero makes the invoice ``paid``. A paid invoice is final. An issued
  invoice with payments that do not cover its total is *partly paid*: its status stays
  ``issued`` (payments are still recorded against it), and ``partly_paid`` is a filter word of
  ListInvoices beside the statuses (``INVOICE_FILTERS``).
- An order has at most one invoice that is not cancelled. A won deal with priced lines may also
  be invoiced directly (no order: ``order_id`` empty), once while that invoice is live.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.closing import WON as DEAL_WON
from crm_deals.domain.history import Recorded
from crm_deals.domain.money import Money, total
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.pricing import PricedLine
from crm_deals.domain.quotes import WON as QUOTE_WON
from crm_deals.domain.quotes import Quote
from crm_deals.domain.text import clean_text

ORDER_OPEN, ORDER_INVOICED, ORDER_CANCELLED = "open", "invoiced", "cancelled"
DRAFT, ISSUED, PAID, CANCELLED = "draft", "issued", "paid", "cancelled"
INVOICE_STATUSES = (DRAFT, ISSUED, PAID, CANCELLED)
PARTLY_PAID = "partly_paid"
INVOICE_FILTERS = (*INVOICE_STATUSES, PARTLY_PAID)
PAYMENT_TERMS_DAYS = 30
PAYMENT_METHODS = ("bank_transfer", "card", "cash", "cheque", "direct_debit", "other")
_NUMBER = re.compile(r"^INV-(\d{4})-(\d{6,})$")


@dataclass(frozen=True)
class InvoiceNumber:
    """``INV-<year>-<n, 6 digits or more>``. ``n`` comes from the unit of work's per-year
    sequence, taken inside the issuing transaction: the adapter increments a counter row of that
    year under a row lock (``UPDATE ... SET last = last + 1 RETURNING last``), so concurrent
    issuers queue on the row, and a rolled-back transaction gives its number back. A database
    SEQUENCE would not do: it is not transactional and leaves holes."""

    year: int
    sequence: int

    def __post_init__(self) -> None:
        if not 2000 <= self.year <= 9999 or self.sequence < 1:
            raise ValueError(f"invalid invoice number parts {self.year}/{self.sequence}")

    def __str__(self) -> str:
        return f"INV-{self.year}-{self.sequence:06d}"

    @classmethod
    def parse(cls, text: str) -> InvoiceNumber:
        match = _NUMBER.match((text or "").strip())
        if not match:
            raise InvalidArgument(
                f"an invoice number looks like INV-2026-000123; got {text!r}", field="number"
            )
        return cls(int(match.group(1)), int(match.group(2)))


@dataclass
class Order(Recorded):
    RECORD_TYPE = "order"

    id: str
    quote_id: str
    opportunity_id: str
    account_id: str
    team_id: str
    currency: str
    lines: tuple[PricedLine, ...]
    total: Money
    created_at: dt.datetime
    updated_at: dt.datetime
    status: str = ORDER_OPEN
    cancel_reason: str = ""
    version: int = 0

    @classmethod
    def from_quote(cls, *, id: str, quote: Quote, actor: Actor, at: dt.datetime) -> Order:
        if quote.status != QUOTE_WON:
            raise FailedPrecondition(
                f"quote {quote.display_number} is {quote.status}: only a won "
                "quote becomes an order",
                field="quote_id",
            )
        order = cls(
            id=id,
            quote_id=quote.id,
            opportunity_id=quote.opportunity_id,
            account_id=quote.account_id,
            team_id=quote.team_id,
            currency=quote.currency,
            lines=quote.lines,
            total=quote.total if quote.total is not None else Money.zero(quote.currency),
            created_at=at,
            updated_at=at,
        )
        order._record(actor, at, "created", note=f"from quote {quote.display_number}")
        return order

    def ensure_invoiceable(self) -> None:
        if self.status != ORDER_OPEN:
            raise FailedPrecondition(
                f"order {self.id} is {self.status}; only an open order can be invoiced",
                field="order_id",
            )

    def mark_invoiced(self, actor: Actor, at: dt.datetime, invoice_number: str) -> None:
        self.ensure_invoiceable()
        self.status = ORDER_INVOICED
        self._record(
            actor, at, "invoiced", {"status": (ORDER_OPEN, ORDER_INVOICED)}, note=invoice_number
        )

    def reopen_for_invoicing(self, actor: Actor, at: dt.datetime, reason: str) -> None:
        """Its issued invoice was cancelled: the order is to be invoiced again."""
        if self.status == ORDER_INVOICED:
            self.status = ORDER_OPEN
            self._record(
                actor,
                at,
                "invoice_cancelled",
                {"status": (ORDER_INVOICED, ORDER_OPEN)},
                note=reason,
            )

    def transfer(self, actor: Actor, at: dt.datetime, to_team_id: str) -> bool:
        return _transfer(self, actor, at, to_team_id)

    def cancel(self, actor: Actor, at: dt.datetime, reason: str, has_live_invoice: bool) -> None:
        if self.status != ORDER_OPEN:
            raise FailedPrecondition(
                f"order {self.id} is {self.status} and cannot be cancelled", field="status"
            )
        if has_live_invoice:
            raise FailedPrecondition(
                f"order {self.id} has an invoice; cancel the invoice first", field="status"
            )
        self.status = ORDER_CANCELLED
        self.cancel_reason = clean_text(reason, "reason", max_length=500, required=True)
        self._record(
            actor,
            at,
            "cancelled",
            {"status": (ORDER_OPEN, ORDER_CANCELLED)},
            note=self.cancel_reason,
        )


@dataclass(frozen=True)
class Payment:
    """One payment received against an invoice."""

    id: str
    amount: Money
    paid_on: dt.date
    method: str
    reference: str
    recorded_at: dt.datetime


@dataclass
class Invoice(Recorded):
    RECORD_TYPE = "invoice"

    id: str
    order_id: str
    opportunity_id: str
    account_id: str
    team_id: str
    currency: str
    lines: tuple[PricedLine, ...]
    total: Money
    created_at: dt.datetime
    updated_at: dt.datetime
    status: str = DRAFT
    number: str = ""
    issue_date: dt.date | None = None
    due_date: dt.date | None = None
    paid_at: dt.datetime | None = None
    payment_reference: str = ""
    cancel_reason: str = ""
    payments: tuple[Payment, ...] = field(default_factory=tuple)
    version: int = 0

    @classmethod
    def from_deal(cls, *, id: str, deal: Opportunity, actor: Actor, at: dt.datetime) -> Invoice:
        """A draft invoice of a won deal's priced lines, without an order."""
        if deal.status != DEAL_WON:
            raise FailedPrecondition(
                f"deal {deal.name!r} is {deal.status}: only a won deal is invoiced directly",
                field="opportunity_id",
            )
        if not deal.lines:
            raise FailedPrecondition(
                f"deal {deal.name!r} has no priced product lines to invoice; price its lines "
                "(`crmctl deals set-lines`) before winning it, or invoice through an order",
                field="opportunity_id",
            )
        invoice = cls(
            id=id,
            order_id="",
            opportunity_id=deal.id,
            account_id=deal.account_id,
            team_id=deal.team_id,
            currency=deal.currency,
            lines=deal.lines,
            total=total((line.line_total for line in deal.lines), deal.currency),
            created_at=at,
            updated_at=at,
        )
        invoice._record(actor, at, "created", note=f"from won deal {deal.name!r}")
        return invoice

    @property
    def paid_amount(self) -> Money:
        return total((p.amount for p in self.payments), self.currency)

    @property
    def balance(self) -> Money:
        """What is still due (the total of a draft or a cancelled invoice too)."""
        return self.total - self.paid_amount

    @property
    def is_partly_paid(self) -> bool:
        """Issued, with payments that do not cover the total (a full one makes it paid)."""
        return self.status == ISSUED and bool(self.payments)

    def record_payment(self, actor: Actor, at: dt.datetime, payment: Payment) -> None:
        if self.status != ISSUED:
            raise FailedPrecondition(
                f"invoice {self.number or self.id} is {self.status}; payments are recorded "
                "against an issued invoice",
                field="status",
            )
        if payment.amount.currency != self.currency:
            raise InvalidArgument(
                f"the payment is in {payment.amount.currency} but the invoice is in "
                f"{self.currency}",
                field="amount",
            )
        if not payment.amount.is_positive():
            raise InvalidArgument("a payment's amount must be above zero", field="amount")
        if (self.balance - payment.amount).is_negative():
            raise InvalidArgument(
                f"the payment {payment.amount} is more than the balance due {self.balance} "
                f"of invoice {self.number}",
                field="amount",
            )
        if payment.method not in PAYMENT_METHODS:
            raise InvalidArgument(
                f"payment method must be one of {', '.join(PAYMENT_METHODS)}; "
                f"got {payment.method!r}",
                field="method",
            )
        if payment.paid_on > at.date():
            raise InvalidArgument(f"paid_on {payment.paid_on} is in the future", field="paid_on")
        reference = clean_text(payment.reference, "reference", max_length=200)
        self.payments = (*self.payments, replace(payment, reference=reference))
        self._record(
            actor,
            at,
            "payment_recorded",
            {"balance": (self.balance + payment.amount, self.balance)},
            note=f"{payment.amount} by {payment.method} {reference}".strip(),
        )
        if not self.balance.is_positive():
            self.status, self.paid_at, self.payment_reference = PAID, at, reference
            self._record(actor, at, "paid", {"status": (ISSUED, PAID)}, note=reference)

    @classmethod
    def from_order(cls, *, id: str, order: Order, actor: Actor, at: dt.datetime) -> Invoice:
        order.ensure_invoiceable()
        invoice = cls(
            id=id,
            order_id=order.id,
            opportunity_id=order.opportunity_id,
            account_id=order.account_id,
            team_id=order.team_id,
            currency=order.currency,
            lines=order.lines,
            total=order.total,
            created_at=at,
            updated_at=at,
        )
        invoice._record(actor, at, "created", note=f"from order {order.id}")
        return invoice

    @property
    def is_live(self) -> bool:
        return self.status != CANCELLED

    def ensure_issuable(self) -> None:
        """Checked before a number is taken, so a refused issue consumes none."""
        if self.status != DRAFT:
            raise FailedPrecondition(
                f"invoice {self.number or self.id} is {self.status}; only a draft can be issued",
                field="status",
            )

    def issue(
        self,
        actor: Actor,
        at: dt.datetime,
        number: InvoiceNumber,
        payment_terms_days: int = PAYMENT_TERMS_DAYS,
    ) -> None:
        self.ensure_issuable()
        if number.year != at.year:
            raise ValueError("the invoice number's year must be the issue year")
        self.status, self.number = ISSUED, str(number)
        self.issue_date = at.date()
        self.due_date = self.issue_date + dt.timedelta(days=payment_terms_days)
        self._record(actor, at, "issued", {"status": (DRAFT, ISSUED), "number": ("", self.number)})

    def mark_paid(
        self, actor: Actor, at: dt.datetime, amount: Money, reference: str, payment_id: str
    ) -> None:
        """The customer paid the whole balance due at once."""
        if self.status == ISSUED and amount != self.balance:
            raise InvalidArgument(
                f"the payment {amount} does not equal the balance due {self.balance}; "
                "record a part payment with RecordPayment (`crmctl invoices record-payment`)",
                field="amount",
            )
        self.record_payment(
            actor,
            at,
            Payment(
                id=payment_id,
                amount=amount,
                paid_on=at.date(),
                method="other",
                reference=reference,
                recorded_at=at,
            ),
        )

    def cancel(self, actor: Actor, at: dt.datetime, reason: str) -> str:
        """Cancel a draft or an issued invoice; returns the status it had."""
        if self.status not in (DRAFT, ISSUED):
            raise FailedPrecondition(
                f"invoice {self.number or self.id} is {self.status} and cannot be cancelled",
                field="status",
            )
        before = self.status
        self.cancel_reason = clean_text(reason, "reason", max_length=500, required=True)
        self.status = CANCELLED
        self._record(
            actor, at, "cancelled", {"status": (before, CANCELLED)}, note=self.cancel_reason
        )
        return before

    def transfer(self, actor: Actor, at: dt.datetime, to_team_id: str) -> bool:
        return _transfer(self, actor, at, to_team_id)


def _transfer(record: Order | Invoice, actor: Actor, at: dt.datetime, to_team_id: str) -> bool:
    """Follow the deal to another team (an organisational move, allowed in any status)."""
    if to_team_id == record.team_id:
        return False
    before, record.team_id = record.team_id, to_team_id
    record._record(actor, at, "transferred", {"team_id": (before, to_team_id)})
    return True
