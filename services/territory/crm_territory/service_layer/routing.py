"""Use cases of routing: route leads (from lead_created, in batches), preview, decisions and
the unassigned queue. Hand-overs and workload live in owners.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from google.protobuf.message import Message

from crm.territory.v1 import events_pb2
from crm_chassis import paging
from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from crm_chassis.paging import Page, bad_cursor, decode_cursor, encode_cursor
from crm_territory.domain.access import Scope
from crm_territory.domain.assignment import OwnerChoice
from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.routing import Outcome, RoutingDecision, decide, routing_order
from crm_territory.domain.rule_checks import check_ruleset
from crm_territory.domain.rules import Rule
from crm_territory.domain.teams import Team, TeamRole
from crm_territory.domain.territories import Territory
from crm_territory.domain.workload import ItemKind
from crm_territory.service_layer import event_messages
from crm_territory.service_layer.access_state import scopes_of
from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.decision_access import (
    readable_decision,
    readable_queue_teams,
    retryable_decision,
)
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.lookups import found
from crm_territory.service_layer.ports import RoutingMetrics
from crm_territory.service_layer.repositories import TransactionConflict
from crm_territory.service_layer.team_roster import TeamRoster
from crm_territory.service_layer.territories import RuleInput, build_rules
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork
from crm_territory.service_layer.workload import Workload


def routable_territories(uow: TerritoryUnitOfWork) -> list[Territory]:
    """Active territories whose line and team are active too."""
    teams = uow.teams.all()
    lines = {line.id: line for line in uow.sales_lines.all()}
    return [
        t
        for t in uow.territories.all()
        if t.active
        and t.team_id in teams
        and teams[t.team_id].active
        and t.sales_line_id in lines
        and lines[t.sales_line_id].active
    ]


class _Router:
    """What one unit of work needs to decide many leads: loaded once, reused per lead."""

    def __init__(self, uow: TerritoryUnitOfWork, at: dt.datetime):
        self.at = at
        self.teams = uow.teams.all()
        self.territories = routing_order(routable_territories(uow))  # sorted once per batch
        self.queue_team_id = uow.settings.get().unassigned_queue_team_id
        self.roster = TeamRoster(uow, at)
        # Any of these teams may receive a lead of the batch: their candidates in one go.
        self.roster.prefetch(t.team_id for t in self.territories)
        self.workload = Workload(uow, self.roster.ledgers)

    def _pick_owner(self, territory: Territory) -> OwnerChoice:
        return self.roster.choose(self.teams[territory.team_id])

    def decide(
        self, lead: LeadFacts, drafts: dict[str, tuple[Rule, ...]] | None = None
    ) -> RoutingDecision:
        return decide(
            lead,
            self.territories,
            at=self.at,
            queue_team_id=self.queue_team_id,
            drafts=drafts,
            pick_owner=self._pick_owner,
            ordered=True,
        )

    def record(self, decision: RoutingDecision, based_on_version: int | None) -> None:
        """Move the owner's queue place and count the lead as their open item (as of the lead's
        version routed; None: as of what is known now). Leads' lead_assigned for the same owner
        then moves no count (domain/workload.py)."""
        if decision.outcome is Outcome.ROUTED:
            self.roster.record(self.teams[decision.team_id], decision.owner_user_id)
            self.workload.assigned_by_router(
                ItemKind.LEAD,
                decision.lead_id,
                decision.team_id,
                decision.owner_user_id,
                based_on_version,
            )


def _decision_message(decision: RoutingDecision) -> tuple[str, Message]:
    """(event type, message) of one decision: lead_routed or lead_unroutable."""
    explanation = event_messages.explanation(decision)
    message: Message
    if decision.outcome is Outcome.ROUTED:
        event_type = "lead_routed"
        message = events_pb2.LeadRouted(
            lead_id=decision.lead_id,
            sales_line_id=decision.sales_line_id,
            team_id=decision.team_id,
            owner_user_id=decision.owner_user_id,
            explanation=explanation,
        )
    else:
        assert decision.unroutable_reason is not None  # every unroutable decision says why
        event_type = "lead_unroutable"
        message = events_pb2.LeadUnroutable(
            lead_id=decision.lead_id,
            queue_team_id=decision.team_id,
            reason=event_messages.UNROUTABLE[decision.unroutable_reason],
            explanation=explanation,
            sales_line_id=decision.sales_line_id,
        )
    return event_type, message


def _publish(uow: TerritoryUnitOfWork, decision: RoutingDecision, actor: Actor | None) -> None:
    event_type, message = _decision_message(decision)
    uow.emit(
        event_type,
        message,
        aggregate_type="lead_routing",
        aggregate_id=decision.lead_id,
        aggregate_version=decision.version,
        actor=actor,
    )


def _count(
    metrics: RoutingMetrics, decisions: list[RoutingDecision], teams: Mapping[str, Team]
) -> None:
    for d in decisions:
        if d.outcome is Outcome.ROUTED:
            metrics.lead_routed(d.team_id, teams[d.team_id].strategy.value)
        elif d.unroutable_reason is not None:
            metrics.lead_unroutable(d.unroutable_reason.value)


CONFLICT_ATTEMPTS = 3
BATCH_AGGREGATE = "lead_routing_batch"  # the aggregate of a leads_routed event


def _publish_batch(
    uow: TerritoryUnitOfWork, batch_id: str, decisions: list[RoutingDecision], actor: Actor | None
) -> None:
    """One leads_routed answering the leads_captured ``batch_id``: its fresh decisions only."""
    message = events_pb2.LeadsRouted()
    for decision in decisions:
        event_type, item = _decision_message(decision)
        target = message.routed if event_type == "lead_routed" else message.unroutable
        target.append(item)  # type: ignore[arg-type]  # the type matches the event type
    uow.emit(
        "leads_routed",
        message,
        aggregate_type=BATCH_AGGREGATE,
        aggregate_id=batch_id,
        aggregate_version=1,
        actor=actor,
    )


def route_leads(
    deps: Dependencies, caller: Caller, *, leads: list[LeadFacts], batch_id: str = ""
) -> list[RoutingDecision]:
    """Route a batch of new leads in one transaction; returns one decision per given lead.

    Without ``batch_id`` (leads' lead_created) each fresh decision is published as its own
    lead_routed or lead_unroutable; with it (leads' leads_captured, the bulk lane) they are
    published together as one leads_routed answering that batch, or nothing when every lead was
    decided before.

    A lead already decided (a redelivered lead_created or batch, or twice in one batch) keeps its
    first decision and publishes nothing: the same lead is never routed twice. When another
    transaction decides one of the leads first (two workers, one lead), the batch is rolled
    back and routed again, and that lead then counts as a duplicate.
    """
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            results, fresh, duplicates, teams = _route_batch(deps, leads, caller.actor, batch_id)
            break
        except TransactionConflict:
            if attempt == CONFLICT_ATTEMPTS:
                raise
    _count(deps.metrics, fresh, teams)
    for _ in range(duplicates):
        deps.metrics.duplicate_ignored()
    return results


def _route_batch(
    deps: Dependencies, leads: list[LeadFacts], actor: Actor | None, batch_id: str
) -> tuple[list[RoutingDecision], list[RoutingDecision], int, dict[str, Team]]:
    now = deps.clock.now()
    results: list[RoutingDecision] = []
    fresh: list[RoutingDecision] = []
    duplicates = 0
    with deps.uow() as uow:
        router = _Router(uow, now)
        decided: dict[str, RoutingDecision] = {}
        lead_ids = [lead.lead_id for lead in leads if lead.lead_id]
        uow.decisions.prefetch(lead_ids)
        router.workload.prefetch(ItemKind.LEAD, lead_ids)
        for lead in leads:
            if not lead.lead_id:
                raise InvalidArgument("a lead to route needs its lead_id", field="lead_id")
            earlier = decided.get(lead.lead_id) or uow.decisions.get(lead.lead_id)
            if earlier is not None:
                duplicates += 1
                results.append(earlier)
                continue
            decision = router.decide(lead)
            router.record(decision, lead.version)
            uow.decisions.add(decision)
            if not batch_id:
                _publish(uow, decision, actor)
            decided[lead.lead_id] = decision
            fresh.append(decision)
            results.append(decision)
        if batch_id and fresh:
            _publish_batch(uow, batch_id, fresh, actor)
        router.roster.save_ledgers()
        uow.commit()
    return results, fresh, duplicates, router.teams


def _has_any_role(scopes: list[Scope], role: TeamRole) -> bool:
    return any(s.role >= role for s in scopes)


def preview_route(
    deps: Dependencies,
    caller: Caller,
    *,
    lead: LeadFacts,
    drafts: dict[str, list[RuleInput]] | None = None,
) -> RoutingDecision:
    """Where ``lead`` would go now and why; nothing is stored, published or counted."""
    now = deps.clock.now()
    with deps.uow() as uow:
        if not (
            caller.is_admin
            or _has_any_role(scopes_of(uow, caller.user_id, now), TeamRole.SUPERVISOR)
        ):
            raise PermissionDenied(
                "previewing routes needs a person with the admin role or a "
                "supervisor or manager role in some team"
                + ("; a service account cannot preview routes" if caller.is_service_account else "")
            )
        built = {}
        for territory_id, rules in (drafts or {}).items():
            found(uow.territories.get(territory_id), "territory", territory_id)
            built[territory_id] = tuple(
                build_rules(rules, deps.ids, where=f"drafts[{territory_id}].rules")
            )
            check_ruleset(list(built[territory_id]))
        # Read-only: no assignment is recorded and no ledger saved.
        return _Router(uow, now).decide(lead, built)


def get_decision(deps: Dependencies, caller: Caller, *, lead_id: str) -> RoutingDecision:
    """The decision, for those who may assign the lead (decision_access.py); unknown and
    not-yours answer alike: no existence leak."""
    with deps.uow() as uow:
        return readable_decision(uow, caller, lead_id, deps.clock.now())


def list_unassigned(
    deps: Dependencies, caller: Caller, *, page_size: int = 0, cursor: str = ""
) -> Page[RoutingDecision]:
    """The queued leads of the queue teams the caller belongs to, oldest first (none for a
    person in no team)."""
    size = paging.page_size(page_size)
    after = _queue_position(decode_cursor(cursor))
    with deps.uow() as uow:
        teams = readable_queue_teams(uow, caller, deps.clock.now())
        rows = uow.decisions.queued(after, size + 1, teams) if teams != frozenset() else []
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    return Page(
        rows, encode_cursor((last.decided_at.isoformat(), last.lead_id)) if more and last else ""
    )


def _queue_position(key: tuple[paging.KeyPart, ...] | None) -> tuple[dt.datetime, str] | None:
    if key is None:
        return None
    try:
        return dt.datetime.fromisoformat(str(key[0])), str(key[1])
    except (IndexError, ValueError):
        raise bad_cursor() from None


def retry_routing(deps: Dependencies, caller: Caller, *, lead_id: str) -> RoutingDecision:
    """Route a queued lead again with the current rules and members."""
    now = deps.clock.now()
    with deps.uow() as uow:
        old = retryable_decision(uow, caller, lead_id, now)
        if not old.in_queue:
            raise FailedPrecondition(f"lead {lead_id} is not in the unassigned queue")
        router = _Router(uow, now)
        teams = router.teams
        decision = router.decide(old.lead)
        decision.version = old.version + 1
        # The lead's version now is unknown here: counted as of the latest known state.
        router.record(decision, None)
        uow.decisions.save(decision)
        _publish(uow, decision, caller.actor)
        router.roster.save_ledgers()
        uow.commit()
    _count(deps.metrics, [decision], teams)
    return decision


def leave_queue(deps: Dependencies, caller: Caller, *, lead_id: str) -> bool:
    """A queued lead was assigned by hand in the leads service (lead_assigned): drop it from
    the queue. Returns False if it was not queued (idempotent)."""
    return bool(take_out_of_queue(deps, caller, lead_ids=[lead_id]))


def take_out_of_queue(deps: Dependencies, caller: Caller, *, lead_ids: list[str]) -> int:
    """:func:`leave_queue` for many leads (the worker's batch of lead_assigned, run in the
    handler's transaction); returns how many were queued."""
    with deps.uow() as uow:
        left = uow.decisions.leave_queue(lead_ids)
        uow.commit()
    return len(left)
