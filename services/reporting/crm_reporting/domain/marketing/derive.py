"""The marketing facts of one aggregate, derived from every stored event of it (as the deal
facts are: domain/deals.py), so a late, repeated or reordered event gives the same fact and a
rebuild gives the live one.

- a lead's state is its newest event's (by version); ``routed_at`` is the earliest time it was
  placed in a team (``assigned_at`` of any event showing a team); ``first_contact_at`` is the
  business time of the earliest event showing it past "new" -- a snapshot (``lead_snapshot``)
  carries no such time, so a lead known only from the backfill has no time to first contact;
- a campaign's and an account's state are their newest event's;
- a won deal is the deal's fact (domain/deals.py: the team and owner it counted for when won)
  while it is won, with the lines of its newest snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from crm_reporting.domain.deals import WON, DealFact, derive_deal
from crm_reporting.domain.events import (
    AccountState,
    CampaignState,
    DealSnapshot,
    LeadState,
    RecordedEvent,
)
from crm_reporting.domain.marketing.facts import (
    AccountFact,
    CampaignFact,
    LeadFact,
    ProductLine,
    WonDeal,
)

NOT_CONTACTED = frozenset({"new", ""})
SNAPSHOT_TYPES = frozenset({"lead_snapshot", "campaign_snapshot", "account_snapshot"})


def _by_version(events: Iterable[RecordedEvent], kind: type) -> list[RecordedEvent]:
    unique: dict[int, RecordedEvent] = {}
    for event in events:
        if isinstance(event.payload, kind):
            unique.setdefault(event.version, event)
    return [unique[v] for v in sorted(unique)]


def derive_lead(events: Sequence[RecordedEvent]) -> LeadFact | None:
    # Events of one change share a version (lead_status_changed beside lead_qualified): unique
    # by event id, the partial one of a version before the whole one.
    unique = {e.event_id: e for e in events if isinstance(e.payload, LeadState)}
    ordered = sorted(
        unique.values(),
        key=lambda e: (e.version, isinstance(e.payload, LeadState) and e.payload.complete),
    )
    states = [e.payload for e in ordered if isinstance(e.payload, LeadState)]
    whole = [s for s in states if s.complete]
    if not whole:
        return None  # only partial events so far: the lead_created is still on its way
    last, newest = whole[-1], states[-1]
    routed = [s.assigned_at for s in states if s.team_id and s.assigned_at is not None]
    contacted = [
        e.occurred_at
        for e in ordered
        if isinstance(e.payload, LeadState)
        and e.payload.status not in NOT_CONTACTED
        and e.event_type not in SNAPSHOT_TYPES
    ]
    return LeadFact(
        id=last.id,
        team_id=newest.team_id,  # every lead event names the lead's team
        sales_line_id=last.sales_line_id,
        channel=last.channel,
        campaign_id=last.campaign_id,
        created_at=last.created_at,
        routed_at=min(routed, default=None),
        first_contact_at=min(contacted, default=None),
        opportunity_id=last.opportunity_id,
    )


def derive_campaign(events: Sequence[RecordedEvent]) -> CampaignFact | None:
    ordered = _by_version(events, CampaignState)
    if not ordered:
        return None
    c = ordered[-1].payload
    assert isinstance(c, CampaignState)
    if c.starts_on is None:
        return None  # a campaign always has a first day; a message without one is unusable
    return CampaignFact(c.id, c.name, c.channel, c.starts_on, c.ends_on, c.cost, c.currency)


def derive_account(events: Sequence[RecordedEvent]) -> AccountFact | None:
    ordered = _by_version(events, AccountState)
    if not ordered:
        return None
    a = ordered[-1].payload
    assert isinstance(a, AccountState)
    return AccountFact(a.id, a.team_id, a.customer_since, a.churned_at)


def derive_won_deal(events: Sequence[RecordedEvent]) -> WonDeal | None:
    fact = derive_deal(events)
    if fact is None:
        return None
    last = _by_version(events, DealSnapshot)[-1].payload
    assert isinstance(last, DealSnapshot)
    return won_deal(fact, last)


def won_deal(fact: DealFact, last: DealSnapshot) -> WonDeal | None:
    """The won deal of ``fact`` whose newest snapshot is ``last`` (None unless it is won)."""
    if fact.status != WON or fact.closed_at is None or fact.value is None:
        return None
    return WonDeal(
        id=fact.id,
        team_id=fact.team_id,
        account_id=last.account_id,
        campaign_id=last.campaign_id,
        originating_lead_id=last.originating_lead_id,
        currency=fact.currency,
        revenue=fact.value,
        won_at=fact.closed_at,
        lines=tuple(ProductLine(product, amount) for product, amount in last.lines),
        owner_user_id=fact.owner_user_id,
        sales_line_id=fact.sales_line_id,
    )
