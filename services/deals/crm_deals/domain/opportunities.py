"""The Opportunity (deal) aggregate: where a deal stands and every rule of its lifecycle.

- ``status`` (open / won / lost) is kept apart from the stage: a closed deal stays at the stage
  where it closed (``stage_name`` keeps the name it had then, even if the pipeline changes later).
- probability: the stage's default unless set by hand. A hand-set value (``probability_override``)
  survives stage moves until cleared. A won deal counts 100 %, a lost one 0 %, without losing the
  override (a reopened deal gets it back).
- estimated revenue: typed (``revenue_source`` "typed") or the exact sum of product lines priced
  by catalog ("lines"). A deal with lines cannot take a typed value until its lines are cleared.
- closing as won or lost and reopening: see :mod:`crm_deals.domain.closing`.
- a closed deal is read-only: every edit raises FAILED_PRECONDITION until it is reopened (who may
  reopen is an authorisation decision of the use case: the owner or a manager above the team).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.closing import LOST, OPEN, WON, ClosingRules
from crm_deals.domain.history import Changes, Recorded, diff
from crm_deals.domain.money import Money, total, validate_currency
from crm_deals.domain.pipelines import CLOSED, OMITTED, Pipeline, Stage
from crm_deals.domain.pricing import PricedLine
from crm_deals.domain.text import clean_text, optional_id, require_id

STATUSES = (OPEN, WON, LOST)

TYPED = "typed"
LINES = "lines"


@dataclass
class Opportunity(ClosingRules, Recorded):
    RECORD_TYPE = "opportunity"

    id: str
    team_id: str
    name: str
    account_id: str
    sales_line_id: str
    pipeline_id: str
    stage_key: str
    stage_name: str
    stage_probability: int
    stage_forecast_category: str
    owner_user_id: str
    currency: str
    created_at: dt.datetime
    updated_at: dt.datetime
    stage_entered_at: dt.datetime
    primary_contact_id: str = ""
    status: str = OPEN
    probability_override: int | None = None
    revenue_source: str = TYPED
    estimated_revenue: Money | None = None
    lines: tuple[PricedLine, ...] = field(default_factory=tuple)
    estimated_close_date: dt.date | None = None
    originating_lead_id: str = ""
    campaign_id: str = ""
    actual_revenue: Money | None = None
    actual_close_date: dt.date | None = None
    lost_reason: str = ""
    lost_competitor: str = ""
    lost_note: str = ""
    closed_at: dt.datetime | None = None
    version: int = 0

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(
        cls,
        *,
        id: str,
        team_id: str,
        name: str,
        account_id: str,
        pipeline: Pipeline,
        owner_user_id: str,
        currency: str,
        actor: Actor,
        at: dt.datetime,
        stage_key: str = "",
        primary_contact_id: str = "",
        estimated_revenue: Money | None = None,
        estimated_close_date: dt.date | None = None,
        probability: int | None = None,
        originating_lead_id: str = "",
        campaign_id: str = "",
    ) -> Opportunity:
        stage = pipeline.stage(stage_key) if stage_key else pipeline.first_stage
        deal = cls(
            id=id,
            team_id=require_id(team_id, "team_id"),
            name=clean_text(name, "name", max_length=200, required=True),
            account_id=require_id(account_id, "account_id"),
            sales_line_id=pipeline.sales_line_id,
            pipeline_id=pipeline.id,
            stage_key=stage.key,
            stage_name=stage.name,
            stage_probability=stage.default_probability,
            stage_forecast_category=stage.forecast_category,
            owner_user_id=require_id(owner_user_id, "owner_user_id"),
            currency=validate_currency(currency),
            created_at=at,
            updated_at=at,
            stage_entered_at=at,
            primary_contact_id=optional_id(primary_contact_id, "primary_contact_id"),
            estimated_close_date=estimated_close_date,
            originating_lead_id=optional_id(originating_lead_id, "originating_lead_id"),
            campaign_id=optional_id(campaign_id, "campaign_id"),
        )
        if estimated_revenue is not None:
            deal._check_revenue(estimated_revenue, "estimated_revenue")
            deal.estimated_revenue = estimated_revenue
        if probability is not None:
            deal.probability_override = _check_probability(probability)
        deal._record(actor, at, "created", note=f"at stage {stage.name}")
        return deal

    # ------------------------------------------------------------------ derived values
    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def probability(self) -> int:
        if self.status == WON:
            return 100
        if self.status == LOST:
            return 0
        if self.probability_override is not None:
            return self.probability_override
        return self.stage_probability

    @property
    def forecast_category(self) -> str:
        return {WON: CLOSED, LOST: OMITTED}.get(self.status, self.stage_forecast_category)

    @property
    def weighted_revenue(self) -> Money | None:
        if self.estimated_revenue is None:
            return None
        return Money(self.estimated_revenue.amount * self.probability / 100, self.currency)

    def ensure_open(self) -> None:
        if self.status != OPEN:
            raise FailedPrecondition(
                f"deal {self.name!r} is {self.status} and read-only; its owner or a manager above "
                "its team must reopen it before it can be changed",
                field="status",
            )

    # ------------------------------------------------------------------ edits (open deals only)
    def update(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        name: str | None = None,
        primary_contact_id: str | None = None,
        estimated_close_date: dt.date | str | None = "keep",
        campaign_id: str | None = None,
    ) -> list[str]:
        self.ensure_open()
        updates: dict[str, Any] = {}
        if name is not None:
            updates["name"] = clean_text(name, "name", max_length=200, required=True)
        if primary_contact_id is not None:
            updates["primary_contact_id"] = optional_id(primary_contact_id, "primary_contact_id")
        if estimated_close_date != "keep":
            updates["estimated_close_date"] = estimated_close_date
        if campaign_id is not None:
            updates["campaign_id"] = optional_id(campaign_id, "campaign_id")
        return self._apply(actor, at, "updated", updates)

    def move_to_stage(self, actor: Actor, at: dt.datetime, stage: Stage, note: str = "") -> bool:
        """Move to ``stage`` (of this deal's pipeline); False when already there."""
        self.ensure_open()
        if stage.key == self.stage_key:
            return False
        self._set_stage(actor, at, stage, note)
        return True

    def _set_stage(self, actor: Actor, at: dt.datetime, stage: Stage, note: str) -> None:
        changes: Changes = {"stage": (self.stage_key, stage.key)}
        if self.probability_override is None and stage.default_probability != self.probability:
            changes["probability"] = (self.probability, stage.default_probability)
        self.stage_key, self.stage_name = stage.key, stage.name
        self.stage_probability = stage.default_probability
        self.stage_forecast_category = stage.forecast_category
        self.stage_entered_at = at
        self._record(actor, at, "stage_changed", changes, note=note)

    def follow_pipeline_revision(
        self, actor: Actor, at: dt.datetime, pipeline: Pipeline, moves: dict[str, str]
    ) -> bool:
        """Keep an open deal on a valid stage after its pipeline was revised; True if changed."""
        if not self.is_open:
            return False
        if self.stage_key in moves:
            self._set_stage(
                actor,
                at,
                pipeline.stage(moves[self.stage_key]),
                note=f"stage {self.stage_key!r} removed in pipeline version {pipeline.version}",
            )
            return True
        stage = pipeline.stage(self.stage_key)
        updates = {
            "stage_name": stage.name,
            "stage_probability": stage.default_probability,
            "stage_forecast_category": stage.forecast_category,
        }
        return bool(
            self._apply(
                actor, at, "stage_redefined", updates, note=f"pipeline version {pipeline.version}"
            )
        )

    def set_probability(self, actor: Actor, at: dt.datetime, probability: int) -> bool:
        self.ensure_open()
        value = _check_probability(probability)
        return bool(self._apply(actor, at, "probability_set", {"probability_override": value}))

    def clear_probability(self, actor: Actor, at: dt.datetime) -> bool:
        self.ensure_open()
        return bool(self._apply(actor, at, "probability_cleared", {"probability_override": None}))

    def set_estimated_revenue(self, actor: Actor, at: dt.datetime, amount: Money | None) -> bool:
        self.ensure_open()
        if self.revenue_source == LINES and self.lines:
            raise FailedPrecondition(
                f"the revenue of deal {self.name!r} is the sum of its "
                f"{len(self.lines)} product line(s); clear the lines before "
                "typing a value",
                field="estimated_revenue",
            )
        if amount is not None:
            self._check_revenue(amount, "estimated_revenue")
        return bool(
            self._apply(
                actor, at, "revenue_changed", {"estimated_revenue": amount, "revenue_source": TYPED}
            )
        )

    def set_lines(self, actor: Actor, at: dt.datetime, lines: list[PricedLine]) -> bool:
        """Replace the product lines (already priced); the revenue becomes their exact sum."""
        self.ensure_open()
        for i, line in enumerate(lines):
            if line.line_total.currency != self.currency:
                raise InvalidArgument(
                    f"line {i} is priced in {line.line_total.currency}, the deal "
                    f"in {self.currency}",
                    field=f"lines[{i}]",
                )
        before = (len(self.lines), self.estimated_revenue)
        self.lines = tuple(lines)
        revenue = total((line.line_total for line in lines), self.currency) if lines else None
        changes: Changes = {}
        if before[1] != revenue:
            changes["estimated_revenue"] = (before[1], revenue)
        changes["lines"] = (before[0], len(lines))
        self.estimated_revenue = revenue
        self.revenue_source = LINES if lines else TYPED
        self._record(actor, at, "lines_changed", changes)
        return True

    def reassign(self, actor: Actor, at: dt.datetime, owner_user_id: str, reason: str) -> bool:
        """Give the deal to another owner (a person's decision or a leaving member's handover)."""
        self.ensure_open()
        return bool(
            self._apply(
                actor,
                at,
                "owner_changed",
                {"owner_user_id": require_id(owner_user_id, "owner_user_id")},
                note=reason,
            )
        )

    def transfer(
        self, actor: Actor, at: dt.datetime, to_team_id: str, owner_user_id: str, reason: str
    ) -> None:
        """Move the deal to another team (history stays with the deal). Open or closed: a
        transfer is an organisational move, not an edit of the deal's content."""
        to_team_id = require_id(to_team_id, "to_team_id")
        if to_team_id == self.team_id:
            raise FailedPrecondition("the deal already belongs to that team", field="to_team_id")
        self._apply(
            actor,
            at,
            "transferred",
            {
                "team_id": to_team_id,
                "owner_user_id": require_id(owner_user_id, "new_owner_user_id"),
            },
            note=reason,
            force=True,
        )

    # ------------------------------------------------------------------ helpers
    def _apply(
        self,
        actor: Actor,
        at: dt.datetime,
        action: str,
        updates: dict[str, Any],
        note: str = "",
        force: bool = False,
    ) -> list[str]:
        changes = diff(self, updates)
        if changes or force:
            for name, (_, new) in changes.items():
                setattr(self, name, new)
            self._record(actor, at, action, changes, note=note)
        return list(changes)

    def _check_revenue(self, amount: Money, field_name: str, positive: bool = False) -> None:
        if amount.currency != self.currency:
            raise InvalidArgument(
                f"{field_name} is in {amount.currency} but the deal is in {self.currency}",
                field=field_name,
            )
        if amount.is_negative() or (positive and not amount.is_positive()):
            raise InvalidArgument(
                f"{field_name} must be {'above' if positive else 'at least'} zero", field=field_name
            )


def _check_probability(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise InvalidArgument(
            f"probability must be a whole per cent 0..100; got {value!r}", field="probability"
        )
    return value
