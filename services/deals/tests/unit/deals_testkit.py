"""The test world and small helpers shared by the deals unit tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from deals_fake_ports import (
    FakeHandover,
    FakePricing,
    FakeScopes,
    FakeTeams,
    FakeTerritoryLines,
)
from deals_fakes import FakeUnitOfWork

from crm_deals.domain.money import Money
from crm_deals.service_layer import accounts, deals, pipelines
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_testkit.fakes import FixedClock, SequentialIds

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
WORKER = Caller.system("deals-worker")  # the caller of the worker's use cases
STAGES = [
    {
        "key": "qualify",
        "name": "Qualify",
        "default_probability": 10,
        "forecast_category": "pipeline",
        "expected_days": 14,
    },
    {
        "key": "propose",
        "name": "Propose",
        "default_probability": 40,
        "forecast_category": "best_case",
        "expected_days": 21,
    },
    {
        "key": "negotiate",
        "name": "Negotiate",
        "default_probability": 70,
        "forecast_category": "commit",
    },
]


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


class World:
    def __init__(self):
        self.uow = FakeUnitOfWork()
        self.scopes = FakeScopes()
        self.teams = FakeTeams(self.scopes)
        self.pricing = FakePricing()
        self.handover = FakeHandover()
        self.clock = FixedClock(T0)
        # territory's lines: deals learns of them from events or, for a new one, by asking.
        self.territory_lines = FakeTerritoryLines("line-1", "line-2", "line-3")
        self.deps = Dependencies(
            uow=lambda: self.uow,
            clock=self.clock,
            ids=SequentialIds(),
            scopes=self.scopes,
            teams=self.teams,
            pricing=self.pricing,
            handover=self.handover,
            sales_lines=self.territory_lines,
        )
        # team A: alice and bob (experts), sam (supervisor); mia manages the unit above A.
        self.teams.add_member("team-a", "alice")
        self.teams.add_member("team-a", "bob")
        self.teams.add_member("team-a", "sam", "supervisor")
        self.teams.add_unit_manager("team-a", "mia")
        # team B: tom (expert), max (manager of team B).
        self.teams.add_member("team-b", "tom")
        self.teams.add_member("team-b", "max", "manager")
        self.alice, self.bob, self.sam, self.mia = (
            Caller(u) for u in ("alice", "bob", "sam", "mia")
        )
        self.tom, self.max = Caller("tom"), Caller("max")
        self.admin = Caller("root", roles=frozenset({"admin"}))
        self.boss = Caller("boss", departments=frozenset({"management"}))
        self.pipeline = pipelines.create_pipeline(
            self.deps, self.admin, sales_line_id="line-1", name="Enterprise", stages=STAGES
        )

    def call(self, fn, caller, *args, **kwargs):
        return fn(self.deps, caller, *args, **kwargs)

    def account(self, caller=None, name="Acme GmbH", **kwargs):
        kwargs.setdefault("team_id", "team-a")
        return accounts.create_account(self.deps, caller or self.alice, name=name, **kwargs)

    def deal(self, caller=None, account=None, name="Acme rollout", **kwargs):
        caller = caller or self.alice
        account = account or self.account(caller)
        kwargs.setdefault("currency", "EUR")
        kwargs.setdefault("sales_line_id", "line-1")
        return deals.create_deal(self.deps, caller, name=name, account_id=account.id, **kwargs)

    def get(self, repo: str, record_id: str):
        return getattr(self.uow, repo).get(record_id)

    def types(self) -> list[str]:
        return self.uow.emitted_types()
