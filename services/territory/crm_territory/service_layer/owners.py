"""Use cases of owner choices outside routing: hand-overs of a leaver's open items (asked by
leads and deals on membership_changed). The workload load balancing compares is tracked from
the items' events (workload.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from crm_chassis.errors import InvalidArgument
from crm_chassis.service_roles import CHOOSE_OWNERS
from crm_territory.domain.assignment import OwnerChoice
from crm_territory.service_layer.caller import Caller, require_service_role
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.lookups import found
from crm_territory.service_layer.repositories import TransactionConflict
from crm_territory.service_layer.team_roster import TeamRoster

MAX_HANDOVER_BATCH = 1000
CONFLICT_ATTEMPTS = 3


def choose_owners(
    deps: Dependencies,
    caller: Caller,
    *,
    team_id: str,
    subject_ids: list[str],
    exclude_user_ids: Sequence[str] = (),
) -> dict[str, OwnerChoice]:
    """Pick owners in a team by its strategy, one per subject (e.g. the open leads or deals of
    a person who left), spreading the batch as the strategy would spread new leads.

    Idempotent per (team, subject): asking again returns the first answer. A choice without an
    owner is not remembered, so the caller may ask again later (e.g. after someone joined).

    The choice moves the chosen member's queue place; their open items move when the caller
    applies it and publishes the item's new owner (lead_assigned, deal_updated). Within the
    batch the choices made so far count as planned items, so load balancing spreads it.
    """
    require_service_role(caller, CHOOSE_OWNERS, "choosing owners")
    subjects = list(dict.fromkeys(subject_ids))
    if not subjects or any(not s for s in subjects):
        raise InvalidArgument("give one or more non-empty subject_ids", field="subject_ids")
    if len(subjects) > MAX_HANDOVER_BATCH:
        raise InvalidArgument(
            f"at most {MAX_HANDOVER_BATCH} subjects per call, got {len(subjects)}",
            field="subject_ids",
        )
    excluded = frozenset(exclude_user_ids)
    for _ in range(CONFLICT_ATTEMPTS - 1):
        try:
            return _choose_batch(deps, team_id, subjects, excluded)
        except TransactionConflict:
            # Another hand-over recorded one of these subjects first: ask again, it answers
            # with that choice.
            continue
    return _choose_batch(deps, team_id, subjects, excluded)  # the last attempt raises


def _choose_batch(
    deps: Dependencies, team_id: str, subjects: list[str], excluded: frozenset[str]
) -> dict[str, OwnerChoice]:
    now = deps.clock.now()
    with deps.uow() as uow:
        team = found(uow.teams.get(team_id), "team", team_id)
        roster = TeamRoster(uow, now)
        planned: Counter[str] = Counter()
        result: dict[str, OwnerChoice] = {}
        for subject in subjects:
            earlier = uow.owner_choices.get(team.id, subject)
            if earlier is not None:
                result[subject] = earlier
                continue
            choice = roster.choose(team, excluded, planned)
            if choice.owner_user_id:
                roster.record(team, choice.owner_user_id)
                planned[choice.owner_user_id] += 1
                uow.owner_choices.add(team.id, subject, choice)
            result[subject] = choice
        roster.save_ledgers()
        uow.commit()
        return result


def choose_owner(
    deps: Dependencies,
    caller: Caller,
    *,
    team_id: str,
    subject_id: str,
    exclude_user_ids: Sequence[str] = (),
) -> OwnerChoice:
    """One subject of :func:`choose_owners`."""
    if not subject_id:
        raise InvalidArgument("subject_id must not be empty", field="subject_id")
    return choose_owners(
        deps, caller, team_id=team_id, subject_ids=[subject_id], exclude_user_ids=exclude_user_ids
    )[subject_id]
