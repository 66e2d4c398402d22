"""What the console needs from the services, as the adapters offer it (gRPC in production,
fakes in unit tests). Every call that reads or changes business data takes the signed-in
person's access token: the services apply their own visibility rules to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Protocol

from crm_console.domain.deals import (
    Account,
    Activity,
    Board,
    Contact,
    Deal,
    DealDocuments,
    DueTask,
    Invoice,
    LineRequest,
    LostReason,
    Order,
    PipelineRef,
    Pricing,
    Product,
    Quote,
)
from crm_console.domain.lead_query import LeadQuery
from crm_console.domain.leads import HistoryEntry, Lead, LeadActivity, Page
from crm_console.domain.organisation import (
    AutomationRule,
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
    Dashboard,
    Forecast,
    Leaderboard,
    LostReasons,
    PipelineFunnel,
    Report,
    ReportPeriod,
    ReportScope,
    SalesCycle,
    TargetVsActual,
    TeamScope,
    Velocity,
    WinRate,
)
from crm_console.domain.session import Me, Preferences, Tokens
from crm_console.domain.team import Absence, Membership, QueuedLead, Scope, Team


class IdentityPort(Protocol):
    def login(self, email: str, password: str, client_address: str) -> Tokens: ...

    def refresh(self, refresh_token: str) -> Tokens: ...

    def logout(self, refresh_token: str) -> None: ...

    def who_am_i(self, access_token: str) -> Me:
        """The signed-in person and their saved preferences (identity's WhoAmI)."""
        ...

    def save_preferences(
        self, token: str, preferences: Preferences, fields: tuple[str, ...]
    ) -> Preferences:
        """Store ``fields`` of the caller's own preferences (UpdateOwnPreferences); all of
        them. Refused (the API's sentence) for a language or zone identity does not know."""
        ...

    def find_people(
        self, token: str, text: str, *, active_only: bool
    ) -> tuple[tuple[DirectoryPerson, ...], bool]:
        """identity's ListUsers whose name or e-mail contains ``text``, as the caller: the first
        page, and whether identity has more."""
        ...


class LeadsPort(Protocol):
    def my_tasks(self, token: str, time_zone: str) -> tuple[DueTask, ...]:
        """The caller's open tasks on unconverted leads due by the end of this week in
        ``time_zone`` (leads' ListMyLeadTasks), as deals' ``my_tasks`` gives its own."""
        ...

    def search(self, token: str, query: LeadQuery) -> Page: ...

    def get(self, token: str, lead_id: str) -> Lead: ...

    def history(self, token: str, lead_id: str) -> tuple[HistoryEntry, ...]: ...

    def activities(self, token: str, lead_id: str) -> tuple[LeadActivity, ...]: ...

    def create(self, token: str, idempotency_key: str, values: Mapping[str, str]) -> Lead: ...

    def transition(
        self, token: str, lead_id: str, action: str, *, note: str = "", reason: str = ""
    ) -> Lead: ...

    def convert(self, token: str, lead_id: str, *, opportunity_name: str = "") -> Lead: ...

    def merge(self, token: str, survivor_id: str, duplicate_id: str) -> Lead: ...

    def import_rows(
        self,
        token: str,
        import_id: str,
        columns: list[str],
        rows: Iterable[Mapping[str, str]],
        progress: Callable[[int, int, int], None],
    ) -> Iterator[tuple[int, str, str]]: ...


# ---------------------------------------------------------------- deals and catalog (board, deal page)
class DealsPort(Protocol):
    def pipelines(self, token: str) -> tuple[PipelineRef, ...]: ...

    def board(self, token: str, sales_line_id: str) -> Board: ...

    def move(self, token: str, deal_id: str, stage_key: str, version: int) -> Deal: ...

    def close_won(
        self, token: str, deal_id: str, amount: Decimal, currency: str, day: str
    ) -> Deal: ...

    def close_lost(
        self, token: str, deal_id: str, reason: str, competitor: str, note: str
    ) -> Deal: ...

    def reopen(self, token: str, deal_id: str, reason: str) -> Deal: ...

    def lost_reasons(self, token: str) -> tuple[LostReason, ...]: ...

    def get(self, token: str, deal_id: str) -> Deal: ...

    def my_open_deals(self, token: str, owner_user_id: str) -> tuple[Deal, ...]: ...

    def my_tasks(self, token: str, time_zone: str) -> tuple[DueTask, ...]: ...

    def account(self, token: str, account_id: str) -> Account: ...

    def contacts(self, token: str, account_id: str) -> tuple[Contact, ...]: ...

    def timeline(self, token: str, deal_id: str) -> tuple[Activity, ...]: ...

    def log_activity(
        self,
        token: str,
        deal_id: str,
        *,
        kind: str,
        subject: str,
        body: str,
        due_at: dt.datetime | None,
        direction: str,
        duration_minutes: int,
    ) -> Activity: ...

    def complete_task(self, token: str, activity_id: str, done: bool) -> Activity: ...

    def quotes(self, token: str, deal_id: str) -> tuple[Quote, ...]: ...

    def create_quote(self, token: str, deal_id: str, title: str) -> Quote: ...

    def price_quote(self, token: str, quote_id: str, lines: tuple[LineRequest, ...]) -> Quote: ...

    def quote_action(self, token: str, quote_id: str, action: str, reason: str) -> Quote: ...

    def create_order(self, token: str, quote_id: str) -> Order: ...

    def create_invoice(self, token: str, order_id: str) -> Invoice: ...

    def documents(self, token: str, deal_id: str) -> DealDocuments: ...

    def invoice_deal(self, token: str, deal_id: str) -> Invoice: ...

    def issue_invoice(self, token: str, invoice_id: str) -> Invoice: ...

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
    ) -> Invoice: ...

    # the Organisation pages
    def pipeline_details(self, token: str) -> tuple[Pipeline, ...]: ...

    def create_pipeline(
        self,
        token: str,
        sales_line_id: str,
        name: str,
        stages: tuple[PipelineStage, ...],
        additional: bool,
    ) -> Pipeline: ...

    def automation_rules(self, token: str, pipeline_id: str) -> tuple[AutomationRule, ...]: ...

    def set_automation_enabled(self, token: str, rule_id: str, enabled: bool) -> AutomationRule: ...

    def create_automation_rule(
        self, token: str, pipeline_id: str, rule: NewAutomationRule, webhook_secret: str
    ) -> AutomationRule: ...

    def revise_pipeline(
        self,
        token: str,
        pipeline_id: str,
        stages: tuple[PipelineStage, ...],
        moves: Mapping[str, str],
        version: int,
    ) -> Pipeline: ...


class CatalogPort(Protocol):
    def products(self, token: str) -> tuple[Product, ...]: ...

    def price(
        self,
        token: str,
        lines: tuple[LineRequest, ...],
        *,
        sales_line_id: str,
        account_id: str,
        currency: str,
    ) -> Pricing: ...

    # the Organisation pages
    def all_products(self, token: str) -> tuple[Product, ...]: ...

    def price_lists(self, token: str) -> tuple[PriceList, ...]: ...


# ---------------------------------------------------------------- territory (the Organisation pages)
class OrganisationPort(Protocol):
    def units(self, token: str) -> tuple[OrgUnit, ...]: ...

    def create_unit(self, token: str, name: str, parent_id: str, department: str) -> OrgUnit: ...

    def rename_unit(self, token: str, unit_id: str, name: str, version: int) -> OrgUnit: ...

    def deactivate_unit(self, token: str, unit_id: str) -> OrgUnit: ...

    def move_unit(self, token: str, unit_id: str, parent_id: str, version: int) -> OrgUnit: ...

    def assign_manager(self, token: str, unit_id: str, user_id: str) -> OrgUnit: ...

    def remove_manager(self, token: str, unit_id: str, user_id: str) -> OrgUnit: ...

    def teams(self, token: str) -> tuple[Team, ...]: ...

    def team(self, token: str, team_id: str) -> Team: ...

    def rename_team(self, token: str, team_id: str, name: str, version: int) -> Team: ...

    def deactivate_team(self, token: str, team_id: str) -> Team: ...

    def create_team(
        self, token: str, name: str, unit_id: str, strategy: str, time_zone: str
    ) -> Team: ...

    def memberships(self, token: str, team_id: str) -> tuple[Membership, ...]: ...

    def add_member(
        self, token: str, team_id: str, user_id: str, role: str, daily_capacity: int
    ) -> Membership: ...

    def end_membership(self, token: str, membership_id: str, reason: str) -> Membership: ...

    def sales_lines(self, token: str) -> tuple[SalesLine, ...]: ...

    def sales_line(self, token: str, line_id: str) -> SalesLine: ...

    def create_sales_line(
        self,
        token: str,
        name: str,
        description: str,
        workflow_kind: str,
        team_ids: tuple[str, ...],
    ) -> SalesLine: ...

    def targets(self, token: str, line_id: str, period: str) -> tuple[Target, ...]: ...

    def set_targets(
        self, token: str, line_id: str, period: str, targets: tuple[Target, ...]
    ) -> tuple[Target, ...]: ...

    def territories(self, token: str) -> tuple[Territory, ...]: ...

    def territory(self, token: str, territory_id: str) -> Territory: ...

    def create_territory(
        self,
        token: str,
        name: str,
        sales_line_id: str,
        team_id: str,
        priority: int,
        rules: tuple[Rule, ...],
        pipeline_id: str = "",
    ) -> Territory: ...

    def set_rules(
        self,
        token: str,
        territory_id: str,
        rules: tuple[Rule, ...],
        rules_version: int,
        comment: str,
    ) -> Territory: ...

    def update_territory(
        self,
        token: str,
        territory_id: str,
        name: str,
        priority: int,
        version: int,
        pipeline_id: str | None = None,  # None keeps it, "" = back to the line's pipeline
    ) -> Territory: ...

    def deactivate_territory(self, token: str, territory_id: str) -> Territory: ...

    def rule_versions(self, token: str, territory_id: str) -> tuple[RuleVersion, ...]: ...

    def rule_attributes(self, token: str) -> tuple[tuple[str, str], ...]: ...

    def preview_route(self, token: str, lead: LeadAttributes) -> RoutePreview: ...

    def people_names(self, token: str, user_ids: tuple[str, ...]) -> Mapping[str, str]:
        """Names of the people among ``user_ids`` the caller may see (territory's
        ListPeopleNames: themselves and the members of the teams in their scopes; anyone for
        an administrator); the others are left out."""
        ...


# ---------------------------------------------------------------- teams (the Team pages)
class TeamsPort(Protocol):
    """territory's teams, memberships, absences and queue, with the calls that hand a lead or a
    deal to someone (leads' AssignLead, deals' ReassignDeal and TransferDeal) and the names of
    the people the caller may see (territory's ListPeopleNames)."""

    def scopes(self, token: str, user_id: str) -> tuple[Scope, ...]: ...

    def all_teams(self, token: str) -> tuple[Team, ...]: ...

    def memberships(self, token: str, team_id: str) -> tuple[Membership, ...]: ...

    def absences(self, token: str, user_id: str) -> tuple[Absence, ...]: ...

    def names(self, token: str, user_ids: tuple[str, ...]) -> Mapping[str, str]: ...

    def unassigned(self, token: str) -> tuple[QueuedLead, ...]: ...

    def retry_routing(self, token: str, lead_id: str) -> QueuedLead | None: ...

    def open_leads(self, token: str, team_id: str, owner_user_id: str = "") -> tuple[Lead, ...]: ...

    def open_deals(self, token: str, team_id: str, owner_user_id: str = "") -> tuple[Deal, ...]: ...

    def assign_lead(self, token: str, lead_id: str, team_id: str, owner_user_id: str) -> Lead: ...

    def reassign_deal(self, token: str, deal_id: str, owner_user_id: str, reason: str) -> Deal: ...

    def transfer_deal(self, token: str, deal_id: str, to_team_id: str, reason: str) -> Deal: ...

    def move_member(self, token: str, user_id: str, from_team_id: str, to_team_id: str) -> None: ...

    def record_absence(
        self, token: str, user_id: str, starts_at: dt.datetime, ends_at: dt.datetime, reason: str
    ) -> Absence: ...

    def cancel_absence(self, token: str, absence_id: str) -> Absence: ...


# ---------------------------------------------------------------- reporting (dashboards)
class ReportingPort(Protocol):
    """reporting's KPIs for a scope and period, and the teams a person may see (territory's
    ListScopes): every call with the person's own token, so reporting's visibility holds.
    ``currency``: the reporting currency (empty: one total per currency); the sales cycle has
    no amount and campaign ROI stays in each campaign's currency, so they take none."""

    def scopes(self, token: str, user_id: str) -> tuple[TeamScope, ...]: ...

    def dashboard(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Dashboard: ...

    def funnel(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Report[tuple[PipelineFunnel, ...]]: ...

    def win_rate(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Report[WinRate]: ...

    def lost_reasons(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> LostReasons: ...

    def sales_cycle(
        self, token: str, scope: ReportScope, period: ReportPeriod, open_deal_limit: int
    ) -> Report[SalesCycle]: ...

    def velocity(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Velocity: ...

    def forecast(
        self,
        token: str,
        scope: ReportScope,
        period: ReportPeriod,
        bucket: str,
        *,
        currency: str = "",
    ) -> Report[Forecast]: ...

    def targets(
        self, token: str, scope: ReportScope, period: ReportPeriod, *, currency: str = ""
    ) -> Report[tuple[TargetVsActual, ...]]: ...

    def campaign_roi(
        self, token: str, scope: ReportScope, period: ReportPeriod
    ) -> Report[tuple[CampaignRoi, ...]]: ...

    def leaderboard(
        self,
        token: str,
        scope: ReportScope,
        period: ReportPeriod,
        limit: int,
        *,
        currency: str = "",
    ) -> Report[Leaderboard]: ...
