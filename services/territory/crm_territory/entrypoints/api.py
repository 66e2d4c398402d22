"""territory's api process: serves OrgService, TeamService, MembershipService, SalesLineService,
TerritoryService, RoutingService and AccessService through the chassis gRPC server (auth with
identity's published keys, metrics, access logs, error mapping, health, reflection).

Run the migrations first (``python -m crm_territory.migrate``), then::

    python -m crm_territory.entrypoints.api
"""
from __future__ import annotations

from crm.territory.v1 import (
    access_pb2,
    access_pb2_grpc,
    org_pb2,
    org_pb2_grpc,
    routing_pb2,
    routing_pb2_grpc,
    sales_lines_pb2,
    sales_lines_pb2_grpc,
    teams_pb2,
    teams_pb2_grpc,
    territories_pb2,
    territories_pb2_grpc,
)
from crm_chassis.auth import identity_verifier
from crm_chassis.grpc import serve, service_name_of, start_server
from crm_chassis.logging import configure_logging
from crm_chassis.settings import check_startup
from crm_territory.adapters.grpc_access import AccessServicer
from crm_territory.adapters.grpc_memberships import MembershipServicer
from crm_territory.adapters.grpc_org import OrgServicer
from crm_territory.adapters.grpc_principal import refuse_deactivated_users
from crm_territory.adapters.grpc_routing import RoutingServicer
from crm_territory.adapters.grpc_sales_lines import SalesLineServicer
from crm_territory.adapters.grpc_teams import TeamServicer
from crm_territory.adapters.grpc_territories import TerritoryServicer
from crm_territory.entrypoints import settings as settings_module
from crm_territory.entrypoints.wiring import build_dependencies
from crm_territory.service_layer.dependencies import Dependencies

# (generated registration function, servicer class, pb2 module, service name)
_SERVICES = (
    (org_pb2_grpc.add_OrgServiceServicer_to_server, OrgServicer, org_pb2, "OrgService"),
    (teams_pb2_grpc.add_TeamServiceServicer_to_server, TeamServicer, teams_pb2, "TeamService"),
    (teams_pb2_grpc.add_MembershipServiceServicer_to_server, MembershipServicer, teams_pb2,
     "MembershipService"),
    (sales_lines_pb2_grpc.add_SalesLineServiceServicer_to_server, SalesLineServicer,
     sales_lines_pb2, "SalesLineService"),
    (territories_pb2_grpc.add_TerritoryServiceServicer_to_server, TerritoryServicer,
     territories_pb2, "TerritoryService"),
    (routing_pb2_grpc.add_RoutingServiceServicer_to_server, RoutingServicer, routing_pb2,
     "RoutingService"),
    (access_pb2_grpc.add_AccessServiceServicer_to_server, AccessServicer, access_pb2,
     "AccessService"),
)
SERVICE_NAMES = tuple(service_name_of(module, name) for _, _, module, name in _SERVICES)


def register(deps: Dependencies):
    """The ``register(server)`` the chassis server calls: every servicer on ``deps``."""
    def add(server) -> None:
        for add_to_server, servicer_class, _, _ in _SERVICES:
            add_to_server(servicer_class(deps), server)
    return add


def start(settings, deps: Dependencies, *, verifier, **kwargs):
    """Start a server without blocking (tests, benchmarks); returns the RunningServer."""
    return start_server(settings, register(deps), service_names=SERVICE_NAMES,
                        verifier=verifier, principal_check=refuse_deactivated_users(deps),
                        **kwargs)


def main() -> None:
    settings = settings_module.load()
    check_startup(settings, "api")   # stops here when misconfigured
    configure_logging(settings)
    deps = build_dependencies(settings)
    # Tokens are verified locally with identity's published keys (refreshed in the background).
    verifier = identity_verifier(settings)

    def on_stop() -> None:
        verifier.key_source.close()
        close = getattr(deps.directory, "close", None)   # the identity client's channel
        if close is not None:
            close()

    serve(settings, register(deps), service_names=SERVICE_NAMES, verifier=verifier,
          principal_check=refuse_deactivated_users(deps), on_stop=on_stop)


if __name__ == "__main__":
    main()
