"""leads' api process: LeadService, CampaignService, ScoringService and LeadInteractionService
through the chassis gRPC server (auth with identity's published keys, metrics, logs, error
mapping, health, reflection). Run crm_leads.migrate first.

    python -m crm_leads.entrypoints.api

Visibility comes from the local scope replica (territory's user_access_changed events, applied
by the worker), so a user who loses a team stops seeing its leads without a token check here;
a deactivated person's token is refused on every call from the same replica.
"""

from __future__ import annotations

from crm.leads.v1 import (
    campaign_pb2,
    campaign_pb2_grpc,
    exports_pb2,
    exports_pb2_grpc,
    interactions_pb2,
    interactions_pb2_grpc,
    lead_service_pb2,
    lead_service_pb2_grpc,
    privacy_pb2,
    privacy_pb2_grpc,
    scoring_pb2,
    scoring_pb2_grpc,
    snapshots_pb2,
    snapshots_pb2_grpc,
)
from crm_chassis.entrypoints.api import ApiApp, Servicer
from crm_chassis.grpc.interceptor import PrincipalCheck
from crm_chassis.scopes.principal_check import refuse_deactivated_users
from crm_leads.adapters.grpc_campaigns import CampaignServicer
from crm_leads.adapters.grpc_exports import LeadExportServicer
from crm_leads.adapters.grpc_interactions import LeadInteractionServicer
from crm_leads.adapters.grpc_leads import LeadServicer
from crm_leads.adapters.grpc_privacy import LeadPrivacyServicer
from crm_leads.adapters.grpc_scoring import ScoringServicer
from crm_leads.adapters.grpc_snapshots import SnapshotServicer
from crm_leads.adapters.scopes import ReplicaScopeReader
from crm_leads.entrypoints import settings, wiring
from crm_leads.entrypoints.settings import LeadsSettings
from crm_leads.service_layer.dependencies import Dependencies


def principal_check(deps: Dependencies) -> PrincipalCheck | None:
    """A deactivated person's token ends here at once, when the scopes come from the replica."""
    if isinstance(deps.scopes, ReplicaScopeReader):
        return refuse_deactivated_users(deps.scopes.replica)
    return None


def _import_batch(loaded: LeadsSettings) -> dict[str, int]:
    return {"import_batch_size": loaded.import_batch_size}


APP: ApiApp[LeadsSettings, Dependencies] = ApiApp(
    service="leads",
    load_settings=settings.load,
    build_dependencies=wiring.build_dependencies,
    servicers=(
        Servicer(
            lead_service_pb2,
            "LeadService",
            lead_service_pb2_grpc.add_LeadServiceServicer_to_server,
            LeadServicer,
            settings_kwargs=_import_batch,
        ),
        Servicer(
            campaign_pb2,
            "CampaignService",
            campaign_pb2_grpc.add_CampaignServiceServicer_to_server,
            CampaignServicer,
        ),
        Servicer(
            scoring_pb2,
            "ScoringService",
            scoring_pb2_grpc.add_ScoringServiceServicer_to_server,
            ScoringServicer,
        ),
        Servicer(
            exports_pb2,
            "LeadExportService",
            exports_pb2_grpc.add_LeadExportServiceServicer_to_server,
            LeadExportServicer,
        ),
        Servicer(
            interactions_pb2,
            "LeadInteractionService",
            interactions_pb2_grpc.add_LeadInteractionServiceServicer_to_server,
            LeadInteractionServicer,
        ),
        Servicer(
            snapshots_pb2,
            "SnapshotService",
            snapshots_pb2_grpc.add_SnapshotServiceServicer_to_server,
            SnapshotServicer,
        ),
        Servicer(
            privacy_pb2,
            "LeadPrivacyService",
            privacy_pb2_grpc.add_LeadPrivacyServiceServicer_to_server,
            LeadPrivacyServicer,
        ),
    ),
    principal_check=principal_check,
)
SERVICE_NAMES = APP.service_names
start = APP.start  # tests, benchmarks: start(settings, deps=None, *, verifier=None, **kwargs)
main = APP.main

if __name__ == "__main__":
    main()
