"""The console on fakes of identity and leads (just what the unit tests need), driven through
Starlette's TestClient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from crm_console.domain.deals import (
    Board,
    Card,
    Column,
    Deal,
    DueTask,
    LostReason,
    PipelineRef,
    Product,
    Stage,
)
from crm_console.domain.deals import Money as DealMoney
from crm_console.domain.errors import AccountLocked, NotFound, Refused, SignedOut, WrongCredentials
from crm_console.domain.lead_query import LeadQuery
from crm_console.domain.leads import Activity, Conversion, Factor, HistoryEntry, Lead, Page, Score
from crm_console.domain.reports import (
    CampaignRoi,
    CurrencyVelocity,
    Dashboard,
    DealAge,
    Forecast,
    ForecastRow,
    ForecastTotals,
    FunnelStage,
    Leaderboard,
    LeaderRow,
    LostBucket,
    LostReasons,
    PipelineFunnel,
    Report,
    ReportPeriod,
    ReportScope,
    SalesCycle,
    Target,
    TeamScope,
    ValueWinRate,
    Velocity,
    WinRate,
)
from crm_console.domain.session import Person, Tokens
from crm_console.entrypoints.settings import ConsoleSettings
from crm_console.entrypoints.web import build_app
from crm_console.service_layer.dependencies import Dependencies
from crm_testkit.fakes import FixedClock

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery staple"


def tokens(n: int, now: dt.datetime = NOW, ttl: int = 900) -> Tokens:
    return Tokens(
        access_token=f"access-{n}",
        access_expires_at=now + dt.timedelta(seconds=ttl),
        refresh_token=f"refresh-{n}",
        refresh_expires_at=now + dt.timedelta(days=1),
    )


@dataclass
class FakeIdentity:
    people: dict[str, Person] = field(default_factory=dict)  # e-mail -> person
    locked: set[str] = field(default_factory=set)
    issued: int = 0
    owners: dict[str, str] = field(default_factory=dict)  # access token -> user id
    revoked: set[str] = field(default_factory=set)
    refreshed: int = 0

    def add(self, email: str, name: str, roles: tuple[str, ...] = ()) -> Person:
        person = Person(
            user_id=f"user-{len(self.people) + 1}", email=email, display_name=name, roles=roles
        )
        self.people[email] = person
        return person

    def _issue(self, person: Person) -> Tokens:
        self.issued += 1
        pair = tokens(self.issued)
        self.owners[pair.access_token] = person.user_id
        self.owners[pair.refresh_token] = person.user_id
        return pair

    def login(self, email: str, password: str, client_address: str) -> Tokens:
        if email in self.locked:
            raise AccountLocked("too many wrong passwords; try again in 60 seconds", 60)
        if email not in self.people or password != PASSWORD:
            raise WrongCredentials("e-mail or password is wrong")
        return self._issue(self.people[email])

    def refresh(self, refresh_token: str) -> Tokens:
        if refresh_token in self.revoked or refresh_token not in self.owners:
            raise SignedOut("refresh token is not valid; log in again")
        self.refreshed += 1
        self.revoked.add(refresh_token)
        user_id = self.owners[refresh_token]
        return self._issue(next(p for p in self.people.values() if p.user_id == user_id))

    def logout(self, refresh_token: str) -> None:
        self.revoked.add(refresh_token)

    def who_am_i(self, access_token: str) -> Person:
        user_id = self.owners[access_token]
        return next(p for p in self.people.values() if p.user_id == user_id)


def lead(lead_id: str, owner: str, team: str = "team-1", **values: object) -> Lead:
    base = Lead(
        id=lead_id,
        first_name="Lena",
        last_name=f"Vogel {lead_id}",
        email=f"{lead_id}@vogel.de",
        phone="",
        title="",
        company="Vogel GmbH",
        industry="software",
        company_size="small",
        country="DE",
        city="Berlin",
        channel="web_form",
        status="new",
        score=Score(
            score=72,
            grade="b",
            factors=(Factor("fit", "Country DE", 20), Factor("engagement", "Demo requested", 30)),
        ),
        team_id=team,
        owner_user_id=owner,
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )
    return replace(base, **values)  # type: ignore[arg-type]


@dataclass
class FakeLeads:
    identity: FakeIdentity
    leads: dict[str, Lead] = field(default_factory=dict)
    teams: dict[str, set[str]] = field(default_factory=dict)  # team -> member user ids
    searches: list[LeadQuery] = field(default_factory=list)

    def _visible(self, token: str, lead_id: str) -> Lead:
        user_id = self.identity.owners.get(token, "")
        found = self.leads.get(lead_id)
        if found is None or user_id not in self.teams.get(found.team_id, set()):
            raise NotFound(f"lead {lead_id} not found")
        return found

    def search(self, token: str, query: LeadQuery) -> Page:
        self.searches.append(query)
        user_id = self.identity.owners.get(token, "")
        found = [
            lead
            for lead in self.leads.values()
            if user_id in self.teams.get(lead.team_id, set())
            and (not query.statuses or lead.status in query.statuses)
            and (not query.owner_user_ids or lead.owner_user_id in query.owner_user_ids)
        ]
        return Page(leads=tuple(sorted(found, key=lambda lead: -lead.score.score)))

    def get(self, token: str, lead_id: str) -> Lead:
        return self._visible(token, lead_id)

    def history(self, token: str, lead_id: str) -> tuple[HistoryEntry, ...]:
        self._visible(token, lead_id)
        return (HistoryEntry(occurred_at=NOW, actor="Ann", action="created", changes=()),)

    def activities(self, token: str, lead_id: str) -> tuple[Activity, ...]:
        self._visible(token, lead_id)
        return ()

    def create(self, token: str, idempotency_key: str, values: Mapping[str, str]) -> Lead:
        if not values.get("person.email") and not values.get("person.phone"):
            raise Refused("a lead needs an e-mail address or a phone number", field="person.email")
        user_id = self.identity.owners[token]
        created = lead(f"lead-{len(self.leads) + 1}", user_id, email=values["person.email"])
        self.leads[created.id] = created
        return created

    def transition(
        self, token: str, lead_id: str, action: str, *, note: str = "", reason: str = ""
    ) -> Lead:
        found = self._visible(token, lead_id)
        status = {
            "work": "working",
            "qualify": "qualified",
            "disqualify": "disqualified",
            "reactivate": "working",
        }[action]
        if action == "work" and found.status != "new":
            raise Refused(f"lead {lead_id} is {found.status}; only a new lead can be worked")
        self.leads[lead_id] = replace(
            found, status=status, status_note=note, disqualification_reason=reason
        )
        return self.leads[lead_id]

    def convert(self, token: str, lead_id: str, *, opportunity_name: str = "") -> Lead:
        found = self._visible(token, lead_id)
        if found.status != "qualified":
            raise Refused(f"lead {lead_id} is {found.status}; only a qualified lead converts")
        self.leads[lead_id] = replace(
            found, status="converting", conversion=Conversion(state="requested")
        )
        return self.leads[lead_id]

    def merge(self, token: str, survivor_id: str, duplicate_id: str) -> Lead:
        survivor = self._visible(token, survivor_id)
        duplicate = self._visible(token, duplicate_id)
        self.leads[duplicate_id] = replace(
            duplicate, status="merged", merged_into_lead_id=survivor_id
        )
        return survivor

    def import_rows(
        self,
        token: str,
        import_id: str,
        columns: list[str],
        rows: Iterable[Mapping[str, str]],
        progress: Callable[[int, int, int], None],
    ) -> Iterator[tuple[int, str, str]]:
        read = accepted = 0
        for number, row in enumerate(rows, start=1):
            read += 1
            if "@" not in row.get("E-Mail", ""):
                progress(read, accepted, read - accepted)
                yield number, "person.email", f"{row.get('E-Mail')!r} is not an e-mail address"
            else:
                accepted += 1
        progress(read, accepted, read - accepted)


@pytest.fixture
def make_lead():
    return lead


@pytest.fixture
def world():
    identity = FakeIdentity()
    leads = FakeLeads(identity)
    clock = FixedClock(NOW)
    deps = Dependencies(
        identity=identity,
        leads=leads,
        deals=FakeDeals(identity),
        catalog=FakeCatalog(),
        reporting=FakeReporting(identity),
        clock=clock,
    )
    settings = ConsoleSettings.load("console", {"CRM_ENV": "test"})
    app = build_app(settings, deps)
    with TestClient(app, base_url="https://console.test") as client:
        yield client, identity, leads, clock


# ---------------------------------------------------------------- deals and catalog (board, deal page)
STAGES = (
    Stage("new", "New", 10, 7),
    Stage("proposal", "Proposal", 50),
    Stage("won_only", "Won", 90),
)


def card(deal_id: str, stage: str, amount: str, version: int = 1) -> Card:
    revenue = DealMoney(Decimal(amount), "EUR")
    return Card(deal_id, f"Deal {deal_id}", stage, "user-1", revenue, 10, NOW, version)


@dataclass
class FakeDeals:
    """One sales line "line-1" of team-1; deals refuses moves to "won_only" and stale versions,
    and a deal of another team is NotFound, as deals answers."""

    identity: FakeIdentity
    cards: dict[str, Card] = field(default_factory=dict)
    teams: dict[str, set[str]] = field(default_factory=dict)  # team -> member user ids
    moves: list[tuple[str, str, int]] = field(default_factory=list)
    tasks: list[DueTask] = field(default_factory=list)  # ListMyTasks' answer, in its order
    time_zones: list[str] = field(default_factory=list)  # the zone of each ListMyTasks call

    def add(self, deal_id: str, stage: str, amount: str, version: int = 1) -> None:
        self.cards[deal_id] = card(deal_id, stage, amount, version)

    def pipelines(self, token: str) -> tuple[PipelineRef, ...]:
        return (PipelineRef("line-1", "SMB pipeline"),)

    def board(self, token: str, sales_line_id: str) -> Board:
        if sales_line_id != "line-1":
            raise NotFound(f"sales line {sales_line_id} not found")
        columns = []
        for stage in STAGES:
            cards = tuple(c for c in self.cards.values() if c.stage_key == stage.key)
            total = sum((c.revenue.amount for c in cards if c.revenue), Decimal(0))
            weighted = total * stage.probability / 100
            money = (DealMoney(total, "EUR"),) if cards else ()
            weighted_money = (DealMoney(weighted, "EUR"),) if cards else ()
            columns.append(Column(stage, cards, money, weighted_money))
        return Board("line-1", "SMB pipeline", tuple(columns))

    def lost_reasons(self, token: str) -> tuple[LostReason, ...]:
        return (LostReason("price", "Our price was too high"),)

    def move(self, token: str, deal_id: str, stage_key: str, version: int) -> Deal:
        found = self.cards.get(deal_id)
        if found is None:
            raise NotFound(f"opportunity {deal_id} not found")
        if stage_key == "won_only":
            raise Refused("a deal is won with CloseDealWon, not by a stage move")
        if version and version != found.version:
            raise Refused(f"opportunity {deal_id} is at version {found.version}, not {version}")
        self.moves.append((deal_id, stage_key, version))
        self.cards[deal_id] = replace(found, stage_key=stage_key, version=found.version + 1)
        return self.get(token, deal_id)

    def get(self, token: str, deal_id: str) -> Deal:
        found = self.cards.get(deal_id)
        user_id = self.identity.owners.get(token, "")
        if found is None or user_id not in self.teams.get("team-1", set()):
            raise NotFound(f"opportunity {deal_id} not found")
        return Deal(
            id=found.id,
            name=found.name,
            team_id="team-1",
            account_id="",
            primary_contact_id="",
            sales_line_id="line-1",
            stage_key=found.stage_key,
            stage_name=found.stage_key,
            status="open",
            probability=found.probability,
            currency="EUR",
            estimated_revenue=found.revenue,
            estimated_close_date="",
            owner_user_id="user-1",
        )

    def my_open_deals(self, token: str, owner_user_id: str) -> tuple[Deal, ...]:
        if self.identity.owners.get(token, "") not in self.teams.get("team-1", set()):
            return ()
        mine = (self.get(token, deal_id) for deal_id in self.cards)
        return tuple(d for d in mine if d.owner_user_id == owner_user_id)

    def my_tasks(self, token: str, time_zone: str) -> tuple[DueTask, ...]:
        self.time_zones.append(time_zone)
        user_id = self.identity.owners.get(token, "")
        if user_id not in self.teams.get("team-1", set()):
            return ()
        return tuple(t for t in self.tasks if t.task.owner_user_id == user_id)

    def timeline(self, token: str, deal_id: str) -> tuple[object, ...]:
        return ()

    def quotes(self, token: str, deal_id: str) -> tuple[object, ...]:
        return ()

    def __getattr__(self, name: str) -> object:
        raise NotImplementedError(name)


class FakeCatalog:
    def products(self, token: str) -> tuple[Product, ...]:
        return (Product("p1", "SEAT", "Seat licence", "seat"),)

    def __getattr__(self, name: str) -> object:
        raise NotImplementedError(name)


# ---------------------------------------------------------------- reporting (dashboards)
def money_of(amount: str, currency: str = "EUR") -> DealMoney:
    return DealMoney(Decimal(amount), currency)


def dashboard_figures(label: str = "2026-12", size: int = 1) -> Dashboard:
    """reporting's Dashboard answer for one team; ``size`` scales the counts and the rows (the
    bench asks for the aggregates of a million deals)."""
    stages = tuple(
        FunnelStage(
            key,
            name,
            open_deals=n * size,
            open_value=(money_of(f"{n * size * 1000}.50"), money_of(f"{n * 700}", "USD")),
            reached=(5 - i) * 10 * size,
            conversion_to_next_percent="60.0" if i < 3 else "",
            mean_days="4.5",
            median_days="3.0",
            expected_days=7,
            stuck_deals=i,
        )
        for i, (key, name, n) in enumerate(
            (
                ("new", "New", 12),
                ("qualify", "Qualify", 9),
                ("proposal", "Proposal", 5),
                ("negotiate", "Negotiate", 3),
            )
        )
    )
    funnel = (PipelineFunnel("pipe-1", "line-1", stages, 50 * size, 11 * size, "22.0"),)
    periods = [f"2027-{m:02d}" for m in range(1, 1 + 3 * size)][:36] or ["2027-01"]
    forecast = Forecast(
        rows=tuple(
            ForecastRow(p, c, cur, 3, money_of("9000", cur), money_of("4500", cur))
            for p in periods
            for c in ("commit", "best_case", "pipeline")
            for cur in ("EUR", "USD")
        ),
        totals=tuple(
            ForecastTotals(
                p,
                cur,
                money_of("9000", cur),
                money_of("18000", cur),
                money_of("27000", cur),
                money_of("13500", cur),
                money_of("1000", cur),
            )
            for p in periods
            for cur in ("EUR", "USD")
        ),
    )
    velocity = Velocity(
        label,
        "2026-11",
        (
            CurrencyVelocity(
                "EUR", 29 * size, money_of("12000"), "35.0", "41.5", money_of("2937.35")
            ),
        ),
        (CurrencyVelocity("EUR", 25, money_of("11000"), "30.0", "44.0", money_of("1875.00")),),
        {"EUR": "56.7"},
    )
    targets = tuple(
        Target(
            "line-1",
            f"team-{n}",
            "2026-12",
            money_of("100000"),
            money_of("82500.25"),
            "82.5",
            20,
            17,
            "85.0",
        )
        for n in range(1, 1 + min(size, 50))
    )
    cycle = SalesCycle(
        11 * size,
        "38.2",
        "35.0",
        tuple(
            DealAge(f"deal-{n}", "team-1", "user-1", f"{90 - n}.0", "2.1", True) for n in range(20)
        ),
    )
    win = WinRate(
        11 * size,
        7 * size,
        "61.1",
        (ValueWinRate("EUR", money_of("132000"), money_of("70000"), "65.3"),),
    )
    return Dashboard(label, funnel, win, cycle, velocity, forecast, targets)


@pytest.fixture
def figures_of():
    return dashboard_figures


@dataclass
class FakeReporting:
    """reporting for the dashboards: the scopes of territory per person, and one set of
    figures per scope; a scope the person may not see is NotFound, a person scope has no
    targets (reporting's refusal), as reporting answers."""

    identity: FakeIdentity
    team_scopes: dict[str, tuple[TeamScope, ...]] = field(default_factory=dict)  # user -> scopes
    figures: dict[tuple[str, str], Dashboard] = field(default_factory=dict)  # (kind, id) -> figures
    asked: list[tuple[str, ReportScope, ReportPeriod]] = field(default_factory=list)

    def scopes(self, token: str, user_id: str) -> tuple[TeamScope, ...]:
        return self.team_scopes.get(user_id, ())

    def _figures(self, token: str, method: str, scope: ReportScope, period: ReportPeriod):
        self.asked.append((method, scope, period))
        user_id = self.identity.owners.get(token, "")
        mine = self.team_scopes.get(user_id, ())
        visible = (
            (scope.kind == "team" and any(s.team_id == scope.id for s in mine))
            or (scope.kind == "unit" and any(s.unit_id == scope.id for s in mine))
            or (scope.kind == "person" and scope.id == user_id and mine)
        )
        if not visible or (scope.kind, scope.id) not in self.figures:
            raise NotFound(f"{scope.kind} {scope.id!r} not found")
        return self.figures[(scope.kind, scope.id)]

    def dashboard(self, token, scope, period) -> Dashboard:
        return self._figures(token, "dashboard", scope, period)

    def funnel(self, token, scope, period) -> Report:
        found = self._figures(token, "funnel", scope, period)
        return Report(found.label, found.funnel)

    def win_rate(self, token, scope, period) -> Report:
        found = self._figures(token, "win_rate", scope, period)
        return Report(found.label, found.win_rate)

    def lost_reasons(self, token, scope, period) -> LostReasons:
        found = self._figures(token, "lost_reasons", scope, period)
        reasons = (
            LostBucket("price", 4, (money_of("40000"),), "57.1", 2),
            LostBucket("", 3, (money_of("30000"), money_of("900", "USD")), "42.9", 1),
        )
        rivals = (LostBucket("Globex", 2, (money_of("25000"),), "28.6", 0),)
        return LostReasons(found.label, "2026-11", 7, reasons, rivals)

    def sales_cycle(self, token, scope, period, open_deal_limit) -> Report:
        found = self._figures(token, "sales_cycle", scope, period)
        return Report(found.label, found.cycle)

    def velocity(self, token, scope, period) -> Velocity:
        return self._figures(token, "velocity", scope, period).velocity

    def forecast(self, token, scope, period, bucket) -> Report:
        found = self._figures(token, f"forecast:{bucket}", scope, period)
        return Report(found.label, found.forecast)

    def targets(self, token, scope, period) -> Report:
        found = self._figures(token, "targets", scope, period)
        if scope.kind == "person":
            raise Refused("a person has no targets; ask for a team, unit or sales line")
        return Report(found.label, found.targets)

    def campaign_roi(self, token, scope, period) -> Report:
        found = self._figures(token, "campaign_roi", scope, period)
        rows = (
            CampaignRoi(
                "c1",
                "Spring fair",
                "event",
                money_of("5000"),
                money_of("20000"),
                2,
                "300.0",
                (money_of("800", "USD"),),
            ),
            CampaignRoi(
                "c2",
                "Tel Aviv webinar",
                "webinar",
                money_of("1000", "ILS"),
                money_of("0", "ILS"),
                0,
                "-100.0",
                (),
            ),
        )
        return Report(found.label, rows)

    def leaderboard(self, token, scope, period, limit) -> Report:
        found = self._figures(token, "leaderboard", scope, period)
        reps = tuple(
            LeaderRow(
                f"user-{n}",
                10 - n,
                (money_of(f"{(10 - n) * 1000}"),),
                "50.0",
                "30.0",
                n,
                40,
                "90.0",
            )
            for n in range(min(limit, 5))
        )
        return Report(
            found.label, Leaderboard(reps, (LeaderRow("team-1", 10, (), "", "", 0, 0, ""),))
        )
