"""deals' and catalog's messages -> the console's deal values (domain/deals.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from google.protobuf.message import Message

from crm.catalog.v1 import pricing_pb2, products_pb2
from crm.common.v1 import money_pb2
from crm.deals.v1 import deals_pb2, payments_pb2, resources_pb2, tasks_pb2
from crm_chassis.wire import enums
from crm_console.domain.deals import (
    Account,
    Activity,
    Board,
    Card,
    Column,
    Contact,
    Deal,
    DealDocuments,
    DueTask,
    Invoice,
    Line,
    Money,
    Order,
    Payment,
    PipelineRef,
    PricedLine,
    Pricing,
    Product,
    Quote,
    Stage,
)


def money(message: money_pb2.Money) -> Money | None:
    if not message.currency:
        return None
    return Money(Decimal(message.amount or "0"), message.currency)


def money_field(parent: Message, name: str) -> Money | None:
    return money(getattr(parent, name)) if parent.HasField(name) else None


def moneys(messages: Iterable[money_pb2.Money]) -> tuple[Money, ...]:
    return tuple(m for m in (money(x) for x in messages) if m is not None)


def when(parent: Message, name: str) -> dt.datetime | None:
    if not parent.HasField(name):
        return None
    return getattr(parent, name).ToDatetime(tzinfo=dt.UTC)  # type: ignore[no-any-return]


def stage(message: resources_pb2.Stage) -> Stage:
    return Stage(
        key=message.key,
        name=message.name,
        probability=message.default_probability,
        expected_days=message.expected_days,
    )


def card(message: resources_pb2.Opportunity) -> Card:
    return Card(
        id=message.id,
        name=message.name,
        stage_key=message.stage_key,
        owner_user_id=message.owner_user_id,
        revenue=money_field(message, "estimated_revenue"),
        probability=message.probability,
        stage_entered_at=when(message, "stage_entered_at"),
        version=message.version,
    )


def board(sales_line_id: str, message: deals_pb2.GetBoardResponse) -> Board:
    return Board(
        sales_line_id=sales_line_id,
        pipeline_name=message.pipeline.name,
        columns=tuple(
            Column(
                stage=stage(column.stage),
                cards=tuple(card(d) for d in column.deals),
                totals=moneys(column.totals),
                weighted_totals=moneys(column.weighted_totals),
            )
            for column in message.columns
        ),
        truncated=message.truncated,
    )


def pipeline_ref(message: resources_pb2.Pipeline) -> PipelineRef:
    return PipelineRef(sales_line_id=message.sales_line_id, name=message.name)


def line(message: resources_pb2.PricedLine) -> Line:
    return Line(
        product_id=message.product_id,
        description=message.description,
        unit=message.unit,
        quantity=message.quantity,
        unit_price=money_field(message, "unit_price"),
        discount=money_field(message, "discount"),
        total=money_field(message, "line_total"),
    )


def deal(message: resources_pb2.Opportunity) -> Deal:
    return Deal(
        id=message.id,
        name=message.name,
        team_id=message.team_id,
        account_id=message.account_id,
        primary_contact_id=message.primary_contact_id,
        sales_line_id=message.sales_line_id,
        stage_key=message.stage_key,
        stage_name=message.stage_name,
        status=enums.word_of(resources_pb2.DealStatus, message.status, "status"),
        probability=message.probability,
        currency=message.currency,
        estimated_revenue=money_field(message, "estimated_revenue"),
        estimated_close_date=message.estimated_close_date,
        owner_user_id=message.owner_user_id,
        actual_revenue=money_field(message, "actual_revenue"),
        actual_close_date=message.actual_close_date,
        lost_reason=message.lost_reason,
        lost_competitor=message.lost_competitor,
        lines=tuple(line(x) for x in message.lines),
        stage_entered_at=when(message, "stage_entered_at"),
        version=message.version,
    )


def account(message: resources_pb2.Account) -> Account:
    relationship = enums.word_of(resources_pb2.Relationship, message.relationship, "relationship")
    return Account(id=message.id, name=message.name, relationship=relationship)


def contact(message: resources_pb2.Contact) -> Contact:
    return Contact(
        id=message.id,
        name=f"{message.first_name} {message.last_name}".strip(),
        email=message.email,
        phone=message.phone,
        job_title=message.job_title,
    )


def activity(message: resources_pb2.Activity) -> Activity:
    return Activity(
        id=message.id,
        kind=enums.word_of(resources_pb2.ActivityKind, message.kind, "kind"),
        subject=message.subject,
        body=message.body,
        logged_by=message.logged_by,
        owner_user_id=message.owner_user_id,
        occurred_at=when(message, "occurred_at"),
        due_at=when(message, "due_at"),
        done_at=when(message, "done_at"),
        direction=message.direction,
        duration_minutes=message.duration_minutes,
    )


def due_task(message: tasks_pb2.DueTask) -> DueTask:
    return DueTask(
        task=activity(message.task),
        bucket=message.bucket,
        record_type=message.task.target.type,
        record_id=message.task.target.id,
    )


def quote(message: resources_pb2.Quote) -> Quote:
    return Quote(
        id=message.id,
        display_number=message.display_number,
        revision=message.revision,
        status=enums.word_of(resources_pb2.QuoteStatus, message.status, "status"),
        title=message.title,
        lines=tuple(line(x) for x in message.lines),
        total=money_field(message, "total"),
        valid_until=message.valid_until,
    )


def order(message: resources_pb2.Order) -> Order:
    return Order(
        id=message.id,
        quote_id=message.quote_id,
        status=enums.word_of(resources_pb2.OrderStatus, message.status, "status"),
        total=money_field(message, "total"),
    )


def invoice(message: resources_pb2.Invoice) -> Invoice:
    return Invoice(
        id=message.id,
        number=message.number,
        order_id=message.order_id,
        status=enums.word_of(resources_pb2.InvoiceStatus, message.status, "status"),
        total=money_field(message, "total"),
        issue_date=message.issue_date,
        due_date=message.due_date,
        paid_amount=money_field(message, "paid_amount"),
        balance=money_field(message, "balance"),
        payments=tuple(
            Payment(money_field(p, "amount"), p.paid_on, p.method, p.reference)
            for p in message.payments
        ),
    )


def documents(message: payments_pb2.ListDealDocumentsResponse) -> DealDocuments:
    return DealDocuments(
        orders=tuple(order(o) for o in message.orders),
        invoices=tuple(invoice(i) for i in message.invoices),
    )


def product(message: products_pb2.Product) -> Product:
    return Product(
        id=message.id, sku=message.sku, name=message.name, base_unit=message.default_unit
    )


def pricing(message: pricing_pb2.PriceQuoteResponse) -> Pricing:
    return Pricing(
        lines=tuple(
            PricedLine(
                product_name=x.product_name,
                unit=x.unit,
                quantity=x.quantity,
                unit_price=money_field(x, "unit_price"),
                discount=money_field(x, "discount"),
                amount=money_field(x, "extended_amount"),
                explanation=tuple(x.explanation),
                error=x.error.message if x.HasField("error") and x.error.code else "",
            )
            for x in message.lines
        ),
        net=money_field(message.totals, "net_amount") if message.HasField("totals") else None,
        complete=message.complete,
    )
