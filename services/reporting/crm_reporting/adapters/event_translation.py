"""The producers' event messages -> reporting's ``RecordedEvent`` values.

The worker translates each received message; the event store keeps the message's JSON body and
translates it again with the same functions when a read model is derived or rebuilt, so live
and rebuilt figures come from one translation. Only business times from the events are used
(created, stage entered, closed), never the time reporting received them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from google.protobuf.message import Message

from crm.common.v1 import events_pb2 as common_events
from crm.deals.v1 import events_pb2 as deals_events
from crm.deals.v1 import resources_pb2 as deals_resources
from crm.territory.v1 import events_pb2 as territory_events
from crm_chassis import events as wire_events
from crm_reporting.adapters.marketing_translation import MARKETING_CONSUMED
from crm_reporting.adapters.rates_translation import RATES_CONSUMED
from crm_reporting.domain.events import (
    ActivitySnapshot,
    DealSnapshot,
    OrgUnitSnapshot,
    Payload,
    PipelineSnapshot,
    RecordedEvent,
    StageDefinition,
    TargetsSnapshot,
    TargetValue,
    TeamSnapshot,
)

_STATUS = {
    deals_resources.DEAL_STATUS_OPEN: "open",
    deals_resources.DEAL_STATUS_WON: "won",
    deals_resources.DEAL_STATUS_LOST: "lost",
}
_CATEGORY = {
    deals_resources.FORECAST_CATEGORY_PIPELINE: "pipeline",
    deals_resources.FORECAST_CATEGORY_BEST_CASE: "best_case",
    deals_resources.FORECAST_CATEGORY_COMMIT: "commit",
}
_DELETED = territory_events.CHANGE_KIND_DELETED


def _time(message: Any, name: str) -> dt.datetime | None:
    if not message.HasField(name):
        return None
    return getattr(message, name).ToDatetime(tzinfo=dt.UTC)  # type: ignore[no-any-return]


def _amount(message: Any, name: str) -> Decimal | None:
    if not message.HasField(name) or not getattr(message, name).amount:
        return None
    try:
        return Decimal(getattr(message, name).amount)
    except InvalidOperation:
        return None  # a producer's malformed amount counts as unknown, not as a crash


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def deal_snapshot(deal: deals_resources.Opportunity) -> DealSnapshot:
    created = _time(deal, "created_at") or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return DealSnapshot(
        id=deal.id,
        team_id=deal.team_id,
        owner_user_id=deal.owner_user_id,
        sales_line_id=deal.sales_line_id,
        pipeline_id=deal.pipeline_id,
        stage_key=deal.stage_key,
        status=_STATUS.get(deal.status, "open"),
        currency=deal.currency or deal.estimated_revenue.currency,
        estimated_revenue=_amount(deal, "estimated_revenue"),
        actual_revenue=_amount(deal, "actual_revenue"),
        probability=deal.probability,
        forecast_category=_CATEGORY.get(deal.forecast_category, ""),
        estimated_close_date=_date(deal.estimated_close_date),
        created_at=created,
        stage_entered_at=_time(deal, "stage_entered_at"),
        closed_at=_time(deal, "closed_at"),
        actual_close_date=_date(deal.actual_close_date),
        lost_reason=deal.lost_reason,
        lost_competitor=deal.lost_competitor,
        campaign_id=deal.campaign_id,
        originating_lead_id=deal.originating_lead_id,
        account_id=deal.account_id,
        lines=tuple(
            (line.product_id, _amount(line, "line_total") or Decimal(0)) for line in deal.lines
        ),
    )


def pipeline_snapshot(pipeline: deals_resources.Pipeline) -> PipelineSnapshot:
    return PipelineSnapshot(
        pipeline.id,
        pipeline.sales_line_id,
        tuple(
            StageDefinition(
                s.key,
                s.name,
                s.expected_days,
                s.default_probability,
                _CATEGORY.get(s.forecast_category, "pipeline"),
            )
            for s in pipeline.stages
        ),
    )


def _deal(message: Any) -> Payload:
    return deal_snapshot(message.deal)


_KIND = {
    deals_resources.ACTIVITY_KIND_CALL: "call",
    deals_resources.ACTIVITY_KIND_EMAIL: "email",
    deals_resources.ACTIVITY_KIND_MEETING: "meeting",
    deals_resources.ACTIVITY_KIND_NOTE: "note",
    deals_resources.ACTIVITY_KIND_TASK: "task",
}


def _activity(message: Any) -> Payload:
    a = message.activity
    return ActivitySnapshot(
        id=a.id,
        team_id=a.team_id,
        owner_user_id=a.owner_user_id or a.logged_by,
        kind=_KIND.get(a.kind, "note"),
        occurred_at=_time(a, "occurred_at") or _time(a, "created_at"),
        due_at=_time(a, "due_at"),
        done_at=_time(a, "done_at"),
    )


def _pipeline(message: Any) -> Payload:
    return pipeline_snapshot(message.pipeline)


def _unit(message: Any) -> Payload:
    unit = message.unit
    return OrgUnitSnapshot(unit.id, unit.parent_id, deleted=message.change == _DELETED)


def _team(message: Any) -> Payload:
    team = message.team
    return TeamSnapshot(team.id, team.unit_id, team.active, deleted=message.change == _DELETED)


def _targets(message: Any) -> Payload:
    values = []
    for target in message.targets:
        amount = _amount(target, "amount") or Decimal(0)
        values.append(
            TargetValue(
                target.sales_line_id or message.sales_line_id,
                target.team_id,
                target.period or message.period,
                amount,
                target.amount.currency,
                target.deal_count,
            )
        )
    return TargetsSnapshot(message.sales_line_id, message.period, tuple(values))


#: (source, event type) -> (message class, payload translation). The worker subscribes to
#: exactly these (tests/unit/test_manifest.py).
CONSUMED: dict[tuple[str, str], tuple[type[Message], Callable[[Any], Payload]]] = {
    ("deals", "deal_created"): (deals_events.DealCreated, _deal),
    ("deals", "deal_updated"): (deals_events.DealUpdated, _deal),
    ("deals", "deal_stage_changed"): (deals_events.DealStageChanged, _deal),
    ("deals", "deal_won"): (deals_events.DealWon, _deal),
    ("deals", "deal_lost"): (deals_events.DealLost, _deal),
    ("deals", "deal_reopened"): (deals_events.DealReopened, _deal),
    ("deals", "deal_transferred"): (deals_events.DealTransferred, _deal),
    ("deals", "activity_logged"): (deals_events.ActivityLogged, _activity),
    ("deals", "activity_updated"): (deals_events.ActivityUpdated, _activity),
    ("deals", "pipeline_created"): (deals_events.PipelineCreated, _pipeline),
    ("deals", "pipeline_revised"): (deals_events.PipelineRevised, _pipeline),
    ("territory", "org_unit_changed"): (territory_events.OrgUnitChanged, _unit),
    ("territory", "team_changed"): (territory_events.TeamChanged, _team),
    ("territory", "targets_changed"): (territory_events.TargetsChanged, _targets),
    # deals' backfill for a reporting installed on a running platform: the record as it is, at
    # its version (docs/design-notes.md, "Backfill"); derived with the deal's other events.
    ("deals", "deal_snapshot"): (deals_events.DealSnapshot, _deal),
    ("deals", "pipeline_snapshot"): (deals_events.PipelineSnapshot, _pipeline),
    # territory's backfill: units and teams as they are (a snapshot is never a deletion), the
    # targets of a line and period.
    ("territory", "org_unit_snapshot"): (
        territory_events.OrgUnitSnapshot,
        lambda m: OrgUnitSnapshot(m.unit.id, m.unit.parent_id),
    ),
    ("territory", "team_snapshot"): (
        territory_events.TeamSnapshot,
        lambda m: TeamSnapshot(m.team.id, m.team.unit_id, m.team.active),
    ),
    ("territory", "targets_snapshot"): (territory_events.TargetsSnapshot, _targets),
}
# The marketing and customer KPIs' events (leads, campaigns, accounts): their own module.
CONSUMED.update(MARKETING_CONSUMED)
# catalog's exchange rates (the reports in a reporting currency): their own module.
CONSUMED.update(RATES_CONSUMED)


def recorded(source: str, message: Any, body: str | None = None) -> RecordedEvent:
    """The stored form of a received ``message`` of ``source``."""
    meta = message.meta
    translate = CONSUMED[(source, meta.event_type)][1]
    return RecordedEvent(
        event_id=meta.event_id,
        source=source,
        event_type=meta.event_type,
        aggregate_type=meta.aggregate_type,
        aggregate_id=meta.aggregate_id,
        version=meta.aggregate_version,
        occurred_at=meta.occurred_at.ToDatetime(tzinfo=dt.UTC),
        payload=translate(message),
        body=body if body is not None else wire_events.encode(message),
    )


def from_body(source: str, event_type: str, body: str) -> RecordedEvent:
    """A stored event read back from the event store."""
    if source == "deals":  # straight from the JSON when it can (below)
        fast = _fast_deal_event(event_type, body)
        if fast is not None:
            return fast
    message_class = CONSUMED[(source, event_type)][0]
    return recorded(source, wire_events.decode(body, message_class), body)


# -- deals' events read straight from their stored JSON ----------------------------------------
# Every derivation reads an aggregate's stored events back through ``from_body`` (the worker's for
# one aggregate, the rebuild's for all): parsing a deal event's body into its protobuf message
# and translating that costs ~40 µs, most of a rebuild's time. A deal event's body is therefore
# translated straight from its JSON dict into the same ``RecordedEvent`` when every value read is
# in the form the producers write (proto field names, enum names, "...Z" times, string amounts);
# anything else -- an unknown or lowerCamel key, an unexpected type, a time with nanoseconds or an
# offset, a missing event id -- gives up and the message path above translates it. The unit
# tests compare both paths on deal events with every field of the deal set to varied values.
class _GiveUp(Exception):
    pass


_DEAL_EVENTS: dict[str, frozenset[str]] = {
    event_type: frozenset(cls.DESCRIPTOR.fields_by_name)
    for (source, event_type), (cls, translate) in CONSUMED.items()
    if source == "deals" and translate is _deal
}
_META = frozenset(common_events.EventMeta.DESCRIPTOR.fields_by_name)
_OPPORTUNITY = frozenset(deals_resources.Opportunity.DESCRIPTOR.fields_by_name)
_MONEY = frozenset(deals_resources.Opportunity.DESCRIPTOR.fields_by_name["estimated_revenue"]
                   .message_type.fields_by_name)  # fmt: skip
_LINE = frozenset(deals_resources.PricedLine.DESCRIPTOR.fields_by_name)
_STATUS_NAMES = {
    v.name: _STATUS.get(v.number, "open") for v in deals_resources.DealStatus.DESCRIPTOR.values
}
_CATEGORY_NAMES = {
    v.name: _CATEGORY.get(v.number, "") for v in deals_resources.ForecastCategory.DESCRIPTOR.values
}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TIME_LENGTHS = frozenset({20, 24, 27})  # "YYYY-MM-DDTHH:MM:SS" + "Z", ".fffZ" or ".ffffffZ"


def _keys(data: Any, known: frozenset[str]) -> dict[str, Any]:
    if type(data) is not dict or not known.issuperset(data):
        raise _GiveUp
    return data


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if type(value) is not str:
        raise _GiveUp
    return value


def _fast_time(data: dict[str, Any], name: str) -> dt.datetime | None:
    value = data.get(name)
    if value is None:
        return None
    if (
        type(value) is not str
        or len(value) not in _TIME_LENGTHS
        or value[-1] != "Z"
        or value[10] != "T"
        or value[19] not in "Z."
    ):
        raise _GiveUp
    try:
        return dt.datetime.fromisoformat(value[:-1]).replace(tzinfo=dt.UTC)
    except ValueError:
        raise _GiveUp from None


def _fast_amount(data: dict[str, Any], name: str) -> Decimal | None:
    money = data.get(name)
    if money is None:
        return None
    amount = _text(_keys(money, _MONEY), "amount")
    _text(money, "currency")
    if not amount:
        return None
    try:
        return Decimal(amount)
    except InvalidOperation:
        return None


def _named(data: dict[str, Any], name: str, names: dict[str, str], default: str) -> str:
    value = data.get(name)
    if value is None:
        return default
    if type(value) is not str or value not in names:
        raise _GiveUp
    return names[value]


def _fast_deal(deal: dict[str, Any]) -> DealSnapshot:
    _keys(deal, _OPPORTUNITY)
    probability = deal.get("probability", 0)
    if type(probability) is not int:
        raise _GiveUp
    lines = deal.get("lines") or []
    if type(lines) is not list:
        raise _GiveUp
    revenue_currency = ""
    if deal.get("estimated_revenue") is not None:
        revenue_currency = _text(_keys(deal["estimated_revenue"], _MONEY), "currency")
    return DealSnapshot(
        id=_text(deal, "id"),
        team_id=_text(deal, "team_id"),
        owner_user_id=_text(deal, "owner_user_id"),
        sales_line_id=_text(deal, "sales_line_id"),
        pipeline_id=_text(deal, "pipeline_id"),
        stage_key=_text(deal, "stage_key"),
        status=_named(deal, "status", _STATUS_NAMES, "open"),
        currency=_text(deal, "currency") or revenue_currency,
        estimated_revenue=_fast_amount(deal, "estimated_revenue"),
        actual_revenue=_fast_amount(deal, "actual_revenue"),
        probability=probability,
        forecast_category=_named(deal, "forecast_category", _CATEGORY_NAMES, ""),
        estimated_close_date=_date(_text(deal, "estimated_close_date")),
        created_at=_fast_time(deal, "created_at") or _EPOCH,
        stage_entered_at=_fast_time(deal, "stage_entered_at"),
        closed_at=_fast_time(deal, "closed_at"),
        actual_close_date=_date(_text(deal, "actual_close_date")),
        lost_reason=_text(deal, "lost_reason"),
        lost_competitor=_text(deal, "lost_competitor"),
        campaign_id=_text(deal, "campaign_id"),
        originating_lead_id=_text(deal, "originating_lead_id"),
        account_id=_text(deal, "account_id"),
        lines=tuple(
            (
                _text(_keys(line, _LINE), "product_id"),
                _fast_amount(line, "line_total") or Decimal(0),
            )
            for line in lines
        ),
    )


def _fast_deal_event(event_type: str, body: str) -> RecordedEvent | None:
    """A deal event's ``RecordedEvent`` from its body, or None: the message path decides."""
    fields = _DEAL_EVENTS.get(event_type)
    if fields is None:
        return None
    try:
        data = _keys(orjson.loads(body), fields)
        meta = _keys(data.get("meta"), _META)
        version = meta.get("aggregate_version", 0)
        if type(version) is str and version.isdigit():
            version = int(version)
        event_id = _text(meta, "event_id")
        if type(version) is not int or not event_id or _text(meta, "event_type") != event_type:
            raise _GiveUp
        if data.get("deal") is None:
            raise _GiveUp
        return RecordedEvent(
            event_id=event_id,
            source="deals",
            event_type=event_type,
            aggregate_type=_text(meta, "aggregate_type"),
            aggregate_id=_text(meta, "aggregate_id"),
            version=version,
            occurred_at=_fast_time(meta, "occurred_at") or _EPOCH,
            payload=_fast_deal(data["deal"]),
            body=body,
        )
    except (_GiveUp, ValueError, TypeError):
        return None
