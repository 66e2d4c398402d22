"""The Organisation pages' use cases over territory: units (three levels; rename, move,
managers, deactivate), teams (create, rename, deactivate), members (add, end a membership), sales
lines and their targets. Each call carries
the caller's own token; territory decides who may change what (administrators, or a team's
managers for members and targets) and its refusal is what the page shows. The console checks
only what a person typed (empty names, numbers, choices) so the message names the field."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from crm_console.domain.errors import T_, ConsoleError, Refused, Text
from crm_console.domain.organisation import (
    ROUTING_STRATEGIES,
    WORKFLOW_KINDS,
    OrgUnit,
    Pipeline,
    SalesLine,
    Target,
    decimal_of,
    levels,
    person_meant,
    pipelines_of_line,
)
from crm_console.domain.session import Session
from crm_console.domain.team import TEAM_ROLES, Membership, Team
from crm_console.service_layer.dependencies import Dependencies
from crm_console.service_layer.people import names_or_ids

PERIOD = re.compile(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")


def _token(caller: Session) -> str:
    return caller.tokens.access_token


def _required(value: str, field: str, message: Text) -> str:
    if not value.strip():
        raise ConsoleError(message, field=field)
    return value.strip()


def _version(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


@dataclass(frozen=True)
class Named:
    """People by name (territory's ListPeopleNames), their id when territory gave none."""

    names: Mapping[str, str] = field(default_factory=dict, kw_only=True)

    def name(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)


@dataclass(frozen=True)
class Overview(Named):
    units: tuple[tuple[OrgUnit, int], ...]  # tree order, with depth
    teams: tuple[Team, ...]
    refusal: str = ""  # territory refused the reading itself


def overview(deps: Dependencies, caller: Session) -> Overview:
    try:
        units = deps.organisation.units(_token(caller))
        teams = deps.organisation.teams(_token(caller))
    except Refused as refused:
        return Overview((), (), refused.message)
    managers = (user_id for u in units for user_id in u.manager_user_ids)
    return Overview(
        levels(units),
        tuple(sorted(teams, key=lambda t: t.name.casefold())),
        names=names_or_ids(deps.organisation.people_names, _token(caller), managers),
    )


# ---------------------------------------------------------------- units
def create_unit(
    deps: Dependencies, caller: Session, *, name: str, parent_id: str, department: str
) -> OrgUnit:
    name = _required(name, "name", T_("enter the unit's name"))
    if not parent_id and not department.strip():
        raise ConsoleError(T_("a top-level unit needs its department"), field="department")
    return deps.organisation.create_unit(_token(caller), name, parent_id, department.strip())


def rename_unit(
    deps: Dependencies, caller: Session, *, unit_id: str, name: str, version: str
) -> OrgUnit:
    name = _required(name, "name", T_("enter the unit's new name"))
    return deps.organisation.rename_unit(_token(caller), unit_id, name, _version(version))


def deactivate_unit(deps: Dependencies, caller: Session, *, unit_id: str) -> OrgUnit:
    """territory refuses while active units, teams with members or territories hang below."""
    return deps.organisation.deactivate_unit(_token(caller), unit_id)


def move_unit(
    deps: Dependencies, caller: Session, *, unit_id: str, parent_id: str, version: str
) -> OrgUnit:
    parent_id = _required(parent_id, "new_parent_id", T_("choose the unit to move it under"))
    return deps.organisation.move_unit(_token(caller), unit_id, parent_id, _version(version))


def _person(
    deps: Dependencies, caller: Session, typed: str, field: str, *, active_only: bool = True
) -> str:
    """The user id of the person a form names by name or e-mail (identity's ListUsers, as the
    caller); no one or several is a message at ``field``."""
    typed = _required(typed, field, T_("enter the person's name or e-mail"))
    found, more = deps.identity.find_people(_token(caller), typed, active_only=active_only)
    return person_meant(found, typed, field, more)


@contextmanager
def _at(field: str) -> Iterator[None]:
    """territory's refusal about the user id is shown at the form's person field."""
    try:
        yield
    except Refused as refused:
        if refused.field != "user_id":
            raise
        raise Refused(refused.text or refused.message, field=field) from None


def set_manager(
    deps: Dependencies, caller: Session, *, unit_id: str, person: str, assign: bool
) -> OrgUnit:
    """Assigns or removes a unit's manager named by name or e-mail (a former manager who is
    deactivated in identity can still be removed)."""
    user_id = _person(deps, caller, person, "person", active_only=assign)
    with _at("person"):
        if assign:
            return deps.organisation.assign_manager(_token(caller), unit_id, user_id)
        return deps.organisation.remove_manager(_token(caller), unit_id, user_id)


# ---------------------------------------------------------------- teams and members
def create_team(
    deps: Dependencies, caller: Session, *, name: str, unit_id: str, strategy: str, time_zone: str
) -> Team:
    name = _required(name, "name", T_("enter the team's name"))
    unit_id = _required(unit_id, "unit_id", T_("choose the unit the team belongs to"))
    if strategy not in ROUTING_STRATEGIES:
        raise ConsoleError(
            T_(
                "choose how the team shares leads: %(choices)s",
                choices=", ".join(ROUTING_STRATEGIES),
            ),
            field="strategy",
        )
    return deps.organisation.create_team(
        _token(caller), name, unit_id, strategy, time_zone.strip() or "UTC"
    )


def rename_team(
    deps: Dependencies, caller: Session, *, team_id: str, name: str, version: str
) -> Team:
    name = _required(name, "name", T_("enter the team's new name"))
    return deps.organisation.rename_team(_token(caller), team_id, name, _version(version))


def deactivate_team(deps: Dependencies, caller: Session, *, team_id: str) -> Team:
    """territory refuses while the team has active members or territories, or is the queue."""
    return deps.organisation.deactivate_team(_token(caller), team_id)


@dataclass(frozen=True)
class TeamFile(Named):
    team: Team
    current: tuple[Membership, ...]
    ended: tuple[Membership, ...]


def team_file(deps: Dependencies, caller: Session, *, team_id: str) -> TeamFile:
    team = deps.organisation.team(_token(caller), team_id)
    members = deps.organisation.memberships(_token(caller), team_id)
    return TeamFile(
        team=team,
        current=tuple(m for m in members if m.current),
        ended=tuple(m for m in members if not m.current),
        names=names_or_ids(
            deps.organisation.people_names, _token(caller), (m.user_id for m in members)
        ),
    )


def add_member(
    deps: Dependencies,
    caller: Session,
    *,
    team_id: str,
    person: str,
    role: str,
    daily_capacity: str,
) -> Membership:
    """Adds the person named by name or e-mail to the team."""
    _required(person, "person", T_("enter the person's name or e-mail"))
    if role not in TEAM_ROLES:
        raise ConsoleError(
            T_("choose a role: %(choices)s", choices=", ".join(TEAM_ROLES)), field="role"
        )
    capacity = daily_capacity.strip() or "0"
    if not capacity.isdigit():
        raise ConsoleError(
            T_("the daily capacity is a whole number of leads (0 = no limit)"),
            field="daily_capacity",
        )
    user_id = _person(deps, caller, person, "person")
    with _at("person"):
        return deps.organisation.add_member(_token(caller), team_id, user_id, role, int(capacity))


def end_membership(
    deps: Dependencies, caller: Session, *, membership_id: str, reason: str
) -> Membership:
    reason = _required(reason, "reason", T_("say why the membership ends"))
    return deps.organisation.end_membership(_token(caller), membership_id, reason)


# ---------------------------------------------------------------- sales lines and targets
@dataclass(frozen=True)
class LinesOverview:
    lines: tuple[SalesLine, ...]
    teams: tuple[Team, ...]
    refusal: str = ""


def lines_overview(deps: Dependencies, caller: Session) -> LinesOverview:
    try:
        lines = deps.organisation.sales_lines(_token(caller))
        teams = deps.organisation.teams(_token(caller))
    except Refused as refused:
        return LinesOverview((), (), refused.message)
    return LinesOverview(lines, teams)


def create_sales_line(
    deps: Dependencies,
    caller: Session,
    *,
    name: str,
    description: str,
    workflow_kind: str,
    team_ids: tuple[str, ...],
) -> SalesLine:
    name = _required(name, "name", T_("enter the sales line's name"))
    if workflow_kind not in WORKFLOW_KINDS:
        raise ConsoleError(
            T_("choose the line's workflow: %(choices)s", choices=", ".join(WORKFLOW_KINDS)),
            field="workflow_kind",
        )
    return deps.organisation.create_sales_line(
        _token(caller), name, description.strip(), workflow_kind, team_ids
    )


@dataclass(frozen=True)
class LineFile:
    line: SalesLine
    period: str
    targets: tuple[Target, ...]
    teams: tuple[Team, ...]
    pipelines: tuple[Pipeline, ...]  # every pipeline of the line, its default first


def line_file(deps: Dependencies, caller: Session, *, line_id: str, period: str) -> LineFile:
    token = _token(caller)
    line = deps.organisation.sales_line(token, line_id)
    if period and not PERIOD.match(period):
        period = ""
    pipelines = pipelines_of_line(deps.deals.pipeline_details(token), line_id)
    return LineFile(
        line=line,
        period=period,
        targets=deps.organisation.targets(token, line_id, period),
        teams=tuple(t for t in deps.organisation.teams(token) if t.id in line.team_ids),
        pipelines=pipelines,
    )


def create_pipeline(deps: Dependencies, caller: Session, *, line_id: str, name: str) -> Pipeline:
    """Another pipeline of the line (deals' ``additional``) for its territories to name. It
    starts with the stages of the line's default pipeline; they are revised on its own page."""
    name = _required(name, "name", T_("enter the pipeline's name"))
    token = _token(caller)
    mine = pipelines_of_line(deps.deals.pipeline_details(token), line_id)
    if not mine:
        raise ConsoleError(
            T_("the line has no pipeline in deals yet whose stages another one could start from"),
            field="name",
        )
    return deps.deals.create_pipeline(token, line_id, name, mine[0].stages, additional=True)


def set_target(
    deps: Dependencies,
    caller: Session,
    *,
    line_id: str,
    period: str,
    team_id: str,
    amount: str,
    currency: str,
    deal_count: str,
) -> tuple[Target, ...]:
    """Replaces one team's target of the line for one period (territory keeps the others)."""
    if not PERIOD.match(period.strip()):
        raise ConsoleError(T_("write the period as 2026, 2026-Q1 or 2026-03"), field="period")
    team_id = _required(team_id, "team_id", T_("choose the team"))
    value = (
        decimal_of(amount, "amount", T_("the revenue target is a number, e.g. 125000"))
        if amount.strip()
        else None
    )
    if value is not None and len(currency.strip()) != 3:
        raise ConsoleError(T_("give the target's currency, e.g. EUR"), field="currency")
    count = deal_count.strip() or "0"
    if not count.isdigit():
        raise ConsoleError(T_("the deal count is a whole number"), field="deal_count")
    target = Target(line_id, team_id, period.strip(), value, currency.strip().upper(), int(count))
    return deps.organisation.set_targets(_token(caller), line_id, period.strip(), (target,))
