"""Pro-forma invoices: the priced, numbered, expiring offer of a pro-forma line's deal.

A pro-forma is issued from an active quote revision and copies its lines and total (catalog's
exact figures). It is numbered per deal like quotes (``PF-<deal>-<n>``), valid until a day the
customer accepts by, and ``issued`` -> ``accepted`` (the quote is won, an order is made from it
and the deal is won for the pro-forma's total) or ``issued`` -> ``withdrawn``. An issued
pro-forma past its ``valid_until`` reads as ``expired`` and cannot be accepted: a new one is
issued with a later date. A quote has at most one issued pro-forma at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.history import Recorded
from crm_deals.domain.money import Money
from crm_deals.domain.pricing import PricedLine
from crm_deals.domain.quotes import ACTIVE as QUOTE_ACTIVE
from crm_deals.domain.quotes import Quote
from crm_deals.domain.text import clean_text

ISSUED, ACCEPTED, WITHDRAWN, EXPIRED = "issued", "accepted", "withdrawn", "expired"
STATUSES = (ISSUED, ACCEPTED, WITHDRAWN, EXPIRED)
MAX_VALIDITY_DAYS = 366


@dataclass
class ProForma(Recorded):
    RECORD_TYPE = "proforma"

    id: str
    number: str
    quote_id: str
    opportunity_id: str
    account_id: str
    team_id: str
    currency: str
    total: Money
    valid_until: dt.date
    created_at: dt.datetime
    updated_at: dt.datetime
    lines: tuple[PricedLine, ...] = field(default_factory=tuple)
    status: str = ISSUED
    accepted_at: dt.datetime | None = None
    order_id: str = ""
    withdraw_reason: str = ""
    version: int = 0

    @classmethod
    def issue(
        cls,
        *,
        id: str,
        number: str,
        quote: Quote,
        valid_until: dt.date,
        actor: Actor,
        at: dt.datetime,
    ) -> ProForma:
        if quote.status != QUOTE_ACTIVE:
            raise FailedPrecondition(
                f"quote {quote.display_number} is {quote.status}: a pro-forma invoice is "
                "issued from the active revision the customer has seen",
                field="quote_id",
            )
        today = at.date()
        if not today <= valid_until <= today + dt.timedelta(days=MAX_VALIDITY_DAYS):
            raise InvalidArgument(
                f"valid_until {valid_until} must be from today to {MAX_VALIDITY_DAYS} days ahead",
                field="valid_until",
            )
        proforma = cls(
            id=id,
            number=number,
            quote_id=quote.id,
            opportunity_id=quote.opportunity_id,
            account_id=quote.account_id,
            team_id=quote.team_id,
            currency=quote.currency,
            lines=quote.lines,
            total=quote.total if quote.total is not None else Money.zero(quote.currency),
            valid_until=valid_until,
            created_at=at,
            updated_at=at,
        )
        proforma._record(actor, at, "issued", note=f"{number} from quote {quote.display_number}")
        return proforma

    def status_on(self, today: dt.date) -> str:
        """The status as a person reads it: an issued offer past its date is expired."""
        if self.status == ISSUED and self.valid_until < today:
            return EXPIRED
        return self.status

    def accept(self, actor: Actor, at: dt.datetime, order_id: str) -> None:
        status = self.status_on(at.date())
        if status == EXPIRED:
            raise FailedPrecondition(
                f"pro-forma {self.number} expired on {self.valid_until}: issue a new pro-forma "
                "invoice with a later valid_until for the customer to accept",
                field="valid_until",
            )
        if status != ISSUED:
            raise FailedPrecondition(
                f"pro-forma {self.number} is {status}; only an issued one can be accepted",
                field="status",
            )
        self.status, self.accepted_at, self.order_id = ACCEPTED, at, order_id
        self._record(actor, at, "accepted", {"status": (ISSUED, ACCEPTED)}, note=order_id)

    def withdraw(self, actor: Actor, at: dt.datetime, reason: str) -> None:
        if self.status != ISSUED:
            raise FailedPrecondition(
                f"pro-forma {self.number} is {self.status}; only an issued one can be withdrawn",
                field="status",
            )
        self.withdraw_reason = clean_text(reason, "reason", max_length=500, required=True)
        self.status = WITHDRAWN
        self._record(actor, at, "withdrawn", {"status": (ISSUED, WITHDRAWN)}, note=reason)

    def transfer(self, actor: Actor, at: dt.datetime, to_team_id: str) -> bool:
        if to_team_id == self.team_id:
            return False
        before, self.team_id = self.team_id, to_team_id
        self._record(actor, at, "transferred", {"team_id": (before, to_team_id)})
        return True
