"""Use cases of leave: a person on leave gets no new leads in any team."""

from __future__ import annotations

import datetime as dt

from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_territory.domain.teams import Absence, TeamRole, check_span
from crm_territory.service_layer.caller import Caller, has_team_role
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.lookups import found
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

MAX_LEAVE = dt.timedelta(days=366)


def _may_manage_leave(
    uow: TerritoryUnitOfWork, caller: Caller, user_id: str, now: dt.datetime
) -> None:
    """The person themselves, an admin, or a supervisor+ of one of their teams (people only)."""
    if caller.is_admin or (caller.user_id and caller.user_id == user_id):
        return
    for m in uow.memberships.for_user(user_id):
        if m.is_active(now) and has_team_role(uow, caller, m.team_id, TeamRole.SUPERVISOR, now):
            return
    raise PermissionDenied(
        "recording someone's leave needs a person with the admin role or the "
        "supervisor role on one of their teams"
        + ("; a service account cannot record leave" if caller.is_service_account else "")
    )


def record_absence(
    deps: Dependencies,
    caller: Caller,
    *,
    user_id: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str = "",
) -> Absence:
    if not user_id:
        raise InvalidArgument("user_id must not be empty", field="user_id")
    if starts_at is None or ends_at is None:
        raise InvalidArgument("give both starts_at and ends_at", field="starts_at")
    check_span(starts_at, ends_at, "ends_at")
    if ends_at - starts_at > MAX_LEAVE:
        raise InvalidArgument(
            "a leave may last at most 366 days; record longer ones in parts or end the membership",
            field="ends_at",
        )
    now = deps.clock.now()
    if ends_at <= now:
        raise InvalidArgument(
            "the leave is already over; only current or future leave affects routing",
            field="ends_at",
        )
    with deps.uow() as uow:
        found(uow.people.get(user_id), "user", user_id)
        _may_manage_leave(uow, caller, user_id, now)
        absence = Absence(
            deps.ids.new_id(), user_id, starts_at, ends_at, (reason or "").strip()[:500]
        )
        uow.absences.add(absence)
        uow.commit()
        return absence


def cancel_absence(deps: Dependencies, caller: Caller, *, absence_id: str) -> Absence:
    with deps.uow() as uow:
        absence = found(uow.absences.get(absence_id), "absence", absence_id)
        _may_manage_leave(uow, caller, absence.user_id, deps.clock.now())
        if absence.cancelled:
            return absence
        absence.cancelled = True
        uow.absences.save(absence)
        uow.commit()
        return absence


def list_absences(
    deps: Dependencies, caller: Caller, *, user_id: str, since: dt.datetime | None = None
) -> list[Absence]:
    if not user_id:
        raise InvalidArgument("user_id must not be empty", field="user_id")
    since = since or deps.clock.now()
    with deps.uow() as uow:
        rows = uow.absences.for_users([user_id])
    return sorted((a for a in rows if a.ends_at > since), key=lambda a: (a.starts_at, a.id))
