"""Builds the console's dependencies from settings, once per process: one channel per service
(shared by every request; each call carries the signed-in person's own token)."""

from __future__ import annotations

from typing import Any

from crm_chassis.grpc.client import make_channel
from crm_console.adapters.catalog_grpc import CatalogGateway
from crm_console.adapters.deals_grpc import DealsGateway
from crm_console.adapters.identity_grpc import IdentityGateway
from crm_console.adapters.leads_grpc import LeadsGateway
from crm_console.adapters.organisation_grpc import OrganisationGateway
from crm_console.adapters.reporting_grpc import ReportingGateway
from crm_console.adapters.teams_grpc import TeamsGateway
from crm_console.entrypoints.settings import ConsoleSettings
from crm_console.service_layer.dependencies import Dependencies


def build_dependencies(settings: ConsoleSettings, **overrides: Any) -> Dependencies:
    timeout = settings.call_timeout_seconds
    identity = make_channel(settings.identity_address)
    leads = make_channel(settings.leads_address)
    deals = make_channel(settings.deals_address)
    catalog = make_channel(settings.catalog_address)
    territory = make_channel(settings.territory_address)
    reporting = make_channel(settings.reporting_address)
    values: dict[str, Any] = dict(
        identity=IdentityGateway(identity, timeout),
        leads=LeadsGateway(leads, timeout),
        deals=DealsGateway(deals, timeout),
        catalog=CatalogGateway(catalog, timeout),
        organisation=OrganisationGateway(territory, timeout),
        # The Team pages: one gateway over the channels above.
        teams=TeamsGateway(territory=territory, leads=leads, deals=deals, timeout=timeout),
        # The dashboards: reporting's figures, and territory's ListScopes for the scope choice.
        reporting=ReportingGateway(reporting, territory, timeout),
        closers=(
            identity.close,
            leads.close,
            deals.close,
            catalog.close,
            territory.close,
            reporting.close,
        ),
    )
    values.update(overrides)
    return Dependencies(**values)
