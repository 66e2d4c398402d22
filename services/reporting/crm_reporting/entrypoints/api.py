"""reporting's api process: SalesReportsService through the chassis entrypoint kit (auth with
identity's published keys, metrics, logs, error mapping, health, reflection). Run
``python -m crm_reporting.migrate`` first.

    python -m crm_reporting.entrypoints.api
"""

from __future__ import annotations

from crm.reporting.v1 import marketing_pb2, marketing_pb2_grpc, reports_pb2, reports_pb2_grpc
from crm_chassis.entrypoints.api import ApiApp, Servicer
from crm_chassis.grpc.interceptor import PrincipalCheck
from crm_chassis.scopes.principal_check import refuse_deactivated_users
from crm_reporting.adapters.grpc_marketing import MarketingReportsServicer
from crm_reporting.adapters.grpc_reports import SalesReportsServicer
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.entrypoints.settings import ReportingSettings
from crm_reporting.service_layer.dependencies import Dependencies


def principal_check(deps: Dependencies) -> PrincipalCheck | None:
    """Refuse deactivated people from the access replica (as leads and deals); none when the
    scopes port is a fake without one (tests)."""
    replica = getattr(deps.scopes, "replica", None)
    return refuse_deactivated_users(replica) if replica is not None else None


APP: ApiApp[ReportingSettings, Dependencies] = ApiApp(
    service=settings.SERVICE_NAME,
    load_settings=settings.load,
    build_dependencies=wiring.build_dependencies,
    servicers=(
        Servicer(
            reports_pb2,
            "SalesReportsService",
            reports_pb2_grpc.add_SalesReportsServiceServicer_to_server,
            SalesReportsServicer,
        ),
        Servicer(
            marketing_pb2,
            "MarketingReportsService",
            marketing_pb2_grpc.add_MarketingReportsServiceServicer_to_server,
            MarketingReportsServicer,
        ),
    ),
    principal_check=principal_check,
)
SERVICE_NAMES = APP.service_names
start = APP.start
main = APP.main

if __name__ == "__main__":
    main()
