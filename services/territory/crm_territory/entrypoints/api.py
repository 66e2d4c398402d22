"""territory's api process: serves OrgService, TeamService, MembershipService, SalesLineService,
TerritoryService, RoutingService and AccessService through the chassis entrypoint kit (auth with
identity's published keys, metrics, access logs, error mapping, health, reflection); tokens of
people territory knows to be deactivated are refused at once (``adapters/grpc_principal.py``).

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
    snapshots_pb2,
    snapshots_pb2_grpc,
    teams_pb2,
    teams_pb2_grpc,
    territories_pb2,
    territories_pb2_grpc,
)
from crm_chassis.entrypoints.api import ApiApp, Servicer
from crm_territory.adapters.grpc_access import AccessServicer
from crm_territory.adapters.grpc_memberships import MembershipServicer
from crm_territory.adapters.grpc_org import OrgServicer
from crm_territory.adapters.grpc_principal import refuse_deactivated_users
from crm_territory.adapters.grpc_routing import RoutingServicer
from crm_territory.adapters.grpc_sales_lines import SalesLineServicer
from crm_territory.adapters.grpc_snapshots import SnapshotServicer
from crm_territory.adapters.grpc_teams import TeamServicer
from crm_territory.adapters.grpc_territories import TerritoryServicer
from crm_territory.entrypoints import settings, wiring

APP = ApiApp(
    service="territory",
    load_settings=settings.load,
    build_dependencies=wiring.build_dependencies,
    servicers=(
        Servicer(org_pb2, "OrgService", org_pb2_grpc.add_OrgServiceServicer_to_server, OrgServicer),
        Servicer(
            teams_pb2, "TeamService", teams_pb2_grpc.add_TeamServiceServicer_to_server, TeamServicer
        ),
        Servicer(
            teams_pb2,
            "MembershipService",
            teams_pb2_grpc.add_MembershipServiceServicer_to_server,
            MembershipServicer,
        ),
        Servicer(
            sales_lines_pb2,
            "SalesLineService",
            sales_lines_pb2_grpc.add_SalesLineServiceServicer_to_server,
            SalesLineServicer,
        ),
        Servicer(
            territories_pb2,
            "TerritoryService",
            territories_pb2_grpc.add_TerritoryServiceServicer_to_server,
            TerritoryServicer,
        ),
        Servicer(
            routing_pb2,
            "RoutingService",
            routing_pb2_grpc.add_RoutingServiceServicer_to_server,
            RoutingServicer,
        ),
        Servicer(
            access_pb2,
            "AccessService",
            access_pb2_grpc.add_AccessServiceServicer_to_server,
            AccessServicer,
        ),
        Servicer(
            snapshots_pb2,
            "SnapshotService",
            snapshots_pb2_grpc.add_SnapshotServiceServicer_to_server,
            SnapshotServicer,
        ),
    ),
    principal_check=refuse_deactivated_users,
)
SERVICE_NAMES = APP.service_names
start = APP.start  # tests, benchmarks: start(settings, deps=None, *, verifier=None, **kwargs)
main = APP.main

if __name__ == "__main__":
    main()
