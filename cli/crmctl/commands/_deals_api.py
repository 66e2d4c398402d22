"""What the deals command modules share: stubs on the deals address, argument parsing (money,
lines, record references), paging, and rows for people (enum names, money as "1200.00 EUR").

Not a command module itself (the leading underscore keeps it out of command discovery).
"""
from __future__ import annotations

import re

import click

from crm.common.v1 import money_pb2
from crm.deals.v1 import (
    accounts_pb2_grpc,
    activities_pb2_grpc,
    billing_pb2_grpc,
    deals_pb2,
    deals_pb2_grpc,
)
from crm.deals.v1 import resources_pb2 as pb
from crmctl.commands._catalog_api import product_ref
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.output import message_to_dict
from crmctl.session import CliError, Session

DEFAULT_ADDRESSES.setdefault("deals", "127.0.0.1:50055")

_MONEY = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]{3})?\s*$")


def accounts(session: Session):
    return accounts_pb2_grpc.AccountServiceStub(session.channel("deals"))


def contacts(session: Session):
    return accounts_pb2_grpc.ContactServiceStub(session.channel("deals"))


def deals(session: Session):
    return deals_pb2_grpc.DealServiceStub(session.channel("deals"))


def activities(session: Session):
    return activities_pb2_grpc.ActivityServiceStub(session.channel("deals"))


def quotes(session: Session):
    return billing_pb2_grpc.QuoteServiceStub(session.channel("deals"))


def orders(session: Session):
    return billing_pb2_grpc.OrderServiceStub(session.channel("deals"))


def invoices(session: Session):
    return billing_pb2_grpc.InvoiceServiceStub(session.channel("deals"))


def money(text: str, default_currency: str = "") -> money_pb2.Money:
    """ "1200.50 EUR" (or "1200.50" when the currency is known from the record). The amount is
    sent as the exact decimal string; the server checks the currency's decimals."""
    found = _MONEY.match(text or "")
    if not found:
        raise CliError(f"not an amount: {text!r}; write e.g. 1200.50 EUR")
    currency = (found.group(2) or default_currency).upper()
    if not currency:
        raise CliError(f"name the currency of {text!r}, e.g. {found.group(1)} EUR")
    return money_pb2.Money(amount=found.group(1), currency=currency)


def line_inputs(session: Session, specs) -> list[deals_pb2.LineInput]:
    """PRODUCT:QUANTITY[:UNIT] items, e.g. SKU-1:12:case or p-cable:2.5:metre; PRODUCT is a
    catalog SKU or a product id."""
    lines = []
    for spec in specs:
        parts = spec.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise CliError(f"a line is PRODUCT:QUANTITY[:UNIT], e.g. SKU-1:12:case; got {spec!r}")
        lines.append(deals_pb2.LineInput(product_id=product_ref(session, parts[0]),
                                         quantity=parts[1],
                                         unit=parts[2] if len(parts) == 3 else ""))
    return lines


def record_ref(text: str) -> pb.RecordRef:
    """TYPE:ID with TYPE account, contact or deal (= opportunity)."""
    kind, _, record_id = text.partition(":")
    kind = {"deal": "opportunity"}.get(kind, kind)
    if not record_id or kind not in ("account", "contact", "opportunity", "activity", "quote",
                                     "order", "invoice"):
        raise CliError(f"a record is TYPE:ID, e.g. deal:1f2e...; got {text!r}")
    return pb.RecordRef(type=kind, id=record_id)


def pages(session: Session, method, request, items: str, limit: int):
    """Every item of a paged list (``request.page`` / ``response.page.next_cursor``)."""
    request.page.page_size = min(limit, 500) if limit else 500
    count = 0
    while True:
        response = session.call(method, request)
        for item in getattr(response, items):
            yield item
            count += 1
            if limit and count >= limit:
                return
        if not response.page.next_cursor:
            return
        request.page.cursor = response.page.next_cursor


def enum_name(enum, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix).lower() if value else ""


def amount(value: money_pb2.Money) -> str:
    return f"{value.amount} {value.currency}" if value.currency else ""


def row(message, enums: dict[str, tuple] = (), money_fields: tuple[str, ...] = ()) -> dict:
    """A message as a dict for print_rows/print_record: enums by name, money as one string."""
    data = message_to_dict(message)
    for field, (enum, prefix) in dict(enums).items():
        data[field] = enum_name(enum, getattr(message, field), prefix)
    for field in money_fields:
        data[field] = amount(getattr(message, field))
    for field in ("lines",):
        if field in data:
            data[field] = [f"{line.quantity} x {line.description or line.product_id} = "
                           f"{amount(line.line_total)}" for line in getattr(message, field)]
    return data


def deal_row(deal: pb.Opportunity) -> dict:
    return row(deal, {"status": (pb.DealStatus, "DEAL_STATUS_"),
                      "forecast_category": (pb.ForecastCategory, "FORECAST_CATEGORY_"),
                      "revenue_source": (pb.RevenueSource, "REVENUE_SOURCE_")},
               ("estimated_revenue", "actual_revenue"))


def account_row(account: pb.Account) -> dict:
    return row(account, {"relationship": (pb.Relationship, "RELATIONSHIP_")})


def activity_row(activity: pb.Activity) -> dict:
    data = row(activity, {"kind": (pb.ActivityKind, "ACTIVITY_KIND_")})
    data["target"] = f"{activity.target.type}:{activity.target.id}"
    return data


def quote_row(quote: pb.Quote) -> dict:
    return row(quote, {"status": (pb.QuoteStatus, "QUOTE_STATUS_")}, ("total",))


def order_row(order: pb.Order) -> dict:
    return row(order, {"status": (pb.OrderStatus, "ORDER_STATUS_")}, ("total",))


def invoice_row(invoice: pb.Invoice) -> dict:
    return row(invoice, {"status": (pb.InvoiceStatus, "INVOICE_STATUS_")}, ("total",))


def choice(names) -> click.Choice:
    return click.Choice(list(names), case_sensitive=False)
