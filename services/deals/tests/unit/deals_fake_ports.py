"""In-memory fakes of the ports: territory's scopes and teams, catalog's pricing, the handover
strategy and territory's sales lines (the clock and ids are the chassis test kit's)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from crm_chassis.errors import ValidationErrors
from crm_deals.domain.handover import least_loaded
from crm_deals.domain.money import Money
from crm_deals.domain.pricing import PricedLine, PricedQuote
from crm_deals.domain.sales_lines import SalesLine
from crm_deals.service_layer.ports import (
    HandoverStrategy,
    Pricing,
    SalesLineSource,
    ScopeReader,
    TeamDirectory,
    TeamMember,
)


class FakeScopes(ScopeReader):
    def __init__(self):
        self.roles: dict[str, dict[str, str]] = {}

    def grant(self, user_id: str, team_id: str, role: str) -> None:
        self.roles.setdefault(user_id, {})[team_id] = role

    def revoke(self, user_id: str, team_id: str) -> None:
        self.roles.get(user_id, {}).pop(team_id, None)

    def roles_by_team(self, user_id):
        return dict(self.roles.get(user_id, {}))


class FakeTeams(TeamDirectory):
    """Derives members from the scopes (member roles) plus explicit unit managers."""

    def __init__(self, scopes: FakeScopes):
        self.scopes = scopes
        self.unit_managers: dict[str, list[str]] = {}
        self.memberships: dict[str, dict[str, str]] = {}

    def add_member(self, team_id, user_id, role="expert"):
        self.memberships.setdefault(team_id, {})[user_id] = role
        self.scopes.grant(user_id, team_id, role)

    def remove_member(self, team_id, user_id):
        self.memberships.get(team_id, {}).pop(user_id, None)
        self.scopes.revoke(user_id, team_id)

    def add_unit_manager(self, team_id, user_id):
        self.unit_managers.setdefault(team_id, []).append(user_id)
        self.scopes.grant(user_id, team_id, "manager")

    def members(self, team_id):
        return [
            TeamMember(u, role) for u, role in sorted(self.memberships.get(team_id, {}).items())
        ]

    def managers_of(self, team_id):
        team = [u for u, role in self.memberships.get(team_id, {}).items() if role == "manager"]
        return sorted(set(team + self.unit_managers.get(team_id, [])))


class FakeHandover(HandoverStrategy):
    def __init__(self):
        self.calls = []

    def assign(self, team_id, deals, remaining_user_ids, open_deals_by_user):
        self.calls.append((team_id, [d.id for d in deals], list(remaining_user_ids)))
        return least_loaded(deals, remaining_user_ids, open_deals_by_user)


class FakePricing(Pricing):
    """A tiny catalog: product id -> (name, unit price, discount per unit), one currency."""

    def __init__(self, prices: dict[str, tuple[str, str, str]] | None = None):
        self.prices = prices or {
            "p-widget": ("Widget", "19.99", "0"),
            "p-gadget": ("Gadget", "250.00", "12.50"),
            "p-thing": ("Thing", "0.10", "0"),
        }
        self.calls = []
        self.broken_total = False

    def price(self, lines, context):
        self.calls.append((list(lines), context))
        unknown = [
            (f"lines[{i}].product_id", f"product {line.product_id!r} not found")
            for i, line in enumerate(lines)
            if line.product_id not in self.prices
        ]
        if unknown:
            raise ValidationErrors(unknown)
        cur = context.currency
        priced = []
        for line in lines:
            name, unit, disc = self.prices[line.product_id]
            unit_price = Money(Decimal(unit), cur)
            discount = Money(
                (Decimal(disc) * line.quantity).quantize(Decimal("0.01"), ROUND_HALF_UP), cur
            )
            total = Money(
                (unit_price.amount * line.quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)
                - discount.amount,
                cur,
            )
            priced.append(
                PricedLine(
                    line.product_id,
                    name,
                    line.quantity,
                    unit_price,
                    discount,
                    total,
                    unit=line.unit,
                )
            )
        grand = sum((p.line_total.amount for p in priced), Decimal(0))
        if self.broken_total:
            grand += Decimal("0.01")
        return PricedQuote(cur, tuple(priced), Money(grand, cur), price_list_id="pl-1")


class FakeTerritoryLines(SalesLineSource):
    """territory's sales lines as GetSalesLine answers them; ``asked`` records every question."""

    def __init__(self, *line_ids: str):
        self.lines = {i: SalesLine(i, f"Line {i}", "quote", True, 1) for i in line_ids}
        self.asked: list[str] = []

    def get(self, sales_line_id):
        self.asked.append(sales_line_id)
        return self.lines.get(sales_line_id)
