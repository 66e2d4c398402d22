"""Seeding steps of the organisation: people (identity), units with named levels, teams and
their members, the two sales lines with deals' pipelines, territories with routing rules, and
targets per line and team (territory). Each step reads its effect back."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2, pagination_pb2
from crm.deals.v1 import pipelines_pb2, resources_pb2
from crm.identity.v1 import users_pb2
from crm.territory.v1 import org_pb2, routing_pb2, sales_lines_pb2, teams_pb2, territories_pb2
from crm_devrun.demo.calls import Caller, StepFailed, once_caught_up, refusal
from crm_devrun.demo.company import (
    CURRENCY,
    LEVEL_NAMES,
    PASSWORD,
    Line,
    Person,
    Team,
    period_months,
    target_periods,
)
from crm_devrun.demo.state import Seeding

WORKFLOWS = {
    "contract": sales_lines_pb2.WORKFLOW_KIND_CONTRACT,
    "quote": sales_lines_pb2.WORKFLOW_KIND_QUOTE,
}
CATEGORIES = {
    "pipeline": resources_pb2.FORECAST_CATEGORY_PIPELINE,
    "best_case": resources_pb2.FORECAST_CATEGORY_BEST_CASE,
    "commit": resources_pb2.FORECAST_CATEGORY_COMMIT,
}
PAGE = pagination_pb2.PageRequest(page_size=500)
PARALLEL_PEOPLE = 4


def _person(seeding: Seeding, person: Person) -> Caller:
    """The person created, then signed in with the demo password (reading them back)."""
    stubs = seeding.stubs
    with refusal("people", f"creating {person.email}"):
        user = seeding.admin(
            stubs.users.CreateUser,
            users_pb2.CreateUserRequest(
                email=person.email,
                display_name=person.name.display,
                password=PASSWORD,
                departments=list(person.departments),
            ),
        )
    with refusal("people", f"signing in as {person.email}"):
        return Caller(stubs.login(person.email, PASSWORD), user.id)


def people(seeding: Seeding) -> None:
    # a few at a time: each creation and sign-in hashes a password (argon2id), most of its time
    with ThreadPoolExecutor(max_workers=PARALLEL_PEOPLE) as pool:
        callers = list(pool.map(lambda p: _person(seeding, p), seeding.company.people))
    for person, caller in zip(seeding.company.people, callers, strict=True):
        seeding.ids[person.key], seeding.people[person.key] = caller.user_id, caller
    seeding.say(f"people: {len(seeding.people)} users created, each signed in once")


def _back_dated(seeding: Seeding) -> Timestamp:
    """Memberships start before the history does: the imported deals' owners were members."""
    since = Timestamp()
    days = round(seeding.months * 30.44) + 31
    since.FromDatetime(
        dt.datetime.combine(seeding.today, dt.time(), dt.UTC) - dt.timedelta(days=days)
    )
    return since


def _team(seeding: Seeding, team: Team, since: Timestamp) -> None:
    step, stubs, admin = "organisation", seeding.stubs, seeding.admin
    with refusal(step, f"creating team {team.name}"):
        made = admin(
            stubs.teams.CreateTeam,
            teams_pb2.CreateTeamRequest(
                name=team.name,
                unit_id=seeding.ids[f"unit:{team.unit}"],
                time_zone=team.time_zone,
            ),
        ).team
    seeding.ids[f"team:{team.key}"] = made.id
    roles = [(team.supervisor, teams_pb2.TEAM_ROLE_SUPERVISOR)]
    roles += [(rep, teams_pb2.TEAM_ROLE_EXPERT) for rep in team.reps]
    for person, role in roles:
        with refusal(step, f"adding {person} to {team.name}"):
            admin(
                stubs.members.AddMember,
                teams_pb2.AddMemberRequest(
                    team_id=made.id,
                    user_id=seeding.id(person),
                    role=role,
                    starts_at=since,
                    takes_leads=role == teams_pb2.TEAM_ROLE_EXPERT,
                ),
            )


def organisation(seeding: Seeding) -> None:
    step = "organisation"
    stubs, admin, company = seeding.stubs, seeding.admin, seeding.company
    with refusal(step, "naming the levels"):
        admin(stubs.org.SetLevelNames, org_pb2.SetLevelNamesRequest(level_names=LEVEL_NAMES))
    for unit in company.units:
        with refusal(step, f"creating unit {unit.name}"):
            made = admin(
                stubs.org.CreateOrgUnit,
                org_pb2.CreateOrgUnitRequest(
                    name=unit.name,
                    parent_id=seeding.ids[f"unit:{unit.parent}"] if unit.parent else "",
                    department="sales",
                ),
            ).unit
        seeding.ids[f"unit:{unit.key}"] = made.id
        if unit.manager:
            with refusal(step, f"making {unit.manager} manager of {unit.name}"):
                admin(
                    stubs.org.AssignUnitManager,
                    org_pb2.AssignUnitManagerRequest(
                        unit_id=made.id, user_id=seeding.id(unit.manager)
                    ),
                )
    since = _back_dated(seeding)
    for team in company.teams:
        _team(seeding, team, since)
    # read back
    with refusal(step, "reading the units and members back"):
        units = admin(stubs.org.ListOrgUnits, org_pb2.ListOrgUnitsRequest(page=PAGE)).units
        ours = [u for u in units if u.id in seeding.ids.values()]
        levels = {u.level_name for u in ours}
        if len(ours) != len(company.units) or levels != set(LEVEL_NAMES):
            raise StepFailed(
                step,
                f"{len(ours)} of {len(company.units)} units read back, levels {sorted(levels)}",
            )
        members = 0
        for team in company.teams:
            listed = admin(
                stubs.members.ListMemberships,
                teams_pb2.ListMembershipsRequest(team_id=seeding.ids[f"team:{team.key}"]),
            ).memberships
            if len(listed) != 1 + len(team.reps):
                raise StepFailed(
                    step, f"team {team.name} has {len(listed)} members, not {1 + len(team.reps)}"
                )
            members += len(listed)
    seeding.say(
        f"organisation: {len(company.units)} units ({', '.join(LEVEL_NAMES)}), "
        f"{len(company.teams)} teams, {members} memberships, "
        f"{sum(1 for u in company.units if u.manager)} unit managers"
    )


def _pipeline(seeding: Seeding, line: Line, line_id: str) -> None:
    """deals' pipeline of the line, once deals has heard of the line (territory's event)."""
    step = "sales lines"
    stages = [
        resources_pb2.Stage(
            key=s.key,
            name=s.name,
            default_probability=s.probability,
            forecast_category=CATEGORIES[s.category],
            expected_days=s.expected_days,
        )
        for s in line.stages
    ]
    request = pipelines_pb2.CreatePipelineRequest(
        sales_line_id=line_id, name=f"{line.name} pipeline", stages=stages
    )
    pipeline = once_caught_up(
        step,
        f"creating the pipeline of {line.name}",
        lambda: seeding.admin(seeding.stubs.pipelines.CreatePipeline, request),
    )
    if [s.key for s in pipeline.stages] != [s.key for s in line.stages]:
        raise StepFailed(
            step,
            f"the pipeline of {line.name} read back with stages {[s.key for s in pipeline.stages]}",
        )


def _territories(seeding: Seeding, line: Line, line_id: str, priority: int) -> int:
    """One territory per team of the line (its countries), the last also taking every other
    country; the next free priority."""
    teams = seeding.company.teams_of(line.key)
    for number, team in enumerate(teams):
        priority += 1
        rules = [
            territories_pb2.RoutingRule(
                name=f"{team.name} countries",
                conditions=[
                    territories_pb2.RuleCondition(attribute="country", values=team.countries)
                ],
            )
        ]
        if number == len(teams) - 1:
            rules.append(territories_pb2.RoutingRule(name="Everywhere else"))
        with refusal("sales lines", f"creating the territory of {team.name}"):
            seeding.admin(
                seeding.stubs.territories.CreateTerritory,
                territories_pb2.CreateTerritoryRequest(
                    name=f"{team.name} territory",
                    sales_line_id=line_id,
                    team_id=seeding.ids[f"team:{team.key}"],
                    priority=priority,
                    rules=rules,
                ),
            )
    return priority


def lines(seeding: Seeding) -> None:
    step = "sales lines"
    stubs, admin, company = seeding.stubs, seeding.admin, seeding.company
    priority = 0
    for line in company.lines:
        with refusal(step, f"creating line {line.name}"):
            made = admin(
                stubs.lines.CreateSalesLine,
                sales_lines_pb2.CreateSalesLineRequest(
                    name=line.name,
                    workflow_kind=WORKFLOWS[line.workflow],
                    pipeline_id=f"demo-{line.key}",
                    team_ids=[seeding.ids[f"team:{t.key}"] for t in company.teams_of(line.key)],
                ),
            ).sales_line
        seeding.ids[line.key] = made.id
        _pipeline(seeding, line, made.id)
        priority = _territories(seeding, line, made.id, priority)
    queue = company.teams[-1]
    with refusal(step, "naming the unassigned-leads queue"):
        admin(
            stubs.org.SetUnassignedQueue,
            org_pb2.SetUnassignedQueueRequest(team_id=seeding.ids[f"team:{queue.key}"]),
        )
    # read back: a lead from Iran for SMB goes to Tehran SMB, by its rule
    tehran = next(t for t in company.teams if "IR" in t.countries and t.line == "smb")
    with refusal(step, "previewing a route"):
        preview = admin(
            stubs.routing.PreviewRoute,
            routing_pb2.PreviewRouteRequest(
                lead=routing_pb2.LeadAttributes(country="IR", sales_line_id=seeding.ids["smb"])
            ),
        ).decision
    if preview.team_id != seeding.ids[f"team:{tehran.key}"]:
        raise StepFailed(
            step,
            f"a lead from IR for SMB would go to team {preview.team_id or 'none'}, "
            f"not {tehran.name}",
        )
    seeding.say(
        f"sales lines: {len(company.lines)} lines with pipelines, {priority} territories; "
        f"a lead from IR for SMB routes to {tehran.name}"
    )


def targets(seeding: Seeding) -> None:
    step = "targets"
    stubs, admin, company = seeding.stubs, seeding.admin, seeding.company
    periods = target_periods(seeding.today, seeding.months)
    for line in company.lines:
        teams = company.teams_of(line.key)
        for period in periods:
            months = period_months(period)
            rows = [
                sales_lines_pb2.TargetInput(
                    team_id=seeding.ids[f"team:{t.key}"],
                    amount=money_pb2.Money(
                        amount=f"{t.monthly_target * months}.00", currency=CURRENCY
                    ),
                    deal_count=max(1, round(t.monthly_target * months * 2 / sum(line.deal_size))),
                )
                for t in teams
            ]
            with refusal(step, f"setting the {line.name} targets of {period}"):
                admin(
                    stubs.lines.SetTargets,
                    sales_lines_pb2.SetTargetsRequest(
                        sales_line_id=seeding.ids[line.key], period=period, targets=rows
                    ),
                )
        with refusal(step, f"reading the {line.name} targets back"):
            listed = admin(
                stubs.lines.ListTargets,
                sales_lines_pb2.ListTargetsRequest(sales_line_id=seeding.ids[line.key]),
            ).targets
        if len(listed) != len(periods) * len(teams):
            raise StepFailed(
                step, f"{line.name} has {len(listed)} targets, not {len(periods) * len(teams)}"
            )
    seeding.say(f"targets: {len(periods)} periods (months, quarters, years) per line and team")
