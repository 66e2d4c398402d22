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

from google.protobuf.message import Message

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
    message_class = CONSUMED[(source, event_type)][0]
    return recorded(source, wire_events.decode(body, message_class), body)
