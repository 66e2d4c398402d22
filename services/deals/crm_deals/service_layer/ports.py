"""What the deals use cases need from outside the service, as small interfaces (ports).

The adapters: ScopeReader and TeamDirectory read deals' own replica of territory's access
events (``adapters/scope_access.py``: an access check costs no network call), Pricing is a gRPC
client of catalog's PricingService.PriceQuote (``adapters/catalog_client.py``), HandoverStrategy
and SalesLineSource ask territory (``adapters/territory_client.py``). The unit tests use
in-memory fakes. :class:`crm_deals.service_layer.dependencies.Dependencies` carries them.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.pricing import LineRequest, PricedQuote
from crm_deals.domain.sales_lines import SalesLine

# Roles a person has in a team, as territory's TeamRole: each includes the ones before it.
EXPERT, SUPERVISOR, MANAGER = "expert", "supervisor", "manager"
ROLE_RANK = {EXPERT: 1, SUPERVISOR: 2, MANAGER: 3}


class ScopeReader(abc.ABC):
    @abc.abstractmethod
    def roles_by_team(self, user_id: str) -> Mapping[str, str]:
        """{team_id: role} for every team whose records ``user_id`` may see: the teams they are
        a member of, with their role there, and the teams below the units they manage, with
        role ``manager``. An administrator who is in no team gets {}."""


@dataclass(frozen=True)
class TeamMember:
    user_id: str
    role: str


class TeamDirectory(abc.ABC):
    @abc.abstractmethod
    def members(self, team_id: str) -> list[TeamMember]:
        """Current members of a team (not the managers of the units above)."""

    @abc.abstractmethod
    def managers_of(self, team_id: str) -> list[str]:
        """User ids of the team's managers and of the managers of the units above it."""


class HandoverStrategy(abc.ABC):
    @abc.abstractmethod
    def assign(
        self,
        team_id: str,
        deals: list[Opportunity],
        remaining_user_ids: list[str],
        open_deals_by_user: Mapping[str, int],
    ) -> dict[str, str]:
        """New owner per deal id for a leaving member's open deals, chosen among
        ``remaining_user_ids`` by the team's strategy (e.g. round robin, load balanced)."""


@dataclass(frozen=True)
class PricingContext:
    currency: str
    sales_line_id: str
    account_id: str
    pricing_date: dt.date
    price_list_id: str = ""


class Pricing(abc.ABC):
    @abc.abstractmethod
    def price(self, lines: list[LineRequest], context: PricingContext) -> PricedQuote:
        """Catalog's exact prices of ``lines``. Raises ValidationErrors naming the lines catalog
        could not price (unknown product, no price, ...), Unavailable when catalog cannot be
        reached."""


class SalesLineSource(abc.ABC):
    @abc.abstractmethod
    def get(self, sales_line_id: str) -> SalesLine | None:
        """Territory's sales line now (None when territory knows no such line). Asked only for
        a line deals has no copy of yet: one created moments ago, whose sales_line_changed
        event is still on its way. Raises Unavailable when territory cannot be reached."""
