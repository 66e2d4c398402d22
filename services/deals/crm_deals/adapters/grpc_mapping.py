"""gRPC translation of the deals servicers (no rules here): requests -> use-case arguments, and
domain -> responses.

Everything a person can get wrong in a request (a date, an amount, a cursor, an update mask)
becomes an InvalidArgument naming the request field. A response's records are the messages
deals' events carry (built once, in :mod:`crm_deals.service_layer.event_messages`, and offered
here under the same names), so an API read and an event never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from crm.common.v1 import money_pb2, pagination_pb2
from crm.deals.v1 import resources_pb2
from crm_chassis import paging
from crm_chassis.auth import current_principal
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire import enums
from crm_chassis.wire.decimals import parse_decimal
from crm_chassis.wire.money import from_proto
from crm_deals.domain.money import Money
from crm_deals.domain.pricing import LineRequest
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.event_messages import (  # noqa: F401 - the records of responses
    account,
    activity,
    automation_rule,
    contact,
    deal,
    history_entry,
    invoice,
    order,
    pipeline,
    quote,
    stage,
)
from crm_deals.service_layer.repositories import Page, PageQuery


class UseCases:
    """Mixin of every servicer: runs a use case with the dependencies and the caller."""

    def __init__(self, deps: Dependencies):
        self.deps = deps

    def run(self, use_case, *args, **kwargs):
        return use_case(self.deps, caller(), *args, **kwargs)


def caller() -> Caller | None:
    """The verified principal of the current call as deals' use cases see it (None: anonymous;
    the use cases answer UNAUTHENTICATED)."""
    principal = current_principal()
    return None if principal is None else Caller.from_principal(principal)


# The proto enums a request may carry, read with :func:`enum_value`.
RELATIONSHIP = resources_pb2.Relationship
DEAL_STATUS = resources_pb2.DealStatus
INVOICE_STATUS = resources_pb2.InvoiceStatus
ACTIVITY_KIND = resources_pb2.ActivityKind
FORECAST_CATEGORY = resources_pb2.ForecastCategory
AUTOMATION_TRIGGER = resources_pb2.AutomationTrigger
AUTOMATION_ACTION_KIND = resources_pb2.AutomationActionKind


def enum_value(proto_enum: EnumTypeWrapper, number: int, field: str) -> str:
    """The domain word of an enum value ("" for UNSPECIFIED); a number this server does not
    know is refused (:func:`crm_chassis.wire.enums.word_of`)."""
    return enums.word_of(proto_enum, number, field)


def money(message: money_pb2.Money, field: str) -> Money:
    """The exact amount of a Money field (never a float): the platform's rules
    (:mod:`crm_chassis.wire.money`: a known currency, at most its minor-unit digits); a negative
    amount is left to the use case, which says where it is not allowed."""
    amount, currency = from_proto(message, field, allow_negative=True)
    return Money(amount, currency)


def optional_money(request, name: str) -> Money | None:
    return money(getattr(request, name), name) if request.HasField(name) else None


def required_money(request, name: str) -> Money:
    if not request.HasField(name):
        raise InvalidArgument(
            f'{name} is required, e.g. {{amount: "100.00", currency: "EUR"}}', field=name
        )
    return money(getattr(request, name), name)


def date(raw: str, field: str) -> dt.date | None:
    """A "YYYY-MM-DD" date; empty = None."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(
            f"{field} must be a date YYYY-MM-DD, e.g. 2026-03-31; got {raw!r}", field=field
        ) from None


def instant(request, name: str) -> dt.datetime | None:
    """An optional Timestamp field as an aware UTC datetime."""
    if not request.HasField(name):
        return None
    return getattr(request, name).ToDatetime(tzinfo=dt.UTC)


def page_query(page: pagination_pb2.PageRequest) -> PageQuery:
    """PageRequest -> PageQuery: the platform's page sizes, and a cursor of the platform's kind
    (:mod:`crm_chassis.paging`) holding the repository's key."""
    key = paging.decode_cursor(page.cursor)
    if key is None:
        return PageQuery.of(page.page_size)
    if len(key) != 1 or not isinstance(key[0], str) or not key[0]:
        raise paging.bad_cursor()
    return PageQuery.of(page.page_size, key[0])


def page_info(page: Page) -> pagination_pb2.PageInfo:
    return pagination_pb2.PageInfo(
        next_cursor=paging.encode_cursor((page.next_key,)) if page.next_key else ""
    )


def masked_fields(mask, record, converters: dict[str, Callable] | None = None) -> dict:
    """{path: value} for each path of an update mask, values taken from ``record`` (converted
    where a converter is given). A path the record lacks is passed on as None, so the use case
    names it among the fields that cannot be changed."""
    paths = list(mask.paths)
    if not paths:
        raise InvalidArgument(
            'update_mask is empty: name the fields to change, e.g. paths: ["name"]',
            field="update_mask",
        )
    converters = converters or {}
    fields = {}
    for path in paths:
        raw = getattr(record, path, None) if "." not in path else None
        fields[path] = converters[path](raw) if path in converters and raw is not None else raw
    return fields


def line_requests(lines) -> list[LineRequest]:
    return [
        LineRequest(
            product_id=line.product_id,
            quantity=parse_decimal(line.quantity, f"lines[{i}].quantity"),
            unit=line.unit,
        )
        for i, line in enumerate(lines)
    ]


def stage_specs(stages) -> list[dict]:
    """Proto stages -> the plain specs the pipeline use cases validate (by position, every
    problem of every stage at once: a forecast number this server does not know becomes a word
    no stage accepts)."""
    return [
        {
            "key": s.key,
            "name": s.name,
            "default_probability": s.default_probability,
            "forecast_category": _forecast_word(s.forecast_category),
            "expected_days": s.expected_days,
        }
        for s in stages
    ]


def _forecast_word(number: int) -> str:
    try:
        return enum_value(FORECAST_CATEGORY, number, "forecast_category")
    except InvalidArgument:
        return "?"


def money_list(amounts: dict[str, Money]) -> list:
    """Per-currency sums, in currency order (stable output)."""
    return [event_messages.money(amounts[currency]) for currency in sorted(amounts)]


def withheld_deal(deal_id: str, team_id: str) -> resources_pb2.Opportunity:
    """A deal the caller moved out of their sight: that it is now in ``team_id``, nothing else."""
    return resources_pb2.Opportunity(id=deal_id, team_id=team_id, withheld=True)


def pipeline_version(v) -> resources_pb2.Pipeline:
    """A kept PipelineVersion in the Pipeline message (updated_at = when it became current)."""
    message = event_messages.set_fields(
        resources_pb2.Pipeline(),
        id=v.pipeline_id,
        sales_line_id=v.sales_line_id,
        name=v.name,
        updated_at=event_messages.ts(v.created_at),
        version=v.version,
    )
    message.stages.extend(stage(s) for s in v.stages)
    return message
