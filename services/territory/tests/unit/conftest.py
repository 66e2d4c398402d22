"""A small organisation builder on the fakes, shared by the use-case tests."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_chassis.service_roles import CHECK_ACCESS, CHOOSE_OWNERS, ROUTE_LEADS
from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.sales_lines import WorkflowKind
from crm_territory.domain.teams import RoutingStrategy, TeamRole
from crm_territory.service_layer import memberships, org, people, sales_lines, teams, territories
from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.territories import ConditionInput, RuleInput
from crm_testkit.fakes import FixedClock

from .fakes import FakeDirectory, FakeMetrics, FakeUnitOfWork

ADMIN = Caller("admin-1", roles=frozenset({"admin"}))
# Service accounts hold exactly the narrow roles their calls need (crm_chassis.service_roles).
OWNER_CHOOSER = Caller("leads", kind="service", roles=frozenset({CHOOSE_OWNERS}))
ACCESS_CHECKER = Caller("deals", kind="service", roles=frozenset({CHECK_ACCESS}))
LEAD_ROUTER = Caller("leads", kind="service", roles=frozenset({ROUTE_LEADS}))
# The worker's own caller (event handlers: routing, identity's user facts, workload).
WORKER = Caller.system("territory-worker")


def user(user_id: str, *roles: str) -> Caller:
    return Caller(user_id, roles=frozenset(roles))


class World:
    def __init__(self):
        self.uow = FakeUnitOfWork()
        self.clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
        self.directory = FakeDirectory()
        self.metrics = FakeMetrics()
        self.directory.put("admin-1", departments=("management",), roles=("admin",))
        # What the use cases get: a unit of work per call (here always this world's fake).
        self.deps = Dependencies(
            uow=lambda: self.uow, clock=self.clock, directory=self.directory, metrics=self.metrics
        )

    def person(self, user_id, **kwargs):
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

    def member(
        self, team, user_id, role=TeamRole.EXPERT, capacity=None, takes_leads=None, **person_kwargs
    ):
        if user_id not in self.directory.users or person_kwargs:
            self.directory.put(user_id, **person_kwargs)
        return memberships.add_member(
            self.deps,
            ADMIN,
            team_id=team.id,
            user_id=user_id,
            role=role,
            daily_capacity=capacity,
            takes_leads=takes_leads,
        )

    def line(self, name, *team_list):
        return sales_lines.create_sales_line(
            self.deps,
            ADMIN,
            name=name,
            description="",
            workflow_kind=WorkflowKind.QUOTE,
            pipeline_id=f"pipe-{name.lower().replace(' ', '-')}",
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


def rule(name, **conditions) -> RuleInput:
    """rule("DE", country=["DE"], company_size=[("1", "50")], annual_revenue=([...], "EUR"))"""
    built = []
    for attribute, spec in conditions.items():
        if attribute == "annual_revenue":
            ranges, currency = spec
            built.append(ConditionInput(attribute, ranges=list(ranges), currency=currency))
        elif attribute == "company_size":
            built.append(ConditionInput(attribute, ranges=list(spec)))
        else:
            built.append(ConditionInput(attribute, values=list(spec)))
    return RuleInput(name, built)


def lead(lead_id="lead-1", **attrs) -> LeadFacts:
    return LeadFacts(lead_id, **attrs)


@pytest.fixture
def world() -> World:
    return World()
