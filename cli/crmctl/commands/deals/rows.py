"""deals' records as rows to print: enum values as lower-case words, money as "1200.00 EUR",
product lines as "3 x Gadget = 712.50 EUR"."""

from __future__ import annotations

from crm.deals.v1 import resources_pb2
from crmctl.output import message_to_dict
from crmctl.wire import enum_word, money_text


def row(message, enum_types: dict | None = None, money_fields: tuple[str, ...] = ()) -> dict:
    """``message`` as a dict for print_rows/print_record: the fields of ``enum_types``
    (field -> EnumType) as words, ``money_fields`` as one string each."""
    data = message_to_dict(message)
    for field, enum_type in (enum_types or {}).items():
        data[field] = enum_word(enum_type, getattr(message, field))
    for field in money_fields:
        data[field] = money_text(getattr(message, field))
    if "lines" in data:
        data["lines"] = [
            f"{line.quantity} x {line.description or line.product_id} = "
            f"{money_text(line.line_total)}"
            for line in message.lines
        ]
    return data


def deal_row(deal: resources_pb2.Opportunity) -> dict:
    return row(
        deal,
        {
            "status": resources_pb2.DealStatus,
            "forecast_category": resources_pb2.ForecastCategory,
            "revenue_source": resources_pb2.RevenueSource,
        },
        ("estimated_revenue", "actual_revenue"),
    )


def account_row(account: resources_pb2.Account) -> dict:
    return row(account, {"relationship": resources_pb2.Relationship})


def activity_row(activity: resources_pb2.Activity) -> dict:
    data = row(activity, {"kind": resources_pb2.ActivityKind})
    data["target"] = f"{activity.target.type}:{activity.target.id}"
    return data


def quote_row(quote: resources_pb2.Quote) -> dict:
    return row(quote, {"status": resources_pb2.QuoteStatus}, ("total",))


def order_row(order: resources_pb2.Order) -> dict:
    return row(order, {"status": resources_pb2.OrderStatus}, ("total",))


def invoice_row(invoice: resources_pb2.Invoice) -> dict:
    data = row(
        invoice, {"status": resources_pb2.InvoiceStatus}, ("total", "paid_amount", "balance")
    )
    data["payments"] = [
        f"{p.paid_on} {money_text(p.amount)} {p.method} {p.reference}".strip()
        for p in invoice.payments
    ]
    return data
