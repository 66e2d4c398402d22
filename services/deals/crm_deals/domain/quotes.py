"""Quotes on a deal, priced by catalog, with numbered revisions.

A quote number (``Q-<deal>-<n>``) names a family of revisions. Each revision is a Quote record:
- ``draft``: lines may change (re-priced by catalog each time);
- ``active``: sent to the customer, read-only. A change is a new revision (number + 1, a draft
  copying the lines); when that revision is activated the one it replaces becomes ``closed``;
- ``won`` / ``lost``: the customer's answer to an active revision; ``closed``: withdrawn or
  superseded. Won, lost and closed are final.
Lines and totals are catalog's exact figures (see :mod:`crm_deals.domain.pricing`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition
from crm_deals.domain.history import Changes, Recorded
from crm_deals.domain.money import Money
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.pricing import PricedLine, PricedQuote
from crm_deals.domain.text import clean_text

DRAFT, ACTIVE, WON, LOST, CLOSED = "draft", "active", "won", "lost", "closed"
STATUSES = (DRAFT, ACTIVE, WON, LOST, CLOSED)
FINAL = (WON, LOST, CLOSED)


@dataclass
class Quote(Recorded):
    RECORD_TYPE = "quote"

    id: str
    number: str
    revision: int
    opportunity_id: str
    account_id: str
    team_id: str
    currency: str
    created_at: dt.datetime
    updated_at: dt.datetime
    status: str = DRAFT
    title: str = ""
    lines: tuple[PricedLine, ...] = field(default_factory=tuple)
    total: Money | None = None
    price_list_id: str = ""
    valid_until: dt.date | None = None
    replaces_quote_id: str = ""
    activated_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    close_reason: str = ""
    version: int = 0

    @property
    def display_number(self) -> str:
        return f"{self.number}-R{self.revision}"

    @classmethod
    def create(
        cls,
        *,
        id: str,
        number: str,
        deal: Opportunity,
        title: str,
        actor: Actor,
        at: dt.datetime,
        valid_until: dt.date | None = None,
    ) -> Quote:
        deal.ensure_open()
        quote = cls(
            id=id,
            number=number,
            revision=1,
            opportunity_id=deal.id,
            account_id=deal.account_id,
            team_id=deal.team_id,
            currency=deal.currency,
            title=clean_text(title, "title", max_length=200),
            created_at=at,
            updated_at=at,
            valid_until=valid_until,
            total=Money.zero(deal.currency),
        )
        quote._record(actor, at, "created", note=quote.display_number)
        return quote

    def ensure_draft(self) -> None:
        if self.status != DRAFT:
            raise FailedPrecondition(
                f"quote {self.display_number} is {self.status} and read-only; "
                + (
                    "create a new revision to change it"
                    if self.status == ACTIVE
                    else "create a new quote"
                ),
                field="status",
            )

    def set_lines(self, actor: Actor, at: dt.datetime, priced: PricedQuote) -> None:
        self.ensure_draft()
        before = (len(self.lines), self.total)
        self.lines, self.total, self.price_list_id = (
            priced.lines,
            priced.total,
            priced.price_list_id,
        )
        self._record(
            actor,
            at,
            "lines_priced",
            {"lines": (before[0], len(priced.lines)), "total": (before[1], priced.total)},
        )

    def update(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        title: str | None = None,
        valid_until: dt.date | None = None,
    ) -> None:
        self.ensure_draft()
        changes: Changes = {}
        if title is not None:
            changes["title"] = (self.title, clean_text(title, "title", max_length=200))
        if valid_until is not None:
            changes["valid_until"] = (self.valid_until, valid_until)
        changes = {k: v for k, v in changes.items() if v[0] != v[1]}
        for name, (_, new) in changes.items():
            setattr(self, name, new)
        if changes:
            self._record(actor, at, "updated", changes)

    def activate(self, actor: Actor, at: dt.datetime, today: dt.date) -> None:
        self.ensure_draft()
        if not self.lines:
            raise FailedPrecondition(
                f"quote {self.display_number} has no lines; price at least "
                "one product before activating it",
                field="lines",
            )
        if self.valid_until is not None and self.valid_until < today:
            raise FailedPrecondition(
                f"quote {self.display_number} expired on "
                f"{self.valid_until.isoformat()}; set a later valid_until",
                field="valid_until",
            )
        self.status, self.activated_at = ACTIVE, at
        self._record(actor, at, "activated", {"status": (DRAFT, ACTIVE)})

    def new_revision(self, *, id: str, actor: Actor, at: dt.datetime, deal: Opportunity) -> Quote:
        """A draft copy numbered revision + 1; this revision stays active until that one is."""
        if self.status != ACTIVE:
            raise FailedPrecondition(
                f"quote {self.display_number} is {self.status}: only an "
                "active quote gets a new revision"
                + (" (a draft can be edited directly)" if self.status == DRAFT else ""),
                field="status",
            )
        deal.ensure_open()
        revision = Quote(
            id=id,
            number=self.number,
            revision=self.revision + 1,
            opportunity_id=self.opportunity_id,
            account_id=self.account_id,
            team_id=self.team_id,
            currency=self.currency,
            title=self.title,
            lines=self.lines,
            total=self.total,
            price_list_id=self.price_list_id,
            valid_until=self.valid_until,
            replaces_quote_id=self.id,
            created_at=at,
            updated_at=at,
        )
        revision._record(actor, at, "created", note=f"revision of {self.display_number}")
        return revision

    def supersede(self, actor: Actor, at: dt.datetime, by: Quote) -> None:
        self._close(actor, at, f"superseded by {by.display_number}")

    def withdraw(self, actor: Actor, at: dt.datetime, reason: str) -> None:
        if self.status in FINAL:
            raise FailedPrecondition(
                f"quote {self.display_number} is already {self.status}", field="status"
            )
        self._close(actor, at, clean_text(reason, "reason", max_length=500, required=True))

    def _close(self, actor: Actor, at: dt.datetime, reason: str) -> None:
        before = self.status
        self.status, self.decided_at, self.close_reason = CLOSED, at, reason
        self._record(actor, at, "closed", {"status": (before, CLOSED)}, note=reason)

    def accept(self, actor: Actor, at: dt.datetime) -> None:
        self._decide(actor, at, WON, "")

    def reject(self, actor: Actor, at: dt.datetime, reason: str) -> None:
        self._decide(actor, at, LOST, clean_text(reason, "reason", max_length=500))

    def _decide(self, actor: Actor, at: dt.datetime, outcome: str, reason: str) -> None:
        if self.status != ACTIVE:
            raise FailedPrecondition(
                f"quote {self.display_number} is {self.status}: only an "
                f"active quote can be {outcome}",
                field="status",
            )
        self.status, self.decided_at, self.close_reason = outcome, at, reason
        self._record(actor, at, outcome, {"status": (ACTIVE, outcome)}, note=reason)

    def transfer(self, actor: Actor, at: dt.datetime, to_team_id: str) -> None:
        if to_team_id != self.team_id:
            before, self.team_id = self.team_id, to_team_id
            self._record(actor, at, "transferred", {"team_id": (before, to_team_id)})
