"""Deals as the board and the deal page show them (translated from deals' and catalog's APIs by
the adapters). Plain values: the figures are the services' own, exact, never recomputed here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

ACTIVITY_KINDS = ("call", "email", "meeting", "note", "task")
DIRECTIONS = ("outbound", "inbound")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    probability: int
    expected_days: int = 0


@dataclass(frozen=True)
class Card:
    """An open deal on the board."""

    id: str
    name: str
    stage_key: str
    owner_user_id: str
    revenue: Money | None
    probability: int
    stage_entered_at: dt.datetime | None
    version: int

    def days_in_stage(self, now: dt.datetime) -> int:
        return max(0, (now - self.stage_entered_at).days) if self.stage_entered_at else 0

    def stalled(self, stage: Stage, now: dt.datetime) -> bool:
        """Longer in the stage than the pipeline expects (a stage without an expectation never
        stalls)."""
        return bool(stage.expected_days) and self.days_in_stage(now) > stage.expected_days


@dataclass(frozen=True)
class Column:
    stage: Stage
    cards: tuple[Card, ...]
    totals: tuple[Money, ...]
    weighted_totals: tuple[Money, ...]


@dataclass(frozen=True)
class Board:
    sales_line_id: str
    pipeline_name: str
    columns: tuple[Column, ...]
    truncated: bool = False

    def stages(self) -> tuple[Stage, ...]:
        return tuple(c.stage for c in self.columns)

    def neighbours(self, stage_key: str) -> tuple[Stage | None, Stage | None]:
        """The stages before and after ``stage_key`` (None at either end): the keyboard moves."""
        keys = [s.key for s in self.stages()]
        if stage_key not in keys:
            return None, None
        at = keys.index(stage_key)
        stages = self.stages()
        return (stages[at - 1] if at else None, stages[at + 1] if at + 1 < len(keys) else None)

    def open_deals(self) -> int:
        return sum(len(c.cards) for c in self.columns)


@dataclass(frozen=True)
class PipelineRef:
    sales_line_id: str
    name: str


@dataclass(frozen=True)
class LostReason:
    key: str
    description: str


@dataclass(frozen=True)
class Line:
    product_id: str
    description: str
    unit: str
    quantity: str
    unit_price: Money | None
    discount: Money | None
    total: Money | None


@dataclass(frozen=True)
class Deal:
    id: str
    name: str
    team_id: str
    account_id: str
    primary_contact_id: str
    sales_line_id: str
    stage_key: str
    stage_name: str
    status: str  # open, won, lost
    probability: int
    currency: str
    estimated_revenue: Money | None
    estimated_close_date: str
    owner_user_id: str
    actual_revenue: Money | None = None
    actual_close_date: str = ""
    lost_reason: str = ""
    lost_competitor: str = ""
    lines: tuple[Line, ...] = ()
    stage_entered_at: dt.datetime | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    relationship: str


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    email: str
    phone: str
    job_title: str


@dataclass(frozen=True)
class Activity:
    id: str
    kind: str  # call, email, meeting, note, task
    subject: str
    body: str
    logged_by: str
    owner_user_id: str
    occurred_at: dt.datetime | None
    due_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    direction: str = ""
    duration_minutes: int = 0

    @property
    def open_task(self) -> bool:
        return self.kind == "task" and self.done_at is None


@dataclass(frozen=True)
class DueTask:
    """An open task of the person's (deals' ``ListMyTasks``) and the record it is on."""

    task: Activity
    bucket: str  # overdue, today, this_week, later (in the person's time zone)
    record_type: str  # account, contact, opportunity
    record_id: str

    @property
    def due_by_today(self) -> bool:
        return self.bucket in ("overdue", "today")


@dataclass(frozen=True)
class Quote:
    id: str
    display_number: str
    revision: int
    status: str  # draft, active, won, lost, closed
    title: str
    lines: tuple[Line, ...]
    total: Money | None
    valid_until: str = ""


@dataclass(frozen=True)
class Order:
    id: str
    quote_id: str
    status: str
    total: Money | None


@dataclass(frozen=True)
class Payment:
    """One payment received against an invoice."""

    amount: Money | None
    paid_on: str  # "YYYY-MM-DD"
    method: str
    reference: str = ""


@dataclass(frozen=True)
class Invoice:
    id: str
    number: str
    order_id: str
    status: str  # draft, issued, paid, cancelled
    total: Money | None
    issue_date: str = ""
    due_date: str = ""
    paid_amount: Money | None = None
    balance: Money | None = None
    payments: tuple[Payment, ...] = ()

    @property
    def is_live(self) -> bool:
        return self.status != "cancelled"


# deals' payment methods (RecordPayment refuses any other).
PAYMENT_METHODS = ("bank_transfer", "card", "cash", "cheque", "direct_debit", "other")


@dataclass(frozen=True)
class DealDocuments:
    """A deal's orders and invoices, oldest first (deals' ListDealDocuments)."""

    orders: tuple[Order, ...] = ()
    invoices: tuple[Invoice, ...] = ()

    def invoices_of(self, order_id: str) -> tuple[Invoice, ...]:
        return tuple(i for i in self.invoices if i.order_id == order_id)

    @property
    def direct_invoices(self) -> tuple[Invoice, ...]:
        """Invoices made straight from the won deal's priced lines (no order)."""
        return tuple(i for i in self.invoices if not i.order_id)

    @property
    def has_live_invoice(self) -> bool:
        return any(i.is_live for i in self.invoices)


@dataclass(frozen=True)
class Product:
    id: str
    sku: str
    name: str
    base_unit: str
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class PricedLine:
    """One line as catalog priced it, with how each figure was obtained."""

    product_name: str
    unit: str
    quantity: str
    unit_price: Money | None
    discount: Money | None
    amount: Money | None
    explanation: tuple[str, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class Pricing:
    lines: tuple[PricedLine, ...]
    net: Money | None
    complete: bool


@dataclass(frozen=True)
class LineRequest:
    """A line the person typed into the quote builder."""

    product_id: str
    quantity: str
    unit: str = ""


@dataclass(frozen=True)
class DealFile:
    """Everything the deal page shows, read with one call per service it needs."""

    deal: Deal
    account: Account | None
    contacts: tuple[Contact, ...]
    timeline: tuple[Activity, ...]
    quotes: tuple[Quote, ...]
    documents: DealDocuments = DealDocuments()


def with_base_units(
    lines: tuple[LineRequest, ...], products: tuple[Product, ...]
) -> tuple[LineRequest, ...]:
    """A line without a unit is in its product's default unit (catalog wants the unit named)."""
    base = {p.id: p.base_unit for p in products}
    return tuple(replace(x, unit=x.unit or base.get(x.product_id, "")) for x in lines)
