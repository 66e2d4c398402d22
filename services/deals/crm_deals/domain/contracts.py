"""The contract through which a contract line's deal closes.

``draft`` -> ``signed`` (the deal is won: its actual revenue is the contract value, its close
date the signing date) or ``draft`` -> ``cancelled``. A signed contract is final.

Renewal: the customer may end the contract by giving ``notice_days`` of notice before its
renewal date (``renewal_date``, by default the end date). The renewal opportunity must exist
before that notice deadline, so it is due on ``renewal_date - notice_days``; the worker's renewal
timer creates it once (``renewal_opportunity_id`` records it, and the version guard of the save
refuses a second replica doing the same).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.history import Recorded
from crm_deals.domain.money import Money
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.text import clean_text

DRAFT, SIGNED, CANCELLED = "draft", "signed", "cancelled"
STATUSES = (DRAFT, SIGNED, CANCELLED)
MAX_PARTIES = 10
MAX_NOTICE_DAYS = 3650


@dataclass
class Contract(Recorded):
    RECORD_TYPE = "contract"

    id: str
    opportunity_id: str
    account_id: str
    team_id: str
    sales_line_id: str
    currency: str
    parties: tuple[str, ...]
    terms: str
    value: Money
    start_date: dt.date
    end_date: dt.date
    renewal_date: dt.date
    notice_days: int
    created_at: dt.datetime
    updated_at: dt.datetime
    status: str = DRAFT
    signed_on: dt.date | None = None
    signed_by: str = ""
    cancel_reason: str = ""
    renewal_opportunity_id: str = ""
    version: int = 0

    @classmethod
    def draft(
        cls,
        *,
        id: str,
        deal: Opportunity,
        parties: list[str],
        terms: str,
        value: Money,
        start_date: dt.date | None,
        end_date: dt.date | None,
        renewal_date: dt.date | None,
        notice_days: int,
        actor: Actor,
        at: dt.datetime,
    ) -> Contract:
        deal.ensure_open()
        named = [clean_text(p, "parties", max_length=200) for p in parties]
        named = [p for p in named if p]
        if not 1 <= len(named) <= MAX_PARTIES:
            raise InvalidArgument(
                f"a contract names 1..{MAX_PARTIES} parties (the customer and the signing "
                f"company); got {len(named)}",
                field="parties",
            )
        if value.currency != deal.currency:
            raise InvalidArgument(
                f"value is in {value.currency} but the deal is in {deal.currency}", field="value"
            )
        if not value.is_positive():
            raise InvalidArgument("value must be above zero", field="value")
        if start_date is None or end_date is None:
            raise InvalidArgument(
                "start_date and end_date are required (YYYY-MM-DD)",
                field="start_date" if start_date is None else "end_date",
            )
        if end_date <= start_date:
            raise InvalidArgument(
                f"end_date {end_date} must be after start_date {start_date}", field="end_date"
            )
        renews = renewal_date or end_date
        if not start_date < renews <= end_date:
            raise InvalidArgument(
                f"renewal_date {renews} must be after start_date and on or before end_date",
                field="renewal_date",
            )
        if isinstance(notice_days, bool) or not 0 <= notice_days <= MAX_NOTICE_DAYS:
            raise InvalidArgument(
                f"notice_days must be 0..{MAX_NOTICE_DAYS}; got {notice_days}",
                field="notice_days",
            )
        contract = cls(
            id=id,
            opportunity_id=deal.id,
            account_id=deal.account_id,
            team_id=deal.team_id,
            sales_line_id=deal.sales_line_id,
            currency=deal.currency,
            parties=tuple(named),
            terms=clean_text(terms, "terms", max_length=20000),
            value=value,
            start_date=start_date,
            end_date=end_date,
            renewal_date=renews,
            notice_days=notice_days,
            created_at=at,
            updated_at=at,
        )
        contract._record(actor, at, "created", note=f"value {value}")
        return contract

    @property
    def renewal_due_on(self) -> dt.date:
        """The day the renewal opportunity is due: the customer's notice deadline."""
        return self.renewal_date - dt.timedelta(days=self.notice_days)

    def renewal_due(self, today: dt.date) -> bool:
        return (
            self.status == SIGNED
            and not self.renewal_opportunity_id
            and (self.renewal_due_on <= today)
        )

    def sign(self, actor: Actor, at: dt.datetime, signed_by: str, signed_on: dt.date) -> None:
        if self.status != DRAFT:
            raise FailedPrecondition(
                f"contract {self.id} is {self.status}; only a draft can be signed",
                field="status",
            )
        if signed_on > at.date():
            raise InvalidArgument(f"signed_on {signed_on} is in the future", field="signed_on")
        self.signed_by = clean_text(signed_by, "signed_by", max_length=200, required=True)
        self.status, self.signed_on = SIGNED, signed_on
        self._record(actor, at, "signed", {"status": (DRAFT, SIGNED)}, note=self.signed_by)

    def cancel(self, actor: Actor, at: dt.datetime, reason: str) -> None:
        if self.status != DRAFT:
            raise FailedPrecondition(
                f"contract {self.id} is {self.status}; only a draft can be cancelled",
                field="status",
            )
        self.cancel_reason = clean_text(reason, "reason", max_length=500, required=True)
        self.status = CANCELLED
        self._record(actor, at, "cancelled", {"status": (DRAFT, CANCELLED)}, note=reason)

    def renewed_by(self, actor: Actor, at: dt.datetime, opportunity_id: str) -> None:
        if self.renewal_opportunity_id:
            raise FailedPrecondition(
                f"contract {self.id} already has its renewal opportunity "
                f"{self.renewal_opportunity_id}",
                field="renewal_opportunity_id",
            )
        self.renewal_opportunity_id = opportunity_id
        self._record(actor, at, "renewal_opened", {"renewal_opportunity_id": ("", opportunity_id)})

    def transfer(self, actor: Actor, at: dt.datetime, to_team_id: str) -> bool:
        if to_team_id == self.team_id:
            return False
        before, self.team_id = self.team_id, to_team_id
        self._record(actor, at, "transferred", {"team_id": (before, to_team_id)})
        return True
