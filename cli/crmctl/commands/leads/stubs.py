"""leads' default address (the port `make run` gives it) and its gRPC stubs on the session's
channel."""

from __future__ import annotations

from crm.leads.v1 import (
    campaign_pb2_grpc,
    exports_pb2_grpc,
    interactions_pb2_grpc,
    lead_service_pb2_grpc,
    scoring_pb2_grpc,
    snapshots_pb2_grpc,
)
from crmctl.config import DEFAULT_ADDRESSES
from crmctl.session import Session

DEFAULT_ADDRESSES.setdefault("leads", "127.0.0.1:50054")


class Stubs:
    def __init__(self, session: Session):
        channel = session.channel("leads")
        self.leads = lead_service_pb2_grpc.LeadServiceStub(channel)
        self.campaigns = campaign_pb2_grpc.CampaignServiceStub(channel)
        self.scoring = scoring_pb2_grpc.ScoringServiceStub(channel)
        self.exports = exports_pb2_grpc.LeadExportServiceStub(channel)
        self.interactions = interactions_pb2_grpc.LeadInteractionServiceStub(channel)
        self.snapshots = snapshots_pb2_grpc.SnapshotServiceStub(channel)
