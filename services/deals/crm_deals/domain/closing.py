"""Closing and reopening a deal: the rules of won, lost and reopened (mixed into Opportunity).

- close as won needs the actual revenue (positive, in the deal's currency) and the actual close
  date (not in the future);
- close as lost needs a reason from :data:`LOST_REASONS`, the competitor who won when the reason
  is ``competitor``, and a note when the reason is ``other``;
- reopen puts the deal back to open at the stage where it closed (the pipeline's first stage if
  that one was removed meanwhile), clearing the closing fields (the history keeps them).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.history import Changes
from crm_deals.domain.money import Money
from crm_deals.domain.text import clean_text

if TYPE_CHECKING:
    from crm_deals.domain.pipelines import Pipeline

OPEN = "open"
WON = "won"
LOST = "lost"

LOST_REASONS = {
    "price": "Our price was too high",
    "competitor": "A competitor won",
    "no_budget": "The customer has no budget",
    "no_decision": "The customer did not decide / went silent",
    "timing": "Bad timing; revisit later",
    "product_fit": "Our product does not fit the need",
    "other": "Another reason (explained in the note)",
}


class ClosingRules:
    """Methods of :class:`~crm_deals.domain.opportunities.Opportunity` about closing."""

    if TYPE_CHECKING:  # the fields and methods of Opportunity these rules use
        name: str
        status: str
        stage_key: str
        stage_name: str
        stage_probability: int
        stage_forecast_category: str
        stage_entered_at: dt.datetime
        actual_revenue: Money | None
        actual_close_date: dt.date | None
        closed_at: dt.datetime | None
        lost_reason: str
        lost_competitor: str
        lost_note: str

        def ensure_open(self) -> None: ...

        def _check_revenue(
            self, amount: Money, field_name: str, positive: bool = False
        ) -> None: ...

        def _record(
            self,
            actor: Actor,
            at: dt.datetime,
            action: str,
            changes: Changes | None = None,
            note: str = "",
        ) -> None: ...

    def close_won(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        actual_revenue: Money | None,
        actual_close_date: dt.date | None,
        today: dt.date,
    ) -> None:
        self.ensure_open()
        if actual_revenue is None:
            raise InvalidArgument(
                "actual_revenue is required to close a deal as won", field="actual_revenue"
            )
        if actual_close_date is None:
            raise InvalidArgument(
                "actual_close_date is required to close a deal as won", field="actual_close_date"
            )
        self._check_revenue(actual_revenue, "actual_revenue", positive=True)
        _check_close_date(actual_close_date, today, "actual_close_date")
        self.status, self.actual_revenue = WON, actual_revenue
        self.actual_close_date = actual_close_date
        self.closed_at = at
        self._record(
            actor,
            at,
            "won",
            {
                "status": (OPEN, WON),
                "actual_revenue": (None, actual_revenue),
                "actual_close_date": (None, actual_close_date),
            },
        )

    def close_lost(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        reason: str,
        competitor: str = "",
        note: str = "",
        close_date: dt.date,
        today: dt.date,
    ) -> None:
        self.ensure_open()
        if reason not in LOST_REASONS:
            raise InvalidArgument(
                f"lost reason must be one of {', '.join(LOST_REASONS)}; got {reason!r}",
                field="reason",
            )
        competitor = clean_text(competitor, "competitor", max_length=200)
        note = clean_text(note, "note", max_length=4000)
        if reason == "competitor" and not competitor:
            raise InvalidArgument(
                "name the competitor who won (reason 'competitor')", field="competitor"
            )
        if reason == "other" and not note:
            raise InvalidArgument("explain the reason in the note (reason 'other')", field="note")
        _check_close_date(close_date, today, "close_date")
        self.status, self.lost_reason, self.lost_competitor, self.lost_note = (
            LOST,
            reason,
            competitor,
            note,
        )
        self.actual_close_date, self.closed_at = close_date, at
        self._record(
            actor,
            at,
            "lost",
            {
                "status": (OPEN, LOST),
                "lost_reason": ("", reason),
                "lost_competitor": ("", competitor),
            },
            note=note,
        )

    def reopen(self, actor: Actor, at: dt.datetime, reason: str, pipeline: Pipeline) -> None:
        """Back to open at the stage where it closed (the first stage if that one was removed)."""
        if self.status == OPEN:
            raise FailedPrecondition(f"deal {self.name!r} is already open", field="status")
        reason = clean_text(reason, "reason", max_length=1000, required=True)
        before = self.status
        changes: Changes = {"status": (before, OPEN)}
        if before == WON:
            changes["actual_revenue"] = (self.actual_revenue, None)
        else:
            changes["lost_reason"] = (self.lost_reason, "")
        changes["actual_close_date"] = (self.actual_close_date, None)
        self.status, self.closed_at = OPEN, None
        self.actual_revenue, self.actual_close_date = None, None
        self.lost_reason, self.lost_competitor, self.lost_note = "", "", ""
        if pipeline.has_stage(self.stage_key):
            stage = pipeline.stage(self.stage_key)
        else:
            stage = pipeline.first_stage
            changes["stage"] = (self.stage_key, stage.key)
            self.stage_key, self.stage_entered_at = stage.key, at
        self.stage_name, self.stage_probability = stage.name, stage.default_probability
        self.stage_forecast_category = stage.forecast_category
        self._record(actor, at, "reopened", changes, note=reason)


def _check_close_date(value: dt.date, today: dt.date, field: str) -> None:
    if value > today:
        raise InvalidArgument(
            f"the close date {value.isoformat()} is in the future; a deal closes "
            "on or before today",
            field=field,
        )
