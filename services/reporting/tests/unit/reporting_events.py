"""Builders of the producers' events as reporting receives them (protobuf messages with their
metadata, translated by crm_reporting.adapters.event_translation like the worker does).

``Deal`` follows one deal through deals' life cycle; each step returns the event it published,
with the deal's next version and the business time given (``at``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from crm.common.v1 import money_pb2
from crm.deals.v1 import events_pb2 as deals_events
from crm.deals.v1 import resources_pb2 as res
from crm.territory.v1 import events_pb2 as territory_events
from crm.territory.v1 import sales_lines_pb2
from crm_chassis import events as wire
from crm_reporting.adapters.event_translation import recorded
from crm_reporting.domain.events import RecordedEvent

STAGES = (
    # key, name, probability, category, expected days
    ("qualify", "Qualify", 10, res.FORECAST_CATEGORY_PIPELINE, 5),
    ("propose", "Propose", 50, res.FORECAST_CATEGORY_BEST_CASE, 10),
    ("negotiate", "Negotiate", 80, res.FORECAST_CATEGORY_COMMIT, 0),
)
_STAGE = {key: (name, prob, cat) for key, name, prob, cat, _ in STAGES}


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


def _stamp(message, source, event_type, aggregate_type, aggregate_id, version, occurred):
    wire.stamp(
        message,
        producer=source,
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        occurred_at=occurred,
    )
    return message


def received(source: str, message) -> RecordedEvent:
    """What the worker hands the use case for ``message``."""
    return recorded(source, message)


def pipeline(pipeline_id="p1", line="line-1", version=1, stages=STAGES, when=None):
    message = deals_events.PipelineCreated(
        pipeline=res.Pipeline(
            id=pipeline_id,
            sales_line_id=line,
            name="Direct",
            version=version,
            stages=[
                res.Stage(
                    key=k, name=n, default_probability=p, forecast_category=c, expected_days=e
                )
                for k, n, p, c, e in stages
            ],
        )
    )
    return received(
        "deals",
        _stamp(
            message,
            "deals",
            "pipeline_created",
            "pipeline",
            pipeline_id,
            version,
            when or at("2026-01-01"),
        ),
    )


@dataclasses.dataclass
class Deal:
    """One deal of pipeline p1; every method returns the event of one change."""

    id: str
    team: str = "t1"
    owner: str = "alice"
    line: str = "line-1"
    currency: str = "EUR"
    amount: str = "1000.00"
    close_date: str = ""
    version: int = 0
    message: res.Opportunity = dataclasses.field(default_factory=res.Opportunity)
    #: the protobuf message of the latest event (what deals' relay publishes)
    published: object = None

    def _snapshot(self, when: dt.datetime) -> res.Opportunity:
        deal = res.Opportunity()
        deal.CopyFrom(self.message)
        deal.id, deal.team_id, deal.owner_user_id = self.id, self.team, self.owner
        deal.sales_line_id, deal.pipeline_id, deal.currency = self.line, "p1", self.currency
        deal.estimated_revenue.CopyFrom(money_pb2.Money(amount=self.amount, currency=self.currency))
        deal.estimated_close_date = self.close_date
        deal.version = self.version
        deal.updated_at.FromDatetime(when)
        return deal

    def _event(self, cls, event_type: str, when: dt.datetime, **fields) -> RecordedEvent:
        self.version += 1
        self.message = self._snapshot(when)
        message = self.published = cls(deal=self.message, **fields)
        return received(
            "deals",
            _stamp(message, "deals", event_type, "opportunity", self.id, self.version, when),
        )

    def _stage(self, key: str, when: dt.datetime) -> None:
        name, probability, category = _STAGE[key]
        self.message.stage_key, self.message.stage_name = key, name
        self.message.probability, self.message.forecast_category = probability, category
        self.message.stage_entered_at.FromDatetime(when)

    def created(self, when: dt.datetime, stage: str = "qualify") -> RecordedEvent:
        self.message.status = res.DEAL_STATUS_OPEN
        self.message.created_at.FromDatetime(when)
        self._stage(stage, when)
        return self._event(deals_events.DealCreated, "deal_created", when)

    def moved(self, stage: str, when: dt.datetime) -> RecordedEvent:
        before = self.message.stage_key
        self._stage(stage, when)
        return self._event(
            deals_events.DealStageChanged,
            "deal_stage_changed",
            when,
            from_stage_key=before,
            to_stage_key=stage,
        )

    def updated(self, when: dt.datetime, **changes) -> RecordedEvent:
        for name, value in changes.items():
            setattr(self, name, value)
        return self._event(deals_events.DealUpdated, "deal_updated", when)

    def won(
        self, when: dt.datetime, actual: str | None = None, close_date: str = ""
    ) -> RecordedEvent:
        self.message.status = res.DEAL_STATUS_WON
        self.message.probability = 100
        self.message.forecast_category = res.FORECAST_CATEGORY_CLOSED
        self.message.closed_at.FromDatetime(when)
        self.message.actual_close_date = close_date or when.date().isoformat()
        if actual is not None:
            self.message.actual_revenue.CopyFrom(
                money_pb2.Money(amount=actual, currency=self.currency)
            )
        return self._event(deals_events.DealWon, "deal_won", when)

    def lost(self, when: dt.datetime, reason: str = "price", competitor: str = "") -> RecordedEvent:
        self.message.status = res.DEAL_STATUS_LOST
        self.message.probability = 0
        self.message.forecast_category = res.FORECAST_CATEGORY_UNSPECIFIED
        self.message.closed_at.FromDatetime(when)
        self.message.actual_close_date = when.date().isoformat()
        self.message.lost_reason, self.message.lost_competitor = reason, competitor
        return self._event(deals_events.DealLost, "deal_lost", when)

    def reopened(self, when: dt.datetime) -> RecordedEvent:
        previous = self.message.status
        self.message.status = res.DEAL_STATUS_OPEN
        self.message.ClearField("closed_at")
        self.message.actual_close_date = ""
        self.message.ClearField("actual_revenue")
        self.message.lost_reason = self.message.lost_competitor = ""
        _, probability, category = _STAGE[self.message.stage_key]
        self.message.probability, self.message.forecast_category = probability, category
        return self._event(
            deals_events.DealReopened, "deal_reopened", when, previous_status=previous
        )

    def transferred(self, team: str, when: dt.datetime, owner: str = "") -> RecordedEvent:
        before = self.team
        self.team = team
        self.owner = owner or self.owner
        return self._event(
            deals_events.DealTransferred,
            "deal_transferred",
            when,
            from_team_id=before,
            to_team_id=team,
        )


def unit(unit_id: str, parent: str = "", version: int = 1) -> RecordedEvent:
    message = territory_events.OrgUnitChanged(change=territory_events.CHANGE_KIND_CREATED)
    message.unit.id, message.unit.parent_id, message.unit.active = unit_id, parent, True
    return received(
        "territory",
        _stamp(
            message, "territory", "org_unit_changed", "org_unit", unit_id, version, at("2026-01-01")
        ),
    )


def team(
    team_id: str,
    unit_id: str,
    version: int = 1,
    *,
    active: bool = True,
    change=territory_events.CHANGE_KIND_CREATED,
) -> RecordedEvent:
    message = territory_events.TeamChanged(change=change)
    message.team.id, message.team.unit_id, message.team.active = team_id, unit_id, active
    return received(
        "territory",
        _stamp(message, "territory", "team_changed", "team", team_id, version, at("2026-01-01")),
    )


def targets(
    line: str, period: str, version: int, *rows: tuple[str, str, str, int]
) -> RecordedEvent:
    """rows: (team, amount, currency, deal count)."""
    message = territory_events.TargetsChanged(sales_line_id=line, period=period)
    for team_id, amount, currency, count in rows:
        message.targets.append(
            sales_lines_pb2.Target(
                sales_line_id=line,
                team_id=team_id,
                period=period,
                amount=money_pb2.Money(amount=amount, currency=currency),
                deal_count=count,
            )
        )
    return received(
        "territory",
        _stamp(
            message,
            "territory",
            "targets_changed",
            "sales_line_targets",
            line,
            version,
            at("2026-01-01"),
        ),
    )


def org() -> list[RecordedEvent]:
    """hq > north (t1, t2), hq > south (t3)."""
    return [
        unit("hq"),
        unit("north", "hq"),
        unit("south", "hq"),
        team("t1", "north"),
        team("t2", "north"),
        team("t3", "south"),
    ]


def dec(text: str) -> Decimal:
    return Decimal(text)


def activity(
    activity_id: str,
    kind: str,
    owner: str = "alice",
    team_id: str = "t1",
    *,
    occurred: dt.datetime | None = None,
    due: dt.datetime | None = None,
    done: dt.datetime | None = None,
    version: int = 1,
    event_type: str = "activity_logged",
) -> RecordedEvent:
    """deals' activity_logged (or activity_updated) for one activity."""
    record = res.Activity(
        id=activity_id,
        team_id=team_id,
        kind=getattr(res, f"ACTIVITY_KIND_{kind.upper()}"),
        owner_user_id=owner,
        logged_by=owner,
        version=version,
    )
    for name, value in (("occurred_at", occurred), ("due_at", due), ("done_at", done)):
        if value is not None:
            getattr(record, name).FromDatetime(value)
    cls = (
        deals_events.ActivityLogged
        if event_type == "activity_logged"
        else deals_events.ActivityUpdated
    )
    message = cls(activity=record)
    when = done or occurred or at("2026-01-01")
    return received(
        "deals", _stamp(message, "deals", event_type, "activity", activity_id, version, when)
    )
