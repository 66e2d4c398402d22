"""leads' api process: LeadService, CampaignService and ScoringService through the chassis gRPC
server (auth with identity's published keys, metrics, logs, error mapping, health, reflection).
Run crm_leads.migrate first.

    python -m crm_leads.entrypoints.api

Visibility comes from the local scope replica (territory's user_access_changed events, applied
by the worker), so a user who loses a team stops seeing its leads without a token check here.
"""
from __future__ import annotations

from crm.leads.v1 import (campaign_pb2, campaign_pb2_grpc, lead_service_pb2,
                          lead_service_pb2_grpc, scoring_pb2, scoring_pb2_grpc)

from crm_chassis.auth import identity_verifier
from crm_chassis.grpc import serve, service_name_of, start_server
from crm_chassis.logging import configure_logging
from crm_chassis.scopes.principal_check import refuse_deactivated_users
from crm_chassis.settings import check_startup

from crm_leads.adapters.grpc_campaigns import CampaignServicer
from crm_leads.adapters.grpc_leads import LeadServicer
from crm_leads.adapters.grpc_scoring import ScoringServicer
from crm_leads.entrypoints import settings as settings_module
from crm_leads.entrypoints.settings import LeadsSettings
from crm_leads.entrypoints.wiring import build
from crm_leads.service_layer.dependencies import Dependencies

SERVICE_NAMES = (service_name_of(lead_service_pb2, "LeadService"),
                 service_name_of(campaign_pb2, "CampaignService"),
                 service_name_of(scoring_pb2, "ScoringService"))


def register_servicers(deps: Dependencies, *, import_batch_size: int):
    def register(server) -> None:
        lead_service_pb2_grpc.add_LeadServiceServicer_to_server(
            LeadServicer(deps, import_batch_size=import_batch_size), server)
        campaign_pb2_grpc.add_CampaignServiceServicer_to_server(CampaignServicer(deps), server)
        scoring_pb2_grpc.add_ScoringServiceServicer_to_server(ScoringServicer(deps), server)
    return register


def start(settings: LeadsSettings, deps: Dependencies | None = None, *, verifier=None,
          **kwargs):
    """Start a server without blocking (tests, benchmarks); returns the RunningServer.
    ``verifier`` defaults to identity's published keys (closed when the server stops)."""
    wiring = None if deps is not None else build(settings)
    deps = deps or wiring.deps
    if wiring is not None:   # a real replica: a deactivated person's token ends here at once
        kwargs.setdefault("principal_check", refuse_deactivated_users(wiring.replica))
    on_stop = None
    if verifier is None:
        verifier = identity_verifier(settings)
        on_stop = verifier.key_source.close
    return start_server(settings, register_servicers(
        deps, import_batch_size=settings.import_batch_size), service_names=SERVICE_NAMES,
        verifier=verifier, on_stop=on_stop, **kwargs)


def main() -> None:
    settings = settings_module.load()
    check_startup(settings, "api")   # stops here when misconfigured
    configure_logging(settings)
    wiring = build(settings)
    verifier = identity_verifier(settings)
    serve(settings, register_servicers(wiring.deps, import_batch_size=settings.import_batch_size),
          service_names=SERVICE_NAMES, verifier=verifier, on_stop=verifier.key_source.close,
          principal_check=refuse_deactivated_users(wiring.replica))


if __name__ == "__main__":
    main()
