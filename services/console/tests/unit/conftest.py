"""The console on fakes of identity and leads (just what the unit tests need), driven through
Starlette's TestClient."""

from __future__ import annotations

import datetime as dt
import zoneinfo
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
    DealDocuments,
    DueTask,
    Invoice,
    LineRequest,
    LostReason,
    Payment,
    PipelineRef,
    PricedLine,
    Pricing,
    Product,
    Stage,
)
from crm_console.domain.deals import Money as DealMoney
from crm_console.domain.errors import (
    AccountLocked,
    NotFound,
    Refused,
    SignedOut,
    Unavailable,
    WrongCredentials,
)
from crm_console.domain.lead_query import LeadQuery
from crm_console.domain.leads import (
    Conversion,
    Factor,
    HistoryEntry,
    Lead,
    LeadActivity,
    Page,
    Score,
)
from crm_console.domain.organisation import (
    AutomationRule,
    Candidate,
    DirectoryPerson,
    LeadAttributes,
    NewAutomationRule,
    OrgUnit,
    Pipeline,
    PipelineStage,
    PriceList,
    RoutePreview,
    Rule,
    RuleVersion,
    SalesLine,
    Target,
    Territory,
)
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
    TargetVsActual,
    TeamScope,
    ValueWinRate,
    Velocity,
    WinRate,
)
from crm_console.domain.session import Me, Person, Preferences, Tokens
from crm_console.domain.team import Membership, Team
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
    deactivated: set[str] = field(default_factory=set)  # user ids
    searches: list[tuple[str, str, bool]] = field(default_factory=list)  # (caller, text, active)
    page_size: int = 20
    preferences: dict[str, Preferences] = field(default_factory=dict)  # user id -> saved
    preferences_refusal: Exception | None = None  # UpdateOwnPreferences refused / not answering

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

    def person_of(self, access_token: str) -> Person:
        user_id = self.owners[access_token]
        return next(p for p in self.people.values() if p.user_id == user_id)

    def who_am_i(self, access_token: str) -> Me:
        person = self.person_of(access_token)
        return Me(person, self.preferences.get(person.user_id, Preferences()))

    def save_preferences(
        self, token: str, preferences: Preferences, fields: tuple[str, ...]
    ) -> Preferences:
        """identity's UpdateOwnPreferences: the caller's own, en/fa/he and IANA zones only."""
        if self.preferences_refusal is not None:
            raise self.preferences_refusal
        if token in self.revoked or token not in self.owners:
            raise SignedOut("the access token is not valid; log in again")
        if preferences.language not in ("", "en", "fa", "he"):
            raise Refused(f"language: {preferences.language!r} is not a language", field="language")
        if preferences.time_zone and preferences.time_zone not in zoneinfo.available_timezones():
            raise Refused(f"time_zone: {preferences.time_zone!r} is not a time zone")
        user_id = self.owners[token]
        saved = self.preferences.get(user_id, Preferences())
        changed = {f: getattr(preferences, f) for f in fields or ("language", "time_zone")}
        self.preferences[user_id] = replace(saved, **changed)
        return self.preferences[user_id]

    def find_people(
        self, token: str, text: str, *, active_only: bool
    ) -> tuple[tuple[DirectoryPerson, ...], bool]:
        """identity's ListUsers: name or e-mail contains the text, case-insensitive."""
        self.searches.append((self.owners[token], text, active_only))
        wanted = text.casefold()
        found = [
            DirectoryPerson(p.user_id, p.email, p.display_name)
            for p in sorted(self.people.values(), key=lambda p: p.email)
            if (wanted in p.email.casefold() or wanted in p.display_name.casefold())
            and not (active_only and p.user_id in self.deactivated)
        ]
        return tuple(found[: self.page_size]), len(found) > self.page_size


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
    tasks: list[DueTask] = field(default_factory=list)  # ListMyLeadTasks' answer, in its order
    down: bool = False  # True: my_tasks answers Unavailable (leads does not answer)

    def my_tasks(self, token: str, time_zone: str) -> tuple[DueTask, ...]:
        if self.down:
            raise Unavailable("leads did not answer")
        user_id = self.identity.owners.get(token, "")
        return tuple(t for t in self.tasks if t.task.owner_user_id == user_id)

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

    def activities(self, token: str, lead_id: str) -> tuple[LeadActivity, ...]:
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
        organisation=FakeOrganisation(identity),
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
            status=self.statuses.get(deal_id, "open"),
            probability=found.probability,
            currency="EUR",
            estimated_revenue=found.revenue,
            estimated_close_date="",
            owner_user_id="user-1",
            stage_entered_at=found.stage_entered_at,
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

    # the deal page's orders and invoices: a won deal's priced lines come to 742.49 EUR;
    # invoices are a supervisor's (deals: PERMISSION_DENIED for the others)
    statuses: dict[str, str] = field(default_factory=dict)  # deal -> status when not open
    docs: dict[str, DealDocuments] = field(default_factory=dict)
    supervisors: set[str] = field(default_factory=set)
    payments_sent: list[tuple[str, Decimal, str, str, str, str]] = field(default_factory=list)

    def documents(self, token: str, deal_id: str) -> DealDocuments:
        self.get(token, deal_id)  # another team's deal is NotFound, as deals answers
        return self.docs.get(deal_id, DealDocuments())

    def _supervisor(self, token: str) -> None:
        if self.identity.owners.get(token, "") not in self.supervisors:
            raise Refused("only a supervisor or manager of the team may invoice deals")

    def _invoice(self, invoice_id: str) -> tuple[str, Invoice]:
        for deal_id, found in self.docs.items():
            for invoice in found.invoices:
                if invoice.id == invoice_id:
                    return deal_id, invoice
        raise NotFound(f"invoice {invoice_id} not found")

    def _keep(self, deal_id: str, invoice: Invoice) -> Invoice:
        found = self.docs.get(deal_id, DealDocuments())
        others = tuple(i for i in found.invoices if i.id != invoice.id)
        self.docs[deal_id] = replace(found, invoices=(*others, invoice))
        return invoice

    def invoice_deal(self, token: str, deal_id: str) -> Invoice:
        deal = self.get(token, deal_id)
        self._supervisor(token)
        if deal.status != "won":
            raise Refused(f"only a won deal is invoiced directly; deal {deal.name!r} is open")
        if self.documents(token, deal_id).has_live_invoice:
            raise Refused(f"deal {deal.name!r} already has an invoice that is not cancelled")
        total = DealMoney(Decimal("742.49"), "EUR")
        return self._keep(deal_id, Invoice(f"inv-{deal_id}", "", "", "draft", total))

    def issue_invoice(self, token: str, invoice_id: str) -> Invoice:
        deal_id, invoice = self._invoice(invoice_id)
        self.get(token, deal_id)
        self._supervisor(token)
        issued = replace(
            invoice,
            number="INV-2026-000001",
            status="issued",
            issue_date="2026-12-07",
            due_date="2027-01-06",
            paid_amount=DealMoney(Decimal("0.00"), "EUR"),
            balance=invoice.total,
        )
        return self._keep(deal_id, issued)

    def record_payment(
        self,
        token: str,
        invoice_id: str,
        amount: Decimal,
        currency: str,
        *,
        paid_on: str,
        method: str,
        reference: str,
    ) -> Invoice:
        deal_id, invoice = self._invoice(invoice_id)
        self.get(token, deal_id)
        self._supervisor(token)
        assert invoice.balance is not None and invoice.paid_amount is not None
        if amount > invoice.balance.amount:
            raise Refused(
                f"a payment of {amount} {currency} is more than the balance due "
                f"{invoice.balance.amount} {currency}",
                field="amount",
            )
        self.payments_sent.append((invoice_id, amount, currency, paid_on, method, reference))
        balance = invoice.balance.amount - amount
        paid = replace(
            invoice,
            status="paid" if balance == 0 else "issued",
            paid_amount=DealMoney(invoice.paid_amount.amount + amount, currency),
            balance=DealMoney(balance, currency),
            payments=(
                *invoice.payments,
                Payment(DealMoney(amount, currency), paid_on or "2026-12-07", method, reference),
            ),
        )
        return self._keep(deal_id, paid)

    # the Organisation pages: line-1's pipeline; its rules are read and changed by team-1's
    # members here (deals: managers of each of the rule's teams)
    automation: dict[str, AutomationRule] = field(default_factory=dict)
    revisions: list[tuple[tuple[PipelineStage, ...], dict[str, str]]] = field(default_factory=list)

    more_pipelines: list[Pipeline] = field(default_factory=list)  # created as ``additional``

    def pipeline_details(self, token: str) -> tuple[Pipeline, ...]:
        stages = tuple(
            PipelineStage(s.key, s.name, s.probability, "pipeline", s.expected_days) for s in STAGES
        )
        default = Pipeline("pipeline-1", "line-1", "SMB pipeline", stages, 2, line_default=True)
        return (default, *self.more_pipelines)

    def create_pipeline(
        self,
        token: str,
        sales_line_id: str,
        name: str,
        stages: tuple[PipelineStage, ...],
        additional: bool,
    ) -> Pipeline:
        existing = [p for p in self.pipeline_details(token) if p.sales_line_id == sales_line_id]
        if existing and not additional:
            raise Refused(f"sales line {sales_line_id} has a pipeline already")
        if any(p.name == name for p in existing):
            raise Refused(f"the line has a pipeline named {name!r} already", field="name")
        number = len(self.more_pipelines) + 2
        new = Pipeline(f"pipeline-{number}", sales_line_id, name, stages, 1, not existing)
        self.more_pipelines.append(new)
        return new

    def automation_rules(self, token: str, pipeline_id: str) -> tuple[AutomationRule, ...]:
        if self.identity.owners.get(token, "") not in self.teams.get("team-1", set()):
            return ()
        return tuple(r for r in self.automation.values() if r.pipeline_id == pipeline_id)

    def set_automation_enabled(self, token: str, rule_id: str, enabled: bool) -> AutomationRule:
        found = self.automation.get(rule_id)
        if found is None or self.identity.owners.get(token, "") not in self.teams.get(
            "team-1", set()
        ):
            raise NotFound(f"automation rule {rule_id} not found")
        if enabled and not found.team_ids:
            raise Refused("a rule without teams cannot be enabled; create it again for teams")
        self.automation[rule_id] = replace(found, enabled=enabled)
        return self.automation[rule_id]

    def create_automation_rule(
        self, token: str, pipeline_id: str, rule: NewAutomationRule, webhook_secret: str
    ) -> AutomationRule:
        if self.identity.owners.get(token, "") not in self.teams.get("team-1", set()):
            raise Refused("only a manager of every team of the rule may create it")
        if any(t != "team-1" for t in rule.team_ids):
            raise Refused("you manage none of team(s) team-2", field="team_ids")
        if "{{ deal.nme }}" in rule.subject:
            raise Refused("unknown placeholder 'deal.nme' in the subject", field="subject")
        made = AutomationRule(
            f"r{len(self.automation) + 1}",
            pipeline_id,
            rule.name,
            rule.trigger,
            rule.stage_key,
            rule.stalled_after_days,
            (f"{rule.action_kind}: {', '.join(rule.recipients)}",),
            True,
            rule.team_ids,
            "",
        )
        self.automation[made.id] = made
        return made

    def revise_pipeline(
        self,
        token: str,
        pipeline_id: str,
        stages: tuple[PipelineStage, ...],
        moves: Mapping[str, str],
        version: int,
    ) -> Pipeline:
        current = self.pipeline_details(token)[0]
        if version and version != current.version:
            raise Refused(f"pipeline is at version {current.version}, not {version}")
        kept = {s.key for s in stages}
        for stage in current.stages:
            holding = any(c.stage_key == stage.key for c in self.cards.values())
            if stage.key not in kept and holding and stage.key not in moves:
                raise Refused(
                    f"stage {stage.key!r} holds open deals: choose a kept stage for them",
                    field="moves",
                )
        self.revisions.append((stages, dict(moves)))
        return replace(current, stages=stages, version=current.version + 1)

    def __getattr__(self, name: str) -> object:
        raise NotImplementedError(name)


class FakeCatalog:
    def products(self, token: str) -> tuple[Product, ...]:
        return (Product("p1", "SEAT", "Seat licence", "seat"),)

    # the Organisation pages: browsing and the price lookup (EUR only, 49.90 a seat)
    def all_products(self, token: str) -> tuple[Product, ...]:
        return (*self.products(token), Product("p0", "OLD", "Retired add-on", "piece"))

    def price_lists(self, token: str) -> tuple[PriceList, ...]:
        return (PriceList("pl-1", "Standard EUR", "EUR", "2026-01-01", "", "default", 1),)

    def price(
        self,
        token: str,
        lines: tuple[LineRequest, ...],
        *,
        sales_line_id: str,
        account_id: str,
        currency: str,
    ) -> Pricing:
        if currency != "EUR":
            raise Refused(f"no price list in {currency} applies", field="currency")
        priced = []
        for line in lines:
            if line.product_id != "p1":
                priced.append(
                    PricedLine(
                        "?",
                        line.unit,
                        line.quantity,
                        None,
                        None,
                        None,
                        (),
                        "no price for this product",
                    )
                )
                continue
            amount = DealMoney(Decimal("49.90") * Decimal(line.quantity), "EUR")
            priced.append(
                PricedLine(
                    "Seat licence",
                    line.unit,
                    line.quantity,
                    DealMoney(Decimal("49.90"), "EUR"),
                    None,
                    amount,
                    (f"list 'Standard EUR': 49.90 EUR per {line.unit}",),
                )
            )
        net = priced[0].amount if len(priced) == 1 else None
        return Pricing(tuple(priced), net, all(not p.error for p in priced))

    def __getattr__(self, name: str) -> object:
        raise NotImplementedError(name)


# ---------------------------------------------------------------- territory (the Organisation pages)
@dataclass
class FakeOrganisation:
    """territory's organisation as the Organisation pages see it: anyone reads; only a person
    with the admin role changes units, teams, lines and territories, and members and targets
    also a manager of the team (``managers``); a preview needs admin or a supervisor+ (the
    ``supervisors``). Refusals carry territory's kind of sentence and field."""

    identity: FakeIdentity
    unit_rows: dict[str, OrgUnit] = field(default_factory=dict)
    team_rows: dict[str, Team] = field(default_factory=dict)
    member_rows: dict[str, Membership] = field(default_factory=dict)
    line_rows: dict[str, SalesLine] = field(default_factory=dict)
    target_rows: dict[tuple[str, str, str], Target] = field(default_factory=dict)
    territory_rows: dict[str, Territory] = field(default_factory=dict)
    versions: dict[str, list[RuleVersion]] = field(default_factory=dict)
    managers: dict[str, set[str]] = field(default_factory=dict)  # team -> manager user ids
    supervisors: set[str] = field(default_factory=set)
    previews: list[LeadAttributes] = field(default_factory=list)
    named: list[tuple[str, ...]] = field(default_factory=list)  # ListPeopleNames' questions
    names_refusal: Exception | None = None  # ListPeopleNames refused or not answering

    def _person(self, token: str) -> Person:
        return self.identity.person_of(token)

    def _admin(self, token: str, what: str) -> None:
        if "admin" not in self._person(token).roles:
            raise Refused(f"only an administrator may {what}")

    def _admin_or_manager(self, token: str, team_id: str, what: str) -> None:
        person = self._person(token)
        if "admin" not in person.roles and person.user_id not in self.managers.get(team_id, set()):
            raise Refused(f"only an administrator or a manager of the team may {what}")

    def _next(self, rows: dict[str, object], prefix: str) -> str:
        return f"{prefix}-{len(rows) + 1}"

    def units(self, token: str) -> tuple[OrgUnit, ...]:
        return tuple(self.unit_rows.values())

    def create_unit(self, token: str, name: str, parent_id: str, department: str) -> OrgUnit:
        self._admin(token, "create units")
        parent = self.unit_rows.get(parent_id)
        if parent_id and parent is None:
            raise NotFound(f"unit {parent_id} not found")
        if parent is not None and parent.level >= 3:
            raise Refused("the organisation has three levels; a 4th is not allowed")
        if any(u.name == name and u.parent_id == parent_id for u in self.unit_rows.values()):
            raise Refused(f"a unit named {name!r} exists here already", field="name")
        level = parent.level + 1 if parent else 1
        new = OrgUnit(
            self._next(self.unit_rows, "unit"),
            name,
            level,
            ("Division", "Region", "Area")[level - 1],
            parent.department if parent else department,
            parent_id,
            (),
            True,
            1,
        )
        self.unit_rows[new.id] = new
        return new

    def _unit(self, unit_id: str) -> OrgUnit:
        if unit_id not in self.unit_rows:
            raise NotFound(f"unit {unit_id} not found")
        return self.unit_rows[unit_id]

    def _changed(self, unit: OrgUnit, version: int, **values: object) -> OrgUnit:
        if version and version != unit.version:
            raise Refused(f"unit {unit.name!r} changed meanwhile; reload and try again")
        self.unit_rows[unit.id] = replace(unit, version=unit.version + 1, **values)  # type: ignore[arg-type]
        return self.unit_rows[unit.id]

    def rename_unit(self, token: str, unit_id: str, name: str, version: int) -> OrgUnit:
        self._admin(token, "rename units")
        return self._changed(self._unit(unit_id), version, name=name)

    def deactivate_unit(self, token: str, unit_id: str) -> OrgUnit:
        self._admin(token, "deactivate units")
        unit = self._unit(unit_id)
        below = [u.name for u in self.unit_rows.values() if u.parent_id == unit_id and u.active]
        below += [t.name for t in self.team_rows.values() if t.unit_id == unit_id and t.active]
        if below:
            raise Refused(f"unit {unit.name!r} still has active units or teams: {below[0]}")
        return self._changed(unit, 0, active=False)

    def move_unit(self, token: str, unit_id: str, parent_id: str, version: int) -> OrgUnit:
        self._admin(token, "move units")
        unit, parent = self._unit(unit_id), self._unit(parent_id)
        walk = parent
        while walk.parent_id:
            if walk.parent_id == unit_id:
                raise Refused(f"{parent.name!r} is inside {unit.name!r}", field="new_parent_id")
            walk = self._unit(walk.parent_id)
        return self._changed(unit, version, parent_id=parent_id, level=parent.level + 1)

    def assign_manager(self, token: str, unit_id: str, user_id: str) -> OrgUnit:
        self._admin(token, "assign managers")
        unit = self._unit(unit_id)
        return self._changed(unit, 0, manager_user_ids=(*unit.manager_user_ids, user_id))

    def remove_manager(self, token: str, unit_id: str, user_id: str) -> OrgUnit:
        self._admin(token, "remove managers")
        unit = self._unit(unit_id)
        kept = tuple(u for u in unit.manager_user_ids if u != user_id)
        return self._changed(unit, 0, manager_user_ids=kept)

    def teams(self, token: str) -> tuple[Team, ...]:
        return tuple(self.team_rows.values())

    def team(self, token: str, team_id: str) -> Team:
        if team_id not in self.team_rows:
            raise NotFound(f"team {team_id} not found")
        return self.team_rows[team_id]

    def rename_team(self, token: str, team_id: str, name: str, version: int) -> Team:
        self._admin(token, "rename teams")
        team = self.team(token, team_id)
        if any(t.name == name and t.id != team_id for t in self.team_rows.values()):
            raise Refused(f"another team is named {name!r} already", field="name")
        if version and version != team.version:
            raise Refused(f"team {team.name!r} changed meanwhile; reload and try again")
        self.team_rows[team_id] = replace(team, name=name, version=team.version + 1)
        return self.team_rows[team_id]

    def deactivate_team(self, token: str, team_id: str) -> Team:
        self._admin(token, "deactivate teams")
        team = self.team(token, team_id)
        active = [m for m in self.memberships(token, team_id) if m.current]
        if active:
            raise Refused(f"team {team.name!r} still has {len(active)} active member(s)")
        self.team_rows[team_id] = replace(team, active=False, version=team.version + 1)
        return self.team_rows[team_id]

    def create_team(
        self, token: str, name: str, unit_id: str, strategy: str, time_zone: str
    ) -> Team:
        self._admin(token, "create teams")
        self._unit(unit_id)
        if time_zone not in ("UTC", "Europe/Berlin", "Asia/Tehran"):
            raise Refused(f"{time_zone!r} is not an IANA time zone", field="time_zone")
        new = Team(self._next(self.team_rows, "team"), name, unit_id, strategy, time_zone, True, 1)
        self.team_rows[new.id] = new
        return new

    def memberships(self, token: str, team_id: str) -> tuple[Membership, ...]:
        return tuple(m for m in self.member_rows.values() if m.team_id == team_id)

    def people_names(self, token: str, user_ids: tuple[str, ...]) -> dict[str, str]:
        """territory's ListPeopleNames: anyone for an administrator, else the caller and the
        members (past ones too) of the teams they are a member or manager of."""
        self.named.append(tuple(user_ids))
        if self.names_refusal is not None:
            raise self.names_refusal
        me = self._person(token)
        visible = set(user_ids)
        if "admin" not in me.roles:
            rows = self.member_rows.values()
            mine = {m.team_id for m in rows if m.user_id == me.user_id and m.current}
            mine |= {t for t, ids in self.managers.items() if me.user_id in ids}
            visible = {m.user_id for m in rows if m.team_id in mine} | {me.user_id}
        named = {p.user_id: p.display_name for p in self.identity.people.values()}
        return {u: named[u] for u in user_ids if u in visible and u in named}

    def add_member(
        self, token: str, team_id: str, user_id: str, role: str, daily_capacity: int
    ) -> Membership:
        self._admin_or_manager(token, team_id, "add members")
        self.team(token, team_id)
        if any(m.user_id == user_id and m.current for m in self.memberships(token, team_id)):
            raise Refused(f"{user_id} is a member of the team already", field="user_id")
        new = Membership(
            self._next(self.member_rows, "membership"),
            team_id,
            user_id,
            role,
            NOW,
            None,
            daily_capacity,
            role != "manager",
            False,
        )
        self.member_rows[new.id] = new
        return new

    def end_membership(self, token: str, membership_id: str, reason: str) -> Membership:
        found = self.member_rows.get(membership_id)
        if found is None:
            raise NotFound(f"membership {membership_id} not found")
        self._admin_or_manager(token, found.team_id, "end memberships")
        self.member_rows[membership_id] = replace(found, ends_at=NOW)
        return self.member_rows[membership_id]

    def sales_lines(self, token: str) -> tuple[SalesLine, ...]:
        return tuple(self.line_rows.values())

    def sales_line(self, token: str, line_id: str) -> SalesLine:
        if line_id not in self.line_rows:
            raise NotFound(f"sales line {line_id} not found")
        return self.line_rows[line_id]

    def create_sales_line(
        self,
        token: str,
        name: str,
        description: str,
        workflow_kind: str,
        team_ids: tuple[str, ...],
    ) -> SalesLine:
        self._admin(token, "create sales lines")
        new = SalesLine(
            self._next(self.line_rows, "line"), name, description, workflow_kind, "", team_ids, True
        )
        self.line_rows[new.id] = new
        return new

    def targets(self, token: str, line_id: str, period: str) -> tuple[Target, ...]:
        return tuple(
            t
            for (line, p, _), t in self.target_rows.items()
            if line == line_id and (not period or p == period)
        )

    def set_targets(
        self, token: str, line_id: str, period: str, targets: tuple[Target, ...]
    ) -> tuple[Target, ...]:
        line = self.sales_line(token, line_id)
        for number, target in enumerate(targets):
            self._admin_or_manager(token, target.team_id, "set targets")
            if target.team_id not in line.team_ids:
                raise Refused(
                    f"targets[{number}].team_id: {target.team_id} does not work sales line "
                    f"{line.name!r}",
                    field=f"targets[{number}].team_id",
                )
        for target in targets:
            self.target_rows[(line_id, period, target.team_id)] = target
        return targets

    def territories(self, token: str) -> tuple[Territory, ...]:
        return tuple(self.territory_rows.values())

    def territory(self, token: str, territory_id: str) -> Territory:
        if territory_id not in self.territory_rows:
            raise NotFound(f"territory {territory_id} not found")
        return self.territory_rows[territory_id]

    def update_territory(
        self,
        token: str,
        territory_id: str,
        name: str,
        priority: int,
        version: int,
        pipeline_id: str | None = None,
    ) -> Territory:
        self._admin(token, "change territories")
        found = self.territory(token, territory_id)
        if version and version != found.version:
            raise Refused(f"territory {found.name!r} changed meanwhile; reload and try again")
        chosen = found.pipeline_id if pipeline_id is None else pipeline_id
        self._one_pipeline(found.sales_line_id, found.team_id, chosen, but=territory_id)
        self.territory_rows[territory_id] = replace(
            found,
            name=name or found.name,
            priority=priority or found.priority,
            version=found.version + 1,
            pipeline_id=chosen,
        )
        return self.territory_rows[territory_id]

    def _one_pipeline(self, line_id: str, team_id: str, pipeline_id: str, but: str = "") -> None:
        """territory: active territories of one line and team name the same pipeline or none."""
        for other in self.territory_rows.values():
            same = other.sales_line_id == line_id and other.team_id == team_id
            named = pipeline_id and other.pipeline_id not in ("", pipeline_id)
            if same and other.active and other.id != but and named:
                raise Refused(
                    f"pipeline_id: territory {other.name!r} of the same line and team "
                    f"names pipeline {other.pipeline_id}; name the same one or none",
                    field="pipeline_id",
                )

    def deactivate_territory(self, token: str, territory_id: str) -> Territory:
        self._admin(token, "deactivate territories")
        found = self.territory(token, territory_id)
        self.territory_rows[territory_id] = replace(found, active=False, version=found.version + 1)
        return self.territory_rows[territory_id]

    def _described(self, rules: tuple[Rule, ...], version: int) -> tuple[Rule, ...]:
        known = ("country", "industry", "company_size", "annual_revenue", "lead_source")
        described = []
        for number, rule in enumerate(rules):
            for c in rule.conditions:
                if c.attribute not in known:
                    raise Refused(
                        f"rules[{number}].conditions[0].attribute: unknown attribute "
                        f"{c.attribute!r}; use one of {', '.join(known)}",
                        field=f"rules[{number}].conditions[0].attribute",
                    )
            words = " and ".join(
                f"{c.attribute} is one of {', '.join(c.values)}" for c in rule.conditions
            )
            described.append(
                replace(rule, id=rule.id or f"rule-{version}-{number}", description=words)
            )
        return tuple(described)

    def create_territory(
        self,
        token: str,
        name: str,
        sales_line_id: str,
        team_id: str,
        priority: int,
        rules: tuple[Rule, ...],
        pipeline_id: str = "",
    ) -> Territory:
        self._admin(token, "create territories")
        if any(t.priority == priority for t in self.territory_rows.values()):
            raise Refused(f"priority {priority} is taken", field="priority")
        self._one_pipeline(sales_line_id, team_id, pipeline_id)
        new = Territory(
            self._next(self.territory_rows, "territory"),
            name,
            sales_line_id,
            team_id,
            priority,
            1,
            self._described(rules, 1),
            True,
            1,
            pipeline_id,
        )
        self.territory_rows[new.id] = new
        self.versions[new.id] = [RuleVersion(1, new.rules, NOW, "admin", "")]
        return new

    def set_rules(
        self,
        token: str,
        territory_id: str,
        rules: tuple[Rule, ...],
        rules_version: int,
        comment: str,
    ) -> Territory:
        self._admin(token, "change rules")
        found = self.territory(token, territory_id)
        if rules_version and rules_version != found.rules_version:
            raise Refused(
                f"the rules are at version {found.rules_version}, not {rules_version}; "
                "reload and try again"
            )
        version = found.rules_version + 1
        changed = replace(found, rules=self._described(rules, version), rules_version=version)
        self.territory_rows[territory_id] = changed
        self.versions[territory_id].insert(
            0, RuleVersion(version, changed.rules, NOW, "admin", comment)
        )
        return changed

    def rule_versions(self, token: str, territory_id: str) -> tuple[RuleVersion, ...]:
        self.territory(token, territory_id)
        return tuple(self.versions[territory_id])

    def rule_attributes(self, token: str) -> tuple[tuple[str, str], ...]:
        return (("country", "ISO country code"), ("industry", "Industry"))

    def preview_route(self, token: str, lead: LeadAttributes) -> RoutePreview:
        person = self._person(token)
        if "admin" not in person.roles and person.user_id not in self.supervisors:
            raise Refused("previewing routes needs the admin role or a supervisor+ role in a team")
        self.previews.append(lead)
        tried = 0
        for territory in sorted(self.territory_rows.values(), key=lambda t: t.priority):
            for position, rule in enumerate(territory.rules, start=1):
                tried += 1
                if all(getattr(lead, c.attribute, "") in c.values for c in rule.conditions):
                    return RoutePreview(
                        outcome="routed",
                        summary=(
                            f"rule {rule.name!r} of territory {territory.name!r} matched "
                            f"({rule.description}); owner chosen by round robin"
                        ),
                        territory_id=territory.id,
                        territory_name=territory.name,
                        team_id=territory.team_id,
                        owner_user_id="user-9",
                        rule=rule,
                        rule_position=position,
                        rules_version=territory.rules_version,
                        rules_tried=tried,
                        unroutable_reason="",
                        owner_reason="next in the round robin",
                        candidates=(Candidate("user-9", True, "", 2, 1),),
                    )
        return RoutePreview(
            "unroutable",
            "no rule of any active territory matched",
            "",
            "",
            "",
            "",
            None,
            0,
            0,
            tried,
            "no_rule_matched",
            "",
            (),
        )


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
        TargetVsActual(
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
    # reporting's answer to Funnel when set: PERMISSION_DENIED (Refused) or no answer (Unavailable)
    funnel_refusal: Exception | None = None

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
        if self.funnel_refusal is not None:
            self.asked.append(("funnel", scope, period))
            raise self.funnel_refusal
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
