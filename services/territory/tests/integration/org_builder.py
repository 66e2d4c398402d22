"""Builds a small organisation through the real use cases on a real unit of work (integration
tests and the benchmark). The user directory is an in-memory stand-in for identity."""

from __future__ import annotations

import itertools
import uuid

from crm_chassis.service_roles import CHECK_ACCESS, CHOOSE_OWNERS, ROUTE_LEADS
from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.sales_lines import WorkflowKind
from crm_territory.domain.teams import RoutingStrategy, TeamRole
from crm_territory.service_layer import memberships, org, people, sales_lines, teams, territories
from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.ports import DirectoryUser, UserDirectory

from ..unit.conftest import rule

ADMIN = Caller("admin-1", roles=frozenset({"admin"}))
# Service accounts hold exactly the narrow roles their calls need (crm_chassis.service_roles).
OWNER_CHOOSER = Caller("leads", kind="service", roles=frozenset({CHOOSE_OWNERS}))
ACCESS_CHECKER = Caller("deals", kind="service", roles=frozenset({CHECK_ACCESS}))
LEAD_ROUTER = Caller("leads", kind="service", roles=frozenset({ROUTE_LEADS}))
WORKER = Caller.system("territory-worker")


class MemoryDirectory(UserDirectory):
    def __init__(self):
        self.users: dict[str, DirectoryUser] = {}

    def put(self, user_id, *, departments=("sales",), roles=(), active=True, version=1):
        user = DirectoryUser(
            user_id, user_id.title(), active, frozenset(departments), frozenset(roles), version
        )
        self.users[user_id] = user
        return user

    def lookup(self, user_id):
        return self.users.get(user_id)


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


class OrgBuilder:
    """``deps``: crm_territory.service_layer.dependencies.Dependencies on a real database."""

    def __init__(self, deps):
        self.deps = deps
        self.directory = deps.directory

    def person(self, user_id, **kwargs) -> DirectoryUser:
        user = self.directory.put(user_id, **kwargs)
        people.record_user(self.deps, WORKER, user=user)
        return user

    def unit(self, name, parent=None, department="sales"):
        return org.create_unit(
            self.deps,
            ADMIN,
            name=name,
            parent_id=parent.id if parent else "",
            department="" if parent else department,
        )

    def team(self, name, unit, strategy=RoutingStrategy.ROUND_ROBIN, time_zone="UTC"):
        return teams.create_team(
            self.deps, ADMIN, name=name, unit_id=unit.id, strategy=strategy, time_zone=time_zone
        )

    def member(self, team, user_id, role=TeamRole.EXPERT, capacity=None):
        if user_id not in self.directory.users:
            self.directory.put(user_id)
        return memberships.add_member(
            self.deps, ADMIN, team_id=team.id, user_id=user_id, role=role, daily_capacity=capacity
        )

    def line(self, name, *team_list):
        return sales_lines.create_sales_line(
            self.deps,
            ADMIN,
            name=name,
            description="",
            workflow_kind=WorkflowKind.QUOTE,
            pipeline_id=f"pipe-{name.lower()}",
            team_ids=[t.id for t in team_list],
        )

    def territory(self, name, line, team, priority, *rules):
        return territories.create_territory(
            self.deps,
            ADMIN,
            name=name,
            sales_line_id=line.id,
            team_id=team.id,
            priority=priority,
            rules=list(rules),
        )

    def sales_team(self, members: int, *, strategy=RoutingStrategy.ROUND_ROBIN):
        """A division > region > team with ``members`` experts, a line and a territory taking
        every lead of a campaign of its own, so tests sharing a database do not route into
        each other's territories. Returns (team, line, territory, member ids, campaign)."""
        division = self.unit(unique("Division"))
        region = self.unit(unique("Region"), division)
        team = self.team(unique("Team"), region, strategy)
        ids = [unique("rep") for _ in range(members)]
        for uid in ids:
            self.member(team, uid)
        line = self.line(unique("Line"), team)
        campaign = unique("campaign")
        territory = self.territory(
            unique("Territory"),
            line,
            team,
            priority(),
            rule(f"{campaign} leads", campaign=[campaign]),
        )
        return team, line, territory, ids, campaign


_priorities = itertools.count(uuid.uuid4().int % 1_000_000 * 1000)


def priority() -> int:
    """Territory priorities unique across a test session sharing one database."""
    return next(_priorities)


def lead(lead_id=None, **attrs) -> LeadFacts:
    return LeadFacts(lead_id or unique("lead"), **attrs)
