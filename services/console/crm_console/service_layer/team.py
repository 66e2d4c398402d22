"""The Team pages' use cases, for the supervisors and managers of a team: its members with their
workload and absences, the unassigned queue with who is free, reassigning within the team,
moving a member (and watching their open items change owner), absences, and transferring a deal
to another team. Every call goes with the caller's own token: territory, leads and deals decide
what the caller sees and may change; a refusal comes back with the service's own sentence."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass

from crm_console.domain.deals import Deal
from crm_console.domain.errors import T_, ConsoleError, NotFound, Unavailable
from crm_console.domain.leads import Lead
from crm_console.domain.session import Session
from crm_console.domain.team import (
    Absence,
    MemberLoad,
    NotAllowed,
    QueuedLead,
    Scope,
    Team,
    who_is_free,
)
from crm_console.service_layer.dependencies import Dependencies
from crm_console.service_layer.people import names_or_ids
from crm_console.service_layer.ports import TeamsPort

LISTED = 500  # a team's open items are read one page of this size at a time (TeamsGateway.MOST)


@dataclass(frozen=True)
class RunTeam:
    team: Team
    role: str


@dataclass(frozen=True)
class TeamPage:
    team: Team
    role: str
    members: tuple[MemberLoad, ...]  # who is free first
    queue: tuple[QueuedLead, ...]
    teams: tuple[Team, ...]  # every active team, for moves and transfers
    capped: bool  # the team has more open items than one page: counts are at least these
    now: dt.datetime


@dataclass(frozen=True)
class MemberPage:
    team: Team
    role: str
    member: MemberLoad
    leads: tuple[Lead, ...]
    deals: tuple[Deal, ...]
    colleagues: tuple[MemberLoad, ...]  # the other members, who is free first
    teams: tuple[Team, ...]  # the other active teams
    now: dt.datetime


@dataclass(frozen=True)
class Handover:
    """A moved member's open items still owned by them in the team they left."""

    leads: int
    deals: int

    @property
    def done(self) -> bool:
        return not self.leads and not self.deals


def _teams(deps: Dependencies) -> TeamsPort:
    if deps.teams is None:
        raise Unavailable(T_("the team pages are not connected to territory; try again later"))
    return deps.teams


def _token(caller: Session) -> str:
    return caller.tokens.access_token


def _scopes(deps: Dependencies, caller: Session) -> tuple[Scope, ...]:
    return _teams(deps).scopes(_token(caller), caller.person.user_id)


def may_run_a_team(deps: Dependencies, caller: Session) -> bool:
    return any(s.runs_the_team for s in _scopes(deps, caller))


def teams_i_run(deps: Dependencies, caller: Session) -> tuple[RunTeam, ...]:
    """The teams the caller supervises or manages, by name; NotAllowed when none."""
    roles = {s.team_id: s.role for s in _scopes(deps, caller) if s.runs_the_team}
    if not roles:
        raise NotAllowed()
    named = {t.id: t for t in _teams(deps).all_teams(_token(caller))}
    found = (RunTeam(named.get(i, Team(i, i)), role) for i, role in roles.items())
    return tuple(sorted(found, key=lambda r: r.team.name.casefold()))


def _run(deps: Dependencies, caller: Session, team_id: str) -> tuple[Team, str, tuple[Team, ...]]:
    """The team, the caller's role in it and the active teams; NotFound for a team the caller
    does not see (as for an unknown id), NotAllowed for one they only work in."""
    scope = next((s for s in _scopes(deps, caller) if s.team_id == team_id), None)
    if scope is None:
        raise NotFound(T_("team %(id)s not found", id=team_id))
    if not scope.runs_the_team:
        raise NotAllowed()
    teams = _teams(deps).all_teams(_token(caller))
    team = next((t for t in teams if t.id == team_id), Team(team_id, team_id))
    return team, scope.role, tuple(t for t in teams if t.active)


def _loads(
    deps: Dependencies,
    caller: Session,
    team_id: str,
    leads: tuple[Lead, ...],
    deals: tuple[Deal, ...],
) -> tuple[MemberLoad, ...]:
    gateway, token = _teams(deps), _token(caller)
    members = gateway.memberships(token, team_id)
    names = names_or_ids(gateway.names, token, [m.user_id for m in members])
    lead_counts = Counter(x.owner_user_id for x in leads)
    deal_counts = Counter(x.owner_user_id for x in deals)
    return tuple(
        MemberLoad(
            membership=m,
            name=names.get(m.user_id, m.user_id),
            open_leads=lead_counts[m.user_id],
            open_deals=deal_counts[m.user_id],
            # territory lists absences per person: one call per member
            absences=tuple(a for a in gateway.absences(token, m.user_id) if not a.cancelled),
        )
        for m in members
    )


def team_page(deps: Dependencies, caller: Session, *, team_id: str) -> TeamPage:
    team, role, teams = _run(deps, caller, team_id)
    gateway, token = _teams(deps), _token(caller)
    leads = gateway.open_leads(token, team_id)
    deals = gateway.open_deals(token, team_id)
    now = deps.clock.now()
    return TeamPage(
        team=team,
        role=role,
        members=who_is_free(_loads(deps, caller, team_id, leads, deals), now),
        queue=gateway.unassigned(token),
        teams=teams,
        capped=len(leads) >= LISTED or len(deals) >= LISTED,
        now=now,
    )


def member_page(deps: Dependencies, caller: Session, *, team_id: str, user_id: str) -> MemberPage:
    team, role, teams = _run(deps, caller, team_id)
    gateway, token = _teams(deps), _token(caller)
    leads = gateway.open_leads(token, team_id)
    deals = gateway.open_deals(token, team_id)
    now = deps.clock.now()
    members = who_is_free(_loads(deps, caller, team_id, leads, deals), now)
    member = next((m for m in members if m.user_id == user_id), None)
    if member is None:
        raise NotFound(
            T_("%(user)s is not a member of team %(team)s", user=user_id, team=team.name)
        )
    return MemberPage(
        team=team,
        role=role,
        member=member,
        leads=tuple(x for x in leads if x.owner_user_id == user_id),
        deals=tuple(x for x in deals if x.owner_user_id == user_id),
        colleagues=tuple(m for m in members if m.user_id != user_id),
        teams=tuple(t for t in teams if t.id != team_id),
        now=now,
    )


# ---------------------------------------------------------------- changes
def assign_from_queue(
    deps: Dependencies, caller: Session, *, lead_id: str, team_id: str, owner_user_id: str
) -> Lead:
    """Places a queued lead into the team, with the chosen owner (none: unowned in the team)."""
    return _teams(deps).assign_lead(_token(caller), lead_id, team_id, owner_user_id)


def retry_routing(deps: Dependencies, caller: Session, *, lead_id: str) -> bool:
    """Routes a queued lead again with the current rules; True when it found an owner."""
    return _teams(deps).retry_routing(_token(caller), lead_id) is None


def reassign_lead(deps: Dependencies, caller: Session, *, lead_id: str, owner_user_id: str) -> Lead:
    if not owner_user_id:
        raise ConsoleError(T_("choose the member who takes the lead"), field="owner_user_id")
    return _teams(deps).assign_lead(_token(caller), lead_id, "", owner_user_id)


def reassign_deal(
    deps: Dependencies, caller: Session, *, deal_id: str, owner_user_id: str, reason: str
) -> Deal:
    if not owner_user_id:
        raise ConsoleError(T_("choose the member who takes the deal"), field="owner_user_id")
    return _teams(deps).reassign_deal(_token(caller), deal_id, owner_user_id, reason.strip())


def transfer_deal(
    deps: Dependencies, caller: Session, *, deal_id: str, to_team_id: str, reason: str
) -> Deal:
    if not to_team_id:
        raise ConsoleError(T_("choose the team that takes the deal"), field="to_team_id")
    if not reason.strip():
        raise ConsoleError(T_("say why the deal goes to another team"), field="reason")
    return _teams(deps).transfer_deal(_token(caller), deal_id, to_team_id, reason.strip())


def move_member(
    deps: Dependencies, caller: Session, *, user_id: str, team_id: str, to_team_id: str
) -> None:
    if not to_team_id or to_team_id == team_id:
        raise ConsoleError(T_("choose the team the member moves to"), field="to_team_id")
    _teams(deps).move_member(_token(caller), user_id, team_id, to_team_id)


def handover(deps: Dependencies, caller: Session, *, team_id: str, user_id: str) -> Handover:
    """What the moved member still owns in the team they left; leads and deals hand it over to
    the team's other members after territory's membership_changed."""
    _run(deps, caller, team_id)
    gateway, token = _teams(deps), _token(caller)
    return Handover(
        leads=len(gateway.open_leads(token, team_id, user_id)),
        deals=len(gateway.open_deals(token, team_id, user_id)),
    )


def record_absence(
    deps: Dependencies,
    caller: Session,
    *,
    user_id: str,
    first_day: str,
    last_day: str,
    reason: str,
    time_zone: str,
) -> Absence:
    """Leave from the start of ``first_day`` to the end of ``last_day`` in ``time_zone``."""
    first, last = _day(first_day, "first_day"), _day(last_day, "last_day")
    if last < first:
        raise ConsoleError(
            T_("the last day of the leave is before its first day"), field="last_day"
        )
    zone = zoneinfo.ZoneInfo(time_zone)
    starts = dt.datetime.combine(first, dt.time(), zone)
    ends = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    return _teams(deps).record_absence(_token(caller), user_id, starts, ends, reason.strip())


def cancel_absence(deps: Dependencies, caller: Session, *, absence_id: str) -> Absence:
    return _teams(deps).cancel_absence(_token(caller), absence_id)


def _day(text: str, field: str) -> dt.date:
    if not text:
        raise ConsoleError(T_("enter the first and the last day of the leave"), field=field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConsoleError(T_("enter the day as YYYY-MM-DD"), field=field) from None
