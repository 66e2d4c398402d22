"""First-match routing of a lead over the territories' ordered rules, and the decision record."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass

from crm_territory.domain.assignment import OwnerChoice
from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.rules import NormalisedLead, Rule
from crm_territory.domain.territories import Territory


class Outcome(enum.Enum):
    ROUTED = "routed"
    UNROUTABLE = "unroutable"


class UnroutableReason(enum.Enum):
    NO_RULE_MATCHED = "no_rule_matched"
    NO_ELIGIBLE_MEMBER = "no_eligible_member"


@dataclass(frozen=True)
class RuleMatch:
    territory: Territory
    rule: Rule
    position: int  # 1-based position of the rule inside its territory
    rules_version: int


def routing_order(territories: list[Territory]) -> list[Territory]:
    return sorted(territories, key=lambda t: (t.priority, t.name.casefold(), t.id))


def first_match(
    lead: LeadFacts,
    territories: list[Territory],
    drafts: dict[str, tuple[Rule, ...]] | None = None,
    *,
    ordered: bool = False,
) -> tuple[RuleMatch | None, int]:
    """The first matching rule and how many rules were tried.

    ``territories`` must already be the routable ones (active, with an active team and line);
    ``ordered`` says they are already in :func:`routing_order` (a batch sorts them once).
    ``drafts`` replaces the rules of some territories, for a what-if preview (version 0).
    """
    tried = 0
    view = NormalisedLead(lead)
    for territory in territories if ordered else routing_order(territories):
        if lead.sales_line_id and territory.sales_line_id != lead.sales_line_id:
            continue
        draft = (drafts or {}).get(territory.id)
        rules = draft if draft is not None else territory.rules
        for position, rule in enumerate(rules, start=1):
            tried += 1
            if rule.matches_view(view):
                version = 0 if draft is not None else territory.rules_version
                return RuleMatch(territory, rule, position, version), tried
    return None, tried


@dataclass
class RoutingDecision:
    """Where a lead went and why. Kept per lead: a lead is decided once (redelivery-safe)."""

    lead: LeadFacts
    outcome: Outcome
    decided_at: dt.datetime
    team_id: str  # the owning team, or the unassigned queue's team
    owner_user_id: str = ""
    sales_line_id: str = ""
    match: RuleMatch | None = None
    rules_tried: int = 0
    choice: OwnerChoice | None = None
    unroutable_reason: UnroutableReason | None = None
    in_queue: bool = False  # waiting in the unassigned queue
    version: int = 1

    @property
    def lead_id(self) -> str:
        return self.lead.lead_id

    def summary(self) -> str:
        parts = []
        if self.match is None:
            parts.append(f"no rule matched ({self.rules_tried} tried)")
        else:
            m = self.match
            parts.append(
                f"territory '{m.territory.name}' rule #{m.position} '{m.rule.name}' "
                f"(rules v{m.rules_version}) matched: {m.rule.describe()}"
            )
        if self.choice is not None:
            parts.append(self.choice.reason)
        if self.outcome is Outcome.UNROUTABLE:
            parts.append(f"placed in the unassigned queue of team {self.team_id}")
        return "; ".join(parts)


def decide(
    lead: LeadFacts,
    territories: list[Territory],
    *,
    at: dt.datetime,
    queue_team_id: str,
    pick_owner: Callable[[Territory], OwnerChoice],
    drafts: dict[str, tuple[Rule, ...]] | None = None,
    ordered: bool = False,
) -> RoutingDecision:
    """Route ``lead``: first matching rule, then the team's strategy picks the owner.

    A lead that matches no rule, or whose team has nobody eligible, goes to the unassigned
    queue — first match wins, so it does not fall through to later territories.
    """
    match, tried = first_match(lead, territories, drafts, ordered=ordered)
    if match is None:
        return RoutingDecision(
            lead,
            Outcome.UNROUTABLE,
            at,
            queue_team_id,
            sales_line_id=lead.sales_line_id,
            rules_tried=tried,
            unroutable_reason=UnroutableReason.NO_RULE_MATCHED,
            in_queue=True,
        )
    choice = pick_owner(match.territory)
    if not choice.owner_user_id:
        return RoutingDecision(
            lead,
            Outcome.UNROUTABLE,
            at,
            queue_team_id,
            sales_line_id=match.territory.sales_line_id,
            match=match,
            rules_tried=tried,
            choice=choice,
            unroutable_reason=UnroutableReason.NO_ELIGIBLE_MEMBER,
            in_queue=True,
        )
    return RoutingDecision(
        lead,
        Outcome.ROUTED,
        at,
        match.territory.team_id,
        owner_user_id=choice.owner_user_id,
        sales_line_id=match.territory.sales_line_id,
        match=match,
        rules_tried=tried,
        choice=choice,
    )
