"""Use cases of memberships: join, leave, move, role/capacity, pause/resume.

Membership changes take effect now: a start may be back-dated for the record, but neither a
start nor an end may lie in the future, because access changes are published when they happen
(planned moves would need a timer; not offered yet).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm.territory.v1 import events_pb2
from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
)
from crm_chassis.paging import Page
from crm_territory.domain.people import Person
from crm_territory.domain.teams import Membership, TeamRole, check_capacity
from crm_territory.domain.values import check_version
from crm_territory.service_layer.access_state import AccessWatch, scopes_of
from crm_territory.service_layer.caller import Caller, require_team_role
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.event_messages import emit_membership
from crm_territory.service_layer.lookups import active_team, found
from crm_territory.service_layer.paging import paginate
from crm_territory.service_layer.people import ensure_person
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

MANAGE = "managing the team's members"
_SKEW = dt.timedelta(seconds=5)  # tolerated client clock skew for "now"


def _not_future(value: dt.datetime | None, now: dt.datetime, field: str) -> dt.datetime:
    if value is None:
        return now
    if value.tzinfo is None:
        raise InvalidArgument(f"{field} must carry a time zone", field=field)
    if value > now + _SKEW:
        raise InvalidArgument(
            f"{field} lies in the future; membership changes take effect when they are made",
            field=field,
        )
    return min(value, now)


def _active_in_team(
    uow: TerritoryUnitOfWork, team_id: str, user_id: str, at: dt.datetime
) -> Membership | None:
    return next(
        (m for m in uow.memberships.for_user(user_id) if m.team_id == team_id and m.is_active(at)),
        None,
    )


def _start(
    uow: TerritoryUnitOfWork,
    membership_id: str,
    team_id: str,
    user_id: str,
    role: TeamRole,
    starts_at: dt.datetime,
    daily_capacity: int | None,
    takes_leads: bool | None,
) -> Membership:
    for other in uow.memberships.for_user(user_id):
        if other.team_id == team_id and other.overlaps(starts_at, None):
            raise AlreadyExists(
                f"user {user_id} already has a membership of this team from "
                f"{other.starts_at.isoformat()}",
                field="user_id",
            )
    membership = Membership(
        membership_id,
        team_id,
        user_id,
        role,
        starts_at,
        daily_capacity=check_capacity(daily_capacity),
        takes_leads=(role is not TeamRole.MANAGER) if takes_leads is None else takes_leads,
    )
    uow.memberships.add(membership)
    ledger = uow.ledgers.get(team_id)
    ledger.enrol(user_id, joining=True)  # joins the round robin without a burst
    uow.ledgers.save(ledger)
    return membership


def add_member(
    deps: Dependencies,
    caller: Caller,
    *,
    team_id: str,
    user_id: str,
    role: TeamRole,
    starts_at: dt.datetime | None = None,
    daily_capacity: int | None = None,
    takes_leads: bool | None = None,
) -> Membership:
    now = deps.clock.now()
    start = _not_future(starts_at, now, "starts_at")
    with deps.uow() as uow:
        active_team(uow, team_id)
        require_team_role(uow, caller, team_id, TeamRole.MANAGER, MANAGE, now)
        ensure_person(uow, deps.directory, user_id)
        watch = AccessWatch(uow, now).watch([user_id])
        membership = _start(
            uow, deps.ids.new_id(), team_id, user_id, role, start, daily_capacity, takes_leads
        )
        emit_membership(uow, membership, events_pb2.CHANGE_KIND_STARTED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()
        return membership


def end_membership(
    deps: Dependencies,
    caller: Caller,
    *,
    membership_id: str,
    ends_at: dt.datetime | None = None,
    reason: str = "",
) -> Membership:
    now = deps.clock.now()
    end = _not_future(ends_at, now, "ends_at")
    with deps.uow() as uow:
        membership = found(uow.memberships.get(membership_id), "membership", membership_id)
        require_team_role(uow, caller, membership.team_id, TeamRole.MANAGER, MANAGE, now)
        watch = AccessWatch(uow, now).watch([membership.user_id])
        membership.end(end, (reason or "ended").strip()[:500])
        uow.memberships.save(membership)
        emit_membership(uow, membership, events_pb2.CHANGE_KIND_ENDED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()
        return membership


def move_member(
    deps: Dependencies,
    caller: Caller,
    *,
    user_id: str,
    from_team_id: str,
    to_team_id: str,
    role: TeamRole | None = None,
    daily_capacity: int | None = None,
) -> tuple[Membership, Membership]:
    """End the membership in the old team at once and start one in the new team."""
    now = deps.clock.now()
    if from_team_id == to_team_id:
        raise InvalidArgument("from_team_id and to_team_id are the same team", field="to_team_id")
    with deps.uow() as uow:
        found(uow.teams.get(from_team_id), "team", from_team_id)
        target = active_team(uow, to_team_id)
        require_team_role(uow, caller, from_team_id, TeamRole.MANAGER, MANAGE, now)
        require_team_role(uow, caller, to_team_id, TeamRole.MANAGER, MANAGE, now)
        ensure_person(uow, deps.directory, user_id)
        old = _active_in_team(uow, from_team_id, user_id, now)
        if old is None:
            raise FailedPrecondition(
                f"user {user_id} is not an active member of team {from_team_id}",
                field="from_team_id",
            )
        watch = AccessWatch(uow, now).watch([user_id])
        old.end(now, f"moved to team '{target.name}'")
        uow.memberships.save(old)
        new = _start(
            uow, deps.ids.new_id(), to_team_id, user_id, role or old.role, now, daily_capacity, None
        )
        emit_membership(uow, old, events_pb2.CHANGE_KIND_ENDED, caller.actor, moved_to=to_team_id)
        emit_membership(
            uow, new, events_pb2.CHANGE_KIND_STARTED, caller.actor, moved_from=from_team_id
        )
        watch.publish(caller.actor)
        uow.commit()
        return old, new


_UPDATABLE = ("role", "daily_capacity", "takes_leads")


def update_membership(
    deps: Dependencies,
    caller: Caller,
    *,
    membership_id: str,
    changes: dict[str, Any],
    expected_version: int = 0,
) -> Membership:
    """``changes`` maps field names ("role", "daily_capacity", "takes_leads") to new values."""
    unknown = sorted(set(changes) - set(_UPDATABLE))
    if unknown or not changes:
        raise InvalidArgument(
            f"update_mask: give any of {', '.join(_UPDATABLE)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            field="update_mask",
        )
    now = deps.clock.now()
    with deps.uow() as uow:
        membership = found(uow.memberships.get(membership_id), "membership", membership_id)
        require_team_role(uow, caller, membership.team_id, TeamRole.MANAGER, MANAGE, now)
        check_version(expected_version, membership.version, "membership")
        if not membership.is_active(now):
            raise FailedPrecondition("the membership has ended; start a new one instead")
        watch = AccessWatch(uow, now).watch([membership.user_id])
        if "role" in changes:
            membership.role = changes["role"]
        if "daily_capacity" in changes:
            membership.daily_capacity = check_capacity(changes["daily_capacity"])
        if "takes_leads" in changes:
            membership.takes_leads = bool(changes["takes_leads"])
        membership.version += 1
        uow.memberships.save(membership)
        emit_membership(uow, membership, events_pb2.CHANGE_KIND_UPDATED, caller.actor)
        watch.publish(caller.actor)
        uow.commit()
        return membership


def set_paused(
    deps: Dependencies, caller: Caller, *, membership_id: str, paused: bool
) -> Membership:
    """Pause or resume intake of new leads. A member may pause or resume themselves."""
    now = deps.clock.now()
    with deps.uow() as uow:
        membership = found(uow.memberships.get(membership_id), "membership", membership_id)
        if caller.user_id != membership.user_id:
            require_team_role(
                uow,
                caller,
                membership.team_id,
                TeamRole.SUPERVISOR,
                "pausing or resuming a member",
                now,
            )
        if not membership.is_active(now):
            raise FailedPrecondition("the membership has ended")
        if membership.paused == paused:
            return membership
        membership.paused = paused
        membership.version += 1
        uow.memberships.save(membership)
        emit_membership(
            uow,
            membership,
            events_pb2.CHANGE_KIND_PAUSED if paused else events_pb2.CHANGE_KIND_RESUMED,
            caller.actor,
        )
        uow.commit()
        return membership


def list_memberships(
    deps: Dependencies,
    caller: Caller,
    *,
    team_id: str = "",
    user_id: str = "",
    include_ended: bool = False,
    page_size: int = 0,
    cursor: str = "",
) -> Page[Membership]:
    if not team_id and not user_id:
        raise InvalidArgument("give a team_id, a user_id or both", field="team_id")
    now = deps.clock.now()
    with deps.uow() as uow:
        rows = uow.memberships.for_team(team_id) if team_id else uow.memberships.for_user(user_id)
    rows = [
        m
        for m in rows
        if (not user_id or m.user_id == user_id)
        and (include_ended or m.ends_at is None or m.ends_at > now)
    ]
    return paginate(rows, lambda m: (m.starts_at.isoformat(), m.id), page_size, cursor)


MAX_NAMES = 500


def list_people_names(deps: Dependencies, caller: Caller, *, user_ids: list[str]) -> list[Person]:
    """The people among ``user_ids`` the caller may see, in the order asked, for showing them
    by name: the caller and the members, current or past, of the teams in the caller's scopes
    (whose records — and so whose owners — the caller sees); an administrator, who places people
    in teams, may ask about anyone. Others and unknown ids are left out, never refused one by
    one, so the answer tells nothing about people outside what the caller sees."""
    if not caller.is_person:
        raise PermissionDenied(
            "names of people are for persons signed in; a service account cannot ask for them"
        )
    wanted = [u for u in dict.fromkeys(user_ids) if u]
    if len(wanted) > MAX_NAMES:
        raise InvalidArgument(
            f"ask for at most {MAX_NAMES} people at a time ({len(wanted)} given)", field="user_ids"
        )
    if not wanted:
        return []
    with deps.uow() as uow:
        if caller.is_admin:
            visible = set(wanted)
        else:
            teams = [s.team_id for s in scopes_of(uow, caller.user_id, deps.clock.now())]
            visible = {m.user_id for ms in uow.memberships.for_teams(teams).values() for m in ms}
            visible.add(caller.user_id)
        people = uow.people.many([u for u in wanted if u in visible])
    return [people[u] for u in wanted if u in people]
